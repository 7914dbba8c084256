"""``access-review``: every user's access to every workspace, base, interface and
token, written to a file; ``--diff`` shows what changed since a previous review."""

from __future__ import annotations

import sys
import unicodedata
from collections import Counter
from pathlib import Path

import click
from rich.console import Console

from ..models.access_review import CHANGE_KINDS, AccessDiff, AccessRow, diff_access
from ._access_file import FILE_FORMATS, ReviewFile, ReviewWriter, read_review
from ._app import run
from ._errors import EXIT_USAGE, CliError
from ._output import Column, View, draw_table, open_writer, stderr_console, to_json
from ._progress import progress_bar
from ._session import Session

__all__ = ["access_review"]

_CHANGE_VIEW = View(
    columns=(
        Column("change", lambda c: c.change),
        Column("email", lambda c: c.email, key=True),
        Column("kind", lambda c: c.resource_kind),
        Column("resource", lambda c: c.resource_id, key=True),
        Column("name", lambda c: c.resource_name),
        Column("held", lambda c: c.held),
        Column("old", lambda c: c.old),
        Column("new", lambda c: c.new),
    ),
    json=lambda c: c.to_record(),
    title="Changes since the previous review",
)


def keep(row: AccessRow, *, external_only: bool, admins_only: bool) -> bool:
    """Whether ``row`` passes ``--external-only`` / ``--admins-only``."""
    return (row.external or not external_only) and (row.is_admin or not admins_only)


def _name_key(text: str) -> str:
    return unicodedata.normalize("NFC", text.strip()).casefold()


def comparable(
    rows: list[AccessRow],
    *,
    users: tuple[str, ...],
    external_only: bool,
    admins_only: bool,
    tokens: bool,
) -> list[AccessRow]:
    """The previous review's rows this run's options would have kept (its --user,
    --external-only, --admins-only, --no-tokens), so a filtered review is diffed
    against the same slice of a full one, not reported as everyone else removed."""
    names = {_name_key(name) for name in users}
    return [
        row
        for row in rows
        if keep(row, external_only=external_only, admins_only=admins_only)
        and (tokens or row.resource_kind != "token")
        and (not names or _name_key(row.user_id) in names or _name_key(row.email) in names)
    ]


@click.command("access-review")
@click.option(
    "--out",
    "-o",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The review file to write (.csv or .jsonl).",
)
@click.option(
    "--format",
    "-f",
    "fmt",
    type=click.Choice(FILE_FORMATS),
    help="File format (default: from --out's suffix; JSON Lines unless it is .csv).",
)
@click.option(
    "--user",
    "users",
    multiple=True,
    metavar="USER",
    help="Review only this user (ID or email); repeat for more. Default: everyone.",
)
@click.option("--external-only", is_flag=True, help="Only rows of external users.")
@click.option("--admins-only", is_flag=True, help="Only rows of enterprise admins.")
@click.option(
    "--descendants", is_flag=True, help="Include the Enterprise Hub's descendant accounts."
)
@click.option("--no-tokens", is_flag=True, help="Leave personal access tokens out.")
@click.option(
    "--names",
    is_flag=True,
    help="Also the bases' and interfaces' names (one more request per base reached).",
)
@click.option(
    "--diff",
    "previous",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="A previous review file (CSV or JSON Lines): print what changed since.",
)
@click.option(
    "--allow-unterminated",
    is_flag=True,
    help="Read a --diff file that has no end-of-review marker (one written by 0.1.0), "
    "trusting that it is whole: a truncated one would show its lost users as removed.",
)
@click.option("--force", is_flag=True, help="Replace --out if it exists.")
@click.pass_context
def access_review(
    ctx: click.Context,
    out: Path,
    fmt: str | None,
    users: tuple[str, ...],
    external_only: bool,
    admins_only: bool,
    descendants: bool,
    no_tokens: bool,
    names: bool,
    previous: Path | None,
    allow_unterminated: bool,
    force: bool,
) -> None:
    """Who can reach what: one row per user and workspace, base, interface or token
    (directly, through a group, or through the workspace), with admins and external
    users marked. Written to --out as the review goes; --diff PREVIOUS prints the
    changes since that review (a table on a terminal, JSON Lines when piped). The
    file ends with a marker (the row count and the account's ID); a --diff file without
    one, or whose count disagrees, is refused as truncated.
    """
    chosen = fmt or ("csv" if out.suffix.lower() == ".csv" else "jsonl")
    if previous is not None and previous.resolve() == out.resolve():
        raise click.BadParameter("must name another file than --out", param_hint="'--diff'")
    if out.exists() and not force:
        raise CliError(
            f"{out} exists: pass --force to replace it, or choose another --out", EXIT_USAGE
        )
    before = (  # checked first
        read_review(previous, allow_unterminated=allow_unterminated)
        if previous is not None
        else ReviewFile((), None, terminated=False)
    )
    old = (
        comparable(
            list(before.rows),
            users=users,
            external_only=external_only,
            admins_only=admins_only,
            tokens=not no_tokens,
        )
        if previous is not None
        else None
    )

    async def job(session: Session) -> tuple[int, list[AccessRow]]:
        enterprise = session.enterprise()
        if previous is not None:
            same_enterprise(before, enterprise.id, previous)
        kept: list[AccessRow] = []
        writer = ReviewWriter(out, chosen, enterprise_id=enterprise.id, overwrite=force)
        with progress_bar() as progress, writer:
            task = progress.add_task("users", total=None)

            def advance(done: int, total: int) -> None:
                progress.update(task, completed=done, total=total)

            review = enterprise.access_review(
                users=list(users) or None,
                descendants=descendants,
                include_tokens=not no_tokens,
                names=names,
                on_progress=advance,
            )
            async with review:
                async for row in review:
                    if keep(row, external_only=external_only, admins_only=admins_only):
                        writer.write(row)
                        if old is not None:
                            kept.append(row)
            writer.commit()
        return writer.count, kept

    count, rows = run(ctx, job, names={"users": "--user"})
    stderr_console().print(f"{count} row(s) written to {out}", markup=False)
    if old is not None:
        show_diff(diff_access(old, rows))


def same_enterprise(review: ReviewFile, enterprise_id: str, previous: Path) -> None:
    """Refuse a previous review of another enterprise: diffed, it would list every user
    as removed and added. Its end marker names the reviewed account; a 0.1.0 file has
    none, and its users' ``enterprise`` rows all name the account it reviewed."""
    if review.enterprise_id is not None:
        others = {review.enterprise_id} - {enterprise_id}
    else:
        rows = review.rows
        others = {r.resource_id for r in rows if r.resource_kind == "enterprise"} - {enterprise_id}
    if others:
        raise CliError(
            f"{previous} is a review of another enterprise ({', '.join(sorted(others))}), "
            f"not {enterprise_id}: nothing to compare",
            EXIT_USAGE,
        )


def show_diff(diff: AccessDiff) -> None:
    """A summary table and the changes on a terminal; JSON Lines of the changes otherwise."""
    if not sys.stdout.isatty():
        for change in diff.changes:
            sys.stdout.write(to_json(change.to_record()) + "\n")
        return
    counts = Counter(change.change for change in diff.changes)
    draw_table(
        Console(file=sys.stdout, highlight=False),
        "Access review: changes",
        [("change", True), ("count", True)],
        [[kind, str(counts.get(kind, 0))] for kind in CHANGE_KINDS],
    )
    if diff.changes:
        with open_writer("table", _CHANGE_VIEW) as writer:
            writer.write_all(diff.changes)
