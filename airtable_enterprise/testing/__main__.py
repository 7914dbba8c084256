"""``python -m airtable_enterprise.testing serve ...``"""

import sys

from .._core.extras import require_extra

require_extra("testing", ("starlette", "uvicorn", "click"))

from .cli import main  # noqa: E402  (after the check: it imports the extra's modules)

sys.exit(main())
