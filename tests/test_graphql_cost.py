"""What keeps GraphQL cheap per request: each operation text parsed and
validated once, no extension hooked on every field, and the fields of a
contact resolved without a coroutine."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
import strawberry.schema.schema
from strawberry.extensions import SchemaExtension

from resolvers.operation_cache import LONGEST_TEXT_CACHED, ParsedOperations
from resolvers.schema import build_schema
from resolvers.types import ContactType
from tests.support.api import Api
from tests.support.tenants import Tenant, new_tenant


@pytest.fixture
async def tenant(api: Api) -> Tenant:
    return await new_tenant(api)


@pytest.fixture
def validations(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every document Strawberry validates, from now on."""
    seen: list[object] = []
    validate: Callable[..., Any] = strawberry.schema.schema.validate

    def counted(schema: object, document: object, *args: Any) -> Any:
        seen.append(document)
        return validate(schema, document, *args)

    monkeypatch.setattr(strawberry.schema.schema, "validate", counted)
    return seen


def unique_query(padding: int = 0) -> str:
    """A text no other test sends, so that no earlier test has cached it."""
    return f"# {uuid.uuid4()}{' ' * padding}\n{{ contacts(first: 1) {{ totalCount }} }}"


async def test_a_repeated_operation_is_validated_once(
    api: Api, tenant: Tenant, validations: list[object]
) -> None:
    query = unique_query()

    answers = [await api.call(tenant.key, query) for _ in range(3)]

    assert answers == [{"contacts": {"totalCount": 0}}] * 3
    assert len(validations) == 1


async def test_a_long_operation_is_not_kept(
    api: Api, tenant: Tenant, validations: list[object]
) -> None:
    query = unique_query(padding=LONGEST_TEXT_CACHED)

    for _ in range(2):
        await api.call(tenant.key, query)

    assert len(validations) == 2


def test_the_cache_keeps_the_latest_texts_within_its_budget() -> None:
    operations = ParsedOperations(characters=100)
    texts = [f"{{ contacts(first: {n}) {{ totalCount }} }}" for n in range(10, 20)]

    first = operations.get(texts[0], {})
    for text in texts[1:]:
        operations.get(text, {})
    latest = operations.get(texts[-1], {})

    assert operations.characters <= 100
    assert operations.get(texts[-1], {}) is latest
    assert operations.get(texts[0], {}) is not first


async def test_a_syntax_error_keeps_its_code_when_sent_again(
    api: Api, tenant: Tenant
) -> None:
    query = unique_query()[:-2]

    errors = [await api.fail(tenant.key, query) for _ in range(2)]

    assert [e["extensions"]["code"] for e in errors] == ["GRAPHQL_PARSE_FAILED"] * 2


async def test_a_refused_operation_keeps_its_code_when_sent_again(
    api: Api, tenant: Tenant
) -> None:
    query = unique_query().replace("totalCount", "totalCount nope")

    errors = [await api.fail(tenant.key, query) for _ in range(2)]

    codes = [e["extensions"]["code"] for e in errors]
    assert codes == ["GRAPHQL_VALIDATION_FAILED"] * 2
    assert "nope" in errors[1]["message"]


def test_no_extension_hooks_every_field() -> None:
    extensions = build_schema().get_extensions()

    assert extensions
    assert all(type(e).resolve is SchemaExtension.resolve for e in extensions)


def test_a_contacts_fields_are_resolved_without_a_coroutine() -> None:
    fields = ContactType.__strawberry_definition__.fields  # type: ignore[attr-defined]

    asynchronous = {field.python_name for field in fields if field.is_async}

    # The history is read from the database, and asked for one contact at a
    # time; everything a page shows is a plain function or attribute.
    assert asynchronous == {"selection_history"}
