"""The landing page: a greeting, what waits at each workflow step for this role, and the keys."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QScrollArea, QVBoxLayout, QWidget

from pharmacy_desktop.db.unit_of_work import UnitOfWorkFactory
from pharmacy_desktop.domain.places import Place
from pharmacy_desktop.services import pharmacy
from pharmacy_desktop.services.auth import Actor
from pharmacy_desktop.ui.context import AppContext
from pharmacy_desktop.ui.design import TYPE
from pharmacy_desktop.ui.icons import StatusLine
from pharmacy_desktop.ui.keys import key_for
from pharmacy_desktop.ui.ops import run_in_background, user_message
from pharmacy_desktop.ui.screens.base import Screen, heading
from pharmacy_desktop.ui.style import STOP_BORDER
from pharmacy_desktop.ui.theme import scaled_font

# status, title, key, permission that acts on it, what the number means
STEPS = (
    (
        "received",
        "Clinical review",
        key_for(Place.REVIEW),
        "prescription.review",
        "new prescriptions waiting for a pharmacist's review",
    ),
    ("validated", "Fill", key_for(Place.FILL), "prescription.fill", "reviewed, waiting to be filled"),
    (
        "in_progress",
        "Final verification",
        key_for(Place.VERIFY),
        "prescription.final_verify",
        "filled, waiting for final verification",
    ),
    ("ready", "Ready for pickup", key_for(Place.WILL_CALL), "pos.sell", "verified, in will-call bins"),
)
# who sees a step on the home page (acting on it or not: a technician wants to know what the
# pharmacist has waiting too)
SEES_WORKFLOW = ("prescription.fill", "prescription.review", "pos.sell")
# the other queues a role works, below the workflow: (name, title, key, permission, what the number means)
OTHER_QUEUES = (
    ("messages", "Patient messages", key_for(Place.MESSAGES), "patient.view", "failed or bounced: send again or call"),
    (
        "reorder",
        "Stock to reorder",
        key_for(Place.INVENTORY),
        "inventory.view",
        "items at or below their reorder point",
    ),
)


CARDS_AFTER_MS = 50  # the cards this long after the page first shows: its first paint comes first


def other_counts(uow_factory: UnitOfWorkFactory, actor: Actor) -> dict[str, int]:
    """The other queues' counts this actor may see (from the services the screens use; off the GUI thread)."""
    from pharmacy_desktop.services import notification_admin, reorder

    counts: dict[str, int] = {}
    if actor.can("patient.view"):
        rows = notification_admin.outstanding_messages(uow_factory, actor)
        counts["messages"] = notification_admin.not_delivered_count(rows)
    if actor.can("inventory.view"):
        counts["reorder"] = sum(len(group.lines) for group in reorder.reorder_suggestions(uow_factory, actor))
    return counts


def _age(since: dt.datetime | None, now: dt.datetime) -> str:
    if since is None:
        return ""
    minutes = max(0, int((now - since).total_seconds() // 60))
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes:02d} min"
    return f"{hours // 24} d {hours % 24} h"


def _greeting(now: dt.datetime) -> str:
    hour = now.astimezone().hour
    return "Good morning" if hour < 12 else "Good afternoon" if hour < 18 else "Good evening"


class QueueCard(QFrame):
    """One workflow step: the count in large type, words for STAT/overdue (never colour alone)."""

    def __init__(self, title: str, key: str, meaning: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("queueCard")
        self.key = key
        self.count = QLabel("…")
        self.count.setFont(scaled_font(self.count.font(), TYPE.number, bold=True))
        self.count.setObjectName("queueCount")
        self.title = heading(title, 3)
        self.title.setWordWrap(True)  # a narrow card or a large zoom: two lines, not a wider window
        self.meaning = QLabel(meaning)
        self.meaning.setWordWrap(True)
        self.detail = QLabel()
        self.detail.setWordWrap(True)
        self.detail.setTextFormat(Qt.TextFormat.RichText)
        self.urgent = StatusLine("stat")  # "1 STAT · 2 past promised time" with the STAT icon: words, not colour
        self.urgent.text.setWordWrap(True)
        self.urgent.hide()
        self.hint = QLabel()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.addWidget(self.title)
        layout.addWidget(self.count)
        layout.addWidget(self.meaning)
        layout.addWidget(self.urgent)
        layout.addWidget(self.detail)
        layout.addStretch(1)
        layout.addWidget(self.hint)
        self.set_alarm(False)

    def set_alarm(self, alarm: bool) -> None:
        border = f"3px solid {STOP_BORDER}" if alarm else "1px solid palette(mid)"
        self.setStyleSheet(f"#queueCard {{ border: {border}; border-radius: 6px; background: palette(base); }}")


class HomeScreen(Screen):
    key = key_for(Place.HOME)
    title = "Home"
    slug = "shell-home"
    screenshot_role = "pharmacist"
    help_keys = (("Alt+H", "back to this page"), ("F-keys", "open the screen shown on each card"))

    def __init__(self, context: AppContext, actor: Actor, parent: QWidget | None = None):
        super().__init__(context, actor, parent)
        self.greeting = heading("", 8)
        self.greeting.setObjectName("greeting")
        self.where = QLabel()
        self.where.setObjectName("subtitle")
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.hide()
        self._cards: dict[str, QueueCard] = {}
        self.grid = QGridLayout()
        self.grid.setSpacing(12)
        self._others: dict[str, QueueCard] = {}
        self.other_grid = QGridLayout()
        self.other_grid.setSpacing(12)
        self.alarms = StatusLine("warning")
        self.alarms.text.setWordWrap(True)
        self.alarms.text.setTextFormat(Qt.TextFormat.RichText)
        self.alarms.hide()
        self.keys = QLabel()
        self.keys.setTextFormat(Qt.TextFormat.RichText)
        self.keys.setObjectName("keyList")
        self.keys.setWordWrap(True)
        self.updated = QLabel()
        self.updated.setObjectName("subtitle")

        # the page scrolls up and down when the zoom makes it taller than the window; never sideways
        self.page = page = QWidget()
        page.setObjectName("homePage")
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(page)
        scroll.viewport().setAutoFillBackground(False)  # the window's colour of the theme in use shows through
        page.setAutoFillBackground(False)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(20, 14, 20, 14)
        layout.setSpacing(10)
        layout.addWidget(self.greeting)
        layout.addWidget(self.where)
        layout.addWidget(self.error)
        layout.addLayout(self.grid)
        layout.addLayout(self.other_grid)
        layout.addWidget(self.alarms)
        layout.addWidget(self.keys)
        layout.addStretch(1)
        layout.addWidget(self.updated)

        self._refresh_soon = QTimer(self)
        self._refresh_soon.setSingleShot(True)
        self._refresh_soon.setInterval(300)  # a burst of notices from one save: one query
        self._refresh_soon.timeout.connect(self.refresh)
        self._loading = False
        self._cards_stale = False
        # the cards are made a moment after the page first shows (or when read, or when the counts
        # come): the shell's first showing paints the header, the sidebar and the greeting first
        self._cards_built = False
        self._cards_later = QTimer(self)
        self._cards_later.setSingleShot(True)
        self._cards_later.setInterval(CARDS_AFTER_MS)
        self._cards_later.timeout.connect(self._ensure_cards)
        self._show_static()

    @property
    def cards(self) -> dict[str, QueueCard]:
        """The workflow steps' cards by status (made now if they were not yet)."""
        self._ensure_cards()
        return self._cards

    @property
    def others(self) -> dict[str, QueueCard]:
        """The other queues' cards by name (made now if they were not yet)."""
        self._ensure_cards()
        return self._others

    def _ensure_cards(self) -> None:
        if not self._cards_built:
            self._build_cards()

    # -- who is acting ------------------------------------------------------------------------

    def set_actor(self, actor: Actor) -> None:
        super().set_actor(actor)
        if self.isVisible():
            self._build_cards()
            self.refresh()
        else:  # a switch of user on another screen: the cards are made when this page is shown
            self._cards_stale = True

    def _visible_steps(self) -> list[tuple[str, str, str, str, str]]:
        if not any(self.actor.can(p) for p in SEES_WORKFLOW):
            return [s for s in STEPS if self.actor.can(s[3])]
        return list(STEPS)

    def _build_cards(self) -> None:
        self._cards_built = True
        self._cards_later.stop()
        steps = self._visible_steps()
        if [c for c in self._cards] == [s[0] for s in steps] and getattr(self, "_built_for", None) == self.actor.role:
            self._show_static()
            return
        self._built_for = self.actor.role
        while self.grid.count():
            item = self.grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.hide()  # at once: deleteLater waits for the event loop
                widget.setParent(None)
                widget.deleteLater()
        self._cards = {}
        self._build_others()
        for i, (status, title, key, permission, meaning) in enumerate(steps):
            card = QueueCard(title, key, meaning, self.page)  # made in place: styled once, not again when moved
            card.hint.setText(
                f"<b>{key}</b> opens it"
                if self.actor.can(permission)
                else "for the pharmacist"
                if permission.startswith("prescription.")
                else ""
            )
            self._cards[status] = card
            self.grid.addWidget(card, 0, i)
        self._show_static()

    def _build_others(self) -> None:
        while self.other_grid.count():
            item = self.other_grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.hide()
                widget.setParent(None)
                widget.deleteLater()
        self._others = {}
        for i, (name, title, key, _allowed, meaning) in enumerate(q for q in OTHER_QUEUES if self.actor.can(q[3])):
            card = QueueCard(title, key, meaning, self.page)  # made in place: styled once, not again when moved
            card.setMinimumHeight(0)
            card.setObjectName("queueCard")
            card.hint.setText(f"<b>{key}</b> opens it")
            self._others[name] = card
            self.other_grid.addWidget(card, 0, i)
        if self._others:
            self.other_grid.setColumnStretch(len(self._others), 1)

    def _show_static(self) -> None:
        now = dt.datetime.now(dt.UTC)
        first = self.actor.display_name.split()[0]
        self.greeting.setText(f"{_greeting(now)}, {first}")
        self.where.setText(
            f"{self.actor.role_title} · workstation {self.context.workstation} · "
            f"{now.astimezone():%A, %B} {now.astimezone().day}, {now.astimezone():%Y}"
        )
        # each screen's key is beside its name in the sidebar; here only the keys that work everywhere
        self.keys.setText(
            "<b>F12</b> locks or switches user · <b>F1</b> lists the keys of the open screen · "
            "<b>Ctrl+=</b> / <b>Ctrl+-</b> larger / smaller text · <b>Ctrl+Alt+H</b> high contrast"
        )

    # -- data ----------------------------------------------------------------------------------

    def activate(self) -> None:
        if not self._cards_built:  # the first showing: the cards a moment later (CARDS_AFTER_MS)
            self._cards_stale = False
            self._cards_later.start()
        elif self._cards_stale:
            self._cards_stale = False
            self._build_cards()
        self._show_static()
        self.refresh()

    def on_change(self, notice: dict[str, Any]) -> None:
        if notice.get("topic") in ("prescriptions", "users", "will_call") and self.isVisible():
            self._refresh_soon.start()

    def refresh(self) -> None:
        if self._loading:
            self._refresh_soon.start()
            return
        self._loading = True
        ctx, actor = self.context, self.actor

        def load() -> tuple[pharmacy.Workload, dict[str, int]]:
            return pharmacy.workload(ctx.uow_factory, actor), other_counts(ctx.uow_factory, actor)

        run_in_background(self, load, self._show, self._failed)

    def _failed(self, exc: Exception) -> None:
        self._loading = False
        self.error.setText(f"Problem: the counts could not be loaded: {user_message(exc)}")
        self.error.show()

    def _show(self, loaded: tuple[pharmacy.Workload, dict[str, int]]) -> None:
        load, others = loaded
        self._loading = False
        for name, card in self.others.items():
            count = others.get(name, 0)
            card.count.setText(str(count))
            card.detail.setText("" if count else "nothing waiting")
            card.set_alarm(name == "messages" and count > 0)
        self.error.hide()
        now = dt.datetime.now(dt.UTC)
        for status, card in self.cards.items():
            q = load.queues.get(status) or pharmacy.QueueCount(status, 0, 0, 0, None)
            card.count.setText(str(q.count))
            urgent = [f"{q.stat} STAT"] if q.stat else []
            urgent += [f"{q.overdue} past promised time"] if q.overdue else []
            card.urgent.set("stat" if q.stat else "overdue", " · ".join(urgent))
            card.urgent.text.setStyleSheet("font-weight: bold;")
            card.urgent.setVisible(bool(urgent))
            card.detail.setText(f"oldest {_age(q.oldest_at, now)}" if q.count else "nothing waiting")
            card.set_alarm(bool(q.stat or q.overdue))
        alarms = []
        if load.locked_accounts:
            alarms.append(
                f"<b>{load.locked_accounts} account{'s are' if load.locked_accounts != 1 else ' is'} "
                "locked</b> after wrong passwords" + (" (Users, Alt+U)" if self.actor.can("users.manage") else "")
            )
        if load.failed_sign_ins_today:
            alarms.append(
                f"{load.failed_sign_ins_today} failed sign-in{'s' if load.failed_sign_ins_today != 1 else ''} "
                "today" + (" (Audit, Alt+A)" if self.actor.can("audit.view") else "")
            )
        self.alarms.set("warning", "<br>".join(alarms))
        self.alarms.setVisible(bool(alarms))
        self.updated.setText(f"Counts as of {now.astimezone():%H:%M}; they follow the other workstations' work.")
