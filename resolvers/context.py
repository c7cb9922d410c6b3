"""What every resolver of one request can reach: the caller, the runtime,
and the request's DataLoaders."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from strawberry.dataloader import DataLoader

from gateway.auth import Admin, Principal
from gateway.errors import Forbidden, Unauthenticated
from gateway.records import Cause, Location, User
from gateway.runtime import Runtime


@dataclass(slots=True)
class Context:
    runtime: Runtime
    request_id: str
    principal: Principal | None
    users: DataLoader[str, User | None] = field(init=False)
    # The operation's name once its document is parsed, for the metrics.
    operation_name: str | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        # Made per request: a loader's cache must never outlive the request
        # that filled it, nor be seen by another location.
        self.users = DataLoader(load_fn=self._load_users)

    @property
    def location(self) -> Location:
        """The caller's location; the admin token has none."""
        if isinstance(self.principal, Admin):
            raise Forbidden("The admin token may only manage locations.")
        if self.principal is None:
            raise Unauthenticated("Send an API key as 'Authorization: Bearer <key>'.")
        return self.principal

    def location_changed(self, location: Location) -> None:
        """Later fields of this request see the location as a mutation left it."""
        self.principal = location

    def user_changed(self, user: User) -> None:
        self.users.prime(user.id, user, force=True)

    def require_admin(self) -> None:
        if not isinstance(self.principal, Admin):
            raise Forbidden("Only the admin token may do this.")

    def cause(self, mutation: str) -> Cause:
        return Cause(mutation, request_id=self.request_id)

    async def _load_users(self, user_ids: Sequence[str]) -> list[User | None]:
        found = await self.runtime.store.users.get_many(self.location.id, user_ids)
        by_id = {user.id: user for user in found}
        return [by_id.get(user_id) for user_id in user_ids]
