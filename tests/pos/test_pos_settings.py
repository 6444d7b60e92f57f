"""Point-of-sale settings (issue 13): sales tax rate, dispensing fee, days in will-call before return
to stock, drug names on receipts. Kept on the pharmacy profile in the real database; typed on the
settings screen's "Point of sale" tab (Alt+S, then Alt+O) and saved with Ctrl+S."""

from __future__ import annotations

from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from pharmacy_desktop.config import Config
from pharmacy_desktop.db.models.audit import DomainEvent
from pharmacy_desktop.db.models.users import PharmacyProfile
from pharmacy_desktop.errors import PermissionDenied, ValidationFailed
from pharmacy_desktop.services import pharmacy
from pharmacy_desktop.services.pharmacy import PosSettings, parse_pos_settings
from pharmacy_desktop.ui.context import AppContext
from pharmacy_desktop.ui.screens.settings import SettingsScreen

TIMEOUT = 10_000


@pytest.fixture
def profile(uow_factory):
    with uow_factory() as uow:
        uow.session.add(
            PharmacyProfile(
                id=1,
                name="Main Street Pharmacy",
                address_line1="120 Main Street",
                city="Springfield",
                state="IL",
                zip_code="62701",
                phone="(217) 555-0142",
            )
        )
        uow.commit()


def stored(uow_factory) -> tuple[Decimal, Decimal, int, bool]:
    with uow_factory() as uow:
        row = uow.session.get(PharmacyProfile, 1)
        return row.tax_rate, row.dispensing_fee, row.will_call_return_days, row.receipt_drug_names


# -- parsing what a person types ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tax", "fee", "days", "expected"),
    [
        ("8.25", "2.50", 10, PosSettings(Decimal("0.0825"), Decimal("2.50"), 10, False)),
        (" 8.25 % ", "$1,2.5", "14", PosSettings(Decimal("0.0825"), Decimal("12.50"), 14, False)),
        ("0", "0", 1, PosSettings(Decimal(0), Decimal("0.00"), 1, False)),
        ("7.125", "100", 60, PosSettings(Decimal("0.07125"), Decimal("100.00"), 60, False)),
    ],
)
def test_typed_settings_become_decimals(tax, fee, days, expected):
    parsed = parse_pos_settings(tax, fee, days, False)
    assert parsed == expected
    assert isinstance(parsed.tax_rate, Decimal) and isinstance(parsed.dispensing_fee, Decimal)


@pytest.mark.parametrize(
    ("tax", "fee", "days", "wrong"),
    [
        ("825", "2.50", 10, {"tax_rate"}),  # 825 % typed for 8.25 %
        ("-1", "2.50", 10, {"tax_rate"}),
        ("eight", "2.50", 10, {"tax_rate"}),
        ("", "2.50", 10, {"tax_rate"}),
        ("8.2555", "2.50", 10, {"tax_rate"}),  # would be rounded by the NUMERIC(6,5) column
        ("NaN", "2.50", 10, {"tax_rate"}),
        ("8.25", "2.505", 10, {"dispensing_fee"}),  # fractions of a cent
        ("8.25", "-1", 10, {"dispensing_fee"}),
        ("8.25", "250", 10, {"dispensing_fee"}),
        ("8.25", "Infinity", 10, {"dispensing_fee"}),
        ("8.25", "2.50", 0, {"will_call_return_days"}),
        ("8.25", "2.50", 61, {"will_call_return_days"}),
        ("8.25", "2.50", "ten", {"will_call_return_days"}),
        ("x", "y", 0, {"tax_rate", "dispensing_fee", "will_call_return_days"}),
    ],
)
def test_wrong_settings_are_refused_field_by_field(tax, fee, days, wrong):
    with pytest.raises(ValidationFailed) as refused:
        parse_pos_settings(tax, fee, days, False)
    assert set(refused.value.field_errors) == wrong
    assert refused.value.message.startswith("Check the point-of-sale settings")


# -- stored on the pharmacy profile ------------------------------------------------------------------


def test_defaults_before_any_profile_then_saved_and_read_back(uow_factory, actors, profile):
    assert pharmacy.pos_settings(uow_factory) == PosSettings(Decimal(0), Decimal(0), 10, False)
    wanted = parse_pos_settings("8.25", "1.75", 12, True)
    saved = pharmacy.save_pos_settings(uow_factory, actors["admin"], wanted)
    assert saved == wanted
    assert stored(uow_factory) == (Decimal("0.08250"), Decimal("1.75"), 12, True)
    assert pharmacy.pos_settings(uow_factory) == wanted
    with uow_factory() as uow:
        event = uow.session.scalars(select(DomainEvent).where(DomainEvent.event_type == "PosSettingsSaved")).one()
        assert event.event_data["tax_rate"] == "0.0825" and event.event_data["will_call_return_days"] == 12
    # the rest of the profile is untouched
    assert pharmacy.get_profile(uow_factory).name == "Main Street Pharmacy"


def test_only_settings_managers_save_and_a_hand_built_value_is_checked_too(uow_factory, actors, profile):
    with pytest.raises(PermissionDenied):
        pharmacy.save_pos_settings(uow_factory, actors["pharmacist"], parse_pos_settings("5", "1", 10, False))
    with pytest.raises(ValidationFailed) as refused:
        pharmacy.save_pos_settings(
            uow_factory, actors["admin"], PosSettings(Decimal("0.5"), Decimal("1.00"), 10, False)
        )
    assert set(refused.value.field_errors) == {"tax_rate"}
    assert stored(uow_factory) == (Decimal(0), Decimal(0), 10, False)


def test_no_profile_yet_is_refused_with_what_to_do(uow_factory, actors):
    with pytest.raises(ValidationFailed, match="pharmacy profile first"):
        pharmacy.save_pos_settings(uow_factory, actors["admin"], parse_pos_settings("5", "1", 10, False))


# -- the settings screen's tab ---------------------------------------------------------------------


@pytest.fixture
def screen(qtbot, uow_factory, actors, profile, tmp_path):
    context = AppContext(
        uow_factory=uow_factory,
        config=Config(workstation_name="test-ws"),
        workstation="test-ws",
        config_path=tmp_path / "workstation.toml",
    )
    pharmacy.save_pos_settings(uow_factory, actors["admin"], parse_pos_settings("6.25", "2.00", 10, False))
    widget = SettingsScreen(context, actors["admin"])
    qtbot.addWidget(widget)
    widget.resize(1280, 800)
    widget.show()
    qtbot.waitExposed(widget)
    widget.activateWindow()
    widget.activate()
    return widget


def type_into(qtbot, field, text):
    field.setFocus()
    field.selectAll()
    qtbot.keyClicks(field, text)


def test_point_of_sale_tab_by_keyboard_loads_saves_and_names_a_wrong_field(qtbot, screen, uow_factory):
    page = screen.pos_page
    qtbot.keyClick(QApplication.focusWidget() or screen, Qt.Key.Key_O, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: screen.tabs.currentWidget() is page, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: page.tax_rate.text() == "6.25", timeout=TIMEOUT)
    assert page.dispensing_fee.text() == "2.00" and page.return_days.value() == 10
    assert not page.drug_names.isChecked()

    # a typo: 825 for 8.25 is named beside the field and nothing is saved
    type_into(qtbot, page.tax_rate, "825")
    qtbot.keyClick(page.tax_rate, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert page.problems["tax_rate"].isVisible() and "between 0 and 20" in page.problems["tax_rate"].text()
    assert page.error.text() and page.tax_rate.hasFocus()
    assert stored(uow_factory) == (Decimal("0.06250"), Decimal("2.00"), 10, False)

    type_into(qtbot, page.tax_rate, "8.25")
    type_into(qtbot, page.dispensing_fee, "1.75")
    page.return_days.setFocus()
    page.return_days.selectAll()
    qtbot.keyClicks(page.return_days, "14")
    page.drug_names.setFocus()
    qtbot.keyClick(page.drug_names, Qt.Key.Key_Space)
    qtbot.keyClick(page.drug_names, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: "saved" in page.notice.text(), timeout=TIMEOUT)
    assert stored(uow_factory) == (Decimal("0.08250"), Decimal("1.75"), 14, True)
    assert not page.problems["tax_rate"].isVisible() and not page.error.text()
    assert "8.25 %" in page.notice.text()

    # Ctrl+Z puts back what was saved, not what is typed
    type_into(qtbot, page.dispensing_fee, "9")
    qtbot.keyClick(page.dispensing_fee, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert page.dispensing_fee.text() == "1.75"
