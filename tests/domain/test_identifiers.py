import pytest

from pharmacy_desktop.domain.identifiers import (
    dea_check_digit,
    dea_is_valid,
    dea_problem,
    normalize_dea,
    npi_check_digit,
    npi_is_valid,
    npi_problem,
    prescriber_last_name,
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
