"""The sample generator writes exactly the landing zone of the upstream contract,
with every kind of dirty data it lists, and says what it injected.

Every check reads the files back and classifies each line on its own (JSON,
required fields, timestamps, windows, duplicates) without trusting the
generator, then compares with the generator's summary.
"""

from __future__ import annotations

import datetime as dt
import gzip
import itertools
import json
import re
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest

from stayhub import generate as glz

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SMALL: dict[str, Any] = dict(start_ds="2025-01-01", days=6, users=300, listings=60, events_per_day=500, dirty_rate=0.05, seed=3)
START = dt.date(2025, 1, 1)
DAYS = [(START + dt.timedelta(days=day)).isoformat() for day in range(SMALL["days"])]
IN_PROGRESS_DS = "2025-01-07"
EMPTY_DS = "2025-01-04"  # the default empty partition: assignments at start + days // 2

ISO_WITH_OFFSET = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|z|[+-]\d{2}(:?\d{2})?)$")
CRAWLER = re.compile(r"bot|crawl|spider|slurp|python-requests|curl/|wget/|headless", re.IGNORECASE)
PRICE = re.compile(r"^\d+\.\d{2}$")
EMAIL = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")
PART = re.compile(r"^part-\d{5}\.jsonl\.gz$")
KNOWN_EVENT_TYPES = {"page_view", "page_exit", "like", "unlike", "share"}
CANONICAL_MARKETS = set(glz.MARKETS)


# ---------------------------------------------------------------------------
# Reading the landing zone back, independently of the generator
# ---------------------------------------------------------------------------


def read_partition(folder: Path) -> list[str]:
    lines = []
    for part in sorted(folder.glob("*.jsonl.gz")):
        with gzip.open(part, "rt", encoding="utf-8", newline="") as handle:
            text = handle.read()
        assert text.endswith("\n"), part
        lines.extend(text[:-1].split("\n"))
    return lines


def complete_lines(raw_root: Path, source: str) -> list[tuple[str, str]]:
    """(ds, line) of every complete partition of a source, in ds and file order."""
    rows: list[tuple[str, str]] = []
    for folder in sorted((raw_root / source).glob("ds=*")):
        if (folder / "_SUCCESS").exists():
            rows.extend((folder.name[3:], line) for line in read_partition(folder))
    return rows


def parse_object(line: str):
    try:
        value = json.loads(line)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def parse_ts(value) -> dt.datetime | None:
    """The contract's timestamps: ISO-8601 with an offset or Z, as UTC; None if unparseable."""
    if not isinstance(value, str) or not ISO_WITH_OFFSET.match(value):
        return None
    try:
        return dt.datetime.fromisoformat(value.replace("z", "Z")).astimezone(dt.UTC)
    except ValueError:
        return None


def parse_event_ts(value) -> dt.datetime | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return dt.datetime.fromtimestamp(value / 1000, dt.UTC)
    return parse_ts(value)


def required_for(source: str, record: dict) -> tuple[str, ...]:
    fields = glz.REQUIRED_FIELDS[source]
    if source in ("bookings", "users") and record.get("op") == "d":
        return fields[: glz.CDC_DELETE_FIELDS]
    return fields


def missing_fields(source: str, record: dict) -> list[str]:
    return [name for name in required_for(source, record) if record.get(name) is None]


def required_timestamps(source: str, record: dict) -> list[str]:
    return {
        "events": [],
        "bookings": ["changed_at"],
        "listings": [],
        "users": ["changed_at"] + (["signup_at"] if record.get("op") != "d" else []),
        "assignments": ["assigned_at"],
    }[source]


def classify(raw_root: Path, source: str) -> dict:
    """Counts each kind of line of a source's complete partitions, independently."""
    counts: Counter[str] = Counter()
    accepted = []  # (ds, record, line) of lines that pass JSON, required-field and timestamp checks
    for ds, line in complete_lines(raw_root, source):
        record = parse_object(line)
        if record is None:
            counts["invalid_json"] += 1
        elif missing_fields(source, record):
            counts["missing_required"] += 1
        elif source == "events" and parse_event_ts(record["event_ts"]) is None:
            counts["unparseable_ts"] += 1
        elif any(parse_ts(record[name]) is None for name in required_timestamps(source, record)):
            counts["unparseable_ts"] += 1
        else:
            accepted.append((ds, record, line))
    return {"counts": counts, "accepted": accepted}


def in_event_window(ds: str, event_at: dt.datetime) -> bool:
    landing = dt.date.fromisoformat(ds)
    end_of_ds = dt.datetime.combine(landing + dt.timedelta(days=1), dt.time(), dt.UTC)
    return event_at.date() >= landing - dt.timedelta(days=3) and event_at <= end_of_ds + dt.timedelta(minutes=10)


# ---------------------------------------------------------------------------
# Fixtures
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    raw_root = tmp_path_factory.mktemp("sample") / "raw"
    summary = glz.generate(raw_root, **SMALL)
    return raw_root, summary


@pytest.fixture(scope="module")
def classified(sample):
    raw_root, _ = sample
    return {source: classify(raw_root, source) for source in glz.SOURCES}


def tree_bytes(root: Path) -> dict[str, bytes]:
    return {str(path.relative_to(root)): path.read_bytes() for path in sorted(root.rglob("*")) if path.is_file()}


# ---------------------------------------------------------------------------
# Layout
# ---------------------------------------------------------------------------


def test_layout_and_naming(sample):
    raw_root, summary = sample
    assert sorted(path.name for path in raw_root.iterdir()) == sorted(glz.SOURCES)
    for source in glz.SOURCES:
        folders = sorted(path.name for path in (raw_root / source).iterdir())
        expected = DAYS + ([IN_PROGRESS_DS] if source == "events" else [])
        assert folders == [f"ds={ds}" for ds in expected], source
        assert sorted(summary[source]) == expected
        for folder in (raw_root / source).iterdir():
            for path in folder.iterdir():
                assert path.name == "_SUCCESS" or PART.match(path.name), path
            if (folder / "_SUCCESS").exists():
                assert (folder / "_SUCCESS").stat().st_size == 0
    # Events are split into the requested number of part files, the small sources keep one.
    assert sorted(path.name for path in (raw_root / "events" / f"ds={DAYS[2]}").glob("*.gz")) == ["part-00000.jsonl.gz", "part-00001.jsonl.gz"]
    for source in ("bookings", "listings", "users", "assignments"):
        assert all(len(list(folder.glob("*.gz"))) <= 1 for folder in (raw_root / source).iterdir())


def test_part_files_are_gzip_with_mtime_zero_and_newline_terminated_utf8(sample):
    raw_root, _ = sample
    parts = sorted(raw_root.rglob("*.jsonl.gz"))
    assert parts
    for part in parts:
        data = part.read_bytes()
        assert data[:2] == b"\x1f\x8b" and data[4:8] == b"\x00\x00\x00\x00", part
        text = gzip.decompress(data).decode("utf-8")
        assert text.endswith("\n") and "\r" not in text and "\n\n" not in text and "\x1e" not in text


def test_success_marks_complete_partitions_and_the_late_partition_has_none(sample):
    raw_root, summary = sample
    for source in glz.SOURCES:
        for ds in DAYS:
            assert (raw_root / source / f"ds={ds}" / "_SUCCESS").exists()
            assert summary[source][ds]["complete"] is True
    late = raw_root / "events" / f"ds={IN_PROGRESS_DS}"
    assert not (late / "_SUCCESS").exists()
    assert list(late.glob("*.jsonl.gz")), "the partition still being written already holds part files"
    assert summary["events"][IN_PROGRESS_DS] == {"lines": len(read_partition(late)), "complete": False}
    assert summary["events"][IN_PROGRESS_DS]["lines"] > 0


def test_default_empty_partition_has_success_and_no_part_file(sample):
    raw_root, summary = sample
    folder = raw_root / "assignments" / f"ds={EMPTY_DS}"
    assert sorted(path.name for path in folder.iterdir()) == ["_SUCCESS"]
    assert summary["assignments"][EMPTY_DS] == {"lines": 0, "complete": True}
    assert summary["injected"]["assignments"]["empty_partition"] == 1
    # The days around it did land exposures.
    assert summary["assignments"][DAYS[2]]["lines"] > 0 and summary["assignments"][DAYS[4]]["lines"] > 0


def test_count_lines_matches_the_summary_and_a_line_reader(sample):
    raw_root, summary = sample
    counted = glz.count_lines(raw_root)
    expected = {source: {ds: info["lines"] for ds, info in summary[source].items() if info["complete"]} for source in glz.SOURCES}
    assert counted == expected
    assert IN_PROGRESS_DS not in counted["events"]
    assert counted["assignments"][EMPTY_DS] == 0
    for source in glz.SOURCES:
        assert sum(counted[source].values()) == len(complete_lines(raw_root, source))


# ---------------------------------------------------------------------------
# Determinism
# ---------------------------------------------------------------------------


def test_same_arguments_give_identical_bytes(sample, tmp_path):
    raw_root, first_summary = sample
    again = tmp_path / "again"
    second_summary = glz.generate(again, **SMALL)
    assert tree_bytes(again) == tree_bytes(raw_root)
    assert second_summary == first_summary


def test_another_seed_gives_other_data(sample, tmp_path):
    raw_root, _ = sample
    other = tmp_path / "other"
    glz.generate(other, **{**SMALL, "seed": SMALL["seed"] + 1})
    assert tree_bytes(other) != tree_bytes(raw_root)


def test_a_day_does_not_depend_on_the_days_generated_after_it(tmp_path):
    short, long = tmp_path / "short", tmp_path / "long"
    glz.generate(short, **{**SMALL, "days": 3}, empty_partitions=[])
    glz.generate(long, **{**SMALL, "days": 5}, empty_partitions=[])
    short_files, long_files = tree_bytes(short), tree_bytes(long)
    # The short run's files, the in-progress events day included, are the long run's, byte for byte.
    assert short_files
    for name, data in short_files.items():
        assert long_files[name] == data, name
    assert "events/ds=2025-01-04/_SUCCESS" not in short_files and "events/ds=2025-01-04/_SUCCESS" in long_files


# ---------------------------------------------------------------------------
# Every line: JSON, required fields, timestamps, as injected
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("source", glz.SOURCES)
def test_every_line_is_a_json_object_except_the_injected_invalid_ones(sample, classified, source):
    _, summary = sample
    injected = summary["injected"][source]
    assert classified[source]["counts"]["invalid_json"] == injected["invalid_json"] > 0


@pytest.mark.parametrize("source", glz.SOURCES)
def test_required_fields_are_present_except_in_injected_rows(sample, classified, source):
    _, summary = sample
    assert classified[source]["counts"]["missing_required"] == summary["injected"][source]["missing_required"] > 0


@pytest.mark.parametrize("source", ["events", "bookings", "users", "assignments"])
def test_required_timestamps_parse_except_injected_ones(sample, classified, source):
    _, summary = sample
    assert classified[source]["counts"]["unparseable_ts"] == summary["injected"][source]["unparseable_ts"] > 0


def test_unparseable_timestamps_include_one_without_offset(sample):
    raw_root, _ = sample
    values = []
    for _, line in complete_lines(raw_root, "events"):
        record = parse_object(line)
        if record and not missing_fields("events", record) and parse_event_ts(record["event_ts"]) is None:
            values.append(record["event_ts"])
    assert any(re.match(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$", value) for value in values)
    assert any(not value[:1].isdigit() for value in values)


def test_event_timestamps_mix_z_offsets_and_epoch_milliseconds(classified):
    values = [record["event_ts"] for _, record, _ in classified["events"]["accepted"]]
    assert any(isinstance(value, int) for value in values)
    assert any(isinstance(value, str) and value.endswith("Z") for value in values)
    assert any(isinstance(value, str) and re.search(r"[+-]\d{2}:\d{2}$", value) and not value.endswith("+00:00") for value in values)


def test_events_land_within_three_days_after_their_date_or_ten_minutes_early(sample, classified):
    _, summary = sample
    outside = [(ds, record["event_ts"]) for ds, record, _ in classified["events"]["accepted"] if not in_event_window(ds, parse_event_ts(record["event_ts"]))]
    assert len(outside) == summary["injected"]["events"]["far_ts"] > 0
    for _, value in outside:
        event_at = parse_event_ts(value)
        assert event_at.year <= 2015 or event_at.year >= 2035, value
    # Late arrivals and clock skew are inside the window, and both happen.
    late = skew = 0
    for ds, record, _ in classified["events"]["accepted"]:
        event_at = parse_event_ts(record["event_ts"])
        if in_event_window(ds, event_at):
            late += event_at.date() < dt.date.fromisoformat(ds)
            skew += event_at.date() > dt.date.fromisoformat(ds)
    assert late > 0 and skew > 0
    assert summary["injected"]["events"]["late_arrival"] > 0 and summary["injected"]["events"]["clock_skew"] > 0


def test_duplicate_events_share_event_id_and_land_within_three_days(sample, classified):
    _, summary = sample
    first_seen = {}
    duplicates = 0
    for ds, record, line in classified["events"]["accepted"]:
        event_id = record["event_id"]
        if event_id in first_seen:
            duplicates += 1
            first_ds, first_line = first_seen[event_id]
            assert line == first_line, "a redelivery is the same event"
            event_date = parse_event_ts(record["event_ts"]).date()
            assert first_ds <= ds and dt.date.fromisoformat(ds) <= event_date + dt.timedelta(days=3)
        else:
            first_seen[event_id] = (ds, line)
    assert duplicates == summary["injected"]["events"]["duplicate"] > 0


def test_unknown_event_types_and_crawlers_are_injected_and_counted(sample, classified):
    _, summary = sample
    records = [record for _, record, _ in classified["events"]["accepted"]]
    unknown = [record["event_type"] for record in records if record["event_type"] not in KNOWN_EVENT_TYPES]
    assert len(unknown) == summary["injected"]["events"]["unknown_event_type"] > 0
    assert set(unknown) <= set(glz.UNKNOWN_EVENT_TYPES)
    crawlers = [record.get("user_agent") for record in records if record.get("user_agent") and CRAWLER.search(record["user_agent"])]
    assert len(crawlers) == summary["injected"]["events"]["crawler"] > 0
    assert any("Googlebot" in ua for ua in crawlers) and any(ua.lower().startswith("python-requests") for ua in crawlers)


def test_every_listed_crawler_user_agent_and_no_human_one_matches_the_contract():
    assert all(CRAWLER.search(ua) for ua in glz.CRAWLER_USER_AGENTS)
    humans = set(glz.USER_AGENTS) - set(glz.CRAWLER_USER_AGENTS)
    assert humans and not any(CRAWLER.search(ua) for ua in humans)
    for name in ("googlebot", "bingbot", "slurp", "python-requests/", "curl/", "wget/", "headlesschrome"):
        assert any(name in ua.lower() for ua in glz.CRAWLER_USER_AGENTS), name


def test_event_fields_follow_the_contract(classified):
    records = [record for _, record, _ in classified["events"]["accepted"]]
    assert {record["platform"] for record in records} == {"web", "ios", "android"}
    assert any(record.get("user_id") is None for record in records) and any(isinstance(record.get("user_id"), int) for record in records)
    assert any("user_id" not in record for record in records) and any("referrer" not in record for record in records)
    assert any("properties" not in record for record in records)
    for record in records:
        assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[47][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", record["event_id"])
        properties = record.get("properties", {})
        assert isinstance(properties, dict)
        if record["event_type"] == "page_exit":
            assert isinstance(properties["dwell_ms"], int) and properties["dwell_ms"] > 0
        if record["event_type"] == "share":
            assert properties["channel"] in glz.SHARE_CHANNELS
    extra = [record for record in records if set(record.get("properties", {})) - {"dwell_ms", "channel"}]
    assert extra


def test_urls_vary_as_the_contract_says_and_resolve_to_pages(classified):
    urls = [record["url"] for _, record, _ in classified["events"]["accepted"]]
    hosts, listings, slugs = set(), 0, set()
    for url in urls:
        parts = urlsplit(url)
        assert parts.scheme == "https" and parts.hostname in ("stayhub.example", "www.stayhub.example")
        hosts.add(parts.netloc)
        path = unquote(parts.path)
        if match := re.match(r"^/rooms/(\d+)(/|$)", path):
            listings += 1
            assert int(match.group(1)) > 0
        elif match := re.match(r"^/s/([^/]+)", path):
            slugs.add(match.group(1))
    assert any(host != host.lower() for host in hosts) and {"stayhub.example", "www.stayhub.example"} <= hosts
    assert listings and slugs - {"são-paulo"} <= set(glz._MARKET_SLUGS)
    assert any(re.search(r"/rooms/%3\d", url) for url in urls), "percent-encoded listing path"
    assert any("/s/" in url and "%" in urlsplit(url).path for url in urls), "percent-encoded search path"
    assert any(urlsplit(url).path.endswith("/") and urlsplit(url).path != "/" for url in urls), "trailing slash"
    assert any(re.search(r"/rooms/\d+/(photos|reviews|amenities)", url) for url in urls), "listing sub-path"
    assert any(urlsplit(url).fragment for url in urls), "fragment"
    utm = [url for url in urls if "utm_source=" in url]
    assert utm and len({tuple(key for key, _, _ in (pair.partition("=") for pair in urlsplit(url).query.split("&"))) for url in utm}) > 1
    assert any(unquote(urlsplit(url).path) in ("/", "") for url in urls) and any(urlsplit(url).path.startswith("/help") for url in urls)


def test_no_email_address_appears_outside_the_users_source(sample):
    raw_root, _ = sample
    anywhere = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
    for source in ("events", "bookings", "listings", "assignments"):
        assert not any(anywhere.search(line) for _, line in complete_lines(raw_root, source)), source


# ---------------------------------------------------------------------------
# Change logs
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("source", ["bookings", "users"])
def test_change_ids_strictly_increase_across_partitions(sample, source):
    raw_root, _ = sample
    change_ids = []
    for _, line in complete_lines(raw_root, source):
        record = parse_object(line)
        if record is not None and isinstance(record.get("change_id"), int):
            change_ids.append(record["change_id"])
    assert len(change_ids) > 10
    assert all(a < b for a, b in itertools.pairwise(change_ids))


@pytest.mark.parametrize("source", ["bookings", "users"])
def test_cdc_rows_land_on_their_change_date_or_the_next_day(classified, source):
    landed_next_day = 0
    for ds, record, _ in classified[source]["accepted"]:
        delay = (dt.date.fromisoformat(ds) - parse_ts(record["changed_at"]).date()).days
        assert delay in (0, 1), (ds, record)
        landed_next_day += delay
    assert landed_next_day > 0


@pytest.mark.parametrize("source,key", [("bookings", "booking_id"), ("users", "user_id")])
def test_delete_rows_carry_only_the_guaranteed_fields(classified, source, key):
    deletes = [record for _, record, _ in classified[source]["accepted"] if record["op"] == "d"]
    assert deletes
    assert all(set(record) == {"change_id", "op", "changed_at", key} for record in deletes)


def test_bookings_lifecycle_is_consistent(sample, classified):
    _, summary = sample
    history = defaultdict(list)
    for _, record, _ in classified["bookings"]["accepted"]:
        history[record["booking_id"]].append(record)
    statuses = Counter()
    altered = 0
    for changes in history.values():
        for record in changes:
            if record["op"] == "d":
                continue
            statuses[(record["op"], record["status"])] += 1
            changed = parse_ts(record["changed_at"]).date()
            checkin, checkout = dt.date.fromisoformat(record["checkin"]), dt.date.fromisoformat(record["checkout"])
            assert checkin < checkout and (changed < checkin if record["op"] == "c" else changed <= checkin), record
        images = [record for record in changes if record["op"] != "d"]
        altered += len({(record["checkin"], record["checkout"]) for record in images}) > 1
    assert statuses[("c", "requested")] and statuses[("u", "confirmed")] and statuses[("u", "cancelled")]
    assert not statuses[("c", "confirmed")] and not statuses[("c", "cancelled")]
    prices = [record["price_usd"] for _, record, _ in classified["bookings"]["accepted"] if record["op"] != "d"]
    assert sum(not PRICE.match(price) for price in prices) == summary["injected"]["bookings"]["non_numeric_price"] > 0


def test_bookings_of_the_longer_sample_include_an_alteration(tmp_path):
    raw_root = tmp_path / "raw"
    glz.generate(raw_root, **{**SMALL, "days": 20, "events_per_day": 1500})
    history = defaultdict(set)
    for _, record, _ in classify(raw_root, "bookings")["accepted"]:
        if record["op"] == "u" and record["status"] == "confirmed":
            history[record["booking_id"]].add((record["checkin"], record["checkout"], record["price_usd"]))
    assert any(len(images) > 1 for images in history.values())


def test_users_look_real_and_change_over_time(classified):
    records = [record for _, record, _ in classified["users"]["accepted"]]
    images = [record for record in records if record["op"] != "d"]
    assert all(EMAIL.match(record["email"]) for record in images)
    assert len({record["email"] for record in images if record["op"] == "c"}) == len([record for record in images if record["op"] == "c"])
    countries = [record["country"] for record in images]
    assert None in countries and any(c and c.isupper() for c in countries) and any(c and c.islower() for c in countries)
    assert all(c is None or (len(c) == 2 and c.upper() in glz.COUNTRIES) for c in countries)
    assert {record["status"] for record in images} == {"active", "deactivated"}
    assert {record["op"] for record in records} == {"c", "u", "d"}
    # New users sign up during the sample; the initial load carries the older ones.
    signups = [parse_ts(record["signup_at"]).date() for record in images if record["op"] == "c"]
    assert min(signups) < START and max(signups) >= START


# ---------------------------------------------------------------------------
# Listings snapshots
# ---------------------------------------------------------------------------


def canonical_market(text: str) -> str:
    return " ".join(text.split()).title()


def test_listings_are_a_growing_daily_snapshot_with_dirty_values(sample, classified):
    raw_root, summary = sample
    per_day = defaultdict(set)
    for ds, line in complete_lines(raw_root, "listings"):
        record = parse_object(line)
        if record is not None and isinstance(record.get("listing_id"), int):
            per_day[ds].add(record["listing_id"])
    sizes = [summary["listings"][ds]["lines"] for ds in DAYS]
    assert sizes == sorted(sizes) and sizes[-1] > sizes[0]
    assert all(per_day[DAYS[i]] <= set(range(1, sizes[-1] + 1)) for i in range(len(DAYS)))
    records = [record for _, record, _ in classified["listings"]["accepted"]]
    markets = {record["market"] for record in records}
    assert {canonical_market(market) for market in markets} <= CANONICAL_MARKETS
    assert any(market != canonical_market(market) for market in markets), "dirty casing or spaces"
    assert "Barcelona" in {canonical_market(market) for market in markets}, "a new market"
    assert {record["room_type"] for record in records} == {"entire_home", "private_room", "shared_room", "treehouse"}
    bad_capacity = [r["capacity"] for r in records if not (isinstance(r["capacity"], int) and 1 <= r["capacity"] <= 16)]
    assert len(bad_capacity) == summary["injected"]["listings"]["capacity_out_of_range"] > 0
    bad_price = [r["nightly_price_usd"] for r in records if not PRICE.match(r["nightly_price_usd"])]
    assert len(bad_price) == summary["injected"]["listings"]["non_numeric_price"] > 0
    assert {record["is_active"] for record in records} == {True, False}


def test_new_category_values_appear_partway_through(classified):
    first_seen = {}
    for ds, record, _ in classified["listings"]["accepted"]:
        first_seen.setdefault(record["room_type"], ds)
        first_seen.setdefault(canonical_market(record["market"]), ds)
    assert first_seen["treehouse"] > DAYS[0] and first_seen["Barcelona"] > DAYS[0]
    assert first_seen["entire_home"] == first_seen["Paris"] == DAYS[0]


def test_without_dirt_every_reference_resolves(tmp_path):
    """On a clean sample: hosts, guests and logged-in visitors are users of the users log, and
    every page_exit follows a page_view of the same URL by the same browser or device."""
    raw_root = tmp_path / "raw"
    glz.generate(raw_root, **{**SMALL, "dirty_rate": 0.0}, empty_partitions=[])
    records = {source: [record for _, record, _ in classify(raw_root, source)["accepted"]] for source in glz.SOURCES}
    user_ids = {record["user_id"] for record in records["users"]}
    assert {record["host_id"] for record in records["listings"]} <= user_ids
    assert {record["guest_id"] for record in records["bookings"] if record["op"] != "d"} <= user_ids
    assert {record["user_id"] for record in records["assignments"]} <= user_ids
    assert {record["user_id"] for record in records["events"] if record.get("user_id") is not None} <= user_ids
    listing_ids = {record["listing_id"] for record in records["listings"]}
    assert {record["listing_id"] for record in records["bookings"] if record["op"] != "d"} <= listing_ids
    views = defaultdict(set)
    for record in records["events"]:
        if record["event_type"] == "page_view":
            views[record["anonymous_id"]].add(record["url"])
    exits = [record for record in records["events"] if record["event_type"] == "page_exit"]
    assert exits and all(record["url"] in views[record["anonymous_id"]] for record in exits)


# ---------------------------------------------------------------------------
# Assignments
# ---------------------------------------------------------------------------


def test_assignments_reexposures_duplicates_and_contamination(sample, classified):
    _, summary = sample
    records = [(ds, record) for ds, record, _ in classified["assignments"]["accepted"]]
    variants = defaultdict(set)
    for _, record in records:
        variants[record["experiment_key"]].add(record["variant"])
    assert len(variants) == 3 and sorted(len(v) for v in variants.values()) == [2, 2, 3]
    seen, duplicates = {}, 0
    for ds, record in records:
        key = (record["experiment_key"], record["variant"], record["user_id"], record["assigned_at"])
        if key in seen:
            duplicates += 1
            assert seen[key] <= ds <= (dt.date.fromisoformat(seen[key]) + dt.timedelta(days=1)).isoformat()
        else:
            seen[key] = ds
    assert duplicates == summary["injected"]["assignments"]["duplicate"] > 0
    exposures = Counter((experiment, user) for experiment, _, user, _ in seen)
    assert any(count > 1 for count in exposures.values()), "re-exposure at another time"
    by_user = defaultdict(set)
    for experiment, variant, user, _ in seen:
        by_user[(experiment, user)].add(variant)
    contaminated = [key for key, values in by_user.items() if len(values) > 1]
    assert 0 < len(contaminated) <= summary["injected"]["assignments"]["contaminated"]


# ---------------------------------------------------------------------------
# Options, the API and the command line
# ---------------------------------------------------------------------------


def test_injected_summary_lists_every_kind_per_source(sample):
    _, summary = sample
    for source, kinds in glz.SOURCE_KINDS.items():
        for kind in kinds:
            assert summary["injected"][source][kind] > 0, (source, kind)


def test_dirty_rate_zero_injects_nothing(tmp_path):
    summary = glz.generate(tmp_path / "raw", **{**SMALL, "days": 2, "dirty_rate": 0.0}, empty_partitions=[], in_progress_days=0)
    for source, kinds in glz.SOURCE_KINDS.items():
        assert all(summary["injected"][source][kind] == 0 for kind in kinds), source
        assert classify(tmp_path / "raw", source)["counts"] == Counter()
    assert not list((tmp_path / "raw" / "events").glob("ds=2025-01-03"))


def test_explicit_empty_partitions_and_parts(tmp_path):
    raw_root = tmp_path / "raw"
    summary = glz.generate(
        raw_root, **{**SMALL, "days": 3}, empty_partitions=[("events", "2025-01-02"), ("users", dt.date(2025, 1, 3))], parts_per_partition=3, in_progress_days=2
    )
    assert sorted(path.name for path in (raw_root / "events" / "ds=2025-01-02").iterdir()) == ["_SUCCESS"]
    assert sorted(path.name for path in (raw_root / "users" / "ds=2025-01-03").iterdir()) == ["_SUCCESS"]
    assert (raw_root / "assignments" / "ds=2025-01-02" / "_SUCCESS").exists() and summary["assignments"]["2025-01-02"]["lines"] > 0
    assert len(list((raw_root / "events" / "ds=2025-01-03").glob("*.gz"))) == 3
    assert [ds for ds, info in summary["events"].items() if not info["complete"]] == ["2025-01-04", "2025-01-05"]
    with pytest.raises(ValueError, match="outside"):
        glz.generate(tmp_path / "other", **{**SMALL, "days": 3}, empty_partitions=[("events", "2025-01-09")])
    with pytest.raises(ValueError, match="unknown source"):
        glz.generate(tmp_path / "other", **{**SMALL, "days": 3}, empty_partitions=[("clicks", "2025-01-02")])


def test_overwrite_protection(sample, tmp_path):
    raw_root = tmp_path / "raw"
    glz.generate(raw_root, **{**SMALL, "days": 1})
    marker = raw_root / "not_a_source.txt"
    marker.write_text("kept")
    with pytest.raises(FileExistsError, match="overwrite"):
        glz.generate(raw_root, **{**SMALL, "days": 1})
    stale = raw_root / "events" / "ds=2030-01-01"
    stale.mkdir()
    glz.generate(raw_root, **{**SMALL, "days": 1}, overwrite=True)
    assert not stale.exists() and marker.read_text() == "kept"


def test_write_partition_writes_lines_and_markers(tmp_path):
    folder = glz.write_partition(tmp_path, "events", "2025-03-01", ['{"a": 1}', "not json", '{"b": "é"}'])
    assert sorted(path.name for path in folder.iterdir()) == ["_SUCCESS", "part-00000.jsonl.gz"]
    data = (folder / "part-00000.jsonl.gz").read_bytes()
    assert data[4:8] == b"\x00\x00\x00\x00"
    assert gzip.decompress(data).decode("utf-8") == '{"a": 1}\nnot json\n{"b": "é"}\n'
    empty = glz.write_partition(tmp_path, "users", "2025-03-02", [])
    assert sorted(path.name for path in empty.iterdir()) == ["_SUCCESS"]
    late = glz.write_partition(tmp_path, "events", "2025-03-03", ["x"], success=False, part=7)
    assert sorted(path.name for path in late.iterdir()) == ["part-00007.jsonl.gz"]
    assert glz.count_lines(tmp_path) == {"events": {"2025-03-01": 3}, "users": {"2025-03-02": 0}}
    with pytest.raises(ValueError, match="line break"):
        glz.write_partition(tmp_path, "events", "2025-03-04", ['{"a": "two\nlines"}'])
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        glz.write_partition(tmp_path, "events", "2025-3-4", ["{}"])


def run_cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=PROJECT_ROOT, capture_output=True, text=True, env=env)


CLI_SIZES = ["--days", "2", "--users", "100", "--listings", "20", "--events-per-day", "200", "--dirty-rate", "0.05"]


@pytest.mark.parametrize("invocation", [["-m", "stayhub.generate"], ["-c", "import sys; from stayhub.generate import main; sys.exit(main())"]])
def test_cli_runs_in_both_invocation_styles(tmp_path, invocation):
    raw_root = tmp_path / "raw"
    result = run_cli(*invocation, "--raw-root", str(raw_root), *CLI_SIZES, "--empty-partition", "bookings=2025-01-02")
    assert result.returncode == 0, result.stderr
    assert "events" in result.stdout and "total" in result.stdout and "lines" in result.stdout
    assert sorted(path.name for path in (raw_root / "bookings" / "ds=2025-01-02").iterdir()) == ["_SUCCESS"]
    assert (raw_root / "assignments" / "ds=2025-01-02" / "part-00000.jsonl.gz").exists()
    assert not (raw_root / "events" / "ds=2025-01-03" / "_SUCCESS").exists()
    # Without --overwrite the command refuses to touch an existing landing zone.
    refused = run_cli(*invocation, "--raw-root", str(raw_root), *CLI_SIZES)
    assert refused.returncode == 2 and "--overwrite" in refused.stderr
    replaced = run_cli(*invocation, "--raw-root", str(raw_root), *CLI_SIZES, "--overwrite", "--empty-partition", "none")
    assert replaced.returncode == 0, replaced.stderr
    assert all(list(folder.glob("*.gz")) for folder in (raw_root / "assignments").iterdir())


def test_cli_reads_the_raw_root_from_the_environment(tmp_path):
    import os

    env = dict(os.environ, WAREHOUSE_RAW_ROOT=str(tmp_path / "from_env"))
    result = run_cli("-m", "stayhub.generate", "--days", "1", "--users", "50", "--listings", "10", "--events-per-day", "50", env=env)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "from_env" / "events" / "ds=2025-01-01" / "_SUCCESS").exists()


@pytest.mark.parametrize(
    "args,message",
    [
        (["--empty-partition", "clicks=2025-01-01"], "SOURCE=YYYY-MM-DD"),
        (["--empty-partition", "events=2026-01-01"], "outside"),
        (["--start-ds", "2025-02-30"], "not a date"),
        (["--days", "0"], "days"),
    ],
)
def test_cli_rejects_bad_arguments_with_exit_2(tmp_path, args, message):
    result = run_cli("-m", "stayhub.generate", "--raw-root", str(tmp_path / "raw"), *CLI_SIZES, *args)
    assert result.returncode == 2 and message in result.stderr


def test_it_streams_holding_at_most_two_days_of_lines(tmp_path, monkeypatch):
    """Day d's partitions are written before day d + 2 is simulated, so memory does not grow with --days."""
    from stayhub.generate import world

    written: set[str] = set()
    write_parts, step = world.write_parts, world.World.step

    def recording_write_parts(raw_root, source, ds, lines, parts, success):
        if ds == DAYS[0]:
            time.sleep(3)  # a slow disk: a loop that does not wait for it simulates days 1 and 2 meanwhile
        write_parts(raw_root, source, ds, lines, parts, success)
        written.add(f"{source}={ds}")

    stepped: list[int] = []

    def checking_step(self, day):
        for earlier in range(day - 1):
            ds = (START + dt.timedelta(days=earlier)).isoformat()
            assert {f"{source}={ds}" for source in glz.SOURCES} <= written, f"day {day} simulated before day {earlier} was written"
        stepped.append(day)
        step(self, day)

    monkeypatch.setattr(world, "write_parts", recording_write_parts)
    monkeypatch.setattr(world.World, "step", checking_step)
    glz.generate(tmp_path / "raw", **SMALL)
    assert stepped == list(range(SMALL["days"] + 1))
    assert len(written) == len(glz.SOURCES) * SMALL["days"] + 1
