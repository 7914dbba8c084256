"""The same workloads written the way a pyairtable 3.5 user would write them.

pyairtable is synchronous (requests + urllib3). Its default retry strategy retries
429s only, five times with 0.1 s exponential backoff, and honours ``Retry-After``
(urllib3's default). We keep that strategy and only count what it does.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from types import TracebackType
from typing import Any, Self

import pyairtable
import requests
from pyairtable.api import retrying
from urllib3.connectionpool import ConnectionPool
from urllib3.response import BaseHTTPResponse
from urllib3.util.retry import Retry

from ..worker import Job

__all__ = ["audit_walk", "users_sequential", "users_thread_pool"]


class _Counters:
    """Requests and 429s seen by one process (shared by pyairtable's threads)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.responses = 0
        self.rate_limited = 0

    def add(self, *, responses: int = 0, rate_limited: int = 0) -> None:
        with self.lock:
            self.responses += responses
            self.rate_limited += rate_limited


COUNTERS = _Counters()


class CountingRetry(Retry):
    """urllib3's Retry, counting each 429 it is asked to retry (or give up on).

    urllib3 copies the object on every retry (``Retry.new``), so the count lives in
    the module-level :data:`COUNTERS`, not on the instance.
    """

    def increment(
        self,
        method: str | None = None,
        url: str | None = None,
        response: BaseHTTPResponse | None = None,
        error: Exception | None = None,
        _pool: ConnectionPool | None = None,
        _stacktrace: TracebackType | None = None,
    ) -> Self:
        if response is not None and response.status == 429:
            COUNTERS.add(responses=1, rate_limited=1)
        return super().increment(method, url, response, error, _pool, _stacktrace)


def _api(job: Job) -> pyairtable.Api:
    # retrying.retry_strategy()'s defaults, built on the counting class.
    strategy = CountingRetry(
        total=retrying.DEFAULT_MAX_RETRIES,
        backoff_factor=retrying.DEFAULT_BACKOFF_FACTOR,
        status_forcelist=retrying.DEFAULT_RETRIABLE_STATUS_CODES,
        allowed_methods=None,
    )
    api = pyairtable.Api(job.token, endpoint_url=job.url, retry_strategy=strategy)

    def count(response: requests.Response, *args: Any, **kwargs: Any) -> None:
        COUNTERS.add(responses=1, rate_limited=int(response.status_code == 429))

    api.session.hooks["response"].append(count)
    return api


def _batches(ids: Sequence[str], size: int) -> Iterator[list[str]]:
    # pyairtable's Enterprise.users() sends every ID in one URL; past a few hundred
    # IDs that exceeds Airtable's 16,000-character limit (REFERENCE §1.6), so its
    # users batch by hand.
    for start in range(0, len(ids), size):
        yield list(ids[start : start + size])


def _describe(exc: Exception) -> str:
    """The exception, short: urllib3's messages embed the whole URL (100 user IDs)."""
    text = str(exc)
    if "Caused by" in text:
        text = text[text.index("Caused by") :]
    return f"{type(exc).__name__}: {text}"[:200]


def _report(users: int, errors: list[str], **extra: Any) -> Mapping[str, Any]:
    return {
        "requests": COUNTERS.responses,
        "rate_limited": COUNTERS.rate_limited,
        "items": users,
        "errors": len(errors),
        "first_error": errors[0] if errors else "",
        **extra,
    }


def users_sequential(job: Job) -> Mapping[str, Any]:
    """``info()`` for the user IDs, then ``users()`` on 100-ID batches, one at a time."""
    enterprise = _api(job).enterprise(job.enterprise_id)
    ids = enterprise.info().user_ids
    found = 0
    errors: list[str] = []
    before = COUNTERS.responses
    started = time.perf_counter()
    for batch in _batches(ids, int(job.params["batch"])):
        try:
            found += len(enterprise.users(batch, collaborations=True))
        except Exception as exc:
            errors.append(_describe(exc))
    return _report(
        found,
        errors,
        asked=len(ids),
        batch_requests=COUNTERS.responses - before,
        batches_s=time.perf_counter() - started,
    )


def users_thread_pool(job: Job) -> Mapping[str, Any]:
    """The same batches through a ``ThreadPoolExecutor`` sharing one ``Api``."""
    enterprise = _api(job).enterprise(job.enterprise_id)
    ids = enterprise.info().user_ids
    errors: list[str] = []

    def fetch(batch: list[str]) -> int:
        try:
            return len(enterprise.users(batch, collaborations=True))
        except Exception as exc:
            errors.append(_describe(exc))
            return 0

    before = COUNTERS.responses
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=int(job.params["threads"])) as pool:
        found = sum(pool.map(fetch, _batches(ids, int(job.params["batch"]))))
    return _report(
        found,
        errors,
        asked=len(ids),
        batch_requests=COUNTERS.responses - before,
        batches_s=time.perf_counter() - started,
    )


def audit_walk(job: Job) -> Mapping[str, Any]:
    """Every event of the window, ``Enterprise.audit_log()`` page by page (its only mode)."""
    enterprise = _api(job).enterprise(job.enterprise_id)
    sink_s = float(job.params.get("sink_ms", 0)) / 1000
    events = 0
    pages = 0
    for page in enterprise.audit_log(
        page_size=int(job.params["page_size"]),
        start_time=job.params["start_time"],
        end_time=job.params["end_time"],
    ):
        pages += 1
        events += len(page.events)
        time.sleep(sink_s)  # the same sink as ours: see ours._walk
    return _report(events, [], pages=pages)
