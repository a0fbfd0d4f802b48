"""The backfill runner: python -m scripts.backfill --help."""
