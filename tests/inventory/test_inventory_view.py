"""The inventory screen's reads (services/inventory_view.py) against the real PostgreSQL: search by
name, NDC or scan, the four filters, the lots of an item read live, the summary refreshed apart."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from pharmacy_desktop.errors import NotFound, PermissionDenied, ValidationFailed
from pharmacy_desktop.services import inventory_view
from pharmacy_desktop.services.inventory_view import StockQuery, search_terms
from tests.fill import factories
from tests.inventory.adjust_world import TODAY, dispense, stocked_item
from tests.inventory.invariants import assert_inventory_invariants
from tests.inventory.view_world import stock_shelf

D = Decimal


@pytest.fixture
def shelf(uow_factory, actors):
    return stock_shelf(uow_factory, actors)


def names(result) -> list[str]:
    return [f"{row.drug_name} {row.strength}" for row in result.rows]


def search(uow_factory, actor, **query) -> list[str]:
    return names(inventory_view.search_stock(uow_factory, actor, StockQuery(**query)))


def test_typed_text_searches_by_words_or_ndc_digits():
    assert search_terms("") == {}
    assert search_terms("lisin 20") == {"words": ("lisin", "20")}
    assert search_terms("64725") == {"ndc_prefix": "64725"}
    assert search_terms("64725-1020-1") == {"ndcs": ("64725102001",)}
    assert search_terms("64725-10") == {"ndc_prefix": "6472510"}  # a dashed NDC still being typed
    assert set(search_terms("0406055201")["ndcs"]) >= {"00406055201"}  # ten digits: the shapes it can be


def test_search_by_name_and_ndc_lists_items_with_what_the_buyer_needs(uow_factory, actors, shelf, engine):
    tech = actors["technician"]
    everything = inventory_view.search_stock(uow_factory, tech, StockQuery())
    assert names(everything) == [
        "Insulin Lispro 100 unit/mL",
        "Lisinopril 10 mg",
        "Lisinopril 20 mg",
        "Metformin Hydrochloride 500 mg",
        "Oxycodone Hydrochloride 5 mg",
    ]
    assert not everything.more
    assert search(uow_factory, tech, text="LISIN 20") == ["Lisinopril 20 mg"]
    assert search(uow_factory, tech, text="hydrochloride oxy") == ["Oxycodone Hydrochloride 5 mg"]
    assert search(uow_factory, tech, text="647251020") == ["Lisinopril 20 mg"]
    assert search(uow_factory, tech, text="64725-0102-1") == ["Metformin Hydrochloride 500 mg"]
    assert search(uow_factory, tech, text="aspirin") == []
    assert search(uow_factory, tech, text="100%_") == []  # LIKE wildcards are typed text, not patterns

    (metformin,) = inventory_view.search_stock(uow_factory, tech, StockQuery(text="metformin")).rows
    assert (metformin.on_hand, metformin.unit, metformin.reorder_point, metformin.reorder_quantity) == (
        D(30),
        "tablet",
        D(50),
        D(500),
    )
    assert metformin.below_reorder and metformin.bin_location == "A-13" and not metformin.refrigerated
    assert metformin.nearest_expiry == TODAY.fromordinal(TODAY.toordinal() + 20)
    assert metformin.ndc_shown == "64725-0102-01" and metformin.schedule is None
    (recalled,) = inventory_view.search_stock(uow_factory, tech, StockQuery(text="lisinopril 10")).rows
    assert (recalled.on_hand, recalled.quarantined) == (D(100), D(80))  # the recalled lot is set aside
    assert recalled.nearest_expiry == TODAY.fromordinal(TODAY.toordinal() + 500)  # the recalled lot is not next
    assert_inventory_invariants(engine)


def test_filters_below_reorder_expiring_quarantined_controlled(uow_factory, actors, shelf):
    tech = actors["technician"]
    assert search(uow_factory, tech, below_reorder=True) == ["Metformin Hydrochloride 500 mg"]
    assert search(uow_factory, tech, expiring_days=30) == ["Metformin Hydrochloride 500 mg"]
    assert search(uow_factory, tech, expiring_days=90) == ["Metformin Hydrochloride 500 mg"]  # L10-A is recalled
    assert search(uow_factory, tech, quarantined=True) == ["Lisinopril 10 mg"]
    assert search(uow_factory, tech, controlled=True) == ["Oxycodone Hydrochloride 5 mg"]
    assert search(uow_factory, tech, controlled=True, text="lisinopril") == []
    assert search(uow_factory, tech, below_reorder=True, expiring_days=60, text="metf") == [
        "Metformin Hydrochloride 500 mg"
    ]
    with pytest.raises(ValidationFailed, match="30, 60 or 90"):
        inventory_view.search_stock(uow_factory, tech, StockQuery(expiring_days=45))


def test_a_scan_finds_the_stocked_item_or_says_why_not(uow_factory, actors, shelf):
    tech = actors["technician"]
    by_upc = inventory_view.find_by_scan(uow_factory, tech, factories.OXYCODONE_5.upc)
    assert [r.item_id for r in by_upc.rows] == [shelf["oxycodone"]] and by_upc.rows[0].schedule == "CII"
    datamatrix = factories.LISINOPRIL_10.datamatrix("L10-B", TODAY.replace(year=TODAY.year + 2), "SN1")
    assert [r.item_id for r in inventory_view.find_by_scan(uow_factory, tech, datamatrix).rows] == [
        shelf["lisinopril10"]
    ]
    with pytest.raises(NotFound, match=r"Zestril .* is not stocked here"):
        inventory_view.find_by_scan(uow_factory, tech, factories.ZESTRIL_20.upc)
    with pytest.raises(ValidationFailed):
        inventory_view.find_by_scan(uow_factory, tech, "12345")


def test_the_lots_of_an_item_are_read_live_and_the_list_after_a_refresh(uow_factory, actors, shelf, engine):
    tech = actors["technician"]
    dispense(uow_factory, actors["pharmacist"].user_id, shelf["lisinopril10"], "L10-B", 30)
    stock = inventory_view.item_stock(uow_factory, tech, shelf["lisinopril10"])
    assert stock.item.on_hand == D(70) and stock.item.quarantined == D(80)
    assert [(lot.lot, lot.status, lot.remaining) for lot in stock.lots] == [
        ("L10-B", "active", D(70)),
        ("L10-A", "recalled", D(80)),
    ]
    assert stock.lots[1].recall_reason == "Dissolution failure" and stock.lots[1].quarantined_at is not None
    assert stock.lots[0].quantity_received == D(100) and stock.lots[0].unit_cost == D("0.1")

    def listed_on_hand():
        (row,) = inventory_view.search_stock(uow_factory, tech, StockQuery(text="lisinopril 10")).rows
        return row.on_hand

    assert listed_on_hand() == D(100)  # the list is the summary as of its last refresh ...
    inventory_view.refresh_summary(uow_factory)
    assert listed_on_hand() == D(70)  # ... and the refresh brings it up to date

    new = stocked_item(uow_factory, actors["manager"].user_id, factories.LISINOPRIL_20_OTHER, [("X-1", 200, 10)])
    assert search(uow_factory, tech, text="68180") == []  # a new item: in the list after the next refresh
    inventory_view.refresh_summary(uow_factory)
    assert [r.item_id for r in inventory_view.search_stock(uow_factory, tech, StockQuery(text="68180")).rows] == [new]
    assert_inventory_invariants(engine)


def test_only_who_may_see_inventory_sees_it(uow_factory, actors, shelf):
    with pytest.raises(PermissionDenied):
        inventory_view.search_stock(uow_factory, actors["admin"], StockQuery())
    with pytest.raises(PermissionDenied):
        inventory_view.item_stock(uow_factory, actors["admin"], shelf["lisinopril"])
    with pytest.raises(NotFound):
        inventory_view.item_stock(uow_factory, actors["technician"], uuid.uuid4())


def test_search_as_you_type_refuses_at_once_when_the_account_changes(uow_factory, actors, shelf):
    """The search checks the permission inside its own statement (access.read_with): no cache, so a
    role change, a deactivation or a sign-out elsewhere stops the very next key press, and the refusal
    is recorded with require's words."""
    from pharmacy_desktop.services import auth
    from tests.conftest import make_actor
    from tests.security.conftest import events

    admin = actors["admin"]
    buyer = make_actor(uow_factory, "technician", "buyer1")
    assert search(uow_factory, buyer, text="lisinopril") != []

    def listed_version():
        return next(r for r in auth.list_users(uow_factory, admin) if r.username == "buyer1").version

    auth.update_user(uow_factory, admin, buyer.user_id, listed_version(), role="admin")  # no inventory.view
    with pytest.raises(PermissionDenied, match="may no longer see the stock: the account's role changed"):
        search(uow_factory, buyer, text="lisinopril")
    (denied,) = events(uow_factory, "PermissionDenied")
    assert (denied.aggregate_id, denied.event_data["permission"]) == (buyer.user_id, "inventory.view")

    auth.update_user(uow_factory, admin, buyer.user_id, listed_version(), role="technician")
    assert search(uow_factory, buyer, text="lisinopril") != []  # the same Actor, allowed again
    auth.sign_out(uow_factory, buyer)
    with pytest.raises(PermissionDenied, match="the session ended"):
        search(uow_factory, buyer, text="lisinopril")

    other = make_actor(uow_factory, "technician", "buyer2")
    auth.update_user(
        uow_factory,
        admin,
        other.user_id,
        next(r.version for r in auth.list_users(uow_factory, admin) if r.username == "buyer2"),
        is_active=False,
    )
    with pytest.raises(PermissionDenied):
        search(uow_factory, other, text="lisinopril")
    assert len(events(uow_factory, "StaleSessionRefused")) == 2
