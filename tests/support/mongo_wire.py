"""A MongoDB wire-protocol server backed by mongomock, for tests only.

`MongoWireServer` listens on 127.0.0.1 and answers the real driver (PyMongo,
Motor) from one in-memory `mongomock.MongoClient`. Several processes, say
the test itself, a Celery worker and a CLI run, can then share one database
without a MongoDB installation:

    with MongoWireServer() as server:
        client = pymongo.MongoClient(server.uri)
        client.app.contacts.insert_one({"name": "Ada"})

It is a test stand-in, not a database. What it covers:

- Framing: OP_MSG (body and document-sequence sections) in both directions,
  and legacy OP_QUERY on `<db>.$cmd` answered with OP_REPLY, which older
  drivers use for the first `hello`. A request flagged moreToCome is run
  and not answered. No OP_COMPRESSED, no exhaust cursors, no checksums.
- Commands: hello/isMaster, ping, buildInfo, endSessions, listDatabases,
  find, getMore, killCursors, insert, update, delete, findAndModify, count,
  aggregate, distinct, create, drop, dropDatabase, listCollections,
  createIndexes, listIndexes, dropIndexes. Any other command, `explain`
  included, is answered CommandNotFound.
- Semantics are mongomock's: what mongomock lacks (array filters,
  collations, collection options, most of `$text` and geo) comes back as an
  `{ok: 0}` error reply, which the driver raises as OperationFailure.
  Sessions, transactions, read and write concerns are ignored, and the
  server announces itself as a standalone, so PyMongo never retries writes
  on its own; it does retry a failed read once.
  One mongomock habit shows through: a collection whose last document is
  deleted stops existing unless it has indexes or was created explicitly.
- Commands run one at a time on the server's event-loop thread, so every
  connection, from any process, sees one consistent database.
- Faults for tests: `fail_next` makes the next few arrivals of a command
  drop the connection or fail with a transient error.

Dates come back as BSON dates in UTC; clients made with `tz_aware=True` read
them as aware datetimes.
"""

from __future__ import annotations

import asyncio
import collections
import datetime as dt
import importlib.metadata
import itertools
import logging
import struct
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Literal, Self, TypeVar

import bson
import mongomock
from bson.binary import UuidRepresentation
from bson.codec_options import CodecOptions, DatetimeConversion
from bson.errors import BSONError, InvalidDocument
from bson.int64 import Int64
from mongomock.filtering import filter_applies
from pymongo import MongoClient
from pymongo.collection import Collection
from pymongo.database import Database
from pymongo.errors import CollectionInvalid, PyMongoError
from pymongo.results import UpdateResult

logger = logging.getLogger(__name__)

HOST = "127.0.0.1"

OP_REPLY = 1
OP_QUERY = 2004
OP_MSG = 2013

CHECKSUM_PRESENT = 1 << 0
MORE_TO_COME = 1 << 1

# The limits a MongoDB 6.0 server announces; drivers split their batches
# to fit them.
MAX_BSON_OBJECT_SIZE = 16 * 1024 * 1024
MAX_MESSAGE_SIZE_BYTES = 48_000_000
MAX_WRITE_BATCH_SIZE = 100_000

# Wire version 17 is MongoDB 6.0, inside the range PyMongo 4 and Motor 3
# accept.
MAX_WIRE_VERSION = 17
SERVER_VERSION = (6, 0, 0)
LOGICAL_SESSION_TIMEOUT_MINUTES = 30

# A real server's default first batch is 101 documents; later batches are
# bounded by size alone unless the client asks for fewer.
DEFAULT_FIRST_BATCH_SIZE = 101
MAX_BATCH_BYTES = MAX_BSON_OBJECT_SIZE

STARTUP_TIMEOUT_SECONDS = 10.0
SHUTDOWN_TIMEOUT_SECONDS = 10.0

# Decoded dates are naive UTC, as mongomock stores them; UUIDs round-trip as
# subtype 4 and out-of-range dates do not break decoding.
CODEC_OPTIONS: CodecOptions[dict[str, Any]] = CodecOptions(
    tz_aware=False,
    uuid_representation=UuidRepresentation.STANDARD,
    datetime_conversion=DatetimeConversion.DATETIME_AUTO,
)

_HEADER = struct.Struct("<iiii")
_INT32 = struct.Struct("<i")
_UINT32 = struct.Struct("<I")
_OP_QUERY_COUNTS = struct.Struct("<ii")
_OP_REPLY_PREFIX = struct.Struct("<iqii")
_OP_MSG_PREFIX = struct.Struct("<IB")
# The smallest BSON document, and the smallest document sequence (its size
# and an empty identifier), are both five bytes.
_MIN_SECTION_SIZE = 5

FaultMode = Literal["disconnect", "error"]

# What an "error" fault answers: a network-class error code that PyMongo
# counts as retryable for reads, labelled the way a server labels a
# retryable write.
TRANSIENT_ERROR_REPLY: dict[str, Any] = {
    "ok": 0.0,
    "errmsg": "injected transient failure",
    "code": 6,
    "codeName": "HostUnreachable",
    "errorLabels": ["RetryableWriteError"],
}

_Result = TypeVar("_Result")

Document = Mapping[str, Any]

# mongomock's type stubs describe its objects as PyMongo's.
MockDatabase = Database[dict[str, Any]]
MockCollection = Collection[dict[str, Any]]


class WireProtocolError(Exception):
    """A client sent bytes this server cannot read; it hangs up on them."""


class InjectedDisconnect(Exception):
    """A test asked for this command's connection to be dropped."""


class ServerStartError(Exception):
    """The server thread did not start listening."""


class CommandError(Exception):
    """A command failed the way a real server would report it."""

    def __init__(self, code: int, code_name: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.code_name = code_name

    def reply(self) -> dict[str, Any]:
        return {
            "ok": 0.0,
            "errmsg": str(self),
            "code": self.code,
            "codeName": self.code_name,
        }


class MongoWireServer:
    """A MongoDB server on a background thread, answering from mongomock.

    Start it, hand `uri` to any client in any process, stop it when done.
    As a context manager it starts on entry and stops on exit. The port is
    picked by the system unless one is given.
    """

    def __init__(self, port: int = 0) -> None:
        self._requested_port = port
        self._port: int | None = None
        self._backend = MongomockBackend()
        self._faults = FaultPlan()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop_requested: asyncio.Event | None = None
        self._listening = threading.Event()
        self._startup_error: OSError | None = None
        self._connections: dict[asyncio.Task[None], asyncio.StreamWriter] = {}
        self._connection_ids = itertools.count(1)
        self._reply_ids = itertools.count(1)

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("the server has not been started")
        return self._port

    @property
    def uri(self) -> str:
        return f"mongodb://{HOST}:{self.port}/?directConnection=true"

    def start(self) -> Self:
        if self._thread is not None:
            raise RuntimeError("the server is already running")

        self._listening.clear()
        self._startup_error = None
        self._thread = threading.Thread(
            target=self._run_event_loop, name="mongo-wire-server", daemon=True
        )
        self._thread.start()

        started = self._listening.wait(STARTUP_TIMEOUT_SECONDS)
        if self._startup_error is not None or not started:
            self._thread.join(SHUTDOWN_TIMEOUT_SECONDS)
            self._thread = None
            raise ServerStartError(
                f"could not listen on {HOST}:{self._requested_port}"
            ) from self._startup_error
        return self

    def stop(self) -> None:
        """Close every connection and end the server thread; safe to repeat."""
        if self._thread is None:
            return

        if self._loop is not None and self._stop_requested is not None:
            self._loop.call_soon_threadsafe(self._stop_requested.set)
        self._thread.join(SHUTDOWN_TIMEOUT_SECONDS)
        self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def fail_next(
        self,
        command_name: str,
        times: int = 1,
        mode: FaultMode = "disconnect",
        collection: str | None = None,
    ) -> None:
        """Make the next `times` arrivals of a command fail.

        "disconnect" closes the connection without running the command or
        replying: the driver raises AutoReconnect. "error" does not run the
        command either and replies with `TRANSIENT_ERROR_REPLY`. With
        `collection`, only the command's arrivals on that collection fail.
        """
        self._faults.schedule(command_name, times, mode, collection)

    def attempts(self, command_name: str) -> int:
        """How many times the command has arrived, failed ones included."""
        return self._faults.arrivals(command_name)

    def reset(self) -> None:
        """Forget all data, open cursors, scheduled faults and counts."""
        self._faults.clear()
        self._run_on_server_thread(self._backend.reset)

    def _run_on_server_thread(self, function: Callable[[], None]) -> None:
        if self._loop is None or self._thread is None:
            function()
            return

        async def run() -> None:
            function()

        future = asyncio.run_coroutine_threadsafe(run(), self._loop)
        future.result(SHUTDOWN_TIMEOUT_SECONDS)

    def _run_event_loop(self) -> None:
        asyncio.run(self._serve())

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop_requested = asyncio.Event()
        try:
            server = await asyncio.start_server(
                self._handle_connection, HOST, self._requested_port
            )
        except OSError as error:
            self._startup_error = error
            self._listening.set()
            return

        self._port = server.sockets[0].getsockname()[1]
        self._listening.set()
        await self._stop_requested.wait()

        server.close()
        await self._close_connections()
        await server.wait_closed()

    async def _close_connections(self) -> None:
        # Closing the transport ends each conversation at its next read;
        # cancelling the tasks instead makes Python 3.11's streams log an
        # error for every one of them.
        tasks = list(self._connections)
        for writer in self._connections.values():
            writer.close()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _handle_connection(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections[task] = writer
        connection_id = next(self._connection_ids)

        try:
            await self._converse(reader, writer, connection_id)
        except (ConnectionError, WireProtocolError, InjectedDisconnect) as error:
            logger.debug("Closing connection %s: %r", connection_id, error)
        finally:
            del self._connections[task]
            writer.close()

    async def _converse(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        connection_id: int,
    ) -> None:
        while (message := await read_message(reader)) is not None:
            reply = self._answer(message, connection_id)
            if reply is not None:
                writer.write(reply)
                await writer.drain()

    def _answer(self, message: Message, connection_id: int) -> bytes | None:
        request = parse_request(message)

        target = request.command[request.command_name]
        collection = target if isinstance(target, str) else None
        fault = self._faults.take(request.command_name, collection)
        if fault == "disconnect":
            raise InjectedDisconnect(request.command_name)
        if fault == "error":
            reply = dict(TRANSIENT_ERROR_REPLY)
        else:
            reply = self._backend.run(request, connection_id)

        if not request.expects_reply:
            return None
        return self._encode(request, reply)

    def _encode(self, request: Request, reply: Document) -> bytes:
        try:
            return encode_reply(request, reply, next(self._reply_ids))
        except InvalidDocument as error:
            message = f"reply cannot be encoded: {error}"
            failure = CommandError(1, "InternalError", message)
            return encode_reply(request, failure.reply(), next(self._reply_ids))


class FaultPlan:
    """Faults tests have asked for, and how often each command arrived.

    Tests schedule from their own thread while the server thread consumes,
    hence the lock. Command names match case-insensitively.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # Keyed by command name and collection; None stands for any.
        self._pending: dict[tuple[str, str | None], collections.deque[FaultMode]] = {}
        self._arrivals: collections.Counter[str] = collections.Counter()

    def schedule(
        self, command_name: str, times: int, mode: FaultMode, collection: str | None
    ) -> None:
        if mode not in ("disconnect", "error"):
            raise ValueError(f"unknown fault mode {mode!r}")

        with self._lock:
            pending = self._pending.setdefault(
                (command_name.lower(), collection), collections.deque()
            )
            pending.extend([mode] * times)

    def take(self, command_name: str, collection: str | None) -> FaultMode | None:
        """Count an arrival and return the fault it should suffer, if any."""
        name = command_name.lower()
        with self._lock:
            self._arrivals[name] += 1
            for key in ((name, collection), (name, None)):
                pending = self._pending.get(key)
                if pending:
                    return pending.popleft()
            return None

    def arrivals(self, command_name: str) -> int:
        with self._lock:
            return self._arrivals[command_name.lower()]

    def clear(self) -> None:
        with self._lock:
            self._pending.clear()
            self._arrivals.clear()


@dataclass(frozen=True)
class Message:
    request_id: int
    op_code: int
    body: bytes


@dataclass(frozen=True)
class Request:
    """One command as a client sent it, whatever the framing."""

    request_id: int
    op_code: int
    database: str
    command: dict[str, Any]
    expects_reply: bool

    @property
    def command_name(self) -> str:
        return next(iter(self.command))


async def read_message(reader: asyncio.StreamReader) -> Message | None:
    """Read one framed message, or None when the client has hung up."""
    try:
        header = await reader.readexactly(_HEADER.size)
    except asyncio.IncompleteReadError as error:
        if error.partial:
            raise WireProtocolError("connection closed inside a header") from error
        return None

    length, request_id, _response_to, op_code = _HEADER.unpack(header)
    if not _HEADER.size <= length <= MAX_MESSAGE_SIZE_BYTES:
        raise WireProtocolError(f"message length {length} is out of range")

    try:
        body = await reader.readexactly(length - _HEADER.size)
    except asyncio.IncompleteReadError as error:
        raise WireProtocolError("connection closed inside a message") from error
    return Message(request_id, op_code, body)


def parse_request(message: Message) -> Request:
    try:
        database, command, expects_reply = _unpack_command(message)
    except (struct.error, ValueError, IndexError, BSONError) as error:
        raise WireProtocolError(f"unreadable message: {error}") from error

    if not command:
        raise WireProtocolError("empty command document")
    return Request(
        message.request_id, message.op_code, database, command, expects_reply
    )


def _unpack_command(message: Message) -> tuple[str, dict[str, Any], bool]:
    if message.op_code == OP_MSG:
        command, flags = parse_op_msg(message.body)
        database = command.get("$db", "admin")
        expects_reply = not flags & MORE_TO_COME
    elif message.op_code == OP_QUERY:
        namespace, command = parse_op_query(message.body)
        database = _command_database(namespace)
        expects_reply = True
    else:
        raise WireProtocolError(f"unsupported opcode {message.op_code}")
    return database, command, expects_reply


def parse_op_msg(body: bytes) -> tuple[dict[str, Any], int]:
    """Return the command, with document sequences folded in, and the flags."""
    (flags,) = _UINT32.unpack_from(body, 0)
    end = len(body) - 4 if flags & CHECKSUM_PRESENT else len(body)
    offset = _UINT32.size
    command: dict[str, Any] | None = None
    sequences: dict[str, list[dict[str, Any]]] = {}

    while offset < end:
        kind = body[offset]
        (size,) = _INT32.unpack_from(body, offset + 1)
        if not _MIN_SECTION_SIZE <= size <= end - offset - 1:
            raise WireProtocolError(f"OP_MSG section size {size} is out of range")

        section = body[offset + 1 : offset + 1 + size]
        if kind == 0:
            command = bson.decode(section, codec_options=CODEC_OPTIONS)
        elif kind == 1:
            identifier, documents = _parse_document_sequence(section)
            sequences[identifier] = documents
        else:
            raise WireProtocolError(f"unknown OP_MSG section kind {kind}")
        offset += 1 + size

    if command is None:
        raise WireProtocolError("OP_MSG without a body section")
    command.update(sequences)
    return command, flags


def _parse_document_sequence(section: bytes) -> tuple[str, list[dict[str, Any]]]:
    name_end = section.index(b"\x00", _INT32.size)
    identifier = section[_INT32.size : name_end].decode()
    documents = bson.decode_all(section[name_end + 1 :], CODEC_OPTIONS)
    return identifier, documents


def parse_op_query(body: bytes) -> tuple[str, dict[str, Any]]:
    """Return the namespace and command of a legacy OP_QUERY command."""
    name_start = _INT32.size
    name_end = body.index(b"\x00", name_start)
    namespace = body[name_start:name_end].decode()

    document_start = name_end + 1 + _OP_QUERY_COUNTS.size
    (size,) = _INT32.unpack_from(body, document_start)
    query = bson.decode(body[document_start : document_start + size], CODEC_OPTIONS)

    # Drivers wrap a command in $query when they attach a read preference.
    command = query.get("$query", query)
    return namespace, command


def _command_database(namespace: str) -> str:
    database, _, collection = namespace.partition(".")
    if collection != "$cmd":
        raise WireProtocolError(f"legacy OP_QUERY on {namespace} is not a command")
    return database


def encode_reply(request: Request, document: Document, reply_id: int) -> bytes:
    encoded = bson.encode(document, codec_options=CODEC_OPTIONS)
    if request.op_code == OP_QUERY:
        op_code = OP_REPLY
        payload = _OP_REPLY_PREFIX.pack(0, 0, 0, 1) + encoded
    else:
        op_code = OP_MSG
        payload = _OP_MSG_PREFIX.pack(0, 0) + encoded

    header = _HEADER.pack(
        _HEADER.size + len(payload), reply_id, request.request_id, op_code
    )
    return header + payload


@dataclass(frozen=True)
class Call:
    """A command on its way to a handler, with the database it names."""

    name: str
    body: dict[str, Any]
    database: MockDatabase
    connection_id: int

    @property
    def target(self) -> Any:
        return self.body[self.name]

    @property
    def collection_name(self) -> str:
        if not isinstance(self.target, str) or not self.target:
            raise CommandError(
                73, "InvalidNamespace", f"{self.name} needs a collection name"
            )
        return self.target

    @property
    def collection(self) -> MockCollection:
        return self.database[self.collection_name]

    @property
    def namespace(self) -> str:
        return f"{self.database.name}.{self.collection_name}"

    def collection_exists(self) -> bool:
        return self.collection_name in self.database.list_collection_names()


Handler = Callable[[Call], dict[str, Any]]


class MongomockBackend:
    """Runs commands against one mongomock client and shapes the replies."""

    def __init__(self) -> None:
        self._client: MongoClient[dict[str, Any]] = mongomock.MongoClient()
        self._cursors = CursorStore()
        handlers: dict[str, Handler] = {
            "hello": _hello,
            "ismaster": _hello,
            "ping": _acknowledge,
            "endsessions": _acknowledge,
            "buildinfo": _build_info,
            "listdatabases": self._list_databases,
            "find": self._find,
            "getmore": self._get_more,
            "killcursors": self._kill_cursors,
            "insert": _insert,
            "update": _update,
            "delete": _delete,
            "findandmodify": _find_and_modify,
            "count": _count,
            "aggregate": self._aggregate,
            "distinct": _distinct,
            "create": _create,
            "drop": _drop,
            "dropdatabase": self._drop_database,
            "listcollections": self._list_collections,
            "createindexes": _create_indexes,
            "listindexes": self._list_indexes,
            "dropindexes": _drop_indexes,
        }
        self._handlers = handlers

    def reset(self) -> None:
        self._client = mongomock.MongoClient()
        self._cursors = CursorStore()

    def run(self, request: Request, connection_id: int) -> dict[str, Any]:
        name = request.command_name
        handler = self._handlers.get(name.lower())
        if handler is None:
            return _command_not_found(name).reply()

        try:
            call = Call(
                name, request.command, self._client[request.database], connection_id
            )
            return handler(call)
        except Exception as error:  # every failure must become a reply
            return _reply_for_failure(name, error)

    def _list_databases(self, call: Call) -> dict[str, Any]:
        entries = [
            {"name": name, "sizeOnDisk": 0, "empty": False}
            for name in self._client.list_database_names()
        ]
        matching = _matching(entries, call.body.get("filter"))
        if call.body.get("nameOnly"):
            matching = [{"name": entry["name"]} for entry in matching]
        return {"databases": matching, "totalSize": 0, "ok": 1.0}

    def _find(self, call: Call) -> dict[str, Any]:
        body = call.body
        _refuse_options(body, ("collation", "tailable", "min", "max", "returnKey"))

        documents = call.collection.find(
            body.get("filter") or {},
            projection=body.get("projection") or None,
            skip=body.get("skip", 0),
            limit=abs(body.get("limit", 0)),
            sort=_sort_pairs(body.get("sort")),
        )
        return self._cursors.open(
            call.namespace,
            documents,
            body.get("batchSize"),
            single_batch=body.get("singleBatch", False),
        )

    def _get_more(self, call: Call) -> dict[str, Any]:
        return self._cursors.more(int(call.target), call.body.get("batchSize"))

    def _kill_cursors(self, call: Call) -> dict[str, Any]:
        return self._cursors.kill(call.body.get("cursors", []))

    def _aggregate(self, call: Call) -> dict[str, Any]:
        body = call.body
        _refuse_options(body, ("explain", "collation", "let"))

        documents = call.collection.aggregate(body.get("pipeline", []))
        batch_size = (body.get("cursor") or {}).get("batchSize")
        return self._cursors.open(call.namespace, documents, batch_size)

    def _drop_database(self, call: Call) -> dict[str, Any]:
        self._client.drop_database(call.database.name)
        return {"ok": 1.0}

    def _list_collections(self, call: Call) -> dict[str, Any]:
        body = call.body
        names = sorted(call.database.list_collection_names())
        matching = _matching(map(_collection_entry, names), body.get("filter"))
        if body.get("nameOnly"):
            matching = [_name_and_type(entry) for entry in matching]

        namespace = f"{call.database.name}.$cmd.listCollections"
        batch_size = (body.get("cursor") or {}).get("batchSize")
        return self._cursors.open(namespace, matching, batch_size)

    def _list_indexes(self, call: Call) -> dict[str, Any]:
        if not call.collection_exists():
            raise CommandError(
                26, "NamespaceNotFound", f"ns does not exist: {call.namespace}"
            )

        indexes = list(call.collection.list_indexes())
        batch_size = (call.body.get("cursor") or {}).get("batchSize")
        return self._cursors.open(call.namespace, indexes, batch_size)


@dataclass
class OpenCursor:
    namespace: str
    pending: collections.deque[Document]


class CursorStore:
    """Results not yet sent, by cursor id, so large reads arrive in batches."""

    def __init__(self) -> None:
        self._open: dict[int, OpenCursor] = {}
        self._ids = itertools.count(1)

    def open(
        self,
        namespace: str,
        documents: Iterable[Document],
        batch_size: int | None,
        single_batch: bool = False,
    ) -> dict[str, Any]:
        pending = collections.deque(documents)
        limit = DEFAULT_FIRST_BATCH_SIZE if batch_size is None else batch_size
        first_batch = _take_batch(pending, limit)

        cursor_id = 0
        if pending and not single_batch:
            cursor_id = next(self._ids)
            self._open[cursor_id] = OpenCursor(namespace, pending)
        return _cursor_reply(cursor_id, namespace, "firstBatch", first_batch)

    def more(self, cursor_id: int, batch_size: int | None) -> dict[str, Any]:
        cursor = self._open.get(cursor_id)
        if cursor is None:
            message = f"cursor id {cursor_id} not found"
            raise CommandError(43, "CursorNotFound", message)

        batch = _take_batch(cursor.pending, batch_size or None)
        if not cursor.pending:
            del self._open[cursor_id]
            cursor_id = 0
        return _cursor_reply(cursor_id, cursor.namespace, "nextBatch", batch)

    def kill(self, cursor_ids: Iterable[int]) -> dict[str, Any]:
        killed: list[Int64] = []
        not_found: list[Int64] = []
        for cursor_id in cursor_ids:
            found = self._open.pop(int(cursor_id), None) is not None
            (killed if found else not_found).append(Int64(cursor_id))

        return {
            "cursorsKilled": killed,
            "cursorsNotFound": not_found,
            "cursorsAlive": [],
            "cursorsUnknown": [],
            "ok": 1.0,
        }


def _take_batch(
    pending: collections.deque[Document], limit: int | None
) -> list[Document]:
    """Pop up to `limit` documents, stopping early to keep the reply in size."""
    batch: list[Document] = []
    batch_bytes = 0
    while pending and (limit is None or len(batch) < limit):
        batch_bytes += len(bson.encode(pending[0], codec_options=CODEC_OPTIONS))
        if batch and batch_bytes > MAX_BATCH_BYTES:
            break
        batch.append(pending.popleft())
    return batch


def _cursor_reply(
    cursor_id: int,
    namespace: str,
    batch_field: str,
    batch: Sequence[Document],
) -> dict[str, Any]:
    cursor = {"id": Int64(cursor_id), "ns": namespace, batch_field: batch}
    return {"cursor": cursor, "ok": 1.0}


def _hello(call: Call) -> dict[str, Any]:
    primary_field = "isWritablePrimary" if call.name == "hello" else "ismaster"
    return {
        "helloOk": True,
        primary_field: True,
        "maxBsonObjectSize": MAX_BSON_OBJECT_SIZE,
        "maxMessageSizeBytes": MAX_MESSAGE_SIZE_BYTES,
        "maxWriteBatchSize": MAX_WRITE_BATCH_SIZE,
        "localTime": dt.datetime.now(dt.UTC),
        "logicalSessionTimeoutMinutes": LOGICAL_SESSION_TIMEOUT_MINUTES,
        "connectionId": call.connection_id,
        "minWireVersion": 0,
        "maxWireVersion": MAX_WIRE_VERSION,
        "readOnly": False,
        "ok": 1.0,
    }


def _acknowledge(call: Call) -> dict[str, Any]:
    return {"ok": 1.0}


def _build_info(call: Call) -> dict[str, Any]:
    return {
        "version": ".".join(str(part) for part in SERVER_VERSION),
        "versionArray": [*SERVER_VERSION, 0],
        "gitVersion": f"mongomock-{importlib.metadata.version('mongomock')}",
        "bits": 64,
        "maxBsonObjectSize": MAX_BSON_OBJECT_SIZE,
        "ok": 1.0,
    }


def _insert(call: Call) -> dict[str, Any]:
    collection = call.collection
    results, errors = _apply_statements(
        call.body.get("documents", []), _is_ordered(call), collection.insert_one
    )
    return _write_reply(len(results), errors)


def _update(call: Call) -> dict[str, Any]:
    collection = call.collection
    results, errors = _apply_statements(
        call.body.get("updates", []),
        _is_ordered(call),
        lambda statement: _run_update_statement(collection, statement),
    )

    counts = [result.raw_result or {} for _, result in results]
    reply = _write_reply(sum(count["n"] for count in counts), errors)
    reply["nModified"] = sum(count["nModified"] for count in counts)
    upserted = [
        {"index": index, "_id": result.upserted_id}
        for index, result in results
        if result.upserted_id is not None
    ]
    if upserted:
        reply["upserted"] = upserted
    return reply


def _run_update_statement(
    collection: MockCollection, statement: dict[str, Any]
) -> UpdateResult:
    _refuse_options(statement, ("collation",))
    return _apply_update(
        collection,
        statement.get("q") or {},
        statement["u"],
        upsert=statement.get("upsert", False),
        multi=statement.get("multi", False),
        array_filters=statement.get("arrayFilters"),
    )


def _apply_update(
    collection: MockCollection,
    query: dict[str, Any],
    update: dict[str, Any] | list[dict[str, Any]],
    *,
    upsert: bool,
    multi: bool,
    array_filters: list[dict[str, Any]] | None,
) -> UpdateResult:
    if isinstance(update, dict) and not _has_operators(update):
        if multi:
            raise CommandError(9, "FailedToParse", "multi needs update operators")
        return collection.replace_one(query, update, upsert=upsert)

    method = collection.update_many if multi else collection.update_one
    return method(query, update, upsert=upsert, array_filters=array_filters)


def _has_operators(update: Document) -> bool:
    return any(key.startswith("$") for key in update)


def _delete(call: Call) -> dict[str, Any]:
    collection = call.collection
    results, errors = _apply_statements(
        call.body.get("deletes", []),
        _is_ordered(call),
        lambda statement: _run_delete_statement(collection, statement),
    )
    return _write_reply(sum(deleted for _, deleted in results), errors)


def _run_delete_statement(collection: MockCollection, statement: Document) -> int:
    _refuse_options(statement, ("collation",))
    query = statement.get("q") or {}
    if statement.get("limit", 0) == 1:
        return collection.delete_one(query).deleted_count
    return collection.delete_many(query).deleted_count


def _apply_statements(
    statements: Sequence[dict[str, Any]],
    ordered: bool,
    apply: Callable[[dict[str, Any]], _Result],
) -> tuple[list[tuple[int, _Result]], list[dict[str, Any]]]:
    """Apply each write; a rejected one becomes a write error, as on a server.

    An ordered batch stops at its first error; an unordered one goes on.
    """
    results: list[tuple[int, _Result]] = []
    errors: list[dict[str, Any]] = []
    for index, statement in enumerate(statements):
        try:
            results.append((index, apply(statement)))
        except PyMongoError as error:
            errors.append(_write_error(index, error))
            if ordered:
                break
    return results, errors


def _write_error(index: int, error: PyMongoError) -> dict[str, Any]:
    return {
        "index": index,
        "code": getattr(error, "code", None) or 2,
        "errmsg": str(error),
    }


def _write_reply(count: int, errors: list[dict[str, Any]]) -> dict[str, Any]:
    reply: dict[str, Any] = {"n": count, "ok": 1.0}
    if errors:
        reply["writeErrors"] = errors
    return reply


def _is_ordered(call: Call) -> bool:
    return bool(call.body.get("ordered", True))


def _find_and_modify(call: Call) -> dict[str, Any]:
    body = call.body
    _refuse_options(body, ("collation", "let"))

    collection = call.collection
    query = body.get("query") or {}
    before = collection.find_one(query, sort=_sort_pairs(body.get("sort")))
    fields = body.get("fields") or None

    if body.get("remove"):
        return _find_and_remove(collection, before, fields)
    if body.get("update") is None:
        raise CommandError(9, "FailedToParse", "needs an update or remove=true")
    return _find_and_update(collection, body, query, before, fields)


def _find_and_remove(
    collection: MockCollection,
    before: dict[str, Any] | None,
    fields: dict[str, Any] | None,
) -> dict[str, Any]:
    if before is None:
        return _find_and_modify_reply(None, {"n": 0})

    value = collection.find_one({"_id": before["_id"]}, fields)
    collection.delete_one({"_id": before["_id"]})
    return _find_and_modify_reply(value, {"n": 1})


def _find_and_update(
    collection: MockCollection,
    body: dict[str, Any],
    query: dict[str, Any],
    before: dict[str, Any] | None,
    fields: dict[str, Any] | None,
) -> dict[str, Any]:
    if before is None and not body.get("upsert"):
        return _find_and_modify_reply(None, {"n": 0, "updatedExisting": False})

    # The old version is projected before the update overwrites it.
    old_value = None
    if before is not None:
        old_value = collection.find_one({"_id": before["_id"]}, fields)

    target = query if before is None else {"_id": before["_id"]}
    result = _apply_update(
        collection,
        target,
        body["update"],
        upsert=before is None,
        multi=False,
        array_filters=body.get("arrayFilters"),
    )

    document_id = result.upserted_id if before is None else before["_id"]
    last_error: dict[str, Any] = {"n": 1, "updatedExisting": before is not None}
    if before is None:
        last_error["upserted"] = document_id

    if body.get("new"):
        new_value = collection.find_one({"_id": document_id}, fields)
        return _find_and_modify_reply(new_value, last_error)
    return _find_and_modify_reply(old_value, last_error)


def _find_and_modify_reply(
    value: dict[str, Any] | None, last_error: dict[str, Any]
) -> dict[str, Any]:
    return {"lastErrorObject": last_error, "value": value, "ok": 1.0}


def _count(call: Call) -> dict[str, Any]:
    body = call.body
    options = {name: body[name] for name in ("skip", "limit") if body.get(name)}
    if "limit" in options:
        options["limit"] = abs(options["limit"])
    count = call.collection.count_documents(body.get("query") or {}, **options)
    return {"n": count, "ok": 1.0}


def _distinct(call: Call) -> dict[str, Any]:
    body = call.body
    _refuse_options(body, ("collation",))
    values = call.collection.distinct(body["key"], body.get("query") or None)
    return {"values": values, "ok": 1.0}


# Fields a driver adds to any command; `create` takes everything else as
# collection options.
_GENERIC_FIELDS = frozenset(
    {
        "$db",
        "lsid",
        "$clusterTime",
        "$readPreference",
        "txnNumber",
        "autocommit",
        "startTransaction",
        "writeConcern",
        "readConcern",
        "comment",
        "maxTimeMS",
        "apiVersion",
        "apiStrict",
        "apiDeprecationErrors",
    }
)


def _create(call: Call) -> dict[str, Any]:
    options = {
        key: value
        for key, value in call.body.items()
        if key != call.name and key not in _GENERIC_FIELDS
    }
    try:
        call.database.create_collection(call.collection_name, **options)
    except CollectionInvalid as error:
        raise CommandError(48, "NamespaceExists", str(error)) from error
    return {"ok": 1.0}


def _drop(call: Call) -> dict[str, Any]:
    if not call.collection_exists():
        return {"ok": 1.0}

    indexes_before = _index_count(call.collection)
    call.database.drop_collection(call.collection_name)
    return {"ns": call.namespace, "nIndexesWas": indexes_before, "ok": 1.0}


def _matching(
    entries: Iterable[dict[str, Any]], filter_spec: Document | None
) -> list[dict[str, Any]]:
    return [entry for entry in entries if filter_applies(filter_spec or {}, entry)]


def _name_and_type(entry: dict[str, Any]) -> dict[str, Any]:
    return {"name": entry["name"], "type": entry["type"]}


def _collection_entry(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "type": "collection",
        "options": {},
        "info": {"readOnly": False},
        "idIndex": {"v": 2, "key": {"_id": 1}, "name": "_id_"},
    }


# The index options mongomock understands; the rest (background, v, ...)
# change nothing it emulates.
_INDEX_OPTIONS = (
    "name",
    "unique",
    "sparse",
    "expireAfterSeconds",
    "partialFilterExpression",
)


def _create_indexes(call: Call) -> dict[str, Any]:
    collection = call.collection
    existed = call.collection_exists()
    indexes_before = _index_count(collection)

    for spec in call.body.get("indexes", []):
        _create_index(collection, spec)

    indexes_after = _index_count(collection)
    reply: dict[str, Any] = {
        "createdCollectionAutomatically": not existed,
        "numIndexesBefore": indexes_before,
        "numIndexesAfter": indexes_after,
        "ok": 1.0,
    }
    if indexes_before == indexes_after:
        reply["note"] = "all indexes already exist"
    return reply


def _create_index(collection: MockCollection, spec: dict[str, Any]) -> None:
    _refuse_options(spec, ("collation",))
    if spec.get("name") == "_id_":
        return

    options = {name: spec[name] for name in _INDEX_OPTIONS if name in spec}
    collection.create_index(list(spec["key"].items()), **options)


def _index_count(collection: MockCollection) -> int:
    # Every collection has its _id index, even one mongomock has not created.
    return len(collection.index_information()) or 1


def _drop_indexes(call: Call) -> dict[str, Any]:
    collection = call.collection
    indexes_before = _index_count(collection)

    index = call.body["index"]
    if index == "*":
        collection.drop_indexes()
    elif isinstance(index, list):
        for name in index:
            _drop_index(collection, name)
    else:
        _drop_index(collection, index)
    return {"nIndexesWas": indexes_before, "ok": 1.0}


def _drop_index(collection: MockCollection, index: str | dict[str, Any]) -> None:
    name_or_keys = list(index.items()) if isinstance(index, dict) else index
    if name_or_keys in ("_id_", [("_id", 1)]):
        raise CommandError(72, "InvalidOptions", "cannot drop _id index")

    try:
        collection.drop_index(name_or_keys)
    except PyMongoError as error:
        raise CommandError(27, "IndexNotFound", str(error)) from error


def _sort_pairs(sort: Document | None) -> list[tuple[str, Any]] | None:
    return list(sort.items()) if sort else None


def _refuse_options(options: Document, unsupported: Iterable[str]) -> None:
    """Fail loudly on options that would change results mongomock cannot."""
    for name in unsupported:
        if options.get(name) not in (None, False):
            raise CommandError(238, "NotImplemented", f"{name} is not emulated")


_CODE_NAMES = {2: "BadValue", 11000: "DuplicateKey", 26: "NamespaceNotFound"}


def _code_name(code: int) -> str:
    # A real server names an error without a symbolic name after its code.
    return _CODE_NAMES.get(code, f"Location{code}")


def _command_not_found(name: str) -> CommandError:
    return CommandError(59, "CommandNotFound", f"no such command: '{name}'")


def _reply_for_failure(command_name: str, error: Exception) -> dict[str, Any]:
    if isinstance(error, CommandError):
        return error.reply()
    if isinstance(error, PyMongoError):
        code = getattr(error, "code", None) or 2
        return CommandError(code, _code_name(code), str(error)).reply()
    if isinstance(error, NotImplementedError):
        message = str(error) or command_name
        return CommandError(238, "NotImplemented", message).reply()

    # Anything else is mongomock or this module tripping over its input;
    # the traceback is the only trace a test author will get of it.
    logger.warning("Command %s failed in the server", command_name, exc_info=error)
    message = f"{type(error).__name__}: {error}"
    return CommandError(1, "InternalError", message).reply()
