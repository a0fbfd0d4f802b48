"""stayhub: the warehouse's Python tools, behind one command, `stayhub` (stayhub/cli.py)."""
