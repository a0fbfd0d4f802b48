"""The backfill runner: stayhub backfill --help."""
