"""dbt without paying for its import at every invocation (opt in: STAYHUB_DBT_FORKSERVER=1, or =cold).

Importing dbt costs about 1.6 s of CPU, a third of a small command and the biggest fixed cost of the test
suite, which runs dbt a few hundred times. With the variable set, the first run_dbt of a process starts one
server that imports dbt once; every invocation is then a child forked from it: its own process, with the
invocation's arguments, environment, working folder, output and exit code, running dbt's own command-line
entry point (dbt.cli.main.cli), exactly as the `dbt` command does. The server ends when the process that
started it does (it reads its stdin until EOF), and takes with it the children asked to die with their
caller (Linux's parent-death signal). run_dbt keeps the plain subprocess for streamed output and falls back
to it when the server cannot start.

Before it forks, the server also builds a tiny project of its own once (_warm_up): dbt builds much of what
an invocation needs (its classes' (de)serialisers, the JSON schemas it validates with, Jinja's templates) on
first use, and every child would pay for that again, about half a second of CPU each. A child is then a
second invocation in the same process, as dbt's programmatic invocation (dbtRunner) makes them; dbt's
preflight resets its flags, invocation, loggers and adapters, and the warm-up resets what the preflight does
not. Forking beside another thread can deadlock the child (a lock that thread held stays held), so the server
forks only while it has a single thread, and otherwise restarts itself without the warm-up
(STAYHUB_DBT_FORKSERVER=cold skips it).

A process that starts a server names its socket in STAYHUB_DBT_FORKSERVER_SOCKET, so the processes it starts
(a `stayhub` command a test or another command runs) fork their dbt from the same server instead of importing
dbt and warming up once more each; one whose server has ended starts its own. A child asked to die with its
caller dies when the caller's connection closes, so that holds for a caller that did not start the server
(and such a caller's child is not killed when that server ends before it).
"""

from __future__ import annotations

import atexit
import ctypes
import gc
import importlib
import json
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import uuid
from pathlib import Path

ENV = "STAYHUB_DBT_FORKSERVER"
# The socket of the server a process started, inherited by the processes it starts (they use that server).
SOCKET_ENV = "STAYHUB_DBT_FORKSERVER_SOCKET"
# What a dbt run imports after its command line: imported once by the server too (no connection is opened).
_PRELOADED = [
    "_strptime",
    "duckdb",
    "multiprocessing.pool",
    "sqlparse",
    "dbt.adapters.duckdb.impl",
    "dbt.adapters.duckdb.plugins",
    "dbt.compilation",
    "dbt.task.build",
    "dbt.task.freshness",
    "dbt.task.list",
    "dbt.task.run",
    "dbt.task.run_operation",
    "dbt.task.seed",
    "dbt.task.test",
]


COLD = "--cold"
# STAYHUB_DBT_FORKSERVER=cold: a server without the warm-up (to compare, or to rule it out).
COLD_VALUE = "cold"
# This process's threads (Linux): the server forks only while it has one.
THREADS = Path("/proc/self/task")
_WARM_UP_PROJECT = {
    "dbt_project.yml": "name: warm_up\nversion: '1.0'\nprofile: warm_up\n",
    "profiles.yml": "warm_up: {target: memory, outputs: {memory: {type: duckdb, path: ':memory:', threads: 1}}}\n",
    "seeds/warm_up_seed.csv": "id,name\n1,a\n",
    "models/warm_up_model.sql": "select id, name from {{ ref('warm_up_seed') }}\n",
    "models/warm_up_model.yml": "models:\n  - name: warm_up_model\n    columns:\n      - name: id\n        data_tests: [not_null]\n",
}


def enabled() -> bool:
    return os.environ.get(ENV, "").strip() not in ("", "0", "false") and hasattr(os, "fork")


class ServerGone(RuntimeError):
    """The server did not take the request (it has ended): nothing ran."""


class ForkServer:
    """The client side: starts the server (or uses the one listening at socket_path) and asks it for one dbt
    invocation at a time (or several from threads)."""

    def __init__(self, warm_up: bool = True, socket_path: Path | str | None = None) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="stayhub-dbt-"))
        self.owner = os.getpid()
        self.process: subprocess.Popen | None = None
        self.gone = False  # set when the server refused a connection
        if socket_path is not None:
            self.socket_path = Path(socket_path)
            return
        self.socket_path = self.folder / "socket"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "stayhub.dbt_forkserver", str(self.socket_path), *([] if warm_up else [COLD])],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        if self.process.stdout.readline().strip() != "ready":
            self.close()
            raise RuntimeError("the dbt fork server did not start")

    def own(self) -> bool:
        """Whether the server is this process's: it started it (not a forked copy of the process that did)."""
        return self.process is not None and self.owner == os.getpid()

    def ended(self) -> bool:
        """The server is known to have ended: it refused a connection, or this process's own has exited."""
        return self.gone or (self.own() and self.process is not None and self.process.poll() is not None)

    def alive(self) -> bool:
        """This process's own server still running, or another's still listening."""
        if self.ended():
            return False
        return self.own() or (self.process is None and self.socket_path.exists())

    def run(self, args: list[str], env: dict[str, str], cwd: Path | str, die_with_client: bool = False) -> subprocess.CompletedProcess:
        """One dbt invocation; its stdout and stderr together, as run_dbt's subprocess captures them. With
        die_with_client, dbt is killed when this process dies (its connection closes), and when the server
        does if it is this process's own; another process's server may end first without taking this
        invocation with it. Raises ServerGone when the server is not there to take the request."""
        output = self.folder / f"{uuid.uuid4().hex}.out"
        # The server's death kills the child only where it is the client's own (it ends with the client).
        request = {
            "args": args,
            "env": env,
            "cwd": str(cwd),
            "output": str(output),
            "die_with_client": die_with_client,
            "die_with_server": die_with_client and self.own(),
        }
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
            try:
                connection.connect(str(self.socket_path))
            except OSError as error:
                self.gone = True
                raise ServerGone(f"no dbt fork server at {self.socket_path}: {error}") from error
            connection.sendall(json.dumps(request).encode() + b"\n")
            reply = connection.makefile("r").readline()
        try:
            text = output.read_text(errors="replace")
            output.unlink()
        except FileNotFoundError:
            text = ""
        # No reply: the child died before it could answer (killed by a signal, say).
        returncode = int(json.loads(reply)["returncode"]) if reply.strip() else -signal.SIGKILL
        return subprocess.CompletedProcess(["dbt", *args], returncode, text)

    def close(self) -> None:
        """Ends this process's own server (not one it only uses)."""
        if self.own() and self.process is not None:
            if self.process.stdin is not None:
                self.process.stdin.close()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        shutil.rmtree(self.folder, ignore_errors=True)


_server: ForkServer | None = None
_server_lock = threading.Lock()


def shared_server() -> ForkServer | None:
    """The server a parent process named (SOCKET_ENV) while it listens, else this process's own, started on
    first use and named for the processes this one starts; None when it cannot start (run_dbt then runs dbt
    itself)."""
    global _server
    with _server_lock:
        if _server is not None and not _server.alive():
            # An ended server is no one's to inherit; a forked copy of its owner inherits a running one.
            if _server.ended() and os.environ.get(SOCKET_ENV) == str(_server.socket_path):
                del os.environ[SOCKET_ENV]
            _server = None
        if _server is None:
            inherited = os.environ.get(SOCKET_ENV, "")
            try:
                if inherited and Path(inherited).exists():
                    _server = ForkServer(socket_path=inherited)
                else:
                    _server = ForkServer(warm_up=os.environ.get(ENV, "").strip() != COLD_VALUE)
                    os.environ[SOCKET_ENV] = str(_server.socket_path)
            except (OSError, RuntimeError):
                return None
            atexit.register(_server.close)
        return _server


def _serve(socket_path: str, warm_up: bool) -> None:
    # As the `dbt` script runs: its own folder first on sys.path, not this one's.
    sys.path[0] = str(Path(sys.executable).parent)
    from dbt.cli.main import cli

    for module in _PRELOADED:
        try:
            importlib.import_module(module)
        except ImportError:
            pass
    if warm_up and THREADS.is_dir() and not _warmed_up(cli):
        # Not safe to fork from: start again, cold (same process, pipes and socket path).
        os.execv(sys.executable, [sys.executable, "-m", "stayhub.dbt_forkserver", socket_path, COLD])
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(socket_path)
    listener.listen(64)
    # Every child reaps itself; the server never waits.
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    print("ready", flush=True)
    while True:
        readable, _, _ = select.select([listener, sys.stdin], [], [])
        if sys.stdin in readable and not os.read(sys.stdin.fileno(), 4096):
            return  # the process that started it is gone
        if listener in readable:
            connection, _ = listener.accept()
            if os.fork() == 0:
                listener.close()
                _invoke(connection, cli)
            connection.close()


def _warmed_up(cli) -> bool:
    """Builds a project of one seed, one model and one test on an in-memory DuckDB, as a child would, then
    undoes what outlives an invocation: DuckDB's database (and its threads), loggers, deprecations already
    shown, the environment's metadata. The static parser stays off: its thread pool would outlive the build.
    True when the build passed and this process is left with one thread."""
    try:
        _warm_up(cli)
    except BaseException:
        traceback.print_exc(file=sys.stderr)
        return False
    return len(list(THREADS.iterdir())) == 1


def _warm_up(cli) -> None:
    from dbt import deprecations
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    from dbt_common.events.event_manager_client import cleanup_event_logger
    from dbt_common.events.functions import reset_metadata_vars

    folder = Path(tempfile.mkdtemp(prefix="stayhub-dbt-warm-up-"))
    saved = (dict(os.environ), os.getcwd(), list(sys.argv), os.dup(1), os.dup(2))
    try:
        for path, text in _WARM_UP_PROJECT.items():
            (folder / path).parent.mkdir(parents=True, exist_ok=True)
            (folder / path).write_text(text)
        # The caller's DBT_ settings (a target or log path, a target, deferral) are for its invocations, not this one.
        for name in [name for name in os.environ if name.startswith("DBT_")]:
            del os.environ[name]
        os.environ.update({"DO_NOT_TRACK": "1", "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"})
        os.chdir(folder)
        quiet = os.open(os.devnull, os.O_WRONLY)
        os.dup2(quiet, 1)
        os.dup2(quiet, 2)
        os.close(quiet)
        sys.argv = ["dbt", "build"]
        try:
            paths = ["--project-dir", str(folder), "--profiles-dir", str(folder), "--target-path", str(folder / "target"), "--log-path", str(folder / "logs")]
            cli(["build", *paths, "--no-static-parser", "--no-partial-parse"])
        except SystemExit as exit:
            if exit.code:
                raise RuntimeError(f"the fork server's warm-up build exited {exit.code}") from None
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        environ, cwd, sys.argv, stdout, stderr = saved
        os.environ.clear()
        os.environ.update(environ)
        os.chdir(cwd)
        for saved_fd, fd in ((stdout, 1), (stderr, 2)):
            os.dup2(saved_fd, fd)
            os.close(saved_fd)
        DuckDBConnectionManager.close_all_connections()
        cleanup_event_logger()
        reset_metadata_vars()
        deprecations.reset_deprecations()
        gc.collect()
        shutil.rmtree(folder, ignore_errors=True)


def _invoke(connection: socket.socket, cli) -> None:
    """In the forked child: become the dbt command the request describes, run it, answer its exit code, exit."""
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    server = os.getppid()
    returncode = 1
    try:
        request = json.loads(connection.makefile("r").readline())
        if request.get("die_with_server"):
            _die_with_parent(server)
        if request.get("die_with_client"):
            _die_with_connection(connection)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        time.tzset()
        output = os.open(request["output"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(output, 1)
        os.dup2(output, 2)
        os.close(output)
        stdin = os.open(os.devnull, os.O_RDONLY)
        os.dup2(stdin, 0)
        os.close(stdin)
        # What the `dbt` script sees (click names the program from them): its own path, no package.
        sys.argv = [str(Path(sys.executable).parent / "dbt"), *request["args"]]
        sys.modules["__main__"].__package__ = None
        try:
            returncode = _exit_code(cli())
        except SystemExit as exit:
            returncode = _exit_code(exit.code)
        except BaseException:
            traceback.print_exc()
            returncode = 1
        atexit._run_exitfuncs()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:
                pass
        try:
            connection.sendall(json.dumps({"returncode": returncode}).encode() + b"\n")
        finally:
            os._exit(returncode & 0xFF)


def _die_with_parent(parent: int) -> None:
    """Linux sends this process SIGKILL when its parent (the server) exits: prctl(PR_SET_PDEATHSIG)."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(1, signal.SIGKILL, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    if os.getppid() != parent:
        os._exit(1)  # the server ended before the signal was armed


def _die_with_connection(connection: socket.socket) -> None:
    """Kills this process when the client's end of the connection closes: the client holds it until the reply,
    so that is when the client died (or after the reply was sent)."""

    def watch() -> None:
        try:
            while connection.recv(4096):
                pass
        except OSError:
            pass
        os.kill(os.getpid(), signal.SIGKILL)

    threading.Thread(target=watch, name="stayhub-die-with-client", daemon=True).start()


def _exit_code(code) -> int:
    """What a process exiting by sys.exit(code) returns."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


if __name__ == "__main__":
    _serve(sys.argv[1], warm_up=COLD not in sys.argv[2:])
