"""``python -m benchmarks``: see :mod:`benchmarks.cli`."""

from airtable_enterprise._core.extras import require_extra

# Without the `bench` extra: one line saying what to install, not a traceback at the end
# of a ten-minute run (the chart needs matplotlib).
require_extra("bench", ("pyairtable", "matplotlib"))

from .cli import main  # noqa: E402  (after the check)

raise SystemExit(main())
