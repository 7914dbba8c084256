"""What a file host's answer means: the pure decisions of the signed-file downloads.

No I/O here (gidgethub's habit): :mod:`.downloads` asks these functions whether a URL
may be fetched or followed, what an answer to a (resumed) request says about the file,
whether what arrived is the whole file, and where a server-named file may be written.
The tests pin them with tables of cases.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from pathlib import Path

import attrs
import httpx

from .._core.endpoint import is_loopback_host
from .._core.validate import check_id
from ..errors import DownloadError, InvalidInputError, ResponseValidationError
from .redaction import redact_url

__all__ = [
    "Answer",
    "Validator",
    "check_answered_id",
    "check_start",
    "confined",
    "is_complete",
    "is_expired_answer",
    "read_answer",
    "redirect_allowed",
]

#: The longest file name most file systems accept, in bytes (ext4, APFS, NTFS: 255).
MAX_NAME_BYTES = 255
_STATUSES_THAT_MAY_MEAN_EXPIRED = frozenset({400, 403, 410})
_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")


def check_start(url: object) -> httpx.URL:
    """``url`` parsed if a signed file may be fetched from it: ``https``, or plain
    ``http`` to a loopback host (a local test server); else :class:`DownloadError`."""
    try:
        parsed = httpx.URL(url)  # type: ignore[arg-type]
    except (httpx.InvalidURL, TypeError):
        raise DownloadError("not a valid URL", url="<invalid URL>") from None
    if parsed.scheme == "https" or (parsed.scheme == "http" and is_loopback_host(parsed.host)):
        return parsed
    raise DownloadError("signed files are fetched over https only", url=redact_url(parsed))


def redirect_allowed(source: httpx.URL, target: httpx.URL) -> bool:
    """Whether a redirect from ``source`` to ``target`` keeps the download off clear
    text: to ``https`` always (from ``https``, or from a loopback test server), to plain
    ``http`` only from loopback ``http`` to loopback ``http``."""
    if target.scheme == "https":
        return source.scheme == "https" or is_loopback_host(source.host)
    return (
        target.scheme == "http"
        and source.scheme == "http"
        and is_loopback_host(source.host)
        and is_loopback_host(target.host)
    )


def is_expired_answer(status: int, body: str) -> bool:
    """Whether an error answer says the signed link expired (S3: 403 "Request has
    expired"; other hosts use 400 or 410 with the same word)."""
    return status in _STATUSES_THAT_MAY_MEAN_EXPIRED and "expire" in body.lower()


@attrs.frozen
class Validator:
    """What identifies one version of a file (RFC 9110 §8.8): a strong ``ETag`` or else
    its ``Last-Modified`` date, and its length. A resume sends it as ``If-Range``."""

    etag: str | None = None
    last_modified: str | None = None
    total: int | None = None

    @property
    def if_range(self) -> str | None:
        """The ``If-Range`` value: the strong ETag, else the date."""
        return self.etag or self.last_modified

    def dumps(self) -> str:
        """The validator as JSON (kept beside a ``.part`` file; no URL, no secret)."""
        return json.dumps(attrs.asdict(self), sort_keys=True)

    @classmethod
    def loads(cls, text: str) -> Validator | None:
        """A validator from :meth:`dumps`; ``None`` for anything else."""
        try:
            data = json.loads(text)
            found = cls(etag=data["etag"], last_modified=data["last_modified"], total=data["total"])
        except (ValueError, TypeError, KeyError):
            return None
        usable = all(v is None or type(v) is str for v in (found.etag, found.last_modified))
        if not usable or not (found.total is None or type(found.total) is int):
            return None
        return found if found.if_range else None


def validator_of(headers: Mapping[str, str], total: int | None) -> Validator | None:
    """The validator of an answer: its strong ``ETag`` (a weak ``W/`` one cannot be used
    in ``If-Range``) or its ``Last-Modified``; ``None`` when it has neither."""
    etag = headers.get("etag")
    if etag is not None and (etag.startswith("W/") or not etag.strip()):
        etag = None
    last_modified = headers.get("last-modified") or None
    if etag is None and last_modified is None:
        return None
    return Validator(etag=etag, last_modified=last_modified, total=total)


@attrs.frozen
class Answer:
    """What an answer to a request for bytes ``have``.. of a file means.

    - ``restart``: the file is not the one the ``.part`` holds; discard it and ask again.
    - ``append``: the body continues the ``have`` bytes already held (a 206 from there).
    - ``total``: the whole file's length, when the answer says it.
    """

    append: bool = False
    total: int | None = None
    validator: Validator | None = None
    restart: bool = False


def _length(headers: Mapping[str, str]) -> int | None:
    value = headers.get("content-length")
    return int(value) if value is not None and value.isdigit() else None


def read_answer(
    status: int, headers: Mapping[str, str], have: int, known: Validator | None, *, url: str
) -> Answer:
    """What a 2xx answer to ``GET`` (with ``Range: bytes={have}-`` when ``have``)
    means. ``known`` is the validator of the bytes held. :class:`DownloadError` for an
    answer that cannot be right (another 2xx, a 206 without a valid ``Content-Range`` or
    from another offset)."""
    if status == 200:
        total = _length(headers)
        return Answer(total=total, validator=validator_of(headers, total))
    if status != 206:
        raise DownloadError(f"unexpected HTTP {status} for a file", url=url, status_code=status)
    match = _CONTENT_RANGE.fullmatch(headers.get("content-range", "").strip())
    if match is None:
        raise DownloadError("a 206 answer without a valid Content-Range", url=url)
    first, last = int(match.group(1)), int(match.group(2))
    total = None if match.group(3) == "*" else int(match.group(3))
    if first != have:
        raise DownloadError(f"asked for bytes from {have}, got them from {first}", url=url)
    if last < first or (total is not None and last >= total):
        raise DownloadError(f"an impossible Content-Range {match.group(0)!r}", url=url)
    validator = validator_of(headers, total)
    if known is not None and not _same_version(known, validator, total):
        # The server ignored If-Range and sent bytes of another version of the file.
        return Answer(restart=True)
    return Answer(append=have > 0, total=total, validator=validator or known)


def _same_version(known: Validator, seen: Validator | None, total: int | None) -> bool:
    """Whether a 206 comes from the version of the file the ``.part`` holds: the same
    length, and the same ETag (or date) where both answers have one."""
    if known.total is not None and total != known.total:
        return False
    if seen is None:
        return True
    if known.etag is not None and seen.etag is not None:
        return known.etag == seen.etag
    if known.last_modified is not None and seen.last_modified is not None:
        return known.last_modified == seen.last_modified
    return True


def is_complete(done: int, total: int | None, *, chunked: bool) -> bool:
    """Whether ``done`` bytes are the whole file: its announced length; without one,
    only a chunked body, whose end h11 checks (a body that just stopped is unknown)."""
    if total is not None:
        return done == total
    return chunked


def confined(folder: Path, name: str, *, url: str) -> Path:
    """``folder / name`` when ``name`` is one plain file name; :class:`DownloadError`
    (nothing written) for a name that could land elsewhere or cannot be a file name:
    empty, ``.``/``..``, a separator, an absolute path, NUL or another control
    character, more than 255 bytes."""
    problem = None
    if not isinstance(name, str) or name in ("", ".", ".."):
        problem = "is not a file name"
    elif "/" in name or "\\" in name or os.path.isabs(name):
        problem = "is a path, not a file name"
    elif any(ord(c) < 32 or ord(c) == 127 for c in name):
        problem = "holds a control character"
    elif len(name.encode("utf-8", "surrogatepass")) > MAX_NAME_BYTES:
        problem = f"is longer than {MAX_NAME_BYTES} bytes"
    path = folder / name if problem is None else None
    if path is None or path.parent != folder:
        raise DownloadError(
            f"refusing to write the file {name!r:.80} {problem or 'outside its folder'}",
            url=url,
        )
    return path


def check_answered_id(value: object, prefix: str, *, path: str) -> str:
    """An ID the server answered, when it has the documented shape (``prefix`` and 14
    letters or digits, REFERENCE §1.7): file names are built from it."""
    try:
        return check_id("id", value, prefix)
    except InvalidInputError:
        raise ResponseValidationError(
            f"the server answered {value!r:.80} where an ID starting with {prefix!r} "
            "belongs; no file written",
            method="GET",
            path=path,
        ) from None
