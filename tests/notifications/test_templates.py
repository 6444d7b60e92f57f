"""Templates, recipients and quiet hours: the pure rules."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from pharmacy_desktop.adapters.sms import is_stop, parse_delivery_callback
from pharmacy_desktop.domain import notification_recipients, quiet_hours
from pharmacy_desktop.domain.notification_templates import (
    DEFAULT_TEMPLATES,
    EVENTS,
    message_values,
    placeholders_in,
    render,
    template_problems,
)


def test_every_default_template_is_valid_and_names_no_drug():
    assert {e for e, _ in DEFAULT_TEMPLATES} == set(EVENTS)
    for (event, channel), t in DEFAULT_TEMPLATES.items():
        assert template_problems(event, channel, t.subject, t.body) == [], t.name
        assert "drug_names" not in placeholders_in(t.body)
        if channel == "sms":
            values = message_values(
                patient_first_name="Maximiliana",
                pharmacy_name="Main Street Community Pharmacy",
                pharmacy_phone="(217) 555-0100",
                rx_count=12,
                pickup_by="Dec 12",
                due_date="Dec 12",
                channel="sms",
            )
            assert len(render(t.body, values)) <= 320  # two segments at most


def test_an_unknown_placeholder_is_refused_with_the_vocabulary():
    [problem] = template_problems("prescription_ready", "email", "Ready", "Hi {{patient_last_name}}, {{ rx_count }}")
    assert "Unknown placeholder {{patient_last_name}} in the text" in problem and "{{patient_first_name}}" in problem
    assert template_problems("refill_due", "email", "Hi {{patient_firstname}}", "x")[0].startswith(
        "Unknown placeholder {{patient_firstname}} in the subject"
    )
    assert "Unbalanced braces" in template_problems("refill_due", "sms", None, "Hi {{patient_first_name}")[0]


@pytest.mark.parametrize(
    ("event", "channel", "subject", "body", "words"),
    [
        ("prescription_ready", "sms", None, "{{drug_names}} is ready", "An SMS may not name drugs"),
        ("prescription_ready", "email", "{{drug_names}}", "x", "A subject line may not name drugs"),
        ("prescription_ready", "email", "", "x", "An e-mail needs a subject"),
        ("prescription_ready", "sms", "Hi", "x", "An SMS has no subject"),
        ("prescription_ready", "sms", None, "  ", "The message text is empty"),
        ("birthday", "sms", None, "x", "Unknown event 'birthday'"),
        ("refill_due", "fax", None, "x", "Unknown channel 'fax'"),
    ],
)
def test_template_rules(event, channel, subject, body, words):
    assert any(words in p for p in template_problems(event, channel, subject, body))


def test_drug_names_only_in_email_and_only_when_the_pharmacy_allows_it():
    common = dict(patient_first_name="Ann", pharmacy_name="P", pharmacy_phone="1", drug_names=("Metformin",))
    assert message_values(channel="email", email_drug_names=True, **common)["drug_names"] == "Metformin"
    assert message_values(channel="email", email_drug_names=False, **common)["drug_names"] == ""
    assert message_values(channel="sms", email_drug_names=True, **common)["drug_names"] == ""
    assert (
        render("{{rx_count}} {{rx_plural}}", message_values(channel="sms", rx_count=2, **common)) == "2 prescriptions"
    )
    assert render("{{ unknown }}!", {}) == "!"  # never braces to a patient


def choose(**overrides):
    values = dict(
        active=True,
        consent_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        preference="sms",
        phone="(217) 555-0142",
        email="ann@example.org",
        sms_opt_out_at=None,
        email_opt_out_at=None,
    )
    return notification_recipients.choose(**{**values, **overrides})


def test_recipient_rules():
    assert choose() == notification_recipients.Recipient("sms", "+12175550142", "ok")
    assert choose(preference="email").address == "ann@example.org"
    assert choose(preference=None).channel == "sms"  # the column's default
    stamp = dt.datetime(2026, 2, 1, tzinfo=dt.UTC)
    for overrides, reason in (
        ({"consent_at": None}, "no consent"),
        ({"active": False}, "inactive"),
        ({"sms_opt_out_at": stamp}, "opted out of text"),
        ({"preference": "email", "email_opt_out_at": stamp}, "opted out of e-mail"),
        ({"sms_opt_out_at": stamp, "preference": "sms", "email": "ann@example.org"}, "opted out of text"),
        ({"phone": "555-0142"}, "no mobile number"),
        ({"preference": "email", "email": "not an address"}, "no e-mail address"),
        ({"preference": "phone"}, "phone call"),
        ({"preference": "none"}, "asked not to be contacted"),
    ):
        got = choose(**overrides)
        assert got.channel is None and reason in got.reason, overrides


def test_quiet_hours_cross_midnight_and_end_at_the_local_time():
    chicago = ZoneInfo("America/Chicago")
    start, end = dt.time(21), dt.time(8)
    evening = dt.datetime(2026, 3, 7, 22, 30, tzinfo=chicago)  # the night DST starts
    assert quiet_hours.next_allowed(evening, start, end, chicago) == dt.datetime(2026, 3, 8, 8, 0, tzinfo=chicago)
    assert quiet_hours.next_allowed(evening, start, end, chicago).utcoffset() == dt.timedelta(0)  # stored in UTC
    early = dt.datetime(2026, 3, 9, 6, 15, tzinfo=chicago)
    assert quiet_hours.next_allowed(early, start, end, chicago) == dt.datetime(2026, 3, 9, 8, 0, tzinfo=chicago)
    noon = dt.datetime(2026, 3, 9, 12, 0, tzinfo=chicago)
    assert quiet_hours.next_allowed(noon, start, end, chicago) is noon
    assert quiet_hours.next_allowed(evening, dt.time(0), dt.time(0), chicago) is evening  # no quiet hours
    assert quiet_hours.inside(dt.time(13), dt.time(12), dt.time(14))  # a window within one day
    assert not quiet_hours.inside(dt.time(14), dt.time(12), dt.time(14))


def test_sms_callbacks_and_stop_words():
    assert is_stop("STOP") and is_stop(" stop please") and is_stop("Unsubscribe.") and not is_stop("Stopping by at 5")
    report = parse_delivery_callback({"MessageSid": "SM1", "MessageStatus": "undelivered", "ErrorCode": "30005"})
    assert (report.external_id, report.status, report.error_code) == ("SM1", "bounced", "30005")
    assert parse_delivery_callback({"MessageSid": "SM1", "MessageStatus": "delivered"}).status == "delivered"
    assert parse_delivery_callback({"MessageSid": "SM1", "MessageStatus": "queued"}) is None
