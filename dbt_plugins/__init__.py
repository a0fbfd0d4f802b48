"""dbt-duckdb plugins of this project (profiles/profiles.yml `plugins:`)."""
