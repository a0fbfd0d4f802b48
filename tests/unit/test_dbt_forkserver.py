"""A dbt invocation forked from the server is the dbt command: same output, exit code, environment and folder."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from stayhub import dbt_forkserver
from stayhub.dbt_forkserver import ForkServer
from stayhub.warehouse import run_dbt

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
    monkeypatch.setattr(dbt_forkserver, "_server", None)
    monkeypatch.delenv(dbt_forkserver.SOCKET_ENV, raising=False)
    first = dbt_forkserver.shared_server()
    assert first is not None and first.process is not None
    first.process.kill()
    first.process.wait()
    second = dbt_forkserver.shared_server()
    assert second is not None and second is not first and second.process is not None and second.process.poll() is None
    second.close()
    monkeypatch.setattr(dbt_forkserver, "_server", None)


ATTACHING_CLIENT = """
import json
from stayhub import dbt_forkserver
server = dbt_forkserver.shared_server()
version = server.run(["--version"], {"PATH": "/usr/bin:/bin"}, "/")
print(json.dumps({"socket": str(server.socket_path), "own_process": server.process is not None, "returncode": version.returncode}))
"""


def test_the_processes_a_client_starts_fork_from_its_server_while_it_listens(monkeypatch, tmp_path):
    monkeypatch.setattr(dbt_forkserver, "_server", None)
    monkeypatch.delenv(dbt_forkserver.SOCKET_ENV, raising=False)
    own = dbt_forkserver.shared_server()
    assert own is not None and own.process is not None
    try:
        # Named for the processes this one starts: they use it, with no server of their own.
        assert os.environ[dbt_forkserver.SOCKET_ENV] == str(own.socket_path)
        started = subprocess.run([sys.executable, "-c", ATTACHING_CLIENT], capture_output=True, text=True, check=True)
        assert json.loads(started.stdout) == {"socket": str(own.socket_path), "own_process": False, "returncode": 0}
    finally:
        own.close()
        monkeypatch.setattr(dbt_forkserver, "_server", None)
    # Once it has ended, a process started with its name starts a server of its own.
    started = subprocess.run([sys.executable, "-c", ATTACHING_CLIENT], capture_output=True, text=True, check=True)
    assert json.loads(started.stdout)["own_process"] is True
    # And run_dbt, holding a server that has ended since (its socket left behind), runs dbt as a new process.
    own.socket_path.parent.mkdir()
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as stale:
        stale.bind(str(own.socket_path))
    ended = dbt_forkserver.ForkServer(socket_path=own.socket_path)
    assert ended.alive()
    monkeypatch.setattr(dbt_forkserver, "_server", ended)
    parsed = run_dbt(["parse"], tmp_path, tmp_path / "w.duckdb", target_path=tmp_path / "target")
    assert parsed.returncode == 0 and (tmp_path / "target" / "manifest.json").exists()
    assert not ended.alive()
    ended.close()
    monkeypatch.setattr(dbt_forkserver, "_server", None)


CLIENT = """
import sys
from stayhub.dbt_forkserver import ForkServer
project, profiles, mode, socket_path = sys.argv[1:5]
env = {"DBT_PROFILES_DIR": profiles, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "PATH": "/usr/bin:/bin", "PID_DIR": profiles}
server = ForkServer(socket_path=socket_path or None)
result = server.run(["run", "--project-dir", project], env, project, die_with_client=mode == "die")
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


def _sleeping_child(tmp_path: Path, mode: str, socket_path: str) -> tuple[subprocess.Popen, int]:
    """A client (CLIENT) whose dbt child sleeps in a Python model: the client, and the child's pid."""
    project = tmp_path / "project"
    (project / "models").mkdir(parents=True)
    (project / "dbt_project.yml").write_text("name: sleeper\nversion: '1.0'\nprofile: sleeper\n")
    (project / "models" / "sleeper.py").write_text(SLEEPING_MODEL)
    (tmp_path / "profiles.yml").write_text(f"sleeper: {{target: t, outputs: {{t: {{type: duckdb, path: '{tmp_path}/w.duckdb'}}}}}}\n")
    client = subprocess.Popen([sys.executable, "-c", CLIENT, str(project), str(tmp_path), mode, socket_path], stdout=subprocess.PIPE, text=True)
    pid_file = tmp_path / "pid"
    for _ in range(600):
        if pid_file.exists() and pid_file.read_text():
            break
        assert client.poll() is None, client.communicate()[0]
        time.sleep(0.1)
    return client, int(pid_file.read_text())


def _ends(pid: int) -> bool:
    """Whether the process ends within 3 s."""
    for _ in range(30):
        if not _alive(pid):
            return True
        time.sleep(0.1)
    return False


@pytest.mark.parametrize("server_of", ["the caller", "another process"])
@pytest.mark.parametrize("mode", ["die", "orphan"])
def test_a_child_asked_to_die_with_its_caller_is_killed_with_it(server, tmp_path, mode, server_of):
    """Whether the server is the caller's own (it ends with the caller) or another process's that lives on."""
    client, pid = _sleeping_child(tmp_path, mode, str(server.socket_path) if server_of == "another process" else "")
    try:
        assert _alive(pid)
        client.kill()
        client.wait()
        # Killed with its caller; without the flag it outlives it, as a dbt started by subprocess would.
        assert _ends(pid) == (mode == "die")
    finally:
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)


OWNER = """
import sys
from stayhub.dbt_forkserver import ForkServer
print(ForkServer().socket_path, flush=True)
sys.stdin.read()
"""


def test_a_child_of_another_process_s_server_lives_as_long_as_its_caller_not_the_server(tmp_path):
    owner = subprocess.Popen([sys.executable, "-c", OWNER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert owner.stdout is not None
    client, pid = _sleeping_child(tmp_path, "die", owner.stdout.readline().strip())
    try:
        server_pid = int(Path(f"/proc/{pid}/stat").read_text().split(") ")[1].split()[1])
        # The server's owner ends, and its server with it: the caller's dbt goes on.
        owner.kill()
        owner.wait()
        assert _ends(server_pid)
        assert _alive(pid)
        # Then the caller dies: its dbt with it.
        client.kill()
        client.wait()
        assert _ends(pid)
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
