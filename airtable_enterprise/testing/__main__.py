"""``python -m airtable_enterprise.testing serve ...``"""

import sys

from .cli import main

sys.exit(main())
