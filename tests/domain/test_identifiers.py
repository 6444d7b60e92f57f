import pytest

from pharmacy_desktop.domain.identifiers import (
    PRESCRIBER_DEA_TYPES,
    dea_check_digit,
    dea_is_valid,
    dea_name_problem,
    dea_problem,
    dea_registrant_problem,
    dea_schedules_problem,
    format_dea_schedules,
    normalize_dea,
    npi_check_digit,
    npi_is_valid,
    npi_problem,
    parse_dea_schedules,
    prescriber_dea_problem,
    prescriber_last_name,
    split_prescriber_name,
)


@pytest.mark.parametrize("npi", ["1234567893", "1245319599", "1003000126", "2999999990", " 1234567893 "])
def test_valid_npis(npi: str) -> None:
    assert npi_is_valid(npi)
    assert npi_problem(npi) is None


def test_npi_check_digit_uses_the_80840_prefix() -> None:
    assert npi_check_digit("123456789") == 3
    assert npi_check_digit("124531959") == 9
    # Plain Luhn without the 80840 prefix gives 7: that number must not pass.
    assert not npi_is_valid("1234567897")


@pytest.mark.parametrize(
    ("npi", "fragment"),
    [
        ("1234567894", "check digit"),
        ("1234567839", "check digit"),  # transposed digits
        ("123456789", "10 digits, not 9"),
        ("12345678931", "10 digits, not 11"),
        ("12345A7893", "digits only"),
        ("1234-56789", "digits only"),
        ("", "required"),
        (None, "required"),
    ],
)
def test_invalid_npis_say_what_is_wrong(npi: str | None, fragment: str) -> None:
    assert not npi_is_valid(npi)
    problem = npi_problem(npi)
    assert problem is not None and fragment in problem


def test_npi_rejects_non_ascii_digits() -> None:
    assert npi_problem("123456789\u0663") == "NPI must contain digits only."


def test_npi_check_digit_input_validation() -> None:
    with pytest.raises(ValueError):
        npi_check_digit("12345678")


def test_dea_checksum_examples() -> None:
    # (1+3+5) + 2*(2+4+6) = 33 -> 3
    assert dea_check_digit("123456") == 3
    assert dea_check_digit("765432") == 9
    with pytest.raises(ValueError):
        dea_check_digit("12345")


@pytest.mark.parametrize(
    ("dea", "last_name"),
    [
        ("AB1234563", None),
        ("AB1234563", "Brown"),
        ("ab1234563", "brown"),
        ("MS7654329", "Smith"),  # mid-level practitioner
        ("XB1234563", "Baker"),
        ("A91234563", "Anything"),  # business registrants may use 9
        ("BJ1234563", "Smith-Jones"),  # either part of a hyphenated name
        ("FD1234563", "van Dyke"),
        ("AB1234563-R0451", "Brown"),  # institutional suffix
    ],
)
def test_valid_dea_numbers(dea: str, last_name: str | None) -> None:
    assert dea_is_valid(dea, last_name)
    assert dea_problem(dea, last_name) is None


@pytest.mark.parametrize(
    ("dea", "last_name", "fragment"),
    [
        ("AB1234564", None, "checksum fails: last digit is 4, the checksum gives 3"),
        ("AB1234536", None, "checksum"),
        ("IB1234563", None, "cannot start with 'I'"),
        ("NB1234563", None, "cannot start with 'N'"),
        ("ZB1234563", None, "cannot start with 'Z'"),
        ("AB1234563", "Smith", "does not match the prescriber's last name 'Smith' (expected 'S')"),
        ("AB123456", None, "9 characters"),
        ("AB12345678", None, "2 letters followed by 7 digits"),
        ("1B1234563", None, "start with 2 letters"),
        ("ABC234563", None, "end with 7 digits"),
        ("", None, "required"),
        (None, None, "required"),
    ],
)
def test_invalid_dea_numbers(dea: str | None, last_name: str | None, fragment: str) -> None:
    assert not dea_is_valid(dea, last_name)
    problem = dea_problem(dea, last_name)
    assert problem is not None and fragment in problem


def test_dea_initial_is_checked_before_checksum() -> None:
    # Both wrong: the initial is the more useful message (the number belongs to someone else).
    assert "last name" in (dea_problem("AB1234564", "Smith") or "")


def test_normalize_dea() -> None:
    assert normalize_dea("  ab1234563 ") == "AB1234563"
    assert normalize_dea(None) == ""


@pytest.mark.parametrize(
    ("name", "last"),
    [
        ("Dr. Jane Smith, MD", "Smith"),
        ("Smith, Jane", "Smith"),
        ("Jane Q. Smith", "Smith"),
        ("John Brown Jr., DO", "Brown"),
        ("Dr.", None),
        ("", None),
    ],
)
def test_prescriber_last_name(name: str, last: str | None) -> None:
    assert prescriber_last_name(name) == last


# ---------------------------------------------------------------------------------------------
# Issue 15 item 6: NPI first digit, prescriber registrant types, multi-word surnames


@pytest.mark.parametrize("first", "03456789")
def test_npi_must_start_with_1_or_2(first: str) -> None:
    first9 = first + "23456789"
    npi = first9 + str(npi_check_digit(first9))  # a correct Luhn digit: only the first digit is wrong
    problem = npi_problem(npi)
    assert problem is not None and "start with 1 or 2" in problem


@pytest.mark.parametrize("first", "12")
def test_npi_starting_with_1_or_2_passes(first: str) -> None:
    first9 = first + "23456789"
    assert npi_problem(first9 + str(npi_check_digit(first9))) is None


def _dea(letters: str, six: str = "123456") -> str:
    return f"{letters}{six}{dea_check_digit(six)}"


@pytest.mark.parametrize(
    ("letters", "last_name"),
    [
        ("AD", "de la Cruz"),
        ("AL", "de la Cruz"),
        ("BC", "de la Cruz"),
        ("FV", "Van Buren"),
        ("GB", "Van Buren"),
        ("MO", "O'Brien"),
        ("MB", "O'Brien"),
        ("A9", "Walgreen Co"),  # a business registrant
        ("MS", "Smith"),  # mid-level practitioner
    ],
)
def test_prescriber_dea_accepts_any_word_of_the_surname(letters: str, last_name: str) -> None:
    dea = _dea(letters)
    assert prescriber_dea_problem(dea, last_name) is None
    assert dea_name_problem(dea, last_name) is None


@pytest.mark.parametrize(
    ("letters", "last_name"),
    [("AX", "de la Cruz"), ("AC", "Van Buren"), ("BS", "Jones")],
)
def test_prescriber_dea_refuses_a_letter_no_word_starts_with(letters: str, last_name: str) -> None:
    problem = prescriber_dea_problem(_dea(letters), last_name)
    assert problem is not None and "does not match" in problem and last_name in problem
    # the format itself is fine: a pharmacist may override a name mismatch (former name)
    assert prescriber_dea_problem(_dea(letters), last_name, check_name=False) is None


@pytest.mark.parametrize(
    ("letter", "fragment"),
    [
        ("E", "manufacturer"),
        ("P", "distributor"),
        ("R", "distributor"),
        ("S", "researcher"),
        ("T", "narcotic treatment"),
        ("U", "narcotic treatment"),
        ("X", "DATA-waiver"),
        ("C", "no longer issued"),
        ("D", "teaching institution"),
        ("K", "exporter"),
    ],
)
def test_non_prescriber_registrants_are_refused_as_prescribers(letter: str, fragment: str) -> None:
    dea = _dea(letter + "S")
    assert dea_problem(dea, "Smith") is None  # a valid DEA number (a supplier may hold it) ...
    problem = prescriber_dea_problem(dea, "Smith")  # ... but not a prescriber's
    assert problem is not None and fragment in problem and "A, B, F, G, M" in problem
    assert dea_registrant_problem(dea) == problem


def test_prescriber_letters_are_the_dea_list() -> None:
    assert PRESCRIBER_DEA_TYPES == frozenset("ABFGM")
    for letter in "ABFGM":
        assert dea_registrant_problem(_dea(letter + "S")) is None


def test_prescriber_dea_still_checks_format_and_checksum() -> None:
    assert "checksum" in (prescriber_dea_problem("AB1234564") or "")
    assert "required" in (prescriber_dea_problem("") or "")


@pytest.mark.parametrize(
    ("name", "first", "last"),
    [
        ("Dr. Maria de la Cruz, MD", "Maria", "de la Cruz"),
        ("Martin Van Buren", "Martin", "Van Buren"),
        ("de la Cruz, Maria", "Maria", "de la Cruz"),
        ("Dr. Jane Q. Smith", "Jane Q.", "Smith"),
        ("Ludwig von Trapp DO", "Ludwig", "von Trapp"),
        ("Dr. Martin van Buren, MD", "Martin", "van Buren"),
        ("", None, None),
    ],
)
def test_split_prescriber_name_keeps_surname_particles(name: str, first: str | None, last: str | None) -> None:
    assert split_prescriber_name(name) == (first, last)


def test_dea_schedules_stored_form() -> None:
    assert format_dea_schedules(["5", "2n", "2"]) == "2 2N 5"
    assert format_dea_schedules([]) == ""
    assert format_dea_schedules(None) is None
    assert parse_dea_schedules("2 2N 5") == frozenset({"2", "2N", "5"})
    assert parse_dea_schedules("") == frozenset()
    assert parse_dea_schedules(None) is None
    assert dea_schedules_problem(["2", "6"]) is not None
    assert dea_schedules_problem(["2", "3N"]) is None
