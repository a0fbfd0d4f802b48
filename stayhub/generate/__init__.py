# TEMPORARY shim: the landing-zone generator still lives in scripts/generate_landing_zone.py.
# The change that turns it into this package (stayhub/generate/) replaces this file; delete it then.
# The installed `stayhub` command has only the stayhub package on its path, not the checkout, so the
# checkout is appended to sys.path for the old module (appended: a checkout already on it comes first).
import sys
from pathlib import Path

if str(Path(__file__).resolve().parents[2]) not in sys.path:
    sys.path.append(str(Path(__file__).resolve().parents[2]))

from scripts.generate_landing_zone import *  # noqa: E402, F403
from scripts.generate_landing_zone import count_lines, generate, main, parse_args, write_partition  # noqa: E402

__all__ = ["count_lines", "generate", "main", "parse_args", "write_partition"]
