"""Typed text checked against the column it is going to: the length comes from the model
(``db/columns.py``), so a migration that widens or narrows a column changes the check with it.

A String(n) column is a one-line field of at most n characters; a Text column is multi-line (notes,
addresses) up to domain.text_fields.TEXT_LIMIT, unless the caller says otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pharmacy_desktop.db.columns import column_length, is_multiline
from pharmacy_desktop.domain.text_fields import labelled, text_problem
from pharmacy_desktop.errors import ValidationFailed


def text_errors(
    fields: Iterable[tuple[str, Any, Any]], *, labels: dict[str, str] | None = None, single_line: Iterable[str] = ()
) -> dict[str, str]:
    """Field key -> problem for each ``(key, mapped attribute, value)`` whose text the column refuses.

    With a label for the key the problem is a sentence ("First name has ..."), otherwise the bare
    phrase (for services whose messages put the field name in front). Keys in ``single_line`` are
    one-line even if their column is TEXT (a SIG).
    """
    labels = labels or {}
    one_line = set(single_line)
    errors: dict[str, str] = {}
    for key, attribute, value in fields:
        if value is not None and not isinstance(value, str):
            continue  # numbers, dates: checked by their own rules
        multiline = is_multiline(attribute) and key not in one_line
        problem = text_problem(value, column_length(attribute), multiline=multiline)
        if problem:
            label = labels.get(key)
            errors[key] = labelled(label, problem) if label else problem
    return errors


def require_clean_text(key: str, attribute: Any, value: str | None, label: str) -> None:
    """Raise the project's ValidationFailed (field ``key``) when one typed value does not fit."""
    errors = text_errors([(key, attribute, value)], labels={key: label})
    if errors:
        raise ValidationFailed(f"Nothing was saved: {errors[key]}", errors)
