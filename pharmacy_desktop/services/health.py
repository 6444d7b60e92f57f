"""Is the database answering? The shell asks every few seconds (ui/database_watch.py)."""

from __future__ import annotations

from pharmacy_desktop.db.unit_of_work import UnitOfWorkFactory


def database_answers(uow_factory: UnitOfWorkFactory) -> bool:
    """One trivial round trip through the app's own pool (as the next action would go).

    Raises ``DatabaseUnavailable`` when the connection is lost or cannot be made; a stalled
    network makes it wait, which is why the caller times it.
    """
    with uow_factory() as uow:
        return uow.ping()
