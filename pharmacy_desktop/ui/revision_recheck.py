"""The revision guard the start could not run, run when the database answers again (issue 17).

``open_database`` checks that the database is at a revision this app knows; a server that does not
answer at that moment is let through with a warning (the app opens and reconnects by itself), so a
newer pharmacy-desktop's database could later be used by this older app. The session hands this
object its change listener: at the listener's first connection (and at each later one, until a
check has run) the check runs off the GUI thread; a database this app must not use is ``refused``
with the same exception as at start (``DatabaseTooNew`` naming the release to install), and the
session refuses it as at start.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Signal, SignalInstance, Slot

from pharmacy_desktop.ui.ops import run_in_background

log = logging.getLogger(__name__)


class RevisionRecheck(QObject):
    refused = Signal(object)  # DatabaseTooNew or DatabaseNeedsUpgrade, with the message for a person

    def __init__(
        self, url: str, connection_changed: SignalInstance, connected: bool, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.url = url
        self.done = False  # checked (compatible) or refused: never again
        self._checking = False
        connection_changed.connect(self.connection_changed)
        if connected:
            self.connection_changed(True)

    @Slot(bool)  # a slot of this object: the listener's thread emits, the GUI thread runs it
    def connection_changed(self, connected: bool) -> None:
        if not connected or self.done or self._checking:
            return
        from pharmacy_desktop.app import recheck_revision

        self._checking = True
        url = self.url
        run_in_background(self, lambda: recheck_revision(url), self._checked, self._failed)

    def _checked(self, checked: bool) -> None:
        self._checking = False
        if checked:
            self.done = True
            log.info("database revision checked now that the server answers")
        # else: unreachable again; the next connection tries again

    def _failed(self, exc: Exception) -> None:
        from pharmacy_desktop.db.migrate import DatabaseNeedsUpgrade, DatabaseTooNew

        self._checking = False
        if isinstance(exc, (DatabaseTooNew, DatabaseNeedsUpgrade)):
            self.done = True
            log.warning("the database that answered again is refused: %s", type(exc).__name__)
            self.refused.emit(exc)
        else:  # not a verdict on the revision (a dropped connection): the next connection tries again
            log.warning("database revision not checked (%s): tried again at the next connection", type(exc).__name__)
