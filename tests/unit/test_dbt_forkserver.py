"""A dbt invocation forked from the server is the dbt command: same output, exit code, environment and folder."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from stayhub.dbt_forkserver import ForkServer

DBT = str(Path(sys.executable).parent / "dbt")


@pytest.fixture(scope="module")
def server():
    server = ForkServer()
    yield server
    server.close()


def test_output_and_exit_code_are_the_commands(server, tmp_path):
    for args in (["--version"], ["no-such-command"], ["run", "--no-such-flag"]):
        forked = server.run(args, {"PATH": "/usr/bin:/bin"}, tmp_path)
        direct = subprocess.run([DBT, *args], cwd=tmp_path, env={"PATH": "/usr/bin:/bin"}, capture_output=True, text=True)
        assert forked.returncode == direct.returncode, args
        assert forked.stdout.strip() == (direct.stdout + direct.stderr).strip(), args
    assert server.run(["no-such-command"], {}, tmp_path).returncode == 2


def test_the_child_gets_the_invocations_environment_and_folder(server, tmp_path):
    profiles = tmp_path / "profiles"
    profiles.mkdir()
    (profiles / "profiles.yml").write_text("x: {target: t, outputs: {t: {type: duckdb, path: ':memory:'}}}\n")
    # dbt debug --config-dir names the profiles folder: $DBT_PROFILES_DIR when set, else the working folder's.
    named = server.run(["debug", "--config-dir"], {"DBT_PROFILES_DIR": str(profiles)}, tmp_path)
    assert named.returncode == 0 and str(profiles) in named.stdout
    (tmp_path / "profiles.yml").write_text("x: {}\n")
    here = server.run(["debug", "--config-dir"], {}, tmp_path)
    assert here.returncode == 0 and str(profiles) not in here.stdout and str(tmp_path) in here.stdout


def test_a_new_server_starts_after_the_old_one_dies(monkeypatch):
    from stayhub import dbt_forkserver

    monkeypatch.setattr(dbt_forkserver, "_server", None)
    first = dbt_forkserver.shared_server()
    assert first is not None
    first.process.kill()
    first.process.wait()
    second = dbt_forkserver.shared_server()
    assert second is not None and second is not first and second.process.poll() is None
    second.close()
    monkeypatch.setattr(dbt_forkserver, "_server", None)
