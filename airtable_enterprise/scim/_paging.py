"""Where a ``startIndex`` walk of ``GET /scim/v2/Users`` goes next, and when the pages
do not back what ``totalResults`` says (pure: no I/O).

RFC 7644 §3.4.2.4 paging: ``startIndex`` is 1-based, each page holds up to ``count``
users, ``totalResults`` counts them all. A server may cap ``count`` (the walk advances by
what it got), but the pages and the total must agree; when they do not, the walk ends in
a :class:`~airtable_enterprise.ResponseValidationError` rather than a silent half list:

- a page that is empty (or whose ``Resources`` is null) before the total is reached;
- a page holding only users already read (the server ignored ``startIndex``), or
  more repeated users in one walk than a page holds (a server repeating most of every
  page would otherwise be walked to an endless advertised total; a few repeats, from a
  user created during the read, end in the count check below);
- more users than the total, or, at the end, fewer (the directory changed during the
  read, or the total is wrong);
- a total smaller than what exists: when the page that reaches the total is full, one
  more page is asked for (the "probe"), and any user on it is an error.
"""

from __future__ import annotations

from typing import NoReturn

import attrs

from ..errors import ResponseValidationError
from ..models.scim import ScimUser, ScimUserList

__all__ = ["UserWalk"]


@attrs.define
class UserWalk:
    """The state of one walk: the next ``start``, the IDs read, whether it is probing."""

    count: int
    path: str
    start: int = 1
    probing: bool = False
    _seen: set[str] = attrs.Factory(set)
    _repeats: int = 0

    def take(self, page: ScimUserList) -> list[ScimUser]:
        """Record the page fetched at :attr:`start` and return its users not read before;
        then :attr:`start` is the next page's index, unless the walk is :attr:`done`."""
        users = page.resources
        total = page.total_results
        fresh: list[ScimUser] = []
        page_ids: set[str] = set()
        for user in users:  # a user listed twice on one page is read once
            if user.id not in self._seen and user.id not in page_ids:
                page_ids.add(user.id)
                fresh.append(user)
        if self.probing:
            if fresh:
                self._lie(f"totalResults is {total} but more users follow it")
            self._end(total)
            return []
        if users and not fresh:
            self._lie(f"the page at startIndex={self.start} repeats users already read")
        self._repeats += len(users) - len(fresh)
        if self._repeats > self.count:
            self._lie(f"the pages repeated {self._repeats} users already read")
        self._seen.update(user.id for user in fresh)
        if len(self._seen) > total:
            self._lie(f"{len(self._seen)} users read but totalResults is {total}")
        if not users:
            if self.start <= total:
                self._lie(f"the page at startIndex={self.start} is empty; totalResults is {total}")
            self._end(total)
            return fresh
        self.start += len(users)
        if self.start > total:
            if len(users) >= self.count:
                self.probing = True  # a full last page: is there really nothing after it?
            else:
                self._end(total)
        return fresh

    @property
    def done(self) -> bool:
        """Whether the walk is complete."""
        return self.start == 0

    def _end(self, total: int) -> None:
        if len(self._seen) != total:
            self._lie(
                f"the pages held {len(self._seen)} users but totalResults is {total} "
                "(the directory changed during the read, or the total is wrong)"
            )
        self.start = 0

    def _lie(self, problem: str) -> NoReturn:
        raise ResponseValidationError(
            f"SCIM paging: {problem}; stopped rather than return a partial list",
            method="GET",
            path=self.path,
        )
