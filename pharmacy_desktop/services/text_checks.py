"""Typed text checked against the column it is going to: the length comes from the SQLAlchemy
model, so a migration that widens or narrows a column changes the check with it.

A String(n) column is a one-line field of at most n characters; a Text column is multi-line (notes,
addresses) up to domain.text_fields.TEXT_LIMIT, unless the caller says otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import String, Text

from pharmacy_desktop.domain.text_fields import labelled, text_problem


def _column(attribute: Any):
    """The Column behind a mapped attribute (``Patient.first_name``) or a Column itself."""
    prop = getattr(attribute, "property", None)
    if prop is not None and getattr(prop, "columns", None):
        return prop.columns[0]
    return attribute


def column_length(attribute: Any) -> int | None:
    """The column's character limit (String(100) -> 100); None for TEXT."""
    kind = _column(attribute).type
    return kind.length if isinstance(kind, String) else None


def is_multiline(attribute: Any) -> bool:
    kind = _column(attribute).type
    return isinstance(kind, Text) or (isinstance(kind, String) and kind.length is None)


def text_errors(fields: Iterable[tuple[str, Any, Any]], *, labels: dict[str, str] | None = None,
                single_line: Iterable[str] = ()) -> dict[str, str]:
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
    from pharmacy_desktop.errors import ValidationFailed

    errors = text_errors([(key, attribute, value)], labels={key: label})
    if errors:
        raise ValidationFailed(f"Nothing was saved: {errors[key]}", errors)
