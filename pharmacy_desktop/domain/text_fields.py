"""What a typed text field may hold before it goes anywhere near the database.

A value the database would refuse (longer than its column, a NUL character, a lone surrogate)
must be caught here: the database's own error repeats the whole row as SQL parameters (a patient's
name, date of birth, address) on its way to the log and the error dialog. Other control characters
(escape sequences, backspaces, form feeds) come from bad pastes and misconfigured scanners and
would end up printed on vial labels; bidirectional overrides make a name display as something it
is not. Tabs and line breaks are allowed only in fields that are multi-line by nature (notes).

The functions return a phrase ("has 10,000 characters; at most 100 fit: shorten it") that a
service puts after the field's label or shows beside the field; None means the text is fine.
"""

from __future__ import annotations

import unicodedata

# An unbounded (TEXT) column: a page of typing is the most a person enters; a pasted file is not a note.
TEXT_LIMIT = 4000
MULTILINE_WHITESPACE = frozenset("\t\n\r")
# bidirectional embeddings/overrides/isolates: they reorder how the rest of the text displays
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
LINE_SEPARATORS = frozenset("\u2028\u2029")


def text_problem(value: str | None, max_length: int | None, *, multiline: bool = False) -> str | None:
    """What is wrong with ``value`` for a field of at most ``max_length`` characters (None: unbounded)."""
    if value is None:
        return None
    if not isinstance(value, str):
        return "must be text"
    for ch in value:
        if ch == "\0":
            return "contains a NUL character (an invisible code from a paste or a scanner): retype it"
        if ch in MULTILINE_WHITESPACE or ch in LINE_SEPARATORS:
            if not multiline or ch in LINE_SEPARATORS:
                return "contains a tab or a line break: keep it on one line"
            continue
        if unicodedata.category(ch) == "Cc":
            return f"contains an invisible control character (U+{ord(ch):04X}, from a paste or a scanner): retype it"
        if ch in BIDI_CONTROLS:
            return f"contains an invisible text-direction character (U+{ord(ch):04X}): retype it"
        if unicodedata.category(ch) == "Cs":
            return "contains a character that cannot be stored (a broken surrogate from a paste): retype it"
    limit = TEXT_LIMIT if max_length is None else max_length
    if len(value) > limit:
        return f"has {len(value):,} characters; at most {limit:,} fit: shorten it"
    return None


def labelled(label: str, phrase: str) -> str:
    """``phrase`` as a sentence about the field ``label``: "First name has 120 characters; ..."."""
    return f"{label} {phrase}."


def strip_controls(value: str) -> str:
    """``value`` without control or direction characters (for search boxes: nothing is stored)."""
    return "".join(
        " " if ch in MULTILINE_WHITESPACE else ch
        for ch in value
        if ch in MULTILINE_WHITESPACE
        or not (unicodedata.category(ch) in ("Cc", "Cs") or ch in BIDI_CONTROLS or ch in LINE_SEPARATORS)
    )
