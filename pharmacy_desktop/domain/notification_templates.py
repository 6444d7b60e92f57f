"""Patient message templates: the placeholder vocabulary, validation and rendering (pure).

Minimum necessary (HIPAA): a message says that something is ready or due, never what. The
vocabulary has no diagnosis, no Rx contents, no date of birth and no last name; the one
placeholder that names drugs, ``{{drug_names}}``, is refused in an SMS template and renders
empty in an e-mail unless the pharmacy allows drug names in e-mail (``email_drug_names``).

A placeholder is written ``{{name}}`` (spaces inside the braces allowed). Saving a template with
a name outside the vocabulary, or with unbalanced braces, is refused: a typo would otherwise reach
a patient as literal braces.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

EVENTS = ("prescription_ready", "refill_due", "pickup_reminder", "prescription_delayed")
CHANNELS = ("sms", "email")

# name -> what it stands for (shown to the manager editing a template)
PLACEHOLDERS: dict[str, str] = {
    "patient_first_name": "the patient's first name",
    "pharmacy_name": "the pharmacy's name",
    "pharmacy_phone": "the pharmacy's phone number",
    "rx_count": "how many prescriptions the message is about (1, 2, ...)",
    "rx_plural": "'prescription' or 'prescriptions', following rx_count",
    "pickup_by": "the date a ready prescription is kept until (then returned to stock)",
    "due_date": "the date a refill is due",
    "drug_names": "the drug names (e-mail only, and only when the pharmacy setting allows it)",
}
DRUG_PLACEHOLDERS = frozenset({"drug_names"})

SMS_MAX = 320  # two SMS segments: longer texts are split and often arrive out of order

_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


@dataclass(frozen=True)
class TemplateText:
    name: str
    subject: str | None
    body: str


def placeholders_in(text: str) -> list[str]:
    return [m.group(1) for m in _PLACEHOLDER.finditer(text or "")]


def template_problems(event: str, channel: str, subject: str | None, body: str) -> list[str]:
    """What is wrong with a template, in words for the person editing it (empty: it may be saved)."""
    problems: list[str] = []
    if event not in EVENTS:
        problems.append(f"Unknown event '{event}': use one of {', '.join(EVENTS)}.")
    if channel not in CHANNELS:
        problems.append(f"Unknown channel '{channel}': use sms or email.")
    if not (body or "").strip():
        problems.append("The message text is empty: write what the patient should read.")
    if channel == "email" and not (subject or "").strip():
        problems.append("An e-mail needs a subject.")
    if channel == "sms" and (subject or "").strip():
        problems.append("An SMS has no subject: leave it empty.")
    for part, text in (("subject", subject or ""), ("text", body or "")):
        unknown = sorted({name for name in placeholders_in(text) if name not in PLACEHOLDERS})
        if unknown:
            problems.append(
                f"Unknown placeholder {', '.join('{{' + n + '}}' for n in unknown)} in the {part}: "
                f"use only {', '.join('{{' + n + '}}' for n in PLACEHOLDERS)}."
            )
        stripped = _PLACEHOLDER.sub("", text)
        if "{{" in stripped or "}}" in stripped:
            problems.append(f"Unbalanced braces in the {part}: a placeholder is written {{{{name}}}}.")
        if channel == "sms" and DRUG_PLACEHOLDERS & set(placeholders_in(text)):
            problems.append("An SMS may not name drugs (minimum necessary): remove {{drug_names}}.")
        if part == "subject" and DRUG_PLACEHOLDERS & set(placeholders_in(text)):
            problems.append("A subject line may not name drugs (it shows in every inbox list): remove {{drug_names}}.")
    return problems


def render(text: str, values: Mapping[str, str]) -> str:
    """Fill the placeholders; one the values do not give renders empty (never as braces)."""
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), ""), text or "")


def message_values(
    *,
    patient_first_name: str,
    pharmacy_name: str,
    pharmacy_phone: str,
    rx_count: int = 1,
    pickup_by: str = "",
    due_date: str = "",
    drug_names: tuple[str, ...] = (),
    channel: str,
    email_drug_names: bool = False,
) -> dict[str, str]:
    """The placeholder values of one message; drug names only where minimum necessary allows them."""
    names = ", ".join(drug_names) if channel == "email" and email_drug_names else ""
    return {
        "patient_first_name": patient_first_name.strip(),
        "pharmacy_name": pharmacy_name,
        "pharmacy_phone": pharmacy_phone,
        "rx_count": str(rx_count),
        "rx_plural": "prescription" if rx_count == 1 else "prescriptions",
        "pickup_by": pickup_by,
        "due_date": due_date,
        "drug_names": names,
    }


def _default(event: str, channel: str, subject: str | None, body: str) -> TemplateText:
    return TemplateText(f"{event}_{channel}", subject, body)


_SIGN = "{{pharmacy_name}}, {{pharmacy_phone}}"
_STOP = " Reply STOP to opt out."

# The set created on first use when a pharmacy has none for an event and channel (and by the demo).
DEFAULT_TEMPLATES: dict[tuple[str, str], TemplateText] = {
    ("prescription_ready", "sms"): _default(
        "prescription_ready",
        "sms",
        None,
        "Hi {{patient_first_name}}, {{rx_count}} {{rx_plural}} ready for pickup at {{pharmacy_name}} until "
        "{{pickup_by}}. Questions: {{pharmacy_phone}}." + _STOP,
    ),
    ("prescription_ready", "email"): _default(
        "prescription_ready",
        "email",
        "Ready for pickup at {{pharmacy_name}}",
        "Hello {{patient_first_name}},\n\n{{rx_count}} {{rx_plural}} ready for pickup at {{pharmacy_name}}. "
        "We keep it until {{pickup_by}}.\n\nQuestions? Call us at {{pharmacy_phone}}.\n\n" + _SIGN,
    ),
    ("refill_due", "sms"): _default(
        "refill_due",
        "sms",
        None,
        "Hi {{patient_first_name}}, a refill is due around {{due_date}}. Call {{pharmacy_name}} at "
        "{{pharmacy_phone}} to request it." + _STOP,
    ),
    ("refill_due", "email"): _default(
        "refill_due",
        "email",
        "A refill is due soon",
        "Hello {{patient_first_name}},\n\nA refill is due around {{due_date}}. Call us at {{pharmacy_phone}} "
        "or stop by to request it.\n\n" + _SIGN,
    ),
    ("pickup_reminder", "sms"): _default(
        "pickup_reminder",
        "sms",
        None,
        "Hi {{patient_first_name}}, {{rx_count}} {{rx_plural}} still waiting at {{pharmacy_name}}; "
        "we keep it until {{pickup_by}}. {{pharmacy_phone}}." + _STOP,
    ),
    ("pickup_reminder", "email"): _default(
        "pickup_reminder",
        "email",
        "Still waiting for you at {{pharmacy_name}}",
        "Hello {{patient_first_name}},\n\n{{rx_count}} {{rx_plural}} still waiting for pickup. We keep it "
        "until {{pickup_by}}, then return it to stock.\n\nQuestions? Call us at {{pharmacy_phone}}.\n\n" + _SIGN,
    ),
    ("prescription_delayed", "sms"): _default(
        "prescription_delayed",
        "sms",
        None,
        "Hi {{patient_first_name}}, there is a delay with your prescription at {{pharmacy_name}}. "
        "Please call {{pharmacy_phone}}." + _STOP,
    ),
    ("prescription_delayed", "email"): _default(
        "prescription_delayed",
        "email",
        "About your prescription at {{pharmacy_name}}",
        "Hello {{patient_first_name}},\n\nThere is a delay with your prescription. Please call us at "
        "{{pharmacy_phone}} so we can sort it out.\n\n" + _SIGN,
    ),
}
