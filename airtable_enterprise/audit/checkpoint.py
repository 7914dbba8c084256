"""Audit log checkpoints (``resume=`` tokens) of chain walks, bound to their query.

A checkpoint names, per cursor chain, where to continue (an API cursor, ``None`` for
the chain's first page, ``False`` for a finished chain), and optionally the last
delivered event's ``(timestamp, id)``: events at or before it in walk order are
dropped when the page holding it is fetched again (a checkpoint taken mid-page).

Every checkpoint carries a fingerprint of its query (filters, sort order, time window;
not ``pageSize``), and a checkpoint of another query is refused with
:class:`~airtable_enterprise.InvalidInputError`: resuming query B from query A's
position would silently skip events. The parallel backfill's tokens (``audit/backfill.py``)
carry the same fingerprint. Decoding validates everything, so a forged or corrupted
token fails here, never later in the walk.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from .._core.convert import format_datetime
from ..errors import InvalidInputError

__all__ = ["decode_chains", "decode_json_token", "decode_key", "encode_chains", "fingerprint"]

_PREFIX = "resume:"
#: Tokens of earlier versions (merged walks only, no fingerprint): still accepted.
_LEGACY_PREFIX = "merged:"
#: Longest token accepted: a checkpoint of 64 chains of ~200-character cursors is ~20 kB.
_MAX_TOKEN = 200_000

Key = tuple[datetime, str]
ChainState = str | bool | None


def fingerprint(chains: Iterable[Iterable[tuple[str, str]]]) -> str:
    """A short digest of a query's cursor chains (their parameters), ``pageSize`` left
    out: it only changes how events are cut into pages, not which events a walk covers."""
    kept = [sorted((k, v) for k, v in chain if k != "pageSize") for chain in chains]
    digest = hashlib.sha256(json.dumps(kept, separators=(",", ":")).encode())
    return digest.hexdigest()[:16]


def decode_json_token(argument: str, token: str, prefix: str) -> Any:
    """The JSON body of ``prefix + base64(json)``; anything malformed (including
    absurdly deep nesting) is an :class:`InvalidInputError`."""
    if len(token) > _MAX_TOKEN:
        raise InvalidInputError(argument, f"<{len(token)} characters>", "is too long")
    try:
        return json.loads(base64.urlsafe_b64decode(token[len(prefix) :]))
    except (ValueError, binascii.Error, RecursionError, UnicodeDecodeError):
        raise InvalidInputError(argument, token, "is not a checkpoint of this library") from None


def decode_key(argument: str, token: str, value: object) -> Key:
    """A checkpoint's ``[timestamp, id]``: an aware ISO time and a non-empty string."""
    bad = InvalidInputError(argument, token, "is not a checkpoint of this library")
    if not (isinstance(value, list) and len(value) == 2):
        raise bad
    moment, event_id = value
    if not (isinstance(moment, str) and isinstance(event_id, str) and event_id):
        raise bad
    try:
        parsed = datetime.fromisoformat(moment)
        # Comparable with the events' aware times, and in range once in UTC.
        if parsed.tzinfo is None or parsed.utcoffset() is None:
            raise ValueError("naive")
        format_datetime(parsed)
    except (ValueError, OverflowError):
        raise bad from None
    return parsed, event_id


def encode_chains(states: Sequence[ChainState], after: Key | None, query: str) -> str:
    """A checkpoint of a chain walk (one chain or several merged)."""
    body = {
        "q": query,
        "chains": list(states),
        "after": [format_datetime(after[0]), after[1]] if after is not None else None,
    }
    encoded = base64.urlsafe_b64encode(json.dumps(body, separators=(",", ":")).encode())
    return _PREFIX + encoded.decode()


def is_chain_token(token: str) -> bool:
    """Whether ``token`` is one of :func:`encode_chains` (not a raw API cursor)."""
    return token.startswith((_PREFIX, _LEGACY_PREFIX))


def decode_chains(
    token: str, *, chain_count: int, query: str
) -> tuple[tuple[ChainState, ...], Key | None]:
    """The chain states and last delivered key of a checkpoint of this query."""
    prefix = _PREFIX if token.startswith(_PREFIX) else _LEGACY_PREFIX
    body = decode_json_token("resume", token, prefix)
    bad = InvalidInputError("resume", token, "is not a checkpoint of this library")
    if not isinstance(body, dict) or not isinstance(body.get("chains"), list):
        raise bad
    saved_query = body.get("q")
    if prefix == _PREFIX and saved_query != query:
        raise InvalidInputError(
            "resume",
            token,
            "was saved from a different query (filters, sort order or time window differ)",
        )
    states = tuple(body["chains"])
    if not all(s is None or s is False or (isinstance(s, str) and s) for s in states):
        raise bad
    if len(states) != chain_count:
        raise InvalidInputError(
            "resume", token, "was saved from a different query (its cursor chains differ)"
        )
    after = body.get("after")
    return states, (decode_key("resume", token, after) if after is not None else None)
