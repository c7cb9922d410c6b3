"""Logging, configured once at start-up for the gateway, uvicorn and Celery.

Plain text by default, JSON lines with LOG_FORMAT=json. Every line carries
the request id of the request it belongs to (from `gateway.request_id`), the
job id of the recompute job it belongs to (inside `job_context`), and the
ids a message passes in `extra` (job_id, location_id).
"""

from __future__ import annotations

import contextvars
import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from gateway.request_id import current_request_id
from gateway.settings import LogFormat, Settings

# Attributes of `extra` copied to every line that has them.
CONTEXT_FIELDS = ("request_id", "job_id", "location_id")

current_job_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "current_job_id", default=None
)


@contextmanager
def job_context(job_id: str, request_id: str | None) -> Iterator[None]:
    """Lines logged inside the block carry the job id, and the id of the
    request that caused the job, wherever the job runs."""
    job_token = current_job_id.set(job_id)
    request_token = current_request_id.set(request_id)
    try:
        yield
    finally:
        current_request_id.reset(request_token)
        current_job_id.reset(job_token)


class _AddContext(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = current_request_id.get()
        if getattr(record, "job_id", None) is None:
            record.job_id = current_job_id.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in CONTEXT_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                line[name] = value
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return json.dumps(line)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        ids = [
            f"{name}={value}"
            for name in CONTEXT_FIELDS
            if (value := getattr(record, name, None)) is not None
        ]
        if not ids:
            return text
        first_line, newline, rest = text.partition("\n")
        return f"{first_line} [{' '.join(ids)}]{newline}{rest}"


def configure_logging(settings: Settings) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(_AddContext())
    handler.setFormatter(
        JsonFormatter() if settings.log_format is LogFormat.JSON else TextFormatter()
    )

    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level)
    # Python warnings (Celery warns of a worker running as root) would
    # otherwise be printed as plain text among the lines.
    logging.captureWarnings(True)

    # uvicorn and Celery log through the root handler, in the same format.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "celery"):
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True
