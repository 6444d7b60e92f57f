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


@pytest.fixture
def app_role(database_url):
    """The real least-privilege roles of ``db create-roles`` on this test database; yields a
    unit-of-work factory connected as the application role, and the roles' URLs and names."""
    import os

    from pharmacy_desktop.cli.roles import create_roles
    from pharmacy_desktop.config import with_keyring_password
    from pharmacy_desktop.db.engine import make_engine, make_session_factory
    from pharmacy_desktop.db.unit_of_work import UnitOfWorkFactory

    suffix = f"{os.getpid()}_{next(_role_counter)}"
    owner, app = f"owner_h_{suffix}", f"app_h_{suffix}"
    urls = create_roles(database_url, owner, app)
    app_url = with_keyring_password(urls[app])
    engine = make_engine(app_url)
    factory = UnitOfWorkFactory(make_session_factory(engine), workstation="counter-1")
    yield {
        "factory": factory,
        "url": app_url,
        "owner_url": with_keyring_password(urls[owner]),
        "name": app,
        "owner": owner,
    }
    engine.dispose()


import itertools as _itertools  # noqa: E402

_role_counter = _itertools.count()
