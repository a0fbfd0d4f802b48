"""`python -m stayhub ...`: the same as the `stayhub` command."""

import sys

from stayhub.cli import main

if __name__ == "__main__":
    sys.exit(main())
