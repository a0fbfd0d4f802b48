"""The suite runs on pytest-xdist workers (scripts/run_tests.sh: -n 2 --dist loadgroup): every test file is
one xdist_group unless it names its own, so a file's tests run in order on one worker and its module
fixtures (the warehouses it builds) are built once. Files that share something outside their tmp folders
name the same group, so they never run at the same time: "project_target" for the tests whose dbt runs
write the project's own target/ folder.

Every dbt the suite runs through run_dbt, in the test process or in a stayhub command it starts, is a child
of a process that imported dbt once (stayhub/dbt_forkserver.py): each worker starts its server before its
first test, and the stayhub commands its tests start use that server too. STAYHUB_DBT_FORKSERVER=0 runs each
dbt as a new process instead."""

from __future__ import annotations

import os

import pytest

from stayhub import dbt_forkserver

os.environ.setdefault(dbt_forkserver.ENV, "1")


# The longest file goes to a worker first, so the other worker's files fill the time beside it.
RUN_FIRST = ("tests/integration/test_spark.py",)


# Before xdist's own hook, which reads the xdist_group marks to group the tests.
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: item.nodeid.split("::", 1)[0] not in RUN_FIRST)
    for item in items:
        if item.get_closest_marker("xdist_group") is None:
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::", 1)[0]))


@pytest.fixture(scope="session", autouse=True)
def dbt_fork_server() -> None:
    """The worker's dbt fork server, started first, so even a stayhub command a test starts before it runs dbt
    itself finds it (dbt_forkserver.SOCKET_ENV) rather than starting one of its own."""
    if dbt_forkserver.enabled():
        dbt_forkserver.shared_server()
