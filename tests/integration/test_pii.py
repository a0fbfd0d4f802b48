"""Personal data (email addresses) never leaves the base layer, and the email hash is keyed.

Emails are hashed with HMAC-SHA-256 under the key in $WAREHOUSE_PII_KEY_FILE (the tests' sample
key, conftest.pii_key_file); the key reaches DuckDB through the pii_key plugin, never through SQL.
Email-shaped text in any other field that leaves the base layer is redacted, or hashed for identifiers.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from pathlib import Path
from urllib.parse import quote

import duckdb
import pytest

from dbt_plugins import pii_key
from stayhub.generate import write_partition
from stayhub.warehouse import PII_KEY_ENV
from tests.integration import crafted_landing
from tests.integration.conftest import Warehouse

# An email address, its @ plain or percent-encoded (%40, or %2540 encoded twice).
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+(@|%(25)*40)[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
# Every email hidden in the leaky landing zone is at this domain.
CANARY_DOMAIN = "pii-canary.example"


def keyed_hash(key_file: Path, email: str) -> str:
    """The expected hash, computed here: HMAC-SHA-256 of the trimmed, lower-cased address under the
    key file's bytes (surrounding whitespace removed)."""
    return hmac.new(key_file.read_bytes().strip(), email.strip().lower().encode("utf-8"), hashlib.sha256).hexdigest()


def relations_holding_emails(warehouse, schema_predicate: str) -> set[tuple[str, str, str]]:
    """(schema, relation, column) of every column in which a value, as text, holds an email address."""
    columns = warehouse.query(
        f"""
        select table_schema, table_name, column_name
        from information_schema.columns
        where {schema_predicate}
        """
    )
    found = set()
    pattern = EMAIL.pattern.replace("'", "''")
    for schema, table, column in columns:
        hits = warehouse.scalar(f"""select count(*) from "{schema}"."{table}" where regexp_matches(cast("{column}" as varchar), '{pattern}')""")
        if hits:
            found.add((schema, table, column))
    return found


# Only the base layer (raw lines), and the stage schema stage-check-exchange builds it in, may keep personal data.
OUTSIDE_BASE = "table_schema not in ('base', 'base_stage')"


def test_no_relation_outside_the_base_layer_holds_an_email_address(sample_warehouse):
    outside = sample_warehouse.query(f"select count(*) from information_schema.columns where {OUTSIDE_BASE}")[0][0]
    assert outside > 0, "nothing outside the base layer was built: the scan would prove nothing"
    assert relations_holding_emails(sample_warehouse, OUTSIDE_BASE) == set()


def test_the_scan_finds_the_emails_that_the_base_layer_keeps_in_raw_lines(sample_warehouse):
    # The positive control: the same scan does see the clear emails of the raw users lines.
    found = relations_holding_emails(sample_warehouse, "table_schema = 'base'")
    assert ("base", "base_users__lines", "raw_line") in found
    assert {column for _, _, column in found} <= {"raw_line"}


def test_the_email_hash_is_hmac_sha256_under_the_key(crafted_warehouse, pii_key_file):
    """Every hashed email equals the keyed HMAC computed here from the raw line, the crafted user's included."""
    rows = crafted_warehouse.query("select id_user, raw_line, email_hash from base.base_users__lines where line_status = 'accepted'")
    expected = {}
    for id_user, raw_line, email_hash in rows:
        email = json.loads(raw_line).get("email")
        assert email_hash == (keyed_hash(pii_key_file, email) if email is not None else None), raw_line
        expected[id_user] = email_hash
    assert expected[1] == keyed_hash(pii_key_file, crafted_landing.CLEAR_EMAIL)
    # Unkeyed digests of the address, the dictionary attack's first guesses, are not it.
    normalised = crafted_landing.CLEAR_EMAIL.lower().encode()
    assert expected[1] not in {hashlib.md5(normalised).hexdigest(), hashlib.sha256(normalised).hexdigest()}
    # The snapshot carries the same hash.
    assert crafted_warehouse.query("select distinct email_hash from staging.stg_users__users where id_user = 1") == [
        (keyed_hash(pii_key_file, crafted_landing.CLEAR_EMAIL),)
    ]


def test_the_plugin_loads_only_a_usable_key_and_never_reports_it(tmp_path, monkeypatch):
    monkeypatch.delenv(PII_KEY_ENV, raising=False)
    assert pii_key.load_key() == (None, f"{PII_KEY_ENV} is not set")
    monkeypatch.setenv(PII_KEY_ENV, str(tmp_path / "absent.key"))
    key, problem = pii_key.load_key()
    assert key is None and problem.startswith(f"{PII_KEY_ENV}={tmp_path / 'absent.key'} cannot be read")
    short = tmp_path / "short.key"
    short.write_text("short-secret-text\n")
    monkeypatch.setenv(PII_KEY_ENV, str(short))
    key, problem = pii_key.load_key()
    assert key is None and "fewer than the 32 a key needs" in problem and "short-secret-text" not in problem

    good = tmp_path / "good.key"
    good.write_text("k" * 40 + "\n")
    monkeypatch.setenv(PII_KEY_ENV, str(good))
    plugin = pii_key.Plugin("pii_key", {})
    with duckdb.connect() as connection:
        plugin.configure_connection(connection)
        assert connection.sql("select pii_key_problem(), pii_hmac_sha256('a@b.example'), pii_hmac_sha256(null)").fetchall() == [
            (None, hmac.new(b"k" * 40, b"a@b.example", hashlib.sha256).hexdigest(), None)
        ]
    # Without a key the function refuses rather than hash.
    monkeypatch.setenv(PII_KEY_ENV, str(short))
    plugin = pii_key.Plugin("pii_key", {})
    with duckdb.connect() as connection:
        plugin.configure_connection(connection)
        with pytest.raises(duckdb.Error, match="personal data cannot be hashed"):
            connection.sql("select pii_hmac_sha256('a@b.example')").fetchall()


def test_a_run_without_the_key_refuses_and_builds_nothing(tmp_path, crafted_landing_root):
    warehouse = Warehouse(tmp_path)
    warehouse.raw_root = crafted_landing_root
    result = warehouse.dbt(
        "build",
        check=False,
        window={"start_ds": crafted_landing.FIRST_DS, "end_ds": crafted_landing.LAST_DS},
        extra_env={PII_KEY_ENV: ""},
    )
    assert result.returncode != 0
    assert f"No key for personal data: {PII_KEY_ENV} is not set." in result.stdout
    assert "base_users__lines" in result.stdout and "Nothing was built" in result.stdout
    assert f"Set {PII_KEY_ENV} to a file holding a secret key" in result.stdout
    published = warehouse.query("select table_schema, table_name from information_schema.tables") if warehouse.duckdb_path.exists() else []
    assert published == []


# ---------------------------------------------------------------------------------------------
# A landing zone that hides emails in every text field the contract allows, on top of the crafted one.


def canary(who: str) -> str:
    return f"{who}@{CANARY_DOMAIN}"


ANONYMOUS_EMAIL = canary("Anon.Person")


def leaky_lines() -> dict[str, list[str]]:
    """source -> lines for ds 2025-03-01, each hiding emails (plain and percent-encoded)."""
    event, listing, user, booking = crafted_landing.event, crafted_landing.listing, crafted_landing.user, crafted_landing.booking
    at = "2025-03-01T13:00:00Z"
    query = f"utm_source={canary('source.person')}&utm_medium={quote(canary('medium.person'))}&utm_campaign=spring%20{quote(canary('campaign.person'))}"
    return {
        "events": [
            event(
                "pii-view",
                at,
                anonymous_id=ANONYMOUS_EMAIL,
                url=f"https://www.stayhub.example/rooms/12?{query}",
                referrer=f"https://mail.example/inbox?to={quote(canary('referrer.person'))}&cc={canary('cc.person')}",
                user_agent=f"Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0 contact {canary('ua.person')}",
                properties={"note": canary("property.person")},
            ),
            event(
                "pii-exit",
                "2025-03-01T13:01:00Z",
                "page_exit",
                anonymous_id=ANONYMOUS_EMAIL,
                url=f"https://www.stayhub.example/rooms/12/?{query}",
                properties={"dwell_ms": 60000},
            ),
            event("pii-path", at, anonymous_id="anon-pii", url=f"https://stayhub.example/users/{quote(canary('path.person'))}/trips"),
            event("pii-search", at, anonymous_id="anon-pii", url=f"https://stayhub.example/s/{canary('slug.person')}"),
            event("pii-userinfo", at, anonymous_id="anon-pii", url=f"https://{quote(canary('userinfo.person'))}@www.stayhub.example/rooms/12"),
            event("pii-platform", at, anonymous_id="anon-pii", platform=canary("platform.person")),
            event("pii-encoded-anon", at, anonymous_id=quote(canary("encoded.anon"))),
            event(canary("event.id"), at, anonymous_id="anon-pii", url="https://stayhub.example/"),
            event("pii-share", at, "share", anonymous_id="anon-pii", properties={"channel": canary("channel.person")}),
            event("pii-type", at, canary("type.person"), anonymous_id="anon-pii"),
            event("pii-rejected", "yesterday", url=f"https://stayhub.example/?to={canary('rejected.person')}"),
            f'{{"event_id": "pii-broken", "note": "{canary("broken.person")}"',
        ],
        "listings": [
            listing(50, market=canary("Market.Person"), room_type=canary("room.person"), capacity=canary("capacity.person")),
            listing(51, market=quote(canary("encoded.market")), nightly_price_usd=canary("price.person")),
        ],
        "users": [
            user(60, "c", 60, email=canary("user60.person"), country=canary("country.person")),
            user(61, "c", 61, email=f"  {canary('User61.Person')} ", status=canary("status.person")),
        ],
        "bookings": [
            booking(60, "c", 160, guest_id=60, status=canary("booking.person"), price_usd=canary("price.person")),
        ],
        "assignments": [
            json.dumps(
                {
                    "experiment_key": canary("experiment.person"),
                    "variant": canary("variant.person"),
                    "user_id": 60,
                    "assigned_at": "2025-03-01T13:00:00Z",
                    "platform": canary("platform.person"),
                }
            ),
        ],
    }


@pytest.fixture(scope="module")
def leaky_warehouse(tmp_path_factory) -> tuple[Warehouse, list[str]]:
    """The crafted landing zone plus the leaky lines, built in one range run; and dbt's output."""
    warehouse = Warehouse(tmp_path_factory.mktemp("pii_leaky"))
    crafted_landing.write(warehouse.raw_root)
    for source, lines in leaky_lines().items():
        write_partition(warehouse.raw_root, source, crafted_landing.FIRST_DS, lines, part=1)
    outputs = [warehouse.dbt("seed").stdout]
    outputs.append(warehouse.build(start_ds=crafted_landing.FIRST_DS, end_ds=crafted_landing.LAST_DS).stdout)
    return warehouse, outputs


def test_the_leaky_lines_reach_the_base_layer_whole(leaky_warehouse):
    # The positive control: the scan finds the hidden emails in the raw lines of every source.
    warehouse, _ = leaky_warehouse
    found = relations_holding_emails(warehouse, "table_schema = 'base'")
    for source in crafted_landing.SOURCES:
        assert ("base", f"base_{source}__lines", "raw_line") in found, source
    assert ("base", "base_landing__rejects", "raw_line") in found
    # Only what keeps the line as landed holds them: the raw line, the raw URL, raw fields, bad values.
    assert {column for _, _, column in found} <= {
        "raw_line",
        "dedup_key",
        "url",
        "properties",
        "event_type",
        "market_raw",
        "capacity_raw",
        "nightly_price_usd_raw",
        "price_usd_raw",
        "country_raw",
        "experiment_key",
        "variant",
        "platform",
        "field_value",
    }, found


def test_no_email_leaves_the_base_layer_from_any_field(leaky_warehouse, pii_key_file):
    warehouse, _ = leaky_warehouse
    assert relations_holding_emails(warehouse, OUTSIDE_BASE) == set()

    # The leaky rows did reach the marts, redacted: the scan above looked at them.
    view = warehouse.query(
        "select id_anonymous, dim_utm_source, dim_utm_medium, dim_utm_campaign, m_dwell_ms from marts.fct_page_views where id_event = 'pii-view'"
    )
    # An email-shaped browser id is its keyed hash: stable, so its exit still closes the view.
    assert view == [(keyed_hash(pii_key_file, ANONYMOUS_EMAIL), "redacted-email", "redacted-email", "spring redacted-email", 60000)]
    assert warehouse.scalar("select id_market from marts.fct_page_views where id_event = 'pii-search'") == "redacted-email"
    assert warehouse.scalar("select dim_platform from marts.fct_page_views where id_event = 'pii-platform'") == "redacted-email"
    assert warehouse.scalar("select id_anonymous from marts.fct_page_views where id_event = 'pii-encoded-anon'") == keyed_hash(
        pii_key_file, quote(canary("encoded.anon"))
    )
    # An email-shaped event id too.
    assert warehouse.scalar(f"select dim_page_type from marts.fct_page_views where id_event = '{keyed_hash(pii_key_file, canary('event.id'))}'") == "home"
    assert warehouse.scalar("select dim_share_channel from marts.fct_listing_engagements where id_event = 'pii-share'") == "redacted-email"
    assert warehouse.query("select dim_market, id_market, dim_room_type from marts.dim_listings where id_listing = 50 and ds = '2025-03-01'") == [
        ("Redacted-email", "redacted-email", "redacted-email")
    ]
    assert warehouse.scalar("select dim_user_status from marts.dim_users where id_user = 61 and ds = '2025-03-01'") == "redacted-email"
    assert warehouse.scalar("select distinct dim_booking_status from marts.fct_booking_events where id_booking = 160") == "redacted-email"
    assert warehouse.scalar("select email_hash from staging.stg_users__users where id_user = 61 and ds = '2025-03-01'") == keyed_hash(
        pii_key_file, canary("User61.Person")
    )


def files_holding(root: Path, needles: list[str]) -> dict[str, set[str]]:
    """{file under root: the needles (or email addresses) found in it}."""
    found = {}
    for path in sorted(root.rglob("*")):
        if not path.is_file():
            continue
        text = path.read_bytes().decode("utf-8", errors="replace")
        hits = {needle for needle in needles if needle in text} | {match.group(0) for match in EMAIL.finditer(text)}
        if hits:
            found[str(path.relative_to(root))] = hits
    return found


def test_no_email_nor_the_key_in_dbt_artifacts_logs_or_output(leaky_warehouse, pii_key_file):
    warehouse, outputs = leaky_warehouse
    key_text = pii_key_file.read_text().strip()
    needles = [CANARY_DOMAIN, key_text]
    for folder in (warehouse.target_path, warehouse.log_path):
        assert folder.is_dir(), folder
    assert (warehouse.target_path / "compiled").is_dir() and (warehouse.target_path / "run_results.json").is_file()
    assert (warehouse.log_path / "dbt.log").stat().st_size > 0
    # The hash's SQL is in the artifacts, and the key's file is named nowhere either.
    assert "pii_hmac_sha256" in (warehouse.target_path / "manifest.json").read_text()
    assert files_holding(warehouse.target_path, needles + [str(pii_key_file)]) == {}
    assert files_holding(warehouse.log_path, needles) == {}
    for output in outputs:
        assert not [needle for needle in needles if needle in output] and not EMAIL.search(output)
