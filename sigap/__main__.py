"""``python -m sigap …``: the command line for IT staff and scheduled jobs."""

import sys

from sigap.cli import main

sys.exit(main())
