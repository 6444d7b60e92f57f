"""The one table from places to the keys that open them, and the rule that adds a key to a message.

Services name places (``domain.places.Place``) in their messages; the UI adds the key where a
message mentions a place that has one: "reprint it from the print queue" reads "... print
queue (F10)". A place without a key is left as written.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QAbstractButton, QLabel, QWidget

from pharmacy_desktop.domain.places import Place

PLACE_KEYS: dict[Place, str] = {
    Place.HOME: "Alt+H",
    Place.INTAKE: "F2",
    Place.REVIEW: "F3",
    Place.DRUG_LOOKUP: "F4",
    Place.FILL: "F5",
    Place.VERIFY: "F6",
    Place.PICKUP: "F7",  # Place.WILL_CALL is the same place
    Place.INVENTORY: "F8",
    Place.PATIENTS: "F9",
    Place.PRINT_QUEUE: "F10",
    Place.MESSAGES: "F11",
    Place.USERS: "Alt+U",
    Place.AUDIT_LOG: "Alt+A",
    Place.SETTINGS: "Alt+S",
}
LOCK_KEY = "F12"
HELP_KEY = "F1"

# only the places a message sends someone to are marked in free text; a screen's name such as
# "fill" is an everyday word and is never rewritten ("receive it into inventory" sends the buyer to F8)
_MENTIONED = (Place.PRINT_QUEUE, Place.SETTINGS, Place.INVENTORY)


def key_for(place: Place) -> str:
    """The key that opens ``place``; "" when it has no screen."""
    return PLACE_KEYS.get(place, "")


def where(place: Place) -> str:
    """'print queue (F10)': the place as a message names it, with its key when it has one."""
    key = key_for(place)
    return f"{place.value} ({key})" if key else place.value


# "inventory" is also an everyday word ("the inventory valuation"): only "into/in/from inventory" names the
# place, and "inventory.view" (a permission's name) never does
_PHRASES = {Place.INVENTORY: r"\b(?:into|in|from) inventory\b(?![.]\w)"}
_PATTERNS = tuple((place, re.compile(_PHRASES.get(place, rf"\b{re.escape(place.value)}\b"))) for place in _MENTIONED)


def _append_key(key: str) -> Callable[[re.Match[str]], str]:
    return lambda match: f"{match.group(0)} ({key})"


def with_keys(text: str) -> str:
    """``text`` with the key added after the first mention of each place that has one (unless the
    text already gives that key)."""
    for place, pattern in _PATTERNS:
        key = key_for(place)
        if key not in text:
            text = pattern.sub(_append_key(key), text, count=1)
    return text


def keys_in_use(screen: QWidget) -> set[str]:
    """Key sequences the screen itself uses: its shortcuts and its labels' and buttons' Alt mnemonics."""
    fmt = QKeySequence.SequenceFormat.PortableText
    keys = {s.key().toString(fmt) for s in screen.findChildren(QShortcut) if s.isEnabled()}
    for label in screen.findChildren(QLabel):
        if label.buddy() is not None:
            keys.add(QKeySequence.mnemonic(label.text()).toString(fmt))
    for button in screen.findChildren(QAbstractButton):
        keys.add(QKeySequence.mnemonic(button.text()).toString(fmt))
    keys.discard("")
    return keys
