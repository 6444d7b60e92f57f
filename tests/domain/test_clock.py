"""The one clock (domain/clock.py) and that nobody keeps another."""

import datetime as dt
import pathlib
import re

from pharmacy_desktop.domain.clock import local_now, utcnow

PACKAGE = pathlib.Path(__file__).resolve().parents[2] / "pharmacy_desktop"


def test_utcnow_is_aware_utc_and_local_now_is_aware():
    before = dt.datetime.now(dt.UTC)
    now = utcnow()
    assert now.tzinfo is dt.UTC and before <= now <= dt.datetime.now(dt.UTC)
    local = local_now()
    assert local.tzinfo is not None and abs((local - now).total_seconds()) < 5


def test_no_other_now_helper_in_services_domain_or_repositories():
    helper = re.compile(r"^def (utcnow|now|_now|_utcnow)\(", re.MULTILINE)
    found = [
        str(p.relative_to(PACKAGE))
        for folder in ("services", "domain", "db")
        for p in (PACKAGE / folder).rglob("*.py")
        if helper.search(p.read_text())
    ]
    assert found == ["domain/clock.py"]
