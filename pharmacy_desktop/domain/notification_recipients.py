"""Who may be sent a message, and how (pure): consent, the channel the patient chose, opt-out.

A patient is contacted only with recorded consent (TCPA: automated texts need it), only on the
channel they chose ('sms' or 'email'; 'phone' means a person calls, 'none' means never), and never
on a channel they opted out of (an SMS "STOP", or recorded by staff). There is no fallback to the
other channel: a patient who chose SMS and texted STOP did not ask for e-mail instead.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Recipient:
    channel: str | None  # 'sms' / 'email', or None: nothing is sent
    address: str | None  # phone digits or e-mail address
    reason: str  # why nothing is sent (for the screen), or "ok"


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def sms_number(phone: str | None) -> str | None:
    """A US number as E.164 (+1 and ten digits), or None when it is not one."""
    digits = re.sub(r"\D", "", phone or "")
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    return f"+1{digits}" if len(digits) == 10 else None


def choose(
    *,
    active: bool,
    consent_at: dt.datetime | None,
    preference: str | None,
    phone: str | None,
    email: str | None,
    sms_opt_out_at: dt.datetime | None,
    email_opt_out_at: dt.datetime | None,
) -> Recipient:
    if not active:
        return Recipient(None, None, "the patient record is inactive")
    if consent_at is None:
        return Recipient(None, None, "no consent to be contacted is recorded")
    pref = (preference or "sms").strip().lower()
    if pref == "sms":
        if sms_opt_out_at is not None:
            return Recipient(None, None, "the patient opted out of text messages")
        number = sms_number(phone)
        if number is None:
            return Recipient(None, None, "no mobile number that can receive a text")
        return Recipient("sms", number, "ok")
    if pref == "email":
        if email_opt_out_at is not None:
            return Recipient(None, None, "the patient opted out of e-mail")
        address = (email or "").strip()
        if not _EMAIL.match(address):
            return Recipient(None, None, "no e-mail address on file")
        return Recipient("email", address, "ok")
    if pref == "phone":
        return Recipient(None, None, "the patient prefers a phone call")
    return Recipient(None, None, "the patient asked not to be contacted")
