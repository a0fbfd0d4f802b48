"""A dbt invocation forked from the server is the dbt command: same output, exit code, environment and folder."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
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


CLIENT = """
import sys
from stayhub.dbt_forkserver import ForkServer
project, profiles = sys.argv[1], sys.argv[2]
env = {"DBT_PROFILES_DIR": profiles, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "PATH": "/usr/bin:/bin", "PID_DIR": profiles}
result = ForkServer().run(["run", "--project-dir", project], env, project, die_with_client=sys.argv[3] == "die")
print(result.stdout)
"""

SLEEPING_MODEL = """
import os, time
def model(dbt, session):
    with open(os.path.join(os.environ["PID_DIR"], "pid"), "w") as f:
        f.write(str(os.getpid()))
    time.sleep(120)
    return session.sql("select 1 as x")
"""


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ")[1][0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.parametrize("mode", ["die", "orphan"])
def test_a_child_asked_to_die_with_its_caller_is_killed_with_it(tmp_path, mode):
    project = tmp_path / "project"
    (project / "models").mkdir(parents=True)
    (project / "dbt_project.yml").write_text("name: sleeper\nversion: '1.0'\nprofile: sleeper\n")
    (project / "models" / "sleeper.py").write_text(SLEEPING_MODEL)
    (tmp_path / "profiles.yml").write_text(f"sleeper: {{target: t, outputs: {{t: {{type: duckdb, path: '{tmp_path}/w.duckdb'}}}}}}\n")
    client = subprocess.Popen([sys.executable, "-c", CLIENT, str(project), str(tmp_path), mode], stdout=subprocess.PIPE, text=True)
    pid_file = tmp_path / "pid"
    for _ in range(600):
        if pid_file.exists() and pid_file.read_text():
            break
        assert client.poll() is None, client.communicate()[0]
        time.sleep(0.1)
    pid = int(pid_file.read_text())
    assert _alive(pid)
    client.kill()
    client.wait()
    for _ in range(30):
        if not _alive(pid):
            break
        time.sleep(0.1)
    try:
        # Killed with its caller; without the flag it outlives it, as a dbt started by subprocess would.
        assert _alive(pid) == (mode == "orphan")
    finally:
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)


def _threads(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/task"))


def test_the_server_warms_up_and_forks_only_from_a_single_thread(server, tmp_path):
    # Warmed up, not restarted cold: forking beside another thread could deadlock the child.
    assert "--cold" not in Path(f"/proc/{server.process.pid}/cmdline").read_text().split("\0")
    assert _threads(server.process.pid) == 1
    # A build after the warm-up's, the static parser on (its thread pool is the child's own): same result as dbt's.
    project = tmp_path / "project"
    (project / "models").mkdir(parents=True)
    (project / "dbt_project.yml").write_text("name: after_warm_up\nversion: '1.0'\nprofile: after_warm_up\n")
    (project / "models" / "first.sql").write_text("select 1 as x\n")
    (project / "models" / "second.sql").write_text("select x + 1 as y from {{ ref('first') }}\n")
    (project / "profiles.yml").write_text(f"after_warm_up: {{target: t, outputs: {{t: {{type: duckdb, path: '{tmp_path}/w.duckdb'}}}}}}\n")
    env = {"DBT_PROFILES_DIR": str(project), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "PATH": "/usr/bin:/bin"}
    for _ in range(2):
        forked = server.run(["build", "--project-dir", str(project)], env, project)
        assert forked.returncode == 0 and "PASS=2" in forked.stdout, forked.stdout
    assert _threads(server.process.pid) == 1


def test_a_cold_server_runs_the_same_commands():
    cold = ForkServer(warm_up=False)
    try:
        assert "--cold" in Path(f"/proc/{cold.process.pid}/cmdline").read_text().split("\0")
        version = cold.run(["--version"], {"PATH": "/usr/bin:/bin"}, "/")
        assert version.returncode == 0 and "installed:" in version.stdout
    finally:
        cold.close()


def test_the_warm_up_leaves_the_callers_dbt_settings_alone(tmp_path, monkeypatch):
    # Settings the caller's invocations read from the environment: the warm-up writes none of their folders.
    monkeypatch.setenv("DBT_TARGET_PATH", str(tmp_path / "target"))
    monkeypatch.setenv("DBT_LOG_PATH", str(tmp_path / "logs"))
    monkeypatch.setenv("DBT_TARGET", "no_such_target")
    warm = ForkServer()
    try:
        assert "--cold" not in Path(f"/proc/{warm.process.pid}/cmdline").read_text().split("\0")
        assert not (tmp_path / "target").exists() and not (tmp_path / "logs").exists()
    finally:
        warm.close()
