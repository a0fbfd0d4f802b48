"""Plugins that dbt-duckdb loads into its connection (profiles/profiles.yml, module_paths)."""
