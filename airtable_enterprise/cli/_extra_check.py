"""Imported first by the package: without the ``cli`` extra, the tool says in one line
what to install instead of failing with a ``ModuleNotFoundError`` traceback."""

from .._core.extras import require_extra

require_extra("cli", ("click", "rich"))
