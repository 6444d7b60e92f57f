"""Suppliers, reorder suggestions, draft orders, editing, sending with the PDF, cancelling: the
purchasing services against the real PostgreSQL; the inventory invariants after each scenario."""

from __future__ import annotations

import subprocess
from decimal import Decimal

import pytest
from sqlalchemy import text

from pharmacy_desktop.errors import ConcurrentUpdate, PermissionDenied, ValidationFailed
from pharmacy_desktop.services import purchasing
from tests.inventory.invariants import assert_inventory_invariants
from tests.inventory.purchase_world import (
    LISINOPRIL,
    LISINOPRIL_1000,
    METFORMIN,
    OXYCODONE,
    buyer_world,
    order_row,
    sent_order,
)

D = Decimal


@pytest.fixture
def buyer(uow_factory, actors, engine):
    world = buyer_world(uow_factory, actors)
    yield world
    assert_inventory_invariants(engine)


def _pdf_text(pdf: bytes) -> str:
    assert pdf.startswith(b"%PDF")
    return subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()


def test_suggestions_by_supplier_in_whole_packages_c2_apart(uow_factory, actors, buyer):
    tech = actors["technician"]
    # Lisinopril 1000s was last ordered from Cardinal (a cancelled order from AmerisourceBergen does not count)
    cardinal, abc = buyer.suppliers["Cardinal Health"], buyer.suppliers["AmerisourceBergen"]
    old = sent_order(uow_factory, tech, cardinal, [(buyer.items[LISINOPRIL_1000.package_ndc], D(1000), None)])
    with uow_factory() as uow:  # that order arrived long ago (closed here: nothing of it is on order now)
        uow.session.execute(
            text(
                "UPDATE inventory_schema.purchase_orders SET status = 'received', order_date = order_date - 30 "
                "WHERE id = :id"
            ),
            {"id": old.id},
        )
        uow.commit()
    later = purchasing.create_order(uow_factory, tech, abc, [(buyer.items[LISINOPRIL_1000.package_ndc], D(1000), None)])
    purchasing.cancel_order(uow_factory, tech, later.id, reason="wrong supplier", version=later.version)

    groups = purchasing.reorder_suggestions(uow_factory, tech, default_supplier_id=buyer.suppliers["McKesson"])
    summary = {(g.supplier_name, g.is_schedule_ii): [(s.ndc, s.quantity) for s in g.lines] for g in groups}
    assert summary == {
        # par 1500 from nothing, in bottles of 1000 -> 2000; last supplier Cardinal
        ("Cardinal Health", False): [(LISINOPRIL_1000.ndc11, D(2000))],
        # 40 on hand, point 50: reorder 250 in bottles of 100 -> 300; never ordered: the default supplier
        ("McKesson", False): [(LISINOPRIL.ndc11, D(300))],
        ("McKesson", True): [(OXYCODONE.ndc11, D(100))],
    }
    (lisinopril,) = [s for g in groups for s in g.lines if s.ndc == LISINOPRIL.ndc11]
    assert (lisinopril.on_hand, lisinopril.unit_price, lisinopril.amount) == (D(40), D("0.0315"), D("9.45"))
    assert lisinopril.package == "100 tablet per bottle"
    assert METFORMIN.ndc11 not in {s.ndc for g in groups for s in g.lines}  # 200 on hand, above its point


def test_drafts_from_suggestions_count_as_on_order(uow_factory, actors, buyer):
    tech, rph = actors["technician"], actors["pharmacist"]
    c2_item = buyer.items[OXYCODONE.package_ndc]
    with pytest.raises(PermissionDenied):  # a technician may not order C-II
        purchasing.create_draft_orders(uow_factory, tech, item_ids=[c2_item])
    others = [buyer.items[LISINOPRIL.package_ndc], buyer.items[LISINOPRIL_1000.package_ndc]]
    drafts = purchasing.create_draft_orders(uow_factory, tech, item_ids=others)
    assert len(drafts) == 1  # both never ordered: the first active supplier by name
    (draft,) = drafts
    assert (draft.status, draft.supplier_name, draft.is_schedule_ii) == ("pending", "AmerisourceBergen", False)
    assert draft.po_number.startswith("PO")
    assert sorted((line.ndc, line.quantity_ordered, line.amount) for line in draft.lines) == [
        (LISINOPRIL.ndc11, D(300), D("9.45")),
        (LISINOPRIL_1000.ndc11, D(2000), D("63.00")),
    ]
    assert draft.subtotal == draft.total == D("72.45")
    (c2,) = purchasing.create_draft_orders(uow_factory, rph)  # only what is left: the C-II
    assert c2.is_schedule_ii and [line.ndc for line in c2.lines] == [OXYCODONE.ndc11]
    assert purchasing.reorder_suggestions(uow_factory, tech) == []  # everything is on order now


def test_edit_lines_versioned_and_only_drafts(uow_factory, actors, buyer):
    tech = actors["technician"]
    draft = purchasing.create_order(
        uow_factory, tech, buyer.suppliers["McKesson"], [(buyer.items[LISINOPRIL.package_ndc], D(300), None)]
    )
    (line,) = draft.lines
    edited = purchasing.edit_line(
        uow_factory, tech, draft.id, line.id, version=draft.version, quantity=D(500), unit_price=D("0.0333")
    )
    assert (edited.lines[0].quantity_ordered, edited.lines[0].amount, edited.total) == (D(500), D("16.65"), D("16.65"))
    with pytest.raises(ConcurrentUpdate):  # made on the copy before the edit
        purchasing.edit_line(uow_factory, tech, draft.id, line.id, version=draft.version, quantity=D(100))
    with pytest.raises(ValidationFailed, match="more than 0"):
        purchasing.edit_line(uow_factory, tech, draft.id, line.id, version=edited.version, quantity=D(0))
    with pytest.raises(ValidationFailed, match="four decimals"):
        purchasing.edit_line(uow_factory, tech, draft.id, line.id, version=edited.version, unit_price=D("0.03333"))
    added = purchasing.add_line(
        uow_factory, tech, draft.id, buyer.items[METFORMIN.package_ndc], D(200), version=edited.version
    )
    assert len(added.lines) == 2 and added.total == D("16.65") + D("6.30")
    with pytest.raises(ValidationFailed, match="order of their own"):
        purchasing.add_line(
            uow_factory,
            actors["pharmacist"],
            draft.id,
            buyer.items[OXYCODONE.package_ndc],
            D(100),
            version=added.version,
        )
    with pytest.raises(ValidationFailed, match="already"):
        purchasing.add_line(
            uow_factory, tech, draft.id, buyer.items[METFORMIN.package_ndc], D(100), version=added.version
        )
    metformin = next(x for x in added.lines if x.ndc == METFORMIN.ndc11)
    removed = purchasing.remove_line(uow_factory, tech, draft.id, metformin.id, version=added.version)
    assert [x.ndc for x in removed.lines] == [LISINOPRIL.ndc11] and removed.total == D("16.65")
    sent = purchasing.send_order(uow_factory, tech, draft.id, version=removed.version)
    with pytest.raises(ValidationFailed, match="only a draft"):
        purchasing.edit_line(uow_factory, tech, draft.id, line.id, version=sent.order.version, quantity=D(100))
    with uow_factory() as uow:  # the events of the edits are in the audit trail
        kinds = (
            uow.session.execute(
                text("SELECT event_type FROM audit_schema.domain_events WHERE aggregate_id = :id"),
                {"id": draft.id},
            )
            .scalars()
            .all()
        )
    assert {"PurchaseOrderCreated", "PurchaseOrderLineChanged", "PurchaseOrderLineAdded", "PurchaseOrderSent"} <= set(
        kinds
    )


def test_send_with_pdf(uow_factory, actors, buyer):
    tech = actors["technician"]
    draft = purchasing.create_order(
        uow_factory, tech, buyer.suppliers["Cardinal Health"], [(buyer.items[LISINOPRIL.package_ndc], D(300), None)]
    )
    result = purchasing.send_order(uow_factory, tech, draft.id, version=draft.version)
    assert result.order.status == "sent" and result.order.sent_by == tech.user_id and result.order.sent_at
    words = _pdf_text(result.pdf)
    for expected in (
        f"Purchase order {draft.po_number}",
        "Main Street Pharmacy",
        "Cardinal Health",
        "ACCT-CAR",
        "64725-1020-01",
        "100 tablet per bottle",
        "$0.0315",
        "$9.45",
        "Page 1 of 1",
    ):
        assert expected in words, expected
    assert "SCHEDULE II" not in words
    with pytest.raises(ValidationFailed, match="only a draft is sent"):
        purchasing.send_order(uow_factory, tech, draft.id)
    assert _pdf_text(purchasing.order_pdf(uow_factory, tech, draft.id)).count(draft.po_number) >= 1


def test_schedule_ii_order_needs_permission_and_form_222_number(uow_factory, actors, buyer):
    tech, rph = actors["technician"], actors["pharmacist"]
    c2_item = buyer.items[OXYCODONE.package_ndc]
    with pytest.raises(PermissionDenied):
        purchasing.create_order(uow_factory, tech, buyer.suppliers["McKesson"], [(c2_item, D(100), None)])
    draft = purchasing.create_order(uow_factory, rph, buyer.suppliers["McKesson"], [(c2_item, D(100), D("0.40"))])
    assert draft.is_schedule_ii
    with pytest.raises(PermissionDenied):
        purchasing.send_order(uow_factory, tech, draft.id, version=draft.version, dea_order_number="123456789")
    with pytest.raises(ValidationFailed, match="Form 222"):
        purchasing.send_order(uow_factory, rph, draft.id, version=draft.version)
    with pytest.raises(ValidationFailed, match="3 to 20"):
        purchasing.send_order(uow_factory, rph, draft.id, version=draft.version, dea_order_number="12")
    assert order_row(uow_factory, draft.id).status == "pending"
    sent = purchasing.send_order(uow_factory, rph, draft.id, version=draft.version, dea_order_number=" 123456789 ")
    assert (sent.order.status, sent.order.dea_order_number) == ("sent", "123456789")
    words = _pdf_text(sent.pdf)
    assert "SCHEDULE II ORDER" in words and "123456789" in words and "BM1234563" in words
    with uow_factory() as uow:  # the database refuses a sent C-II order without its number, whatever the code
        with pytest.raises(Exception, match="ck_purchase_orders_c2_form"):
            uow.session.execute(
                text("UPDATE inventory_schema.purchase_orders SET dea_order_number = NULL WHERE id = :id"),
                {"id": draft.id},
            )


def test_cancel(uow_factory, actors, buyer):
    tech = actors["technician"]
    draft = purchasing.create_order(
        uow_factory, tech, buyer.suppliers["McKesson"], [(buyer.items[LISINOPRIL.package_ndc], D(300), None)]
    )
    with pytest.raises(ValidationFailed, match="why"):
        purchasing.cancel_order(uow_factory, tech, draft.id, reason="  ", version=draft.version)
    cancelled = purchasing.cancel_order(
        uow_factory, tech, draft.id, reason="supplier out of stock", version=draft.version
    )
    assert cancelled.status == "cancelled" and "supplier out of stock" in (cancelled.notes or "")
    with pytest.raises(ValidationFailed, match="cannot be cancelled"):
        purchasing.cancel_order(uow_factory, tech, draft.id, reason="again")
    assert [g for g in purchasing.reorder_suggestions(uow_factory, tech) if not g.is_schedule_ii]  # needed again


def test_suppliers(uow_factory, actors, buyer):
    tech = actors["technician"]
    saved = purchasing.save_supplier(
        uow_factory,
        tech,
        purchasing.SupplierForm(
            name=" Anda ", phone="(800) 555-0199", dea_number="ra1234563", minimum_order_amount=D("250.005")
        ),
    )
    assert (saved.name, saved.dea_number, saved.minimum_order_amount) == ("Anda", "RA1234563", D("250.01"))
    with pytest.raises(ValidationFailed, match="exists already"):
        purchasing.save_supplier(uow_factory, tech, purchasing.SupplierForm(name="anda"))
    with pytest.raises(ValidationFailed) as refused:
        purchasing.save_supplier(uow_factory, tech, purchasing.SupplierForm(name="", dea_number="RA1234567"))
    assert set(refused.value.field_errors) == {"name", "dea_number"}
    changed = purchasing.save_supplier(
        uow_factory, tech, purchasing.SupplierForm(name="Anda Inc", is_active=False), saved.id
    )
    assert not changed.is_active
    assert "Anda Inc" not in {s.name for s in purchasing.list_suppliers(uow_factory, tech)}
    assert "Anda Inc" in {s.name for s in purchasing.list_suppliers(uow_factory, tech, active_only=False)}
    with pytest.raises(PermissionDenied):
        purchasing.save_supplier(uow_factory, actors["admin"], purchasing.SupplierForm(name="Other"))
