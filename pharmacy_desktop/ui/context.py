"""What screens are given: the composition root's parts, typed; never globals or string keys."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pharmacy_desktop.adapters.adjudication import Adjudicator, SimulatedAdjudicator
from pharmacy_desktop.adapters.payment_terminal import PaymentTerminal, SimulatedTerminal
from pharmacy_desktop.app import make_print_sender
from pharmacy_desktop.config import Config
from pharmacy_desktop.db.unit_of_work import UnitOfWorkFactory

if TYPE_CHECKING:
    from pharmacy_desktop.app import Application
    from pharmacy_desktop.services.print_sender import PrintSender
    from pharmacy_desktop.ui.scanner import ScannerFilter


@dataclass
class AppContext:
    """The composition root's application as the screens see it.

    ``print_sender``: the workstation's print sender. The shell passes the running one; a context
    made without one (a test, a screen shown on its own) gets one from the composition root that
    is not started: it sends when asked (a test page) and a wake-up is a no-op.
    ``scanner``: the application's scanner filter, a Qt object the shell sets when it installs it.
    ``adjudicator`` / ``payment_terminal``: the claims switch and the card terminal (the application's;
    a context made without them gets its own simulators).
    """

    uow_factory: UnitOfWorkFactory
    config: Config
    workstation: str
    database_url: str = ""
    config_path: Path | None = None  # where the settings screen saves; None: the user config directory
    print_sender: PrintSender = field(default=None)  # type: ignore[assignment]  # always set after __init__
    scanner: ScannerFilter | None = None
    adjudicator: Adjudicator = field(default_factory=SimulatedAdjudicator)
    payment_terminal: PaymentTerminal = field(default_factory=SimulatedTerminal)
    demo_accounts: tuple[tuple[str, str], ...] = ()  # shown at sign-in only on the embedded demo pharmacy

    def __post_init__(self) -> None:
        if self.print_sender is None:
            self.print_sender = make_print_sender(self.uow_factory, self.config, self.workstation)

    @classmethod
    def from_application(
        cls, app: Application, *, config_path: Path | None = None, print_sender: PrintSender | None = None
    ) -> AppContext:
        """The screens' view of the composition root's application (pharmacy_desktop/app.py)."""
        if print_sender is None:
            print_sender = make_print_sender(app.uow_factory, app.config, app.workstation)
        return cls(
            uow_factory=app.uow_factory,
            config=app.config,
            workstation=app.workstation,
            database_url=app.url,
            config_path=config_path,
            print_sender=print_sender,
            adjudicator=app.adjudicator,
            payment_terminal=app.payment_terminal,
            demo_accounts=app.demo_accounts,
        )
