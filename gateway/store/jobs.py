"""Recompute jobs: the outbox of work to do, its chunks and its progress.

A job is written before the change it follows (`committed` false) and
committed after it. A job is never lost between the two: one that stays
uncommitted past the stall deadline is treated as committed, since running
a recompute that was not needed does no harm.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from bson import ObjectId
from pymongo import ReturnDocument

from gateway.records import (
    Cause,
    Chunk,
    ChunkBounds,
    JobKind,
    JobStatus,
    RecomputeJob,
)
from gateway.store.documents import Collection, Document, object_id, optional_id

_AFTER = ReturnDocument.AFTER

# A job's chunk list can be long; only planning and the sweep need it.
_WITHOUT_CHUNKS = {"chunks": 0}

# How many jobs one sweep hands to the broker; the next sweep takes the rest.
SWEEP_BATCH = 100

_UNFINISHED = [JobStatus.QUEUED.value, JobStatus.RUNNING.value]


class JobStore:
    def __init__(self, collection: Collection) -> None:
        self._jobs = collection

    async def create(
        self,
        location_id: str,
        kind: JobKind,
        cause: Cause,
        *,
        user_id: str | None = None,
        number: str | None = None,
        committed: bool,
    ) -> RecomputeJob:
        now = datetime.now(UTC)
        doc: Document = {
            "_id": ObjectId(),
            "locationId": ObjectId(location_id),
            "kind": kind.value,
            "userId": None if user_id is None else ObjectId(user_id),
            "number": number,
            "status": JobStatus.QUEUED.value,
            "committed": committed,
            "cause": cause.name,
            "requestId": cause.request_id,
            "planned": False,
            "chunks": [],
            "contactsTotal": None,
            "contactsDone": 0,
            "chunksTotal": None,
            "chunksDone": 0,
            "retries": 0,
            "queuedAt": now,
            "dispatchedAt": None,
            "startedAt": None,
            "finishedAt": None,
            "heartbeatAt": now,
            "lastError": None,
        }
        await self._jobs.insert_one(doc)
        return _job(doc)

    async def commit(self, job_id: str) -> bool:
        """Mark the change as written; False when the job already started."""
        result = await self._jobs.update_one(
            {"_id": ObjectId(job_id), "committed": False, "status": "QUEUED"},
            {"$set": {"committed": True, "heartbeatAt": datetime.now(UTC)}},
        )
        return int(result.modified_count) == 1

    async def discard(self, job_id: str) -> None:
        """Forget a job whose change was refused, so nothing is left behind."""
        await self._jobs.delete_one({"_id": ObjectId(job_id), "committed": False})

    async def get(
        self, job_id: str, location_id: str | None = None
    ) -> RecomputeJob | None:
        oid = object_id(job_id)
        if oid is None:
            return None
        query: Document = {"_id": oid}
        if location_id is not None:
            query["locationId"] = ObjectId(location_id)
        doc = await self._jobs.find_one(query, _WITHOUT_CHUNKS)
        return None if doc is None else _job(doc)

    async def recent(self, location_id: str, first: int) -> list[RecomputeJob]:
        # By the time queued, not by _id: ids made in different processes
        # within one second do not sort in the order they were made.
        cursor = (
            self._jobs.find({"locationId": ObjectId(location_id)}, _WITHOUT_CHUNKS)
            .sort([("queuedAt", -1), ("_id", -1)])
            .limit(first)
        )
        return [_job(doc) for doc in await cursor.to_list(first)]

    async def mark_dispatched(self, job_id: str) -> None:
        await self._jobs.update_one(
            {"_id": ObjectId(job_id)},
            {
                "$set": {
                    "dispatchedAt": datetime.now(UTC),
                    "heartbeatAt": datetime.now(UTC),
                }
            },
        )

    async def start(self, job_id: str) -> RecomputeJob | None:
        """Move a queued job to RUNNING; None when it has already finished."""
        now = datetime.now(UTC)
        await self._jobs.update_one(
            {"_id": ObjectId(job_id), "status": JobStatus.QUEUED.value},
            {
                "$set": {
                    "status": JobStatus.RUNNING.value,
                    "committed": True,
                    "startedAt": now,
                }
            },
        )
        doc = await self._jobs.find_one_and_update(
            {"_id": ObjectId(job_id), "status": JobStatus.RUNNING.value},
            {"$set": {"heartbeatAt": now}},
            projection=_WITHOUT_CHUNKS,
            return_document=_AFTER,
        )
        return None if doc is None else _job(doc)

    async def save_plan(self, job_id: str, bounds: Sequence[ChunkBounds]) -> None:
        """Record the job's chunks, unless another planner already did."""
        chunks = [
            {
                "first": ObjectId(b.first_id),
                "last": ObjectId(b.last_id),
                "count": b.count,
                "done": False,
            }
            for b in bounds
        ]
        await self._jobs.update_one(
            {"_id": ObjectId(job_id), "planned": False},
            {
                "$set": {
                    "planned": True,
                    "chunks": chunks,
                    "chunksTotal": len(chunks),
                    "contactsTotal": sum(b.count for b in bounds),
                    "heartbeatAt": datetime.now(UTC),
                }
            },
        )

    async def pending_chunks(self, job_id: str) -> list[Chunk] | None:
        """The chunks still to do; None when the job has not been planned."""
        doc = await self._jobs.find_one(
            {"_id": ObjectId(job_id)}, {"planned": 1, "chunks": 1}
        )
        if doc is None or not doc["planned"]:
            return None
        return [
            Chunk(
                index=index,
                first_id=str(chunk["first"]),
                last_id=str(chunk["last"]),
                count=chunk["count"],
            )
            for index, chunk in enumerate(doc["chunks"])
            if not chunk["done"]
        ]

    async def complete_chunk(
        self, job_id: str, index: int, count: int
    ) -> RecomputeJob | None:
        """Count a chunk as done once; None when it was already counted."""
        done_flag = f"chunks.{index}.done"
        doc = await self._jobs.find_one_and_update(
            {"_id": ObjectId(job_id), done_flag: False},
            {
                "$set": {done_flag: True, "heartbeatAt": datetime.now(UTC)},
                "$inc": {"chunksDone": 1, "contactsDone": count},
            },
            projection=_WITHOUT_CHUNKS,
            return_document=_AFTER,
        )
        return None if doc is None else _job(doc)

    async def finish(self, job_id: str) -> RecomputeJob | None:
        """Mark a running job SUCCEEDED once every chunk is done."""
        doc = await self._jobs.find_one({"_id": ObjectId(job_id)}, {"chunksTotal": 1})
        if doc is None or doc["chunksTotal"] is None:
            return None
        doc = await self._jobs.find_one_and_update(
            {
                "_id": ObjectId(job_id),
                "status": JobStatus.RUNNING.value,
                "chunksDone": doc["chunksTotal"],
            },
            {
                "$set": {
                    "status": JobStatus.SUCCEEDED.value,
                    "finishedAt": datetime.now(UTC),
                    "heartbeatAt": datetime.now(UTC),
                }
            },
            projection=_WITHOUT_CHUNKS,
            return_document=_AFTER,
        )
        return None if doc is None else _job(doc)

    async def record_retry(self, job_id: str, error: str) -> None:
        await self._jobs.update_one(
            {"_id": ObjectId(job_id)},
            {"$inc": {"retries": 1}, "$set": {"lastError": error}},
        )

    async def fail(self, job_id: str, error: str) -> RecomputeJob | None:
        """Mark an unfinished job FAILED; None when it had already finished."""
        now = datetime.now(UTC)
        doc = await self._jobs.find_one_and_update(
            {"_id": ObjectId(job_id), "status": {"$in": _UNFINISHED}},
            {
                "$set": {
                    "status": JobStatus.FAILED.value,
                    "lastError": error,
                    "finishedAt": now,
                    "heartbeatAt": now,
                }
            },
            projection=_WITHOUT_CHUNKS,
            return_document=_AFTER,
        )
        return None if doc is None else _job(doc)

    async def due_for_dispatch(self, stall: timedelta) -> list[RecomputeJob]:
        """Jobs the broker may not have: never handed over, or gone quiet."""
        stalled_before = datetime.now(UTC) - stall
        query = {
            "status": {"$in": _UNFINISHED},
            "$or": [
                {"committed": True, "dispatchedAt": None},
                {"heartbeatAt": {"$lt": stalled_before}},
            ],
        }
        cursor = (
            self._jobs.find(query, _WITHOUT_CHUNKS).sort("_id", 1).limit(SWEEP_BATCH)
        )
        return [_job(doc) for doc in await cursor.to_list(SWEEP_BATCH)]

    async def count_unfinished_by_status(self) -> dict[JobStatus, int]:
        """How many jobs are QUEUED and RUNNING: the outbox's depth."""
        cursor = self._jobs.aggregate(
            [
                {"$match": {"status": {"$in": _UNFINISHED}}},
                {"$group": {"_id": "$status", "count": {"$sum": 1}}},
            ]
        )
        return {
            JobStatus(group["_id"]): int(group["count"])
            for group in await cursor.to_list(None)
        }


def _job(doc: Document) -> RecomputeJob:
    return RecomputeJob(
        id=str(doc["_id"]),
        location_id=str(doc["locationId"]),
        kind=JobKind(doc["kind"]),
        status=JobStatus(doc["status"]),
        user_id=optional_id(doc.get("userId")),
        number=doc.get("number"),
        cause=doc["cause"],
        request_id=doc.get("requestId"),
        contacts_total=doc.get("contactsTotal"),
        contacts_done=doc["contactsDone"],
        chunks_total=doc.get("chunksTotal"),
        chunks_done=doc["chunksDone"],
        retries=doc["retries"],
        queued_at=doc["queuedAt"],
        started_at=doc.get("startedAt"),
        finished_at=doc.get("finishedAt"),
        last_error=doc.get("lastError"),
    )
