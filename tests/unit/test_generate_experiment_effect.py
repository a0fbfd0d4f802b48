"""--experiment-effect KEY:VARIANT=LIFT: without it (or with lift 0) the landing zone is
byte for byte what it was; with it the treatment users' page views rise from the day
after their first exposure, read back from the files; bad values fail with exit 2."""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest

from stayhub import generate as glz

PROJECT_ROOT = Path(__file__).resolve().parents[2]
TINY: dict[str, Any] = dict(start_ds="2025-01-01", days=3, users=200, listings=40, events_per_day=400, dirty_rate=0.05, seed=5)
LIFTED: dict[str, Any] = dict(start_ds="2025-01-01", days=8, users=2_000, listings=100, events_per_day=8_000, dirty_rate=0.01, seed=11)


def file_hashes(raw_root: Path) -> dict[str, str]:
    return {str(path.relative_to(raw_root)): hashlib.sha256(path.read_bytes()).hexdigest() for path in sorted(raw_root.rglob("*")) if path.is_file()}


def read_lines(raw_root: Path, source: str, containing: str = "") -> list[dict]:
    """The JSON objects of every part file of a source (of the lines containing a text);
    dirty lines that do not parse are skipped."""
    rows = []
    for part in sorted((raw_root / source).glob("ds=*/*.jsonl.gz")):
        with gzip.open(part, "rt", encoding="utf-8") as handle:
            for line in handle:
                if containing not in line:
                    continue
                try:
                    value = json.loads(line)
                except ValueError:
                    continue
                if isinstance(value, dict):
                    rows.append(value)
    return rows


def utc_date(value) -> dt.date | None:
    """The UTC date of a contract timestamp (ISO with offset, or epoch milliseconds); None if unparseable."""
    try:
        if isinstance(value, int | float):
            return dt.datetime.fromtimestamp(value / 1000, dt.UTC).date()
        parsed = dt.datetime.fromisoformat(str(value).replace("z", "Z"))
        return parsed.astimezone(dt.UTC).date() if parsed.tzinfo else None
    except (ValueError, OverflowError, OSError):
        return None


def user_id(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def test_without_the_option_or_with_lift_zero_the_bytes_are_unchanged(tmp_path):
    glz.generate(tmp_path / "plain", **TINY)
    plain = file_hashes(tmp_path / "plain")
    glz.generate(tmp_path / "empty", **TINY, experiment_effects=[])
    # Lift 0 multiplies by 1: no page count changes, and the rounding draws have a generator of their own.
    glz.generate(tmp_path / "zero", **TINY, experiment_effects=["search_ranking_v2:treatment=0", ("checkout_flow_2025", "treatment_b", 0.0)])
    glz.generate(tmp_path / "lifted", **TINY, experiment_effects=["search_ranking_v2:treatment=0.5"])
    assert file_hashes(tmp_path / "empty") == plain
    assert file_hashes(tmp_path / "zero") == plain
    lifted = file_hashes(tmp_path / "lifted")
    assert lifted != plain
    # The first day has no one exposed before it: its events are untouched.
    assert lifted["events/ds=2025-01-01/part-00000.jsonl.gz"] == plain["events/ds=2025-01-01/part-00000.jsonl.gz"]


def page_views_per_active_day(raw_root: Path, days: int) -> dict[tuple[str, bool], float]:
    """Page views per (user, UTC day with a page view) of the users exposed to search_ranking_v2,
    by (variant, after the first exposure day); the first exposure day itself is left out."""
    first_exposure: dict[int, dt.date] = {}
    variants: dict[int, Counter] = defaultdict(Counter)
    for row in read_lines(raw_root, "assignments"):
        user, day = user_id(row.get("user_id")), utc_date(row.get("assigned_at"))
        if row.get("experiment_key") == "search_ranking_v2" and user is not None and day is not None and row.get("variant"):
            first_exposure[user] = min(first_exposure.get(user, day), day)
            variants[user][row["variant"]] += 1
    variant = {user: counts.most_common(1)[0][0] for user, counts in variants.items()}  # contaminated lines are a minority
    start = dt.date.fromisoformat(LIFTED["start_ds"])
    per_user_day: Counter = Counter()
    for row in read_lines(raw_root, "events", containing='"page_view"'):
        user, day = user_id(row.get("user_id")), utc_date(row.get("event_ts"))
        # Far-off timestamps (dirty far_ts lines) would count as days of their own.
        if row.get("event_type") == "page_view" and user in first_exposure and day is not None and start <= day <= start + dt.timedelta(days=days):
            if day != first_exposure[user]:
                per_user_day[(variant[user], day > first_exposure[user], user, day)] += 1
    means = {}
    for key in [(name, after) for name in ("control", "treatment") for after in (False, True)]:
        counts = [count for group, count in per_user_day.items() if group[:2] == key]
        assert len(counts) > 80, key
        means[key] = sum(counts) / len(counts)
    return means


def test_treatment_users_view_more_pages_after_their_first_exposure(tmp_path):
    ratios = {}
    for lift in (1.0, None):
        raw_root = tmp_path / str(lift)
        effects = [f"search_ranking_v2:treatment={lift}"] if lift else []
        glz.generate(raw_root, **LIFTED, experiment_effects=effects, empty_partitions=[])
        means = page_views_per_active_day(raw_root, LIFTED["days"])
        ratios[lift] = {after: means[("treatment", after)] / means[("control", after)] for after in (False, True)}
    # Doubled page views after the first exposure, read back through the dirt; the same seed without the effect shows none.
    assert ratios[1.0][True] > 1.6, ratios
    assert 0.8 < ratios[None][True] < 1.25, ratios
    assert 0.8 < ratios[1.0][False] < 1.25 and 0.8 < ratios[None][False] < 1.25, ratios


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "stayhub.generate", *args], cwd=PROJECT_ROOT, capture_output=True, text=True)


def test_cli_prints_the_injected_effects(tmp_path):
    sizes = ["--days", "2", "--users", "100", "--listings", "20", "--events-per-day", "200"]
    result = run_cli("--raw-root", str(tmp_path / "raw"), *sizes, "--experiment-effect", "checkout_flow_2025:treatment_a=-0.25")
    assert result.returncode == 0, result.stderr
    assert "Experiment effects injected: checkout_flow_2025:treatment_a=-0.25 (page views x 0.75)." in result.stdout
    result = run_cli("--raw-root", str(tmp_path / "raw"), *sizes, "--overwrite")
    assert "Experiment effects injected: none." in result.stdout


@pytest.mark.parametrize(
    "value,message",
    [
        ("checkout_v9:treatment=0.3", "unknown experiment 'checkout_v9' (one of search_ranking_v2, checkout_flow_2025, photo_grid_mobile)"),
        ("search_ranking_v2:treatment_a=0.3", "unknown variant 'treatment_a' of search_ranking_v2 (one of treatment)"),
        ("search_ranking_v2:control=0.3", "'control' is the control variant"),
        ("search_ranking_v2=0.3", "expected KEY:VARIANT=LIFT"),
        ("search_ranking_v2:treatment", "expected KEY:VARIANT=LIFT"),
        ("search_ranking_v2:treatment=lots", "lift 'lots' is not a number"),
        ("search_ranking_v2:treatment=-1", "lift must be a finite number above -1, got -1.0"),
        ("search_ranking_v2:treatment=nan", "lift must be a finite number above -1"),
    ],
)
def test_bad_effects_are_rejected_with_exit_2(tmp_path, value, message):
    result = run_cli("--raw-root", str(tmp_path / "raw"), "--days", "1", "--experiment-effect", value)
    assert result.returncode == 2, result.stderr
    assert f"experiment effect {value!r}: {message}" in result.stderr
    assert not (tmp_path / "raw").exists()


def test_an_effect_given_twice_is_rejected(tmp_path):
    with pytest.raises(ValueError, match="search_ranking_v2:treatment is given twice"):
        glz.generate(tmp_path / "raw", **TINY, experiment_effects=["search_ranking_v2:treatment=0.1", "search_ranking_v2:treatment=0.2"])
