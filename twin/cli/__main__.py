"""``python -m twin.cli``."""

import sys

from twin.cli import main

sys.exit(main())
