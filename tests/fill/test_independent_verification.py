"""Issue 15 item 8: the verifying pharmacist is not the one who filled (pharmacy setting, default
on); the verify service itself requires the vial label scan (and the bottle scan)."""

from __future__ import annotations

import pytest

from pharmacy_desktop.errors import PermissionDenied, ValidationFailed
from pharmacy_desktop.services import fill, verify
from tests.conftest import make_actor
from tests.fill import factories as f
from tests.fill.test_fill_service import rx_state

pytestmark = pytest.mark.db
BOTTLE = f.LISINOPRIL_20_100.upc


def test_the_pharmacist_who_filled_cannot_verify_by_default(uow_factory, actors, rx_world):
    rph = actors["pharmacist"]
    fill.fill(uow_factory, rph, rx_world.rx_id, BOTTLE)
    assert verify.independent_verification(uow_factory) is True  # the default
    with pytest.raises(ValidationFailed, match="Independent verification: you filled Rx"):
        verify.approve(
            uow_factory,
            rph,
            rx_world.rx_id,
            label_scan=f.label_scan(uow_factory, rx_world.rx_id),
            bottle_scans=[BOTTLE],
        )
    assert rx_state(uow_factory, rx_world.rx_id)[0].status == "in_progress"
    other = make_actor(uow_factory, "pharmacist", "pharmacist2")
    result = verify.approve(
        uow_factory, other, rx_world.rx_id, label_scan=f.label_scan(uow_factory, rx_world.rx_id), bottle_scans=[BOTTLE]
    )
    rx, [refill], _ = rx_state(uow_factory, rx_world.rx_id)
    assert rx.status == "ready" and refill.verified_by == other.user_id and refill.filled_by == rph.user_id
    assert result.bin_code


def test_with_the_setting_off_one_pharmacist_may_fill_and_verify(uow_factory, actors, rx_world):
    rph = actors["pharmacist"]
    with pytest.raises(PermissionDenied):
        verify.set_independent_verification(uow_factory, actors["technician"], False)
    assert verify.set_independent_verification(uow_factory, actors["admin"], False) is False
    assert verify.independent_verification(uow_factory) is False
    fill.fill(uow_factory, rph, rx_world.rx_id, BOTTLE)
    verify.approve(
        uow_factory, rph, rx_world.rx_id, label_scan=f.label_scan(uow_factory, rx_world.rx_id), bottle_scans=[BOTTLE]
    )
    assert rx_state(uow_factory, rx_world.rx_id)[0].status == "ready"
    with uow_factory() as uow:
        events = [e.event_type for e in uow.audit.events_for("pharmacy", __import__("uuid").UUID(int=1))]
    assert "IndependentVerificationChanged" in events


def test_the_service_requires_the_label_scan_of_this_prescription(uow_factory, actors, rx_world):
    fill.fill(uow_factory, actors["technician"], rx_world.rx_id, BOTTLE)
    rph = actors["pharmacist"]
    with pytest.raises(ValidationFailed, match="Scan the Rx barcode on the printed label"):
        verify.approve(uow_factory, rph, rx_world.rx_id, bottle_scans=[BOTTLE])
    with pytest.raises(ValidationFailed, match="not Rx"):
        verify.approve(uow_factory, rph, rx_world.rx_id, label_scan="RX9999999", bottle_scans=[BOTTLE])
    with pytest.raises(ValidationFailed, match="stock bottle"):
        verify.approve(
            uow_factory, rph, rx_world.rx_id, label_scan=f.label_scan(uow_factory, rx_world.rx_id), bottle_scans=[]
        )
    assert rx_state(uow_factory, rx_world.rx_id)[0].status == "in_progress"
    verify.approve(uow_factory, rph, rx_world.rx_id, label_scan=f"]C0{rx_world.rx_number}", bottle_scans=[BOTTLE])
    assert rx_state(uow_factory, rx_world.rx_id)[0].status == "ready"
