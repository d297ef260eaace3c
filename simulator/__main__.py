"""`python -m simulator ...` is the same as the `caseload` command."""

import sys

from simulator.cli import main

sys.exit(main())
