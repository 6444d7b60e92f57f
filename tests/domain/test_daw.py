"""One DAW table (domain/daw.py), checked against NCPDP field 408-D8."""

from pharmacy_desktop.domain.daw import DAW_CODES, DAW_CODES_TEXT, DAW_SHORT, DAW_TABLE


def test_codes_are_ncpdp_product_selection_codes_without_the_payer_override():
    assert list(DAW_CODES) == ["0", "1", "2", "3", "4", "5", "7", "8", "9"]
    assert "6" not in DAW_CODES and DAW_CODES_TEXT == "0-5, 7, 8 or 9"


def test_ncpdp_wording():
    assert DAW_CODES["0"].startswith("No product selection indicated")
    assert DAW_CODES["1"] == "Substitution not allowed by prescriber"
    assert DAW_CODES["7"] == "Substitution not allowed: brand drug mandated by law"
    assert DAW_CODES["9"] == "Substitution allowed by prescriber but plan requests brand"
    # "not allowed" exactly for the two codes that forbid substitution
    assert {c for c, text in DAW_CODES.items() if "not allowed" in text} == {"1", "7"}


def test_every_code_has_a_short_text_from_the_same_rows():
    assert set(DAW_SHORT) == set(DAW_CODES)
    assert all(d.short and len(d.short) < len(d.meaning) for d in DAW_TABLE)
    assert DAW_SHORT["1"] == "Dispense as written (prescriber)"


def test_the_fill_rules_read_the_same_table():
    from pharmacy_desktop.domain import dispensing
    from pharmacy_desktop.domain.daw import DAW_PHRASE, SUBSTITUTION_FORBIDDING_DAW

    assert (
        dispensing.DAW_MEANING is DAW_PHRASE and dispensing.SUBSTITUTION_FORBIDDING_DAW is SUBSTITUTION_FORBIDDING_DAW
    )
    assert SUBSTITUTION_FORBIDDING_DAW == {"1", "2", "7"}
    assert set(DAW_PHRASE) == set("0123456789")
    # NCPDP D.0: 9 is "plan requests brand" (it was "other" in version 5.1)
    assert DAW_PHRASE["9"] == "plan requests brand" and DAW_PHRASE["6"] == "override"
    assert dispensing.substitution_permitted(True, "1") == (False, "DAW 1 (substitution not allowed by prescriber)")
    assert dispensing.substitution_permitted(True, "2") == (False, "DAW 2 (patient requested the product dispensed)")
    assert dispensing.substitution_permitted(True, "7")[0] is False and dispensing.substitution_permitted(True, "9")[0]
