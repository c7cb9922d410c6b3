"""The Celery application, configured from the gateway's settings."""

from __future__ import annotations

from typing import Any

from celery import Celery
from celery.signals import setup_logging

from gateway.settings import Settings

RECOMPUTE_QUEUE = "recompute"


def create_celery_app(settings: Settings) -> Celery:
    if settings.celery_broker_url is None:
        raise ValueError("CELERY_BROKER_URL must be set to use Celery")

    app = Celery(
        "outbound_gateway", broker=settings.celery_broker_url.get_secret_value()
    )
    app.conf.update(
        task_default_queue=RECOMPUTE_QUEUE,
        task_serializer="json",
        accept_content=["json"],
        task_ignore_result=True,
        # A chunk is acknowledged only once it is done, and handed to another
        # worker if the one running it dies: running it twice is harmless,
        # losing it is not.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        # Take one message at a time, so a dying worker strands only one.
        worker_prefetch_multiplier=1,
        broker_transport_options=_redis_transport_options(settings),
        broker_connection_retry_on_startup=True,
    )
    app.conf.include = ["tasks.recompute"]
    return app


@setup_logging.connect
def _keep_the_commands_logging(**_: Any) -> None:
    """Celery configures no logging of its own while any receiver listens
    here: no handlers of its own, no redirected stdout, no levels changed.
    The worker command has configured logging already, as the gateway's
    does, so every line comes out in one format."""


def _redis_transport_options(settings: Settings) -> dict[str, int]:
    visibility = settings.celery_visibility_timeout
    return {
        "visibility_timeout": visibility,
        # Look for chunks whose worker vanished every few seconds, and scan
        # on every look: kombu's defaults look only every 100 seconds, far
        # too seldom for a short visibility timeout. One look is one cheap
        # Redis command per worker.
        "unacked_restore_interval": min(10, max(1, visibility // 3)),
        "unacked_restore_throttle": 1,
    }
