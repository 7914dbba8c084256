"""Properties, checked on generated inputs (hypothesis).

- every model the library structures survives ``structure(unstructure(x)) == x``, through
  real JSON text as well;
- ``Enterprise.users(any list)`` equals fetching the users one by one;
- an audit-log filter split into chunks of 100 values returns the union of the
  single-chunk queries, each event once;
- the async ``RateLimiter`` never lets more than its rate start in any 1-second window,
  whatever the arrival pattern (trio's virtual clock, so no real waiting).
"""

from __future__ import annotations

import importlib
import inspect
import json
import pkgutil
import types
import typing
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import anyio
import attrs
import pytest
import trio
import trio.testing
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import airtable_enterprise.models
from airtable_enterprise import RateLimiter
from airtable_enterprise._core.convert import converter
from airtable_enterprise.testing import Emulator, generate_enterprise
from tests.helpers import most_in_any_window

# ------------------------------------------------------------- model round-trips

#: Models that are input, not response: never structured from the wire.
NOT_RESPONSES = {"UserUpdate"}


def response_models() -> list[type[Any]]:
    """Every attrs class defined in ``airtable_enterprise.models`` and its modules."""
    found: dict[str, type[Any]] = {}
    package = airtable_enterprise.models
    for info in pkgutil.iter_modules(package.__path__, package.__name__ + "."):
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if (
                inspect.isclass(value)
                and attrs.has(value)
                and value.__module__ == module.__name__
                and name not in NOT_RESPONSES
            ):
                found[name] = value
    return [found[name] for name in sorted(found)]


MODELS = response_models()

#: Keyed collections (objects keyed by ID on the wire): their keys must be unique.
KEYS = {"UserDescendant": "enterprise_account_id", "DescendantEnterprise": "id"}
KEYS_IN_VALUE = {"InterfaceCollaborators": "id"}

#: Airtable's timestamps: UTC, millisecond precision.
timestamps = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
).map(lambda d: d.replace(microsecond=d.microsecond // 1000 * 1000))
json_scalars = st.none() | st.booleans() | st.integers() | st.text(max_size=10)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=8,
)


def strategy_for(hint: Any) -> st.SearchStrategy[Any]:
    """Values of the annotation ``hint``, as the models declare their fields."""
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return st.one_of(*(strategy_for(arg) for arg in args))
    if hint is type(None):
        return st.none()
    if origin is tuple:
        item = args[0]
        key = KEYS.get(getattr(item, "__name__", "")) or KEYS_IN_VALUE.get(
            getattr(item, "__name__", "")
        )
        unique_by = (lambda x: getattr(x, key)) if key else None
        return st.lists(strategy_for(item), max_size=3, unique_by=unique_by).map(tuple)
    if origin in (Mapping, dict) and len(args) == 2 and args[1] is not Any:
        # A mapping of models (change events' ``...ById``): values of that type.
        return st.dictionaries(st.text(max_size=8), strategy_for(args[1]), max_size=3)
    if origin in (Mapping, dict) or hint in (Mapping, dict):
        return st.dictionaries(st.text(max_size=8), json_values, max_size=3)
    if hint is str:
        return st.text(max_size=20)
    if hint is bool:
        return st.booleans()
    if hint is int:
        return st.integers()
    if hint is float:
        return st.floats(allow_nan=False, allow_infinity=False)
    if hint is datetime:
        return timestamps
    if inspect.isclass(hint) and attrs.has(hint):
        return model_strategy(hint)
    raise NotImplementedError(f"no strategy for {hint!r}")


def model_strategy(cls: type[Any]) -> st.SearchStrategy[Any]:
    hints = typing.get_type_hints(cls)
    fields = {
        a.name: st.deferred(lambda h=hints[a.name]: strategy_for(h))
        for a in attrs.fields(cls)
        if a.init
    }
    return st.builds(cls, **fields)


def test_every_model_module_is_covered() -> None:
    names = {cls.__name__ for cls in MODELS}
    # The response models of each area: a new module's models join the list on their own.
    assert {"UserInfo", "EnterpriseInfo", "UserGroup", "UserRemoved", "AuditLogEvent"} <= names
    assert len(MODELS) >= 45


@pytest.mark.parametrize("cls", MODELS, ids=[cls.__name__ for cls in MODELS])
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_every_model_round_trips_through_the_converter(cls: type[Any], data: Any) -> None:
    model = data.draw(model_strategy(cls))
    wire = converter.unstructure(model)
    assert converter.structure(wire, cls) == model
    # Through real JSON text too: what the wire form holds is all JSON can carry.
    assert converter.structure(json.loads(json.dumps(wire)), cls) == model


# ------------------------------------------------- users(any list) == one by one

WORLD_SEED = 21


@pytest.fixture(scope="module")
def emulator() -> Emulator:
    return Emulator(generate_enterprise(seed=WORLD_SEED, users=40, events=0))


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_users_of_any_list_equals_fetching_them_one_by_one(
    emulator: Emulator, backend: str, data: Any
) -> None:
    world = emulator.world
    known = sorted(world.users)
    by_id = st.sampled_from(known)
    by_email = st.sampled_from(known).map(
        lambda i: data.draw(st.sampled_from([str.lower, str.upper, str]))(world.users[i].email)
    )
    unknown = st.sampled_from(["usrAAAAAAAAAAAAAA", "nobody@example.com", "usrZZZZZZZZZZZZZZ"])
    asked = data.draw(st.lists(by_id | by_email | unknown, min_size=1, max_size=12))

    async def main() -> None:
        async with emulator.api() as api:
            enterprise = api.enterprise(emulator.enterprise_id)
            together = await enterprise.users(asked)
            singles = []
            for value in asked:
                single = await enterprise.users([value])
                singles.extend(single)
                assert (single.missing == (value,)) == (len(single) == 0)
        # The same users, in input order, each once; the same inputs missing.
        expected: list[Any] = []
        for user in singles:
            if user.id not in {u.id for u in expected}:
                expected.append(user)
        assert list(together) == expected
        missing = [v for v in asked if not _names_someone(world, v)]
        assert list(together.missing) == _first_spellings(missing)

    anyio.run(main, backend=backend)


def _names_someone(world: Any, value: str) -> bool:
    if "@" in value:
        return world.user_by_email(value) is not None
    return value in world.users


def _first_spellings(values: list[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for value in values:
        key = value.casefold() if "@" in value else value
        if key not in seen:
            seen.add(key)
            out.append(value)
    return out


# -------------------------------------- chunked audit filters == union of chunks


@pytest.fixture(scope="module")
def audit_emulator() -> Emulator:
    return Emulator(generate_enterprise(seed=8, users=260, events=1500))


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_a_chunked_audit_filter_returns_the_union_of_single_chunk_queries(
    audit_emulator: Emulator, data: Any
) -> None:
    emulator = audit_emulator
    users = sorted(emulator.world.users)
    chosen = data.draw(st.lists(st.sampled_from(users), min_size=101, max_size=230, unique=True))
    page_size = data.draw(st.integers(min_value=20, max_value=400))
    sort_asc = data.draw(st.booleans())

    async def main() -> None:
        async with emulator.api(requests_per_second=10_000) as api:
            enterprise = api.enterprise(emulator.enterprise_id)

            async def ids(user_ids: list[str]) -> list[str]:
                found = []
                log = enterprise.audit_log(user_id=user_ids, page_size=page_size, sort_asc=sort_asc)
                async for page in log:
                    found.extend(event.id for event in page.events)
                return found

            merged = await ids(chosen)
            singles: list[str] = []
            for start in range(0, len(chosen), 100):
                singles.extend(await ids(chosen[start : start + 100]))
        assert len(merged) == len(set(merged)), "an event came twice"
        assert set(merged) == set(singles)
        assert merged, "the generated log has events by these users"
        # In the order asked for, as a single query would return them.
        events = {e.id: e for e in emulator.world.audit}
        keys = [(events_time(events[i]), i) for i in merged]
        assert keys == sorted(keys, reverse=not sort_asc)

    anyio.run(main)


def events_time(event: Any) -> Any:
    return event.key


# ------------------------------------------- the async limiter on virtual time


@settings(max_examples=60, deadline=None)
@given(
    rate=st.integers(min_value=1, max_value=40),
    arrivals=st.lists(st.floats(min_value=0.0, max_value=3.0), min_size=1, max_size=120),
    penalties=st.lists(st.integers(min_value=0, max_value=119), max_size=3),
    retry_after=st.none() | st.floats(min_value=0.0, max_value=2.0),
)
def test_the_async_limiter_never_starts_more_than_its_rate_in_any_second(
    rate: int, arrivals: list[float], penalties: list[int], retry_after: float | None
) -> None:
    """Tasks arrive at random (virtual) times and acquire; some report a 429."""
    starts: list[float] = []

    async def main() -> None:
        limiter = RateLimiter(rate, cooldown=1.5)
        t0 = trio.current_time()

        async def task(index: int, delay: float) -> None:
            await trio.sleep(delay)
            started = await limiter.acquire()
            assert started >= t0 + delay
            if index in penalties:
                # Refused: a 429 does not count as a start the server accepted, but it
                # pauses everyone.
                limiter.penalize(started_at=started, retry_after=retry_after)
            else:
                starts.append(started - t0)

        async with trio.open_nursery() as nursery:
            for index, delay in enumerate(arrivals):
                nursery.start_soon(task, index, delay)

    trio.run(main, clock=trio.testing.MockClock(autojump_threshold=0))
    assert len(starts) == len(arrivals) - len({p for p in penalties if p < len(arrivals)})
    assert most_in_any_window(starts) <= rate


def test_the_window_check_can_fail() -> None:
    """The helper the property relies on does count a burst (a guard against a vacuous
    property): 3 starts within a second are 3."""
    assert most_in_any_window([0.0, 0.5, 0.99]) == 3
    assert most_in_any_window([0.0, 1.0, 2.0]) == 1
