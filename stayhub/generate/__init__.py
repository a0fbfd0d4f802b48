# TEMPORARY shim: the landing-zone generator still lives in scripts/generate_landing_zone.py.
# The change that turns it into this package (stayhub/generate/) replaces this file; delete it then.
from scripts.generate_landing_zone import *  # noqa: F403
from scripts.generate_landing_zone import count_lines, generate, main, parse_args, write_partition

__all__ = ["count_lines", "generate", "main", "parse_args", "write_partition"]
