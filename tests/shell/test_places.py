"""Places a message names (domain/places.py) and the one table of keys the UI adds (ui/keys.py).

ui/keys.py imports no Qt: these run without a display or a database."""

import pathlib
import re

from pharmacy_desktop.domain.places import Place
from pharmacy_desktop.ui.keys import PLACE_KEYS, key_for, where, with_keys

PACKAGE = pathlib.Path(__file__).resolve().parents[2] / "pharmacy_desktop"


def test_every_key_is_used_once_and_inventory_is_f8():
    assert len(set(PLACE_KEYS.values())) == len(PLACE_KEYS)
    assert key_for(Place.INVENTORY) == "F8" and where(Place.INVENTORY) == "inventory (F8)"
    assert key_for(Place.PRINT_QUEUE) == "F10" and key_for(Place.SETTINGS) == "Alt+S"
    assert where(Place.PRINT_QUEUE) == "print queue (F10)"


def test_with_keys_adds_the_key_after_the_first_mention():
    assert with_keys("Reprint it from the print queue and give the reason.") == (
        "Reprint it from the print queue (F10) and give the reason."
    )
    assert with_keys("Enter its address in Settings; the label waits in the print queue.") == (
        "Enter its address in Settings (Alt+S); the label waits in the print queue (F10)."
    )
    assert with_keys("the print queue, then the print queue") == "the print queue (F10), then the print queue"


def test_with_keys_never_doubles_a_key_already_given():
    for text in (
        "The label waits in the print queue (F10); it is tried again in 5 s.",
        "if not, reprint it (Ctrl+P in the print queue, F10).",
        "Enter its address in Settings (Alt+S).",
        "Ask the pharmacist or buyer to receive it into inventory (F8) first, then scan again.",
    ):
        assert with_keys(text) == text


def test_with_keys_leaves_words_that_only_contain_a_place():
    assert with_keys("print queues") == "print queues"
    assert with_keys("settings of the scanner") == "settings of the scanner"  # lower case: not the screen


def test_no_service_promises_a_screen_that_does_not_exist():
    keys = set(PLACE_KEYS.values())
    promised = set()
    for path in [*(PACKAGE / "services").rglob("*.py"), *(PACKAGE / "domain").rglob("*.py")]:
        promised |= set(re.findall(r"\((F\d{1,2})\)", path.read_text()))
    assert promised <= keys, promised - keys


def test_the_buyer_is_sent_to_inventory_f8_but_a_permission_name_is_left_alone():
    assert with_keys("Ask the pharmacist or buyer to receive it into inventory first, then scan again.") == (
        "Ask the pharmacist or buyer to receive it into inventory (F8) first, then scan again."
    )
    assert with_keys("You need inventory.view to see stock.") == "You need inventory.view to see stock."
    assert with_keys("You may not see the inventory valuation.") == "You may not see the inventory valuation."
