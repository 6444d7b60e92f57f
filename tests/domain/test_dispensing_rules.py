"""Pure dispensing rules: product matching, substitution, package size, lots, FEFO, quantities."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest

from pharmacy_desktop.domain import dispensing as d
from pharmacy_desktop.domain.dispensing import BatchStock, Match, Product

TODAY = dt.date(2026, 6, 1)


def product(ndc11: str, name: str = "Lisinopril", strength: str = "20 mg", **kw) -> Product:
    base = dict(
        generic_name=name,
        drug_name=name,
        dosage_form="TABLET",
        route="ORAL",
        package_description="100 TABLET in 1 BOTTLE",
    )
    return Product(ndc11=ndc11, strength=strength, **{**base, **kw})


PRESCRIBED = product("64725102001")


def test_exact_package_matches():
    result = d.match_product(PRESCRIBED, product("64725102001"))
    assert result.match is Match.EXACT and result.accepted and not result.warnings


def test_other_package_of_same_product_warns_about_package_size():
    result = d.match_product(PRESCRIBED, product("64725102003", package_description="1000 TABLET in 1 BOTTLE"))
    assert result.match is Match.SAME_PRODUCT and result.accepted
    assert any(
        "package size" in w and "1000 tablet per bottle" in w and "100 tablet per bottle" in w for w in result.warnings
    )


def test_generic_from_another_labeler_is_allowed_when_substitution_permitted():
    result = d.match_product(PRESCRIBED, product("68180051401", name="LISINOPRIL", strength="20 MG"))
    assert result.match is Match.EQUIVALENT and result.accepted and not result.warnings


def test_generic_for_brand_is_allowed_and_noted():
    brand = product("00310013410", brand_name="Zestril")
    result = d.match_product(brand, PRESCRIBED)
    assert result.match is Match.EQUIVALENT
    assert any("Generic substitute for Zestril" in w for w in result.warnings)


@pytest.mark.parametrize("daw", ["1", "2", "7"])
def test_daw_codes_forbid_substitution(daw):
    brand = product("00310013410", brand_name="Zestril", drug_name="Zestril")
    result = d.match_product(brand, PRESCRIBED, daw_code=daw)
    assert result.match is Match.NO_SUBSTITUTION and result.hard_stop
    assert f"DAW {daw}" in result.message and "Zestril" in result.message


def test_daw_does_not_forbid_the_same_product_in_another_size():
    result = d.match_product(
        PRESCRIBED, product("64725102003", package_description="1000 TABLET in 1 BOTTLE"), daw_code="1"
    )
    assert result.accepted


def test_prescriber_or_patient_refusing_substitution_stops():
    other = product("68180051401")
    assert d.match_product(PRESCRIBED, other, substitution_allowed=False).match is Match.NO_SUBSTITUTION
    assert d.match_product(PRESCRIBED, other, patient_allows_generic=False).match is Match.NO_SUBSTITUTION


def test_wrong_strength_is_a_hard_stop_naming_both():
    result = d.match_product(PRESCRIBED, product("64725101001", strength="10 mg"))
    assert result.match is Match.WRONG_STRENGTH and result.hard_stop
    assert "Lisinopril 10 mg" in result.message and "Lisinopril 20 mg" in result.message
    assert "scan the 20 mg bottle" in result.message


def test_wrong_drug_is_a_hard_stop_naming_both():
    metformin = product("64725010201", name="Metformin Hydrochloride", strength="500 mg")
    result = d.match_product(PRESCRIBED, metformin)
    assert result.match is Match.WRONG_DRUG
    assert "scanned Metformin Hydrochloride 500 mg" in result.message
    assert "prescribed Lisinopril 20 mg" in result.message


def test_wrong_form_and_route_are_hard_stops():
    assert d.match_product(PRESCRIBED, product("11111111111", dosage_form="CAPSULE")).match is Match.WRONG_FORM
    assert d.match_product(PRESCRIBED, product("11111111111", route="TOPICAL")).match is Match.WRONG_ROUTE


def test_schedule_is_named_in_a_hard_stop():
    oxy = product("00406055201", name="Oxycodone Hydrochloride", strength="5 mg", dea_schedule="CII")
    result = d.match_product(PRESCRIBED, oxy)
    assert "[C-II]" in result.message


def test_multi_ingredient_names_compare_as_sets():
    a = product("1" * 11, name="Hydrocodone Bitartrate and Acetaminophen", strength="5 mg; 325 mg")
    b = product("2" * 11, name="ACETAMINOPHEN; HYDROCODONE BITARTRATE", strength="325 mg/1; 5 mg/1")
    assert d.match_product(a, b).match is Match.EQUIVALENT


@pytest.mark.parametrize(
    "a,b", [("10 mg", "10MG"), ("10 mg/1", "10 mg"), ("0.5 mg", ".50 mg"), ("200 mg/5 mL", "200 MG/5 ML")]
)
def test_strength_normalisation(a, b):
    assert d.normalize_strength(a) == d.normalize_strength(b)


def test_package_size_parsing():
    size = d.package_size("100 TABLET in 1 BOTTLE (64725-1020-1)")
    assert size == d.PackageSize(Decimal(100), "TABLET", "BOTTLE")
    assert d.package_size("1 BOTTLE in 1 CARTON > 100 TABLET in 1 BOTTLE") is not None
    assert d.package_size("odd text") is None


@pytest.mark.parametrize(
    "code,allowed",
    [(None, True), ("0", True), ("1", False), ("2", False), ("3", True), ("5", True), ("7", False), ("8", True)],
)
def test_substitution_permitted_by_daw(code, allowed):
    assert d.substitution_permitted(True, code)[0] is allowed


# -- lots --------------------------------------------------------------------------------------


def test_expired_and_recalled_lots_are_refused():
    assert "EXPIRED" in d.lot_problem("A1", TODAY - dt.timedelta(days=1), "active", today=TODAY)
    assert "RECALLED" in d.lot_problem("A1", TODAY + dt.timedelta(days=100), "recalled", today=TODAY)
    assert d.lot_problem("A1", TODAY, "active", today=TODAY) is None  # expires today: still good today
    assert d.lot_problem("A1", TODAY + dt.timedelta(days=1), "quarantine", today=TODAY) is not None


def test_expiry_before_end_of_supply_warns():
    assert d.expiry_warning(TODAY + dt.timedelta(days=10), 30, today=TODAY)
    assert d.expiry_warning(TODAY + dt.timedelta(days=60), 30, today=TODAY) is None


def batch(lot: str, days: int, qty: int, status: str = "active") -> BatchStock:
    return BatchStock(uuid.uuid4(), lot, TODAY + dt.timedelta(days=days), Decimal(qty), status)


def test_fefo_takes_the_earliest_expiry_first_and_spans_lots():
    late, early, expired, recalled = (
        batch("LATE", 300, 100),
        batch("EARLY", 30, 20),
        batch("OLD", -1, 50),
        batch("BAD", 10, 50, "recalled"),
    )
    allocation = d.allocate_fefo([late, expired, recalled, early], Decimal(30), today=TODAY)
    assert [(b.lot, q) for b, q in allocation.picks] == [("EARLY", Decimal(20)), ("LATE", Decimal(10))]
    assert allocation.complete and allocation.usable == Decimal(120)


def test_fefo_reports_shortfall():
    allocation = d.allocate_fefo([batch("A", 10, 5)], Decimal(30), today=TODAY)
    assert allocation.shortfall == Decimal(25) and not allocation.complete


# -- quantity ----------------------------------------------------------------------------------


def test_plan_full_fill():
    plan = d.plan_quantity(Decimal(30), Decimal(100), on_hand=Decimal(100), unit="tablet", drug="X")
    assert plan.ok and plan.quantity == 30 and not plan.is_partial


def test_plan_insufficient_says_on_hand_and_offers_partial():
    plan = d.plan_quantity(Decimal(30), Decimal(12), on_hand=Decimal(20), unit="tablet", drug="Lisinopril")
    assert not plan.ok
    assert "20 tablet on hand" in plan.problem and "8 tablet of it expired" in plan.problem
    assert "Fill 12 tablet now as a partial fill" in plan.problem


def test_plan_partial_fill_when_asked():
    plan = d.plan_quantity(Decimal(30), Decimal(12), on_hand=Decimal(12), unit="tablet", drug="X", allow_partial=True)
    assert plan.ok and plan.quantity == 12 and plan.is_partial


def test_plan_nothing_to_fill():
    plan = d.plan_quantity(Decimal(30), Decimal(0), on_hand=Decimal(0), unit="tablet", drug="X", allow_partial=True)
    assert not plan.ok and "order more" in plan.problem


def test_plan_refuses_more_than_prescribed():
    assert not d.plan_quantity(
        Decimal(30), Decimal(100), on_hand=Decimal(100), unit="t", drug="X", requested=Decimal(31)
    ).ok
