"""Rate limits: token-bucket arithmetic on a fake clock, and 429s through the HTTP API."""

from __future__ import annotations

import time
from decimal import Decimal
from ipaddress import ip_network

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import ClientFactory
from tests.factories import FakeClock, HttpClient, auth_headers, make_app, make_settings, order_body
from tradeloop.actors.engine import Engine
from tradeloop.http.ratelimit import REFILL_S, RateLimiter

LIMIT = 3
REFILL_ONE_S = REFILL_S / LIMIT


# --- the buckets -------------------------------------------------------------


def test_a_new_caller_has_a_full_bucket() -> None:
    limiter = RateLimiter(LIMIT, FakeClock())
    first = limiter.take("a")
    assert first.allowed and first.limit == LIMIT and first.remaining == LIMIT - 1
    assert first.retry_after_s == 0 and first.full_after_s == pytest.approx(REFILL_ONE_S)


def test_the_call_past_the_limit_is_refused_until_a_token_refills() -> None:
    clock = FakeClock()
    limiter = RateLimiter(LIMIT, clock)
    assert [limiter.take("a").allowed for _ in range(LIMIT + 1)] == [True] * LIMIT + [False]
    refused = limiter.take("a")
    assert not refused.allowed and refused.remaining == 0
    assert refused.retry_after_s == pytest.approx(REFILL_ONE_S)
    assert refused.full_after_s == pytest.approx(REFILL_S)
    clock.advance(REFILL_ONE_S / 2)
    assert limiter.take("a").retry_after_s == pytest.approx(REFILL_ONE_S / 2)
    clock.advance(REFILL_ONE_S / 2)
    assert limiter.take("a").allowed
    assert not limiter.take("a").allowed


def test_refused_calls_spend_nothing() -> None:
    clock = FakeClock()
    limiter = RateLimiter(LIMIT, clock)
    for _ in range(LIMIT):
        limiter.take("a")
    for _ in range(50):
        assert not limiter.take("a").allowed
    clock.advance(REFILL_ONE_S)
    assert limiter.take("a").allowed


def test_refill_stops_at_the_limit() -> None:
    clock = FakeClock()
    limiter = RateLimiter(LIMIT, clock)
    limiter.take("a")
    clock.advance(10 * REFILL_S)
    assert limiter.take("a").remaining == LIMIT - 1


def test_callers_have_separate_budgets() -> None:
    limiter = RateLimiter(LIMIT, FakeClock())
    for _ in range(LIMIT):
        limiter.take("a")
    assert not limiter.take("a").allowed
    assert limiter.take("b").allowed


def test_peek_spends_nothing_and_keeps_nothing() -> None:
    limiter = RateLimiter(LIMIT, FakeClock())
    assert limiter.peek("a").allowed and limiter.peek("a").remaining == LIMIT
    assert len(limiter) == 0
    for _ in range(LIMIT):
        limiter.take("a")
    assert not limiter.peek("a").allowed


def test_idle_full_buckets_are_forgotten_and_busy_ones_kept() -> None:
    clock = FakeClock()
    limiter = RateLimiter(LIMIT, clock)
    for caller in range(1_000):
        limiter.take(f"idle-{caller}")
    assert len(limiter) == 1_000
    clock.advance(REFILL_S - REFILL_ONE_S)
    for _ in range(LIMIT):
        limiter.take("busy")
    clock.advance(REFILL_ONE_S)
    limiter.take("other")  # a call after a refill period sweeps
    assert len(limiter) == 2  # "busy" is still refilling; "other" was just charged
    assert limiter.peek("busy").remaining == 1


def test_buckets_of_a_long_window_are_forgotten_once_full_within_a_minute() -> None:
    clock = FakeClock()
    limiter = RateLimiter(10, clock, window_s=600)  # one call back a minute
    for caller in range(1_000):
        limiter.take(f"idle-{caller}")
    clock.advance(REFILL_S)
    limiter.take("other")
    assert len(limiter) == 1
    assert limiter.peek("idle-0").remaining == 10


def test_a_caller_that_spends_nothing_takes_no_memory() -> None:
    limiter = RateLimiter(LIMIT, FakeClock())
    for _ in range(LIMIT):
        limiter.take("a")
    assert len(limiter) == 1
    assert not limiter.take("a").allowed
    assert len(limiter) == 1


def test_the_limit_must_be_positive() -> None:
    with pytest.raises(ValueError):
        RateLimiter(0)


@given(
    per_min=st.integers(1, 500),
    gaps_s=st.lists(st.floats(0, 5, allow_nan=False), min_size=1, max_size=300),
)
def test_no_window_allows_more_than_the_burst_plus_the_refill(per_min: int, gaps_s: list[float]) -> None:
    clock = FakeClock()
    limiter = RateLimiter(per_min, clock)
    start_s = clock.now_s
    allowed = 0
    for gap_s in gaps_s:
        clock.advance(gap_s)
        allowed += limiter.take("a").allowed
        assert allowed <= per_min + (clock.now_s - start_s) * per_min / REFILL_S + 1e-9


# --- through the API -----------------------------------------------------------


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def limited(aiohttp_client: ClientFactory, engine: Engine, clock: FakeClock) -> HttpClient:
    """A client of an app that allows LIMIT calls a minute, on the fake clock."""
    return await aiohttp_client(make_app(engine, make_settings(rate_limit_per_min=LIMIT), monotonic=clock))


async def _keys(engine: Engine) -> dict[str, str]:
    return auth_headers(await engine.open_account(Decimal(100_000)))


async def test_every_v2_answer_tells_the_budget(limited: HttpClient, engine: Engine) -> None:
    headers = await _keys(engine)
    for remaining in range(LIMIT - 1, -1, -1):
        response = await limited.get("/v2/account", headers=headers)
        assert response.status == 200
        assert response.headers["X-RateLimit-Limit"] == str(LIMIT)
        assert response.headers["X-RateLimit-Remaining"] == str(remaining)
        reset = int(response.headers["X-RateLimit-Reset"])
        assert time.time() < reset <= time.time() + REFILL_S + 1


async def test_errors_from_handlers_carry_the_budget_too(limited: HttpClient, engine: Engine) -> None:
    response = await limited.get("/v2/orders/not-an-order", headers=await _keys(engine))
    assert response.status == 404
    assert response.headers["X-RateLimit-Remaining"] == str(LIMIT - 1)


async def test_over_the_limit_is_429_with_retry_after(limited: HttpClient, engine: Engine, clock: FakeClock) -> None:
    headers = await _keys(engine)
    for _ in range(LIMIT):
        assert (await limited.get("/v2/account", headers=headers)).status == 200
    response = await limited.get("/v2/account", headers=headers)
    assert response.status == 429
    assert response.headers["Retry-After"] == str(int(REFILL_ONE_S))
    assert response.headers["X-RateLimit-Limit"] == str(LIMIT)
    assert response.headers["X-RateLimit-Remaining"] == "0"
    assert "X-RateLimit-Reset" in response.headers
    body = await response.json()
    assert body["code"] == 42910000 and body["status"] == 429 and body["retry_after"] == int(REFILL_ONE_S)
    clock.advance(REFILL_ONE_S)
    assert (await limited.get("/v2/account", headers=headers)).status == 200


async def test_retry_after_is_at_least_one_second(aiohttp_client: ClientFactory, engine: Engine) -> None:
    per_min = 120  # a token every half second
    client = await aiohttp_client(make_app(engine, make_settings(rate_limit_per_min=per_min), monotonic=FakeClock()))
    headers = await _keys(engine)
    for _ in range(per_min):
        assert (await client.get("/v2/account", headers=headers)).status == 200
    response = await client.get("/v2/account", headers=headers)
    assert response.status == 429 and response.headers["Retry-After"] == "1"


async def test_keys_have_separate_budgets(limited: HttpClient, engine: Engine) -> None:
    first, second = await _keys(engine), await _keys(engine)
    for _ in range(LIMIT):
        await limited.get("/v2/account", headers=first)
    assert (await limited.get("/v2/account", headers=first)).status == 429
    response = await limited.get("/v2/account", headers=second)
    assert response.status == 200 and response.headers["X-RateLimit-Remaining"] == str(LIMIT - 1)


async def test_a_refused_order_is_not_placed(limited: HttpClient, engine: Engine, clock: FakeClock) -> None:
    headers = await _keys(engine)
    for _ in range(LIMIT):
        await limited.get("/v2/account", headers=headers)
    response = await limited.post("/v2/orders", json=order_body(), headers=headers)
    assert response.status == 429
    clock.advance(REFILL_ONE_S)
    orders = await limited.get("/v2/orders", params={"status": "all"}, headers=headers)
    assert orders.status == 200 and await orders.json() == []


def _from(address: str, headers: dict[str, str]) -> dict[str, str]:
    """Headers of a call a trusted proxy forwards for `address`."""
    return {**headers, "X-Forwarded-For": address}


@pytest.fixture
async def proxied(aiohttp_client: ClientFactory, engine: Engine, clock: FakeClock) -> HttpClient:
    """As `limited`, behind a trusted proxy (the test client's own address), so each call may name its client."""
    settings = make_settings(rate_limit_per_min=LIMIT, trusted_proxies=(ip_network("127.0.0.1/32"),))
    return await aiohttp_client(make_app(engine, settings, monotonic=clock))


async def test_failures_from_an_address_never_refuse_right_keys_from_it(
    limited: HttpClient, engine: Engine, clock: FakeClock
) -> None:
    good = await _keys(engine)
    stranger = {"APCA-API-KEY-ID": "PKSTRANGER0000000001", "APCA-API-SECRET-KEY": "y" * 40}
    for _ in range(LIMIT):
        response = await limited.get("/v2/account", headers=stranger)
        assert response.status == 401 and "X-RateLimit-Remaining" in response.headers
    # the address spent its failures: wrong or missing credentials from it are told to wait
    response = await limited.get("/v2/account", headers={**good, "APCA-API-SECRET-KEY": "x" * 40})
    assert response.status == 429 and response.headers["Retry-After"] == str(int(REFILL_ONE_S))
    assert (await response.json())["code"] == 42910000
    assert (await limited.get("/v2/account")).status == 429
    # the owner behind the same address (one NAT, one proxy) is never refused for them, nor charged
    response = await limited.get("/v2/account", headers=good)
    assert response.status == 200 and response.headers["X-RateLimit-Remaining"] == str(LIMIT - 1)
    clock.advance(REFILL_ONE_S)
    assert (await limited.get("/v2/account", headers=stranger)).status == 401


async def test_failures_on_a_key_id_are_counted_from_every_address(proxied: HttpClient, engine: Engine) -> None:
    good = await _keys(engine)
    wrong = {**good, "APCA-API-SECRET-KEY": "x" * 40}
    for n in range(LIMIT):
        assert (await proxied.get("/v2/account", headers=_from(f"203.0.113.{n}", wrong))).status == 401
    response = await proxied.get("/v2/account", headers=_from("203.0.113.99", wrong))
    assert response.status == 429 and response.headers["Retry-After"] == str(int(REFILL_ONE_S))
    # the owner's right secret gets in from anywhere, on its whole call budget
    for address in ("203.0.113.99", "198.51.100.1"):
        response = await proxied.get("/v2/account", headers=_from(address, good))
        assert response.status == 200
    assert response.headers["X-RateLimit-Remaining"] == str(LIMIT - 2)
    # another key id from a fresh address is not concerned
    other = {"APCA-API-KEY-ID": "PKOTHER0000000000001", "APCA-API-SECRET-KEY": "x" * 40}
    assert (await proxied.get("/v2/account", headers=_from("198.51.100.2", other))).status == 401


async def test_authenticated_calls_leave_the_failure_budgets_alone(limited: HttpClient, engine: Engine) -> None:
    good = await _keys(engine)
    for _ in range(LIMIT):
        await limited.get("/v2/account", headers=good)
    response = await limited.get("/v2/account", headers={**good, "APCA-API-SECRET-KEY": "x" * 40})
    assert response.status == 401 and response.headers["X-RateLimit-Remaining"] == str(LIMIT - 1)


async def test_unlimited_paths_carry_no_budget(limited: HttpClient) -> None:
    response = await limited.get("/healthz")
    assert response.status == 200 and "X-RateLimit-Limit" not in response.headers
