"""Allows ``python -m chatmod``."""

import sys

from chatmod.cli import main

sys.exit(main())
