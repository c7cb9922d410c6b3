"""The mongomock-backed wire server, driven through the real Motor and PyMongo."""

from __future__ import annotations

import datetime as dt
import socket
import struct
import subprocess
import sys
import textwrap
import threading
from collections.abc import AsyncIterator, Iterator
from typing import Any

import bson
import pymongo
import pytest
from motor.motor_asyncio import AsyncIOMotorClient, AsyncIOMotorDatabase
from pymongo import ReturnDocument
from pymongo.database import Database
from pymongo.errors import (
    AutoReconnect,
    BulkWriteError,
    DuplicateKeyError,
    OperationFailure,
)

from tests.support.mongo_wire import OP_MSG, OP_QUERY, OP_REPLY, MongoWireServer

DATABASE = "wire_test"


@pytest.fixture
def server() -> Iterator[MongoWireServer]:
    with MongoWireServer() as server:
        yield server


@pytest.fixture
async def motor_db(server: MongoWireServer) -> AsyncIterator[AsyncIOMotorDatabase]:
    client: AsyncIOMotorClient[dict[str, Any]]
    client = AsyncIOMotorClient(server.uri, tz_aware=True)
    yield client[DATABASE]
    client.close()


@pytest.fixture
def pymongo_db(server: MongoWireServer) -> Iterator[Database]:
    client: pymongo.MongoClient = pymongo.MongoClient(server.uri, tz_aware=True)
    yield client[DATABASE]
    client.close()


async def test_find_applies_filter_sort_limit_and_projection(
    motor_db: AsyncIOMotorDatabase,
) -> None:
    await motor_db.numbers.insert_many(
        [{"digits": f"+1555000{i:04d}", "rank": i % 7, "pool": "a"} for i in range(20)]
    )

    cursor = motor_db.numbers.find(
        {"rank": {"$gte": 3}}, {"_id": 0, "digits": 1, "rank": 1}
    )
    found = await cursor.sort([("rank", -1), ("digits", 1)]).limit(4).to_list(None)

    assert found == [
        {"digits": "+15550000006", "rank": 6},
        {"digits": "+15550000013", "rank": 6},
        {"digits": "+15550000005", "rank": 5},
        {"digits": "+15550000012", "rank": 5},
    ]


async def test_large_find_streams_through_get_more_batches(
    server: MongoWireServer, motor_db: AsyncIOMotorDatabase
) -> None:
    await motor_db.contacts.insert_many([{"n": i} for i in range(1_000)])

    found = await motor_db.contacts.find().sort("n").batch_size(100).to_list(None)

    assert [document["n"] for document in found] == list(range(1_000))
    assert server.attempts("getMore") == 9


async def test_closing_a_cursor_early_kills_it_on_the_server(
    server: MongoWireServer, motor_db: AsyncIOMotorDatabase
) -> None:
    await motor_db.contacts.insert_many([{"n": i} for i in range(50)])
    cursor = motor_db.contacts.find().batch_size(5)

    await cursor.next()
    await cursor.close()

    assert server.attempts("killCursors") == 1
    assert server.attempts("getMore") == 0


async def test_update_many_with_in_and_or_filters_and_bounded_push(
    motor_db: AsyncIOMotorDatabase,
) -> None:
    await motor_db.pools.insert_many(
        [
            {"_id": "p1", "tier": "gold", "recent": [1, 2]},
            {"_id": "p2", "tier": "silver", "recent": []},
            {"_id": "p3", "tier": "bronze", "recent": [9]},
        ]
    )

    result = await motor_db.pools.update_many(
        {"$or": [{"_id": {"$in": ["p1", "p2"]}}, {"tier": "platinum"}]},
        {"$push": {"recent": {"$each": [3, 4, 5], "$slice": -3}}},
    )

    assert (result.matched_count, result.modified_count) == (2, 2)
    by_id = {doc["_id"]: doc["recent"] async for doc in motor_db.pools.find()}
    assert by_id == {"p1": [3, 4, 5], "p2": [3, 4, 5], "p3": [9]}


async def test_find_one_and_update_returns_the_document_after(
    motor_db: AsyncIOMotorDatabase,
) -> None:
    await motor_db.pools.insert_one({"_id": "p1", "version": 1})

    after = await motor_db.pools.find_one_and_update(
        {"_id": "p1"},
        {"$inc": {"version": 1}},
        return_document=ReturnDocument.AFTER,
    )
    upserted = await motor_db.pools.find_one_and_update(
        {"_id": "p2"},
        {"$set": {"version": 1}},
        upsert=True,
        return_document=ReturnDocument.AFTER,
    )

    assert after == {"_id": "p1", "version": 2}
    assert upserted == {"_id": "p2", "version": 1}


async def test_find_one_and_update_returns_the_document_before_by_default(
    motor_db: AsyncIOMotorDatabase,
) -> None:
    await motor_db.pools.insert_one({"_id": "p1", "version": 1, "name": "east"})

    before = await motor_db.pools.find_one_and_update(
        {"_id": "p1"}, {"$set": {"version": 2}}, projection={"version": 1}
    )

    assert before == {"_id": "p1", "version": 1}


async def test_count_documents_counts_matching_documents(
    motor_db: AsyncIOMotorDatabase,
) -> None:
    await motor_db.contacts.insert_many([{"opted_out": i % 3 == 0} for i in range(30)])

    assert await motor_db.contacts.count_documents({"opted_out": True}) == 10
    assert await motor_db.contacts.count_documents({}) == 30
    assert await motor_db.contacts.estimated_document_count() == 30


async def test_unique_index_rejects_a_duplicate_key(
    motor_db: AsyncIOMotorDatabase,
) -> None:
    await motor_db.numbers.create_index("digits", unique=True)
    await motor_db.numbers.insert_one({"digits": "+15550001"})

    with pytest.raises(DuplicateKeyError):
        await motor_db.numbers.insert_one({"digits": "+15550001"})


async def test_unordered_insert_many_reports_each_duplicate(
    motor_db: AsyncIOMotorDatabase,
) -> None:
    await motor_db.numbers.insert_one({"_id": 2})

    with pytest.raises(BulkWriteError) as raised:
        await motor_db.numbers.insert_many(
            [{"_id": 1}, {"_id": 2}, {"_id": 3}], ordered=False
        )

    assert raised.value.details["nInserted"] == 2
    assert [error["code"] for error in raised.value.details["writeErrors"]] == [11000]


async def test_create_indexes_is_idempotent(motor_db: AsyncIOMotorDatabase) -> None:
    indexes = [
        pymongo.IndexModel([("tenant", 1), ("digits", 1)], unique=True),
        pymongo.IndexModel("updated_at", name="by_update"),
    ]

    first = await motor_db.numbers.create_indexes(indexes)
    second = await motor_db.numbers.create_indexes(indexes)

    assert first == second == ["tenant_1_digits_1", "by_update"]
    information = await motor_db.numbers.index_information()
    assert sorted(information) == ["_id_", "by_update", "tenant_1_digits_1"]
    assert information["tenant_1_digits_1"]["unique"] is True


async def test_list_collection_names_names_created_collections(
    motor_db: AsyncIOMotorDatabase,
) -> None:
    await motor_db.contacts.insert_one({"name": "Ada"})
    await motor_db.create_collection("pools")

    assert sorted(await motor_db.list_collection_names()) == ["contacts", "pools"]
    await motor_db.drop_collection("pools")
    assert await motor_db.list_collection_names() == ["contacts"]


async def test_dates_come_back_as_aware_utc(motor_db: AsyncIOMotorDatabase) -> None:
    moment = dt.datetime(2024, 5, 1, 12, 30, 15, 250_000, tzinfo=dt.UTC)

    await motor_db.events.insert_one({"at": moment})
    found = await motor_db.events.find_one({"at": {"$lte": moment}})

    assert found is not None
    assert found["at"] == moment
    assert found["at"].tzinfo is not None


async def test_aggregate_distinct_and_deletes(motor_db: AsyncIOMotorDatabase) -> None:
    await motor_db.numbers.insert_many(
        [{"pool": pool, "n": n} for pool in ("a", "b") for n in range(3)]
    )

    grouped = await motor_db.numbers.aggregate(
        [{"$group": {"_id": "$pool", "total": {"$sum": "$n"}}}, {"$sort": {"_id": 1}}]
    ).to_list(None)
    pools = await motor_db.numbers.distinct("pool")
    one = await motor_db.numbers.delete_one({"pool": "a"})
    rest = await motor_db.numbers.delete_many({"pool": "a"})

    assert grouped == [{"_id": "a", "total": 3}, {"_id": "b", "total": 3}]
    assert sorted(pools) == ["a", "b"]
    assert (one.deleted_count, rest.deleted_count) == (1, 2)


async def test_two_clients_see_each_others_writes(
    motor_db: AsyncIOMotorDatabase, pymongo_db: Database
) -> None:
    await motor_db.contacts.insert_one({"_id": "from-motor"})
    pymongo_db.contacts.insert_one({"_id": "from-pymongo"})

    seen_by_motor = await motor_db.contacts.distinct("_id")
    seen_by_pymongo = pymongo_db.contacts.distinct("_id")

    assert sorted(seen_by_motor) == sorted(seen_by_pymongo)
    assert sorted(seen_by_pymongo) == ["from-motor", "from-pymongo"]


def test_a_subprocess_writes_a_document_the_test_reads(
    server: MongoWireServer, pymongo_db: Database
) -> None:
    script = textwrap.dedent(
        f"""
        import sys
        import pymongo

        client = pymongo.MongoClient(sys.argv[1])
        client[{DATABASE!r}].contacts.insert_one({{"_id": "from-child"}})
        client.close()
        """
    )

    subprocess.run([sys.executable, "-c", script, server.uri], check=True, timeout=60)

    assert pymongo_db.contacts.find_one({"_id": "from-child"}) == {"_id": "from-child"}


async def test_injected_disconnects_fail_updates_until_used_up(
    server: MongoWireServer, motor_db: AsyncIOMotorDatabase
) -> None:
    await motor_db.pools.insert_one({"_id": "p1", "version": 0})
    server.fail_next("update", 2)

    # The server announces a standalone, on which PyMongo does not retry
    # writes, so each call makes exactly one attempt.
    for _ in range(2):
        with pytest.raises(AutoReconnect):
            await motor_db.pools.update_one({"_id": "p1"}, {"$inc": {"version": 1}})
    await motor_db.pools.update_one({"_id": "p1"}, {"$inc": {"version": 1}})

    assert server.attempts("update") == 3
    assert await motor_db.pools.find_one({"_id": "p1"}) == {"_id": "p1", "version": 1}


async def test_pymongo_retries_a_read_once_after_a_disconnect(
    server: MongoWireServer, motor_db: AsyncIOMotorDatabase
) -> None:
    await motor_db.pools.insert_one({"_id": "p1"})
    server.fail_next("find", 1)

    found = await motor_db.pools.find_one({"_id": "p1"})

    assert found == {"_id": "p1"}
    assert server.attempts("find") == 2


async def test_injected_error_replies_with_a_retryable_error(
    server: MongoWireServer, motor_db: AsyncIOMotorDatabase
) -> None:
    server.fail_next("insert", 1, mode="error")

    with pytest.raises(OperationFailure) as raised:
        await motor_db.pools.insert_one({"_id": "p1"})
    await motor_db.pools.insert_one({"_id": "p2"})

    assert raised.value.code == 6
    assert raised.value.has_error_label("RetryableWriteError")
    assert await motor_db.pools.distinct("_id") == ["p2"]


async def test_unknown_command_replies_command_not_found(
    motor_db: AsyncIOMotorDatabase,
) -> None:
    with pytest.raises(OperationFailure) as raised:
        await motor_db.command("frobnicate", 1)

    assert raised.value.code == 59


async def test_what_mongomock_cannot_do_is_an_error_not_a_hang_up(
    server: MongoWireServer, motor_db: AsyncIOMotorDatabase
) -> None:
    await motor_db.pools.insert_one({"_id": "p1", "numbers": [{"n": 1}]})

    with pytest.raises(OperationFailure) as raised:
        await motor_db.pools.update_one(
            {"_id": "p1"},
            {"$set": {"numbers.$[item].n": 2}},
            array_filters=[{"item.n": 1}],
        )

    assert raised.value.code == 238
    assert await motor_db.pools.count_documents({}) == 1
    assert server.attempts("update") == 1


def test_legacy_op_query_hello_gets_an_op_reply(server: MongoWireServer) -> None:
    query = bson.encode({"isMaster": 1, "helloOk": True})
    body = struct.pack("<i", 0) + b"admin.$cmd\x00" + struct.pack("<ii", 0, -1) + query
    message = struct.pack("<iiii", 16 + len(body), 7, 0, OP_QUERY) + body

    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(message)
        reply = _receive_message(sock)

    length, _request_id, response_to, op_code = struct.unpack_from("<iiii", reply)
    returned = struct.unpack_from("<i", reply, 32)[0]
    document = bson.decode(reply[36:])
    assert (length, response_to, op_code, returned) == (len(reply), 7, OP_REPLY, 1)
    assert document["ismaster"] is True
    assert document["ok"] == 1


def test_an_unreadable_message_closes_only_its_connection(
    server: MongoWireServer, pymongo_db: Database
) -> None:
    garbage = struct.pack("<iiii", 16 + 7, 1, 0, OP_MSG) + b"\x00" * 7

    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(garbage)
        closed = sock.recv(1) == b""

    assert closed
    assert pymongo_db.command("ping")["ok"] == 1


def test_stopping_closes_the_port_and_ends_the_thread() -> None:
    # Other tests' servers may be running; only this one's thread must end.
    running_before = _server_threads()
    with MongoWireServer() as server:
        port = server.port
        client: pymongo.MongoClient[dict[str, Any]] = pymongo.MongoClient(server.uri)
        client.admin.command("ping")

    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=10)
    assert _server_threads() == running_before
    client.close()


def _server_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.name == "mongo-wire-server"}


def test_reset_forgets_all_data(server: MongoWireServer, pymongo_db: Database) -> None:
    pymongo_db.contacts.insert_one({"_id": 1})

    server.reset()

    assert pymongo_db.contacts.count_documents({}) == 0
    assert server.attempts("insert") == 0


def _receive_message(sock: socket.socket) -> bytes:
    data = _receive_exactly(sock, 4)
    (length,) = struct.unpack("<i", data)
    return data + _receive_exactly(sock, length - 4)


def _receive_exactly(sock: socket.socket, size: int) -> bytes:
    chunks = b""
    while len(chunks) < size:
        chunk = sock.recv(size - len(chunks))
        if not chunk:
            raise ConnectionError("server closed the connection")
        chunks += chunk
    return chunks
