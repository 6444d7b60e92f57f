"""What issue 12 moved out of services/fill.py stays where it went: no PostgreSQL needed here."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import pytest

from pharmacy_desktop.db.retry import StockMoved, retryable, with_retry
from pharmacy_desktop.errors import ConcurrentUpdate, ValidationFailed
from pharmacy_desktop.services import fill, prescription_views, review, verify, will_call, work_queues

SERVICES = Path(fill.__file__).parent
MOVED = ("fill", "fill_decision", "stock_allocation", "work_queues", "prescription_views", "verify", "will_call")


def _imports(module: str) -> list[ast.ImportFrom | ast.Import]:
    tree = ast.parse((SERVICES / f"{module}.py").read_text())
    return [n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))]


@pytest.mark.parametrize("module", MOVED)
def test_dispensing_services_import_no_sqlalchemy(module):
    for node in _imports(module):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
        assert not any(n == "sqlalchemy" or n.startswith("sqlalchemy.") for n in names), (module, names)
    assert ".session" not in (SERVICES / f"{module}.py").read_text(), module


def test_no_service_imports_another_services_private_names():
    offenders = []
    for path in sorted(SERVICES.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("pharmacy_desktop.services"):
                offenders += [f"{path.name}: {a.name}" for a in node.names if a.name.startswith("_")]
    assert offenders == []


def test_one_queue_row_for_review_fill_and_verify():
    assert review.QueueRow is fill.QueueRow is verify.QueueRow is work_queues.QueueRow


def test_one_header_for_fill_verify_and_will_call():
    header = [f.name for f in dataclasses.fields(prescription_views.RxHeader)]
    for view in (fill.FillView, verify.VerifyView, will_call.WaitingRx):
        assert issubclass(view, prescription_views.RxHeader)
        assert [f.name for f in dataclasses.fields(view)][: len(header)] == header


def test_will_call_has_no_dead_create_bins():
    assert not hasattr(will_call, "create_bins")


def test_the_lock_order_note_heads_stock_allocation():
    from pharmacy_desktop.services import stock_allocation

    doc = stock_allocation.__doc__ or ""
    assert "Lock order" in doc and "inventory items by id, then their batches by id" in doc


def test_a_lost_race_is_retried_and_then_reported():
    assert retryable(ConcurrentUpdate("stale")) and retryable(StockMoved("moved"))
    assert not retryable(ValidationFailed("no")) and not retryable(ValueError())
    attempts = []

    def lose_twice(n: int) -> str:
        attempts.append(n)
        if n < 3:
            raise StockMoved("someone took them")
        return "filled"

    assert with_retry(lose_twice) == "filled" and attempts == [1, 2, 3]

    def always_lose(n: int) -> None:
        raise StockMoved("again")

    with pytest.raises(ConcurrentUpdate, match="kept changing this stock"):
        with_retry(always_lose, attempts=2)


def test_a_refusal_is_not_retried():
    attempts = []

    def refuse(n: int) -> None:
        attempts.append(n)
        raise ValidationFailed("no refills")

    with pytest.raises(ValidationFailed):
        with_retry(refuse)
    assert attempts == [1]
