"""Pure helpers for calls that fan out into several requests: chunking, URL-length
bounded query batches, and merging user lookups back into input order. No I/O."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from functools import cache
from typing import TypeVar

import httpx

from ..errors import InvalidInputError
from ..models.users import UserInfo
from .text import email_key

__all__ = [
    "MAX_URL_LENGTH",
    "chunked",
    "iter_query_batches",
    "merge_users",
    "query_batches",
    "unique_users",
]

T = TypeVar("T")

#: Airtable refuses request URLs longer than this, on every endpoint (REFERENCE §1.6).
MAX_URL_LENGTH = 16_000


def chunked(items: Sequence[T], size: int) -> list[list[T]]:
    """``items`` in consecutive chunks of at most ``size``."""
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


def encoded_length(pair: tuple[str, str]) -> int:
    """Length of ``key=value`` once percent-encoded the way httpx sends it."""
    key, value = pair
    if value.isascii() and value.isalnum():
        # An Airtable ID: nothing to encode. (Thousands of IDs per bulk call; building
        # an httpx.QueryParams for each cost more CPU than the requests' own sending.)
        return _encoded_key_length(key) + 1 + len(value)
    return len(str(httpx.QueryParams([pair])))


@cache
def _encoded_key_length(key: str) -> int:
    return len(str(httpx.QueryParams([(key, "")]))) - 1


def query_batches(
    pairs: Sequence[tuple[str, str]],
    *,
    url_prefix_length: int,
    max_items: int,
    max_length: int = MAX_URL_LENGTH,
) -> list[list[tuple[str, str]]]:
    """Split repeated query pairs (``id[]=...``) into batches for separate requests.

    A batch holds at most ``max_items`` pairs, and the URL it makes stays within
    ``max_length`` characters. ``url_prefix_length`` is the length of everything else
    in the URL: endpoint, path, ``?`` and the fixed parameters with their ``&``.
    Order is kept: the batches, concatenated, are ``pairs``. Every pair is checked
    before the list is returned (:func:`iter_query_batches` is the lazy form).
    """
    return list(
        iter_query_batches(
            pairs, url_prefix_length=url_prefix_length, max_items=max_items, max_length=max_length
        )
    )


def iter_query_batches(
    pairs: Iterable[tuple[str, str]],
    *,
    url_prefix_length: int,
    max_items: int,
    max_length: int = MAX_URL_LENGTH,
) -> Iterator[list[tuple[str, str]]]:
    """:func:`query_batches` one batch at a time, taking ``pairs`` as it goes: for
    inputs too large to hold as pairs at once (a pair too long raises when reached)."""
    current: list[tuple[str, str]] = []
    length = url_prefix_length
    for pair in pairs:
        cost = encoded_length(pair) + 1  # the "&" joining it to the rest
        if url_prefix_length + cost > max_length:
            raise InvalidInputError(
                pair[0], pair[1], f"is too long for Airtable's {max_length}-character URL limit"
            )
        if current and (len(current) >= max_items or length + cost > max_length):
            yield current
            current, length = [], url_prefix_length
        current.append(pair)
        length += cost
    if current:
        yield current


def unique_users(values: Iterable[str]) -> list[str]:
    """IDs and emails without repeats, first spelling kept; emails compare by
    :func:`~._core.text.email_key` (case, Unicode NFC/NFD, surrounding spaces)."""
    seen: set[str] = set()
    out: list[str] = []
    for value in values:
        key = _key(value)
        if key not in seen:
            seen.add(key)
            out.append(value)
    return out


def merge_users(
    inputs: Sequence[str], found: Iterable[UserInfo]
) -> tuple[list[UserInfo], list[str]]:
    """Order users returned by several lookups like ``inputs`` (IDs or emails).

    Returns ``(users, missing)``: each user once, at the position of the first input
    that names it (by ID, or by email key: case, NFC/NFD and spaces ignored), then any user no input
    names (kept rather than dropped, in the order received); ``missing`` lists the
    inputs that named nobody, in input order.
    """
    by_key: dict[str, UserInfo] = {}
    received: list[UserInfo] = []
    for user in found:
        if user.id in by_key:
            continue  # the same user from two batches (asked by ID and by email)
        by_key[user.id] = user
        by_key.setdefault(_key(user.email), user)
        received.append(user)
    ordered: list[UserInfo] = []
    placed: set[str] = set()
    missing: list[str] = []
    for value in inputs:
        match = by_key.get(_key(value))
        if match is None:
            missing.append(value)
        elif match.id not in placed:
            placed.add(match.id)
            ordered.append(match)
    ordered.extend(user for user in received if user.id not in placed)
    return ordered, missing


def _key(value: str) -> str:
    # Email addresses are matched by their key (case, NFC/NFD, spaces); IDs exactly.
    return email_key(value) if "@" in value else value
