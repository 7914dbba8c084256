"""``api METHOD PATH``: any endpoint, through the same request core as every command
(rate limiter, retries, error mapping and exit codes), as ``gh api`` does for GitHub.

With ``--paginate`` the paged families are followed to their end (REFERENCE §8.3, §9,
§10, §11, §12, §16) and their items are written one per line.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import attrs
import click

from .._core.progress import ChainProgress
from .._core.validate import check_id
from ..errors import ResponseValidationError
from ._app import run
from ._errors import EXIT_USAGE, CliError
from ._input import loads_strict
from ._options import format_options
from ._output import View, is_stdout, open_writer, stderr_console
from ._session import Session

__all__ = ["Paging", "api", "paging_for", "parse_field"]

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")

_BASE_PATH = re.compile(r"^/v0/meta/bases/(app[A-Za-z0-9]{14})(?:/|$)")


@attrs.frozen
class Paging:
    """How one family pages: ``items`` is the list key of a page; the cursor is read
    from the answer's ``answer_key`` and sent back as ``send_key`` (in the query, or
    in the JSON body for ``body``)."""

    items: str
    answer_key: str
    send_key: str
    body: bool = False
    #: SCIM: the next ``startIndex`` is computed from the page, not sent back as is.
    scim: bool = False


_FAMILIES: tuple[tuple[str, re.Pattern[str], Paging | None], ...] = (
    # Audit log events (§8.3): `previous` walks back (descending), `next` forward.
    ("GET", re.compile(r"/auditLogEvents$"), None),
    # Legacy audit-log requests and eDiscovery exports (§9, §10): a numeric offset.
    (
        "GET",
        re.compile(r"/enterpriseAccounts/[^/]+/auditLogs$"),
        Paging("auditLogs", "offset", "offset"),
    ),
    (
        "GET",
        re.compile(r"/enterpriseAccounts/[^/]+/exports$"),
        Paging("exports", "offset", "offset"),
    ),
    # Change events (§11): a string offset.
    ("GET", re.compile(r"/changeEvents$"), Paging("events", "offset", "offset")),
    # SCIM users (§12): startIndex/count against totalResults.
    (
        "GET",
        re.compile(r"/scim/v2/Users$"),
        Paging("Resources", "totalResults", "startIndex", scim=True),
    ),
    # HyperDB (§16): the cursor goes in the POST body.
    (
        "POST",
        re.compile(r"^/v0/ent[^/]+/[^/]+/getRecords$"),
        Paging("records", "nextCursor", "cursor", body=True),
    ),
)


def paging_for(method: str, path: str, query: Mapping[str, list[str]]) -> Paging | None:
    """The paging of ``method path`` (``None``: not a paged endpoint). Audit-log events
    follow ``next`` in ascending order and ``previous`` otherwise (the default order is
    descending)."""
    for family_method, pattern, paging in _FAMILIES:
        if family_method == method and pattern.search(path):
            if paging is not None:
                return paging
            ascending = query.get("sortOrder", [""])[-1] == "ascending"
            cursor = "next" if ascending else "previous"
            return Paging("events", f"pagination.{cursor}", cursor)
    return None


def parse_field(text: str, *, typed: bool) -> tuple[str, Any]:
    """``KEY=VALUE``: with ``typed``, ``true``/``false``/``null``, numbers and JSON
    arrays/objects become JSON values and ``@FILE`` the file's text; else a string."""
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise click.BadParameter(f"{text!r} is not KEY=VALUE")
    if not typed:
        return key, value
    if value.startswith("@"):
        try:
            return key, Path(value[1:]).read_text()
        except OSError as exc:
            raise click.BadParameter(f"cannot read {value[1:]}: {exc}") from None
    if value in ("true", "false", "null") or re.fullmatch(r"-?\d+(\.\d+)?", value):
        try:
            return key, json.loads(value)
        except ValueError:  # more digits than Python converts: kept as the text typed
            return key, value
    if value[:1] in "[{":
        try:
            return key, loads_strict(value)
        except ValueError:
            pass
    return key, value


def _query_pairs(fields: list[tuple[str, Any]]) -> list[tuple[str, str]]:
    """Fields as query pairs (``key[]=a`` repeats; booleans as ``true``/``false``)."""
    pairs = []
    for key, value in fields:
        values = value if isinstance(value, list) else [value]
        for item in values:
            text = json.dumps(item) if isinstance(item, bool | None | dict) else str(item)
            pairs.append((key, text))
    return pairs


def _body(fields: list[tuple[str, Any]]) -> dict[str, Any]:
    """Fields as a JSON object (``key[]=a`` appends ``a`` to the list at ``key``)."""
    body: dict[str, Any] = {}
    for key, value in fields:
        if key.endswith("[]"):
            body.setdefault(key[:-2], []).append(value)
        else:
            body[key] = value
    return body


def _resolve_path(path: str, enterprise_id: str | None, scim_url: str) -> str:
    """``{ent}`` filled with --enterprise, a leading ``/`` added, and SCIM paths moved
    under the client's SCIM root; a full URL is refused (the token goes only to the API)."""
    if "://" in path:
        raise CliError(
            "PATH is a path such as /v0/meta/whoami, not a URL (--endpoint-url sets the host)",
            EXIT_USAGE,
        )
    if not path.startswith("/"):
        path = "/" + path
    # `//host/x` is sent to the API as /x, and `/a/../b` as /b: neither is the path typed.
    segments = unquote(path.partition("?")[0]).replace("\\", "/").split("/")
    if path.startswith("//") or any(segment in (".", "..") for segment in segments):
        raise CliError(
            f"PATH {path!r} has '//' at its start or a '.' or '..' segment: "
            "write the endpoint's path as it is",
            EXIT_USAGE,
        )
    if "{ent}" in path:
        if enterprise_id is None:
            raise CliError(
                "PATH has {ent}: pass --enterprise or set AIRTABLE_ENTERPRISE_ID", EXIT_USAGE
            )
        path = path.replace("{ent}", check_id("enterprise_account_id", enterprise_id, "ent"))
    if path == "/scim/v2" or path.startswith("/scim/v2/"):
        path = scim_url + path[len("/scim/v2") :]
    return path


def _get(data: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        data = data.get(part) if isinstance(data, Mapping) else None
    return data


async def _pages(
    session: Session,
    method: str,
    path: str,
    params: list[tuple[str, str]],
    body: Any,
    paging: Paging,
    base_id: str | None,
    max_pages: int | None,
) -> AsyncIterator[Any]:
    """The items of every page, following ``paging`` until the cursor runs out, a page
    is empty where more cannot come, or the chain stops advancing (an error)."""
    progress = ChainProgress()
    # A cursor the caller gave (-F offset=..., -F startIndex=51) is where the walk starts.
    given = [value for key, value in params if key == paging.send_key]
    cursor: str | None = given[-1] if given and not paging.scim else None
    start = int(given[-1]) if given and paging.scim and given[-1].isdigit() else 1
    pages = 0
    streaming = paging.send_key == "next" and not any(k == "endTime" for k, _ in params)
    while True:
        query = [pair for pair in params if pair[0] != paging.send_key]
        payload = body
        if paging.scim:
            query.append(("startIndex", str(start)))
        elif cursor is not None and paging.body:
            payload = {**(body or {}), paging.send_key: cursor}
        elif cursor is not None:
            query.append((paging.send_key, cursor))
        answer = await session.api.request(
            method, path, params=query or None, json=payload, base_id=base_id
        )
        pages += 1
        items = answer.get(paging.items) if isinstance(answer, Mapping) else None
        if items is None:
            items = []
        if not isinstance(items, list):
            raise ResponseValidationError(
                f"{paging.items!r} is a {type(items).__name__}, not a list",
                method=method,
                path=path,
            )
        for item in items:
            yield item
        if max_pages is not None and pages >= max_pages:
            return
        ids = [
            str(item.get("id") or item.get("primaryKey"))
            for item in items
            if isinstance(item, Mapping)
        ]
        if paging.scim:
            total = answer.get("totalResults") if isinstance(answer, Mapping) else None
            start += len(items)
            if not items or not isinstance(total, int) or start > total:
                return
            # A server that ignores startIndex answers the same users again: stop.
            if progress.stalled(str(start - len(items)), str(start), ids):
                raise ResponseValidationError(
                    f"startIndex {start - len(items)} answered users already seen",
                    method=method,
                    path=path,
                )
            continue
        following = _get(answer, paging.answer_key)
        if following is None or following == "null" or (streaming and not items):
            return
        if progress.stalled(cursor, str(following), ids):
            raise ResponseValidationError(
                f"the {paging.send_key} cursor stopped advancing after {pages} pages",
                method=method,
                path=path,
            )
        cursor = str(following)


_ITEMS = View(columns=(), json=lambda item: item)


@click.command("api")
@click.argument("method", metavar="METHOD", type=click.Choice(METHODS, case_sensitive=False))
@click.argument("path", metavar="PATH")
@click.option(
    "--field",
    "-F",
    "typed_fields",
    multiple=True,
    metavar="KEY=VALUE",
    help="A parameter: true/false/null, numbers and JSON arrays/objects are typed, @FILE "
    "reads a file. In the query for GET and DELETE (and with --input), else in the JSON "
    "body; key[]=v repeats (email[]=a -F email[]=b).",
)
@click.option(
    "--raw-field",
    "raw_fields",
    multiple=True,
    metavar="KEY=VALUE",
    help="A parameter that stays a string.",
)
@click.option(
    "--input",
    "source",
    metavar="FILE",
    help="The JSON request body from FILE (- is stdin); fields then go in the query.",
)
@click.option(
    "--paginate",
    is_flag=True,
    help="Follow the pages of a paged endpoint (audit log, audit-log requests, exports, "
    "change events, SCIM users, HyperDB records) and write their items, one per line.",
)
@click.option(
    "--max-pages", type=click.IntRange(min=1), help="With --paginate: stop after this many."
)
@format_options(("jsonl", "json"))
@click.pass_context
def api(
    ctx: click.Context,
    method: str,
    path: str,
    typed_fields: tuple[str, ...],
    raw_fields: tuple[str, ...],
    source: str | None,
    paginate: bool,
    max_pages: int | None,
    fmt: str | None,
    out: Path | None,
) -> None:
    """Call any endpoint: METHOD PATH (/v0/meta/..., /scim/v2/...; {ent} is the
    --enterprise account), through the same rate limit, retries, errors and exit codes
    as every command. Prints the JSON answer (nothing for an empty one).

    \b
    airtable-enterprise api GET /v0/meta/whoami
    airtable-enterprise api GET '/v0/meta/enterpriseAccounts/{ent}/users' -F 'email[]=jo@x.com'
    airtable-enterprise api POST /v0/meta/workspaces -F enterpriseAccountId=ent... -F name=Ops
    airtable-enterprise api GET '/v0/meta/enterpriseAccounts/{ent}/auditLogEvents' \\
        -F sortOrder=ascending -F pageSize=1000 -F startTime=2026-01-01T00:00:00Z --paginate
    """
    method = method.upper()
    fields = [parse_field(f, typed=True) for f in typed_fields]
    fields += [parse_field(f, typed=False) for f in raw_fields]
    body: Any = None
    params: list[tuple[str, str]] = []
    if source is not None:
        from ._input import read_json

        body = read_json(source, "--input")
        params = _query_pairs(fields)
    elif method in ("GET", "DELETE"):
        params = _query_pairs(fields)
    elif fields:
        body = _body(fields)
    if max_pages is not None and not paginate:
        raise click.UsageError("--max-pages goes with --paginate")

    async def job(session: Session) -> Any:
        resolved = _resolve_path(path, session.enterprise_id, session.api.scim_url)
        match = _BASE_PATH.match(resolved)
        base_id = match.group(1) if match else None
        query: dict[str, list[str]] = {}
        for key, value in params:
            query.setdefault(key, []).append(value)
        paging = paging_for(method, _relative(resolved, session.api.scim_url), query)
        if not paginate or paging is None:
            if paginate:
                stderr_console().print(f"note: {method} {path} is not paged: one request")
            return await session.api.request(
                method, resolved, params=params or None, json=body, base_id=base_id
            )
        if paging.body and body is not None and not isinstance(body, dict):
            raise CliError(
                "--paginate sends its cursor in the body: --input must be an object", EXIT_USAGE
            )
        # Items are written as pages arrive: memory stays flat however long the walk.
        with open_writer(fmt or ("jsonl" if is_stdout(out) else None), _ITEMS, out) as writer:
            pages = _pages(session, method, resolved, params, body, paging, base_id, max_pages)
            async for item in pages:
                writer.write(item)
            stderr_console().print(f"{writer.count} item(s)")
        return _PAGED

    answer = run(ctx, job)
    if answer is _PAGED or answer is None:
        return
    if fmt is None and is_stdout(out) and sys.stdout.isatty():
        click.echo(json.dumps(answer, indent=2, ensure_ascii=False))
        return
    with open_writer(fmt, _ITEMS, out, single=True) as writer:
        writer.write(answer)


#: What the job returns once a paged walk has written its items.
_PAGED = object()


def _relative(resolved: str, scim_url: str) -> str:
    """The path the paging rules read: SCIM paths as ``/scim/v2/...`` whatever the root."""
    if resolved.startswith(scim_url):
        return "/scim/v2" + resolved[len(scim_url) :]
    return resolved
