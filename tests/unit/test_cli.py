"""The stayhub command: a subcommand per tool, each explaining itself and every flag it takes."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import pytest

from stayhub import cli
from stayhub.warehouse import PROJECT_ROOT

# Each subcommand's words, and what its --help must mention.
HELP_MENTIONS: dict[tuple[str, ...], list[str]] = {
    ("generate",): ["--raw-root", "--start-ds", "--days", "--seed", "--overwrite"],
    ("build",): ["--raw-root", "--duckdb-path", "--regenerate", "--pii-key-file"],
    ("backfill",): ["run", "list", "resume"],
    ("backfill", "run"): [
        "--raw-root",
        "--duckdb-path",
        "--select",
        "--selector",
        "--start-ds",
        "--end-ds",
        "--days-per-chunk",
        "--parallelism",
        "--vars",
        "--stale",
        "--dry-run",
        "--no-swap",
    ],
    ("backfill", "list"): ["--raw-root", "--duckdb-path"],
    ("backfill", "resume"): ["--raw-root", "--duckdb-path", "backfill_id", "--no-swap", "--rebuild"],
    ("ledger",): ["--models", "--start-ds", "--end-ds", "--all", "--raw-root", "--duckdb-path"],
    ("metrics",): ["generate", "check", "catalogue"],
    ("metrics", "catalogue"): ["--json"],
    ("experiments",): ["report"],
    ("experiments", "report"): ["--out", "--experiment", "--ds", "--duckdb-path"],
    ("benchmark",): ["scenarios", "--list", "--group", "--scale-events-per-day", "--scale-history-events-per-day", "--workdir", "--write"],
}


@pytest.fixture
def added_arguments(monkeypatch: pytest.MonkeyPatch) -> list[argparse.Action]:
    """Every argument any parser adds while the test runs."""
    added: list[argparse.Action] = []
    add_argument = argparse._ActionsContainer.add_argument

    def recording(self, *args, **kwargs):
        action = add_argument(self, *args, **kwargs)
        added.append(action)
        return action

    monkeypatch.setattr(argparse._ActionsContainer, "add_argument", recording)
    return added


def help_of(capsys: pytest.CaptureFixture[str], *words: str) -> str:
    with pytest.raises(SystemExit) as exited:
        cli.main([*words, "--help"])
    assert exited.value.code == 0
    return capsys.readouterr().out


def test_every_tool_is_a_subcommand_that_loads():
    assert [command.name for command in cli.COMMANDS] == [
        "generate",
        "build",
        "backfill",
        "ledger",
        "metrics",
        "experiments",
        "daily",
        "monitor",
        "status",
        "benchmark",
    ]
    for command in cli.COMMANDS:
        assert callable(command.load()), command.target


def test_the_help_lists_every_subcommand_with_what_it_does(capsys):
    out = " ".join(help_of(capsys).split())
    assert out.startswith("usage: stayhub ")
    for command in cli.COMMANDS:
        assert f"{command.name} {command.help}" in out


@pytest.mark.parametrize("words", list(HELP_MENTIONS), ids=" ".join)
def test_each_subcommand_explains_every_flag(words, capsys, added_arguments):
    out = help_of(capsys, *words)
    for mention in HELP_MENTIONS[words]:
        assert mention in out, f"stayhub {' '.join(words)} --help does not mention {mention}"
    # The generator's usage line is its own module's business (stayhub/generate).
    if words != ("generate",):
        assert out.startswith(f"usage: stayhub {' '.join(words)} ")
    assert added_arguments, "the subcommand's own parser answered"
    without_help = [action.option_strings or action.dest for action in added_arguments if not action.help]
    assert without_help == []


def test_an_unknown_or_missing_subcommand_fails_naming_the_valid_ones(capsys):
    with pytest.raises(SystemExit) as exited:
        cli.main(["frobnicate", "--raw-root", "x"])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "stayhub: error: argument COMMAND: invalid choice: 'frobnicate'" in err
    assert all(f"'{command.name}'" in err for command in cli.COMMANDS)

    with pytest.raises(SystemExit) as exited:
        cli.main([])
    assert exited.value.code == 2
    assert "stayhub: error: the following arguments are required: COMMAND" in capsys.readouterr().err

    with pytest.raises(SystemExit) as exited:
        cli.main(["backfill", "frobnicate"])
    assert exited.value.code == 2
    assert "stayhub backfill: error: argument command: invalid choice: 'frobnicate'" in capsys.readouterr().err


received_argv: list[list[str] | None] = []


def record_argv(argv: list[str] | None) -> int:
    received_argv.append(argv)
    return 3


def test_a_subcommand_gets_the_rest_of_the_line_unchanged_and_its_exit_status_is_the_commands(monkeypatch):
    monkeypatch.setattr(cli, "COMMANDS", (cli.Command("record", f"{__name__}:record_argv", "records its argv"),))
    received_argv.clear()
    assert cli.main(["record", "--raw-root", "a b", "--", "-x"]) == 3
    assert received_argv == [["--raw-root", "a b", "--", "-x"]]


def test_python_dash_m_stayhub_is_the_command():
    result = subprocess.run([sys.executable, "-m", "stayhub", "backfill", "--help"], cwd=PROJECT_ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: stayhub backfill ")


def test_the_installed_command_runs():
    command = Path(sys.executable).parent / "stayhub"
    if not command.exists():
        pytest.skip(f"{command} is not installed (scripts/bootstrap.sh installs it)")
    result = subprocess.run([str(command), "--help"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "backfill" in result.stdout


def test_the_backfill_runner_refuses_an_engine_it_has_no_build_for_before_doing_anything(monkeypatch, tmp_path):
    from stayhub.backfill.__main__ import main as backfill_main

    monkeypatch.setenv("WAREHOUSE_TARGET", "spark_thrift")
    with pytest.raises(SystemExit, match="run on the duckdb and spark targets, not WAREHOUSE_TARGET=spark_thrift.*Nothing was done"):
        backfill_main(["run", "--select", "fct_page_views", "--start-ds", "2025-01-01", "--end-ds", "2025-01-02", "--duckdb-path", str(tmp_path / "w.duckdb")])
    assert not (tmp_path / "w.duckdb").exists() and not (tmp_path / "backfills").exists()
