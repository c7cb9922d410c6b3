"""The indexes behind every query the gateway and the tasks run.

Each names the queries it serves; tests/test_indexes.py checks with
`explain`, on a real server, that every query the gateway and the tasks
send is served by one. `ensure_indexes` runs at every start-up; creating an
index that already exists is a no-op.
"""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING, DESCENDING, IndexModel

INDEXES: dict[str, list[IndexModel]] = {
    "locations": [
        # Authenticating a request: LocationStore.find_by_key_hash. Sparse,
        # because a revoked key leaves the field unset.
        IndexModel("apiKeyHash", unique=True, sparse=True, name="api_key_hash"),
    ],
    "users": [
        # UserStore.list: a location's users in creation order.
        IndexModel(
            [("locationId", ASCENDING), ("_id", ASCENDING)], name="location_users"
        ),
    ],
    "contacts": [
        # ContactStore.insert: one phone per location (DuplicatePhone).
        IndexModel(
            [("locationId", ASCENDING), ("phone", ASCENDING)],
            unique=True,
            name="location_phone",
        ),
        # ContactStore.page and count without a filter; chunk_bounds and
        # chunk_states of a whole-location recompute. (The conditional
        # writes of write_selections name each contact by _id.)
        IndexModel([("locationId", ASCENDING), ("_id", ASCENDING)], name="location_id"),
        # Filters on the assigned user or on being unassigned, User.contacts,
        # and the chunks of a recompute for one user's contacts.
        IndexModel(
            [
                ("locationId", ASCENDING),
                ("assignedUserId", ASCENDING),
                ("_id", ASCENDING),
            ],
            name="location_assigned_user",
        ),
        # ContactStore.input_groups and with_inputs, for the impact preview:
        # the grouping is answered from the index alone.
        IndexModel(
            [
                ("locationId", ASCENDING),
                ("assignedUserId", ASCENDING),
                ("lastOutboundNumber", ASCENDING),
            ],
            name="location_selection_inputs",
        ),
        # The outboundNumber filter, which reads the cached selection.
        IndexModel(
            [
                ("locationId", ASCENDING),
                ("selection.number", ASCENDING),
                ("_id", ASCENDING),
            ],
            name="location_selection_number",
        ),
        # The reason filter, which reads the cached selection.
        IndexModel(
            [
                ("locationId", ASCENDING),
                ("selection.reason", ASCENDING),
                ("_id", ASCENDING),
            ],
            name="location_selection_reason",
        ),
    ],
    "recompute_jobs": [
        # JobStore.recent: a location's jobs, newest first.
        IndexModel(
            [("locationId", ASCENDING), ("queuedAt", DESCENDING), ("_id", DESCENDING)],
            name="location_jobs_newest",
        ),
        # JobStore.due_for_dispatch and the counts of unfinished jobs.
        IndexModel(
            [("status", ASCENDING), ("heartbeatAt", ASCENDING)], name="status_heartbeat"
        ),
    ],
}


async def ensure_indexes(database: Any) -> None:
    for collection, indexes in INDEXES.items():
        await database[collection].create_indexes(indexes)
