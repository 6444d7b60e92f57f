"""What screens are given: the composition root's services, never globals."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pharmacy_desktop.config import Config
from pharmacy_desktop.db.unit_of_work import UnitOfWorkFactory


@dataclass
class AppContext:
    uow_factory: UnitOfWorkFactory
    config: Config
    workstation: str
    database_url: str = ""
    services: dict[str, Any] = field(default_factory=dict)  # e.g. "printing": PrintService
