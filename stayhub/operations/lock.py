"""One writer per warehouse: an exclusive lock on `<warehouse file>.lock` that
names its holder, so a second run waits for it or fails saying who holds it."""

from __future__ import annotations

import fcntl
import getpass
import json
import os
import socket
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path


class WarehouseLocked(RuntimeError):
    """Another process held the warehouse's lock for longer than the caller would wait."""

    def __init__(self, lock_path: Path, holder: str, waited: float):
        super().__init__(f"the warehouse is locked by {holder} (lock file {lock_path}); waited {waited:.0f} s")
        self.lock_path = lock_path
        self.holder = holder


def lock_path_for(duckdb_path: Path | str) -> Path:
    return Path(f"{Path(duckdb_path).resolve()}.lock")


def describe_holder(text: str) -> str:
    """The holder as a sentence, from the JSON the holder wrote into the lock file."""
    try:
        holder = json.loads(text)
    except ValueError:
        return "another process (it wrote no holder details)"
    return f"pid {holder.get('pid')} on {holder.get('host')} (user {holder.get('user')}, since {holder.get('since')}): {holder.get('purpose')}"


@contextmanager
def warehouse_lock(duckdb_path: Path | str, purpose: str, timeout: float = 0.0, poll: float = 1.0) -> Iterator[Path]:
    """Holds the warehouse's lock for the block; waits up to `timeout` seconds for it, then raises WarehouseLocked.

    The kernel drops the lock when the holder dies (even by SIGKILL), so a crash never leaves it held.
    """
    path = lock_path_for(duckdb_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "a+")  # noqa: SIM115 (held open for the whole block)
    started = time.monotonic()
    try:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                waited = time.monotonic() - started
                if waited >= timeout:
                    raise WarehouseLocked(path, describe_holder(path.read_text()), waited) from None
                time.sleep(min(poll, timeout - waited))
        holder = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "user": getpass.getuser(),
            "since": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
            "purpose": purpose,
            "command": " ".join(sys.argv),
        }
        handle.seek(0)
        handle.truncate()
        handle.write(json.dumps(holder))
        handle.flush()
        try:
            yield path
        finally:
            handle.seek(0)
            handle.truncate()
            handle.flush()
            fcntl.flock(handle, fcntl.LOCK_UN)
    finally:
        handle.close()
