"""The errors a caller can cause, each with the stable code clients see.

    GatewayError                     any expected failure; has `code`
    ├── Unauthenticated              no key, or a key nobody holds
    ├── Forbidden                    a valid key asking for what it may not do
    ├── NotFound                     nothing with that id in the caller's location
    ├── BadUserInput                 a value that can never be accepted
    ├── Conflict                     a value that clashes with existing data
    │   └── Contention               records kept changing under a write
    ├── RateLimited                  too many requests for one key
    ├── QueryTooComplex              a query over one of the limits on its shape
    ├── BadRequest                   an HTTP request that carries no operation
    └── RequestTooLarge              a request body over the size limit

Anything else that escapes a resolver is a bug: the client sees
INTERNAL_SERVER_ERROR and a request id, and the log has the rest.

CommandError is the command line's counterpart: an operator command that
cannot do what it was asked, with the exit status to end on.
"""

from __future__ import annotations


class GatewayError(Exception):
    code = "INTERNAL_SERVER_ERROR"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    @property
    def extensions(self) -> dict[str, object]:
        """What a client sees beside the message: the code, and the facts."""
        extensions: dict[str, object] = {"code": self.code}
        if self.field is not None:
            extensions["field"] = self.field
        return extensions


class Unauthenticated(GatewayError):
    code = "UNAUTHENTICATED"


class Forbidden(GatewayError):
    code = "FORBIDDEN"


class NotFound(GatewayError):
    code = "NOT_FOUND"


class BadUserInput(GatewayError):
    code = "BAD_USER_INPUT"


class Conflict(GatewayError):
    code = "CONFLICT"


class Contention(Conflict):
    """The same records kept changing while being written; a retry works."""


class RateLimited(GatewayError):
    code = "RATE_LIMITED"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after

    @property
    def extensions(self) -> dict[str, object]:
        return {**super().extensions, "retryAfter": self.retry_after}


class QueryTooComplex(GatewayError):
    """`limit` names the limit: depth, aliases, tokens or cost."""

    code = "QUERY_TOO_COMPLEX"

    def __init__(self, message: str, *, limit: str) -> None:
        super().__init__(message)
        self.limit = limit

    @property
    def extensions(self) -> dict[str, object]:
        return {**super().extensions, "limit": self.limit}


class BadRequest(GatewayError):
    code = "BAD_REQUEST"


class RequestTooLarge(GatewayError):
    code = "REQUEST_TOO_LARGE"


class CommandError(Exception):
    """An operator command cannot do what it was asked; the message says why."""

    def __init__(self, message: str, *, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code
