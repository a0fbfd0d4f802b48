"""dbt-duckdb plugin: the keyed hash for personal data, with a key that never enters SQL.

profiles/profiles.yml declares it (`plugins: [{module: dbt_plugins.pii_key}]`). When dbt opens its DuckDB
connection, the plugin reads the key from the file named by $WAREHOUSE_PII_KEY_FILE (the file's
bytes, surrounding whitespace removed, at least 32 bytes) and registers two SQL functions:

- pii_hmac_sha256(text): the hex HMAC-SHA-256 of the text's UTF-8 bytes under the key (null for
  null); it raises when no key was loaded, so nothing is ever hashed without one;
- pii_key_problem(): null when the key is loaded, else why not (never the key itself), for the
  on-run-start check (macros/pii/assert_pii_key.sql).

The key stays in this process's memory: compiled SQL, dbt's artifacts and logs only ever hold the
function's name.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from pathlib import Path

from dbt.adapters.duckdb.plugins import BasePlugin

KEY_FILE_ENV = "WAREHOUSE_PII_KEY_FILE"
MIN_KEY_BYTES = 32


def load_key(env_var: str = KEY_FILE_ENV) -> tuple[bytes | None, str | None]:
    """(key, None) when the file named by `env_var` holds a usable key, else (None, the problem)."""
    path = os.environ.get(env_var, "").strip()
    if not path:
        return None, f"{env_var} is not set"
    try:
        key = Path(path).expanduser().read_bytes().strip()
    except OSError as error:
        return None, f"{env_var}={path} cannot be read ({error.strerror or type(error).__name__})"
    if len(key) < MIN_KEY_BYTES:
        return None, f"{env_var}={path} holds {len(key)} bytes, fewer than the {MIN_KEY_BYTES} a key needs"
    return key, None


def keyed_hash(key: bytes | None, problem: str | None):
    """The hex HMAC-SHA-256 of a text's UTF-8 bytes under `key`, null for null; raises without a key."""

    def pii_hmac_sha256(value: str | None) -> str | None:
        if value is None:
            return None
        if key is None:
            raise ValueError(f"personal data cannot be hashed: {problem}")
        return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()

    return pii_hmac_sha256


class Plugin(BasePlugin):
    def initialize(self, plugin_config: dict):
        self._key, self._problem = load_key(plugin_config.get("key_file_env_var", KEY_FILE_ENV))

    def configure_connection(self, conn):
        problem = self._problem

        def pii_key_problem() -> str | None:
            return problem

        conn.create_function("pii_hmac_sha256", keyed_hash(self._key, problem), ["VARCHAR"], "VARCHAR", side_effects=False)
        conn.create_function("pii_key_problem", pii_key_problem, [], "VARCHAR", null_handling="special")
