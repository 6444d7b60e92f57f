"""What a mapped column accepts as text, read from the SQLAlchemy model: a migration that widens or
narrows a column changes the services' checks with it (services/text_checks.py)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, Text


def _column(attribute: Any) -> Any:
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
