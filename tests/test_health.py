"""/healthz and /readyz, with dependencies that answer and ones that do not."""

from __future__ import annotations

from gateway.app import create_app
from gateway.store import Store
from tests.support.api import Api, open_api
from tests.support.settings import make_settings
from tests.support.workers import broker_url, empty_test_broker, free_port


async def test_healthz_answers_without_asking_any_dependency(
    unreachable_store: Store,
) -> None:
    api = Api(create_app(make_settings(), store=unreachable_store))

    response = await api.http.get("/healthz")

    assert (response.status_code, response.json()) == (200, {"status": "ok"})
    await api.close()


async def test_readyz_is_ready_on_the_embedded_store(api: Api) -> None:
    response = await api.http.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {"status": "ready", "checks": {"mongodb": "up"}}


async def test_readyz_checks_the_broker_when_one_is_configured(store: Store) -> None:
    api = await open_api(make_settings(celery_broker_url=empty_test_broker()), store)

    response = await api.http.get("/readyz")

    assert response.status_code == 200
    assert response.json()["checks"] == {"mongodb": "up", "broker": "up"}
    await api.close()


async def test_readyz_names_the_broker_when_it_does_not_answer(store: Store) -> None:
    closed = broker_url(port=free_port(), db=0)
    api = await open_api(make_settings(celery_broker_url=closed), store)

    response = await api.http.get("/readyz")

    assert response.status_code == 503
    assert response.json() == {
        "status": "not ready",
        "checks": {"mongodb": "up", "broker": "down"},
    }
    await api.close()


async def test_readyz_names_mongodb_when_it_does_not_answer(
    unreachable_store: Store,
) -> None:
    api = Api(create_app(make_settings(), store=unreachable_store))

    response = await api.http.get("/readyz")

    assert response.status_code == 503
    assert response.json() == {"status": "not ready", "checks": {"mongodb": "down"}}
    await api.close()
