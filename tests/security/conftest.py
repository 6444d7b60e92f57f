"""Helpers for the security tests: a second workstation on the same database, event queries."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from pharmacy_desktop.db.models.audit import DomainEvent


@pytest.fixture
def second_workstation(database_url):
    """Another counter PC: its own engine, session factory and unit-of-work factory."""
    from pharmacy_desktop.db.engine import make_engine, make_session_factory
    from pharmacy_desktop.db.unit_of_work import UnitOfWorkFactory

    engine = make_engine(database_url)
    yield UnitOfWorkFactory(make_session_factory(engine), workstation="counter-2")
    engine.dispose()


def events(uow_factory, *types: str) -> list[DomainEvent]:
    with uow_factory() as uow:
        stmt = select(DomainEvent).order_by(DomainEvent.sequence_number)
        if types:
            stmt = stmt.where(DomainEvent.event_type.in_(types))
        rows = list(uow.session.scalars(stmt))
        uow.session.expunge_all()
        return rows


def event_types(uow_factory) -> list[str]:
    return [e.event_type for e in events(uow_factory)]
