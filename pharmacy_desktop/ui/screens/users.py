"""Staff accounts for administrators: list, create, edit (optimistic locking), reset, unlock, badge."""

from __future__ import annotations

import uuid
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from pharmacy_desktop.domain.places import Place
from pharmacy_desktop.errors import ValidationFailed
from pharmacy_desktop.services import auth
from pharmacy_desktop.services.auth import Actor, UserRow
from pharmacy_desktop.ui.context import AppContext
from pharmacy_desktop.ui.keys import key_for
from pharmacy_desktop.ui.ops import run_in_background, user_message
from pharmacy_desktop.ui.screens.base import Screen, heading, shortcut
from pharmacy_desktop.ui.signin import ErrorLine
from pharmacy_desktop.ui.table_models import Marked, RowsModel
from pharmacy_desktop.ui.widgets.column_fit import fit_columns
from pharmacy_desktop.ui.widgets.status_label import StatusLabel

ROLE_TITLES = {"pharmacist": "Pharmacist", "technician": "Technician", "manager": "Manager", "admin": "Administrator"}


def _status(row: UserRow) -> Marked:
    """The account's state in words, its icon beside them (never the icon alone)."""
    if not row.is_active:
        return Marked("stop", "Deactivated")
    if row.locked:
        return Marked(
            "warning", f"Locked until {row.locked_until.astimezone():%H:%M}" if row.locked_until else "Locked"
        )
    return Marked("passed", "Active")


class UsersScreen(Screen):
    key = key_for(Place.USERS)
    title = "Users"
    permission = "users.manage"
    screenshot_role = "admin"
    help_keys = (
        ("Ctrl+N", "new user"),
        ("Ctrl+S", "save the account shown"),
        ("Ctrl+R", "reload the list"),
        ("Ctrl+L", "unlock the selected account"),
        ("Ctrl+B", "assign a badge: then scan it"),
        ("Esc", "cancel the edit / badge assignment"),
    )

    def __init__(self, context: AppContext, actor: Actor, parent: QWidget | None = None):
        super().__init__(context, actor, parent)
        self._editing: UserRow | None = None  # None: a new account
        self._awaiting_badge = False
        self.model: RowsModel[UserRow] = RowsModel(
            [
                ("Name", "full_name"),
                ("Username", "username"),
                ("Role", lambda r: ROLE_TITLES.get(r.role, r.role)),
                ("License", lambda r: r.license_number or ""),
                ("Status", _status),
                (
                    "Quick switch",
                    lambda r: ", ".join(w for w, on in (("PIN", r.has_pin), ("badge", r.has_badge)) if on) or "—",
                ),
                ("Last sign-in", "last_login_at"),
            ]
        )
        self.table = QTableView()
        self.table.setObjectName("usersTable")
        self.table.setAccessibleName("Staff accounts")
        self.table.setTabKeyNavigation(False)  # Tab leaves the table for the form (arrows move between rows)
        self.table.setModel(self.model)
        # no sideways scrolling: the name takes the rest, whole; license, quick switch ... step aside when
        # narrow (the form beside the table shows them for the selected row)
        fit_columns(self.table, stretch=0, optional=(3, 5, 6, 1, 4, 2))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(34)
        self.table.setAlternatingRowColors(True)
        self.table.selectionModel().currentRowChanged.connect(lambda cur, _prev: self._select(cur.row()))

        # the edit panel
        self.form_title = heading("New user", 4)
        self.inputs: dict[str, QLineEdit] = {}
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        for name, label in (
            ("first_name", "&First name"),
            ("last_name", "&Last name"),
            ("username", "&Username"),
            ("email", "&Email"),
            ("phone", "P&hone"),
            ("license_number", "L&icense no."),
        ):
            edit = QLineEdit()
            edit.setObjectName(name)
            self.inputs[name] = edit
            form.addRow(label, edit)
        self.role = QComboBox()
        self.role.setObjectName("role")
        for value, title in ROLE_TITLES.items():
            self.role.addItem(title, value)
        form.insertRow(3, "&Role", self.role)
        self.active = QCheckBox("Account active (can sign in)")
        self.active.setObjectName("active")
        form.addRow("", self.active)
        self.password = QLineEdit()
        self.password.setObjectName("newPassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("10 characters or more")
        self.password.setToolTip("At least 10 characters, and not the username")
        self.password_label = QLabel("&Password")
        self.password_label.setBuddy(self.password)
        form.addRow(self.password_label, self.password)
        self.save_button = QPushButton("Save (Ctrl+S)")
        self.save_button.setObjectName("saveUser")
        self.new_button = QPushButton("New user (Ctrl+N)")
        self.reset_button = QPushButton("New password")
        self.unlock_button = QPushButton("Unlock (Ctrl+L)")
        self.badge_button = QPushButton("Badge (Ctrl+B)")
        self.error = ErrorLine()
        self.info = StatusLabel()
        self.info.setWordWrap(True)
        self.info.setObjectName("infoLine")

        panel = QFrame()
        panel.setObjectName("card")
        panel_layout = QVBoxLayout(panel)
        panel_layout.addWidget(self.form_title)
        panel_layout.addLayout(form)
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.new_button)
        panel_layout.addLayout(buttons)
        actions = QHBoxLayout()
        actions.addWidget(self.reset_button)
        actions.addWidget(self.unlock_button)
        actions.addWidget(self.badge_button)
        panel_layout.addLayout(actions)
        panel_layout.addWidget(self.error)
        panel_layout.addWidget(self.info)
        panel_layout.addStretch(1)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        self.summary = StatusLabel()  # the warning icon beside "N locked"
        left_layout.addWidget(self.summary)
        left_layout.addWidget(self.table, 1)
        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(panel)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([640, 400])
        panel.setMaximumWidth(460)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.addWidget(heading("Users"))
        sub = QLabel("Staff accounts. Changes apply at once; a deactivated person is signed out everywhere.")
        sub.setObjectName("subtitle")
        layout.addWidget(sub)
        layout.addWidget(splitter, 1)

        self.save_button.clicked.connect(self.save)
        self.new_button.clicked.connect(self.new_user)
        self.reset_button.clicked.connect(self.reset_password)
        self.unlock_button.clicked.connect(self.unlock)
        self.badge_button.clicked.connect(self.await_badge)
        for seq, slot in (
            ("Ctrl+S", self.save),
            ("Ctrl+N", self.new_user),
            ("Ctrl+R", self.refresh),
            ("Ctrl+L", self.unlock),
            ("Ctrl+B", self.await_badge),
            ("Esc", self.cancel),
        ):
            shortcut(self, seq, slot)
        self.password.returnPressed.connect(self.save)
        self.new_user()

    # -- loading ------------------------------------------------------------------------------

    def activate(self) -> None:
        self.refresh()

    def on_change(self, notice: dict[str, Any]) -> None:
        if notice.get("topic") == "users" and self.isVisible():
            self.refresh()

    def refresh(self, select_id: uuid.UUID | None = None, message: str = "") -> None:
        ctx, actor = self.context, self.actor
        keep = select_id or (self._editing.id if self._editing else None)
        run_in_background(
            self,
            lambda: auth.list_users(ctx.uow_factory, actor),
            lambda rows: self._show(rows, keep, message),
            self._failed,
            busy_message="Loading users…",
        )

    def _show(self, rows: list[UserRow], keep: uuid.UUID | None, message: str = "") -> None:
        self.model.set_rows(rows)
        active = sum(r.is_active for r in rows)
        locked = sum(r.locked for r in rows)
        self.summary.say(
            "warning" if locked else None,
            f"{active} active account{'s' if active != 1 else ''}"
            + (f", {len(rows) - active} deactivated" if len(rows) > active else "")
            + (f" · {locked} locked" if locked else ""),
        )
        for i, row in enumerate(rows):
            if row.id == keep:
                self.table.selectRow(i)
                self._select(i)
                break
        if message:
            self.info.say("passed", message)

    def _failed(self, exc: Exception) -> None:
        self.error.show_message(user_message(exc))
        if isinstance(exc, ValidationFailed) and exc.field_errors:
            first = next((n for n in exc.field_errors if n in self.inputs), None)
            if first:
                self.inputs[first].setFocus()

    # -- editing ------------------------------------------------------------------------------

    def _select(self, row: int) -> None:
        if row < 0 or row >= self.model.rowCount():
            return
        user = self.model.row(row)
        self._editing = user
        self._awaiting_badge = False
        self.form_title.setText(f"{user.full_name} ({user.username})")
        for name in ("first_name", "last_name", "username", "email", "phone", "license_number"):
            self.inputs[name].setText(getattr(user, name) or "")
        self.inputs["username"].setReadOnly(True)
        self.role.setCurrentIndex(max(0, self.role.findData(user.role)))
        self.active.setChecked(user.is_active)
        self.active.setEnabled(True)
        self.password_label.setText("New password")
        self.password.clear()
        self.password.setPlaceholderText("type it, then press New password")
        for button in (self.reset_button, self.badge_button):
            button.setEnabled(True)
        self.unlock_button.setEnabled(user.locked)
        self.error.show_message("")
        self.info.setText(
            f"Last sign-in: {user.last_login_at.astimezone():%m/%d/%Y %H:%M}"
            if user.last_login_at
            else "Never signed in."
        )

    def new_user(self) -> None:
        self._editing = None
        self._awaiting_badge = False
        self.table.clearSelection()
        self.form_title.setText("New user")
        for edit in self.inputs.values():
            edit.clear()
        self.inputs["username"].setReadOnly(False)
        self.role.setCurrentIndex(self.role.findData("technician"))
        self.active.setChecked(True)
        self.active.setEnabled(False)
        self.password_label.setText("&Password")
        self.password.setPlaceholderText("10 characters or more")
        self.password.setToolTip("At least 10 characters, and not the username")
        for button in (self.reset_button, self.unlock_button, self.badge_button):
            button.setEnabled(False)
        self.error.show_message("")
        self.info.setText(
            "A pharmacist needs a license number. The new user picks a PIN for quick switching after the first sign-in."
        )
        self.inputs["first_name"].setFocus()

    def cancel(self) -> None:
        if self._awaiting_badge:
            self._awaiting_badge = False
            self.info.setText("Badge assignment cancelled.")
        elif self._editing is not None:
            self._select(self.table.currentIndex().row())

    def values(self) -> dict[str, Any]:
        return {name: edit.text().strip() for name, edit in self.inputs.items()} | {"role": self.role.currentData()}

    def save(self) -> None:
        values = self.values()
        ctx, actor = self.context, self.actor
        self.error.show_message("")
        if self._editing is None:
            password = self.password.text()
            self.password.clear()
            fn = lambda: auth.create_user(  # noqa: E731
                ctx.uow_factory,
                actor,
                username=values["username"],
                password=password,
                email=values["email"],
                first_name=values["first_name"],
                last_name=values["last_name"],
                role=values["role"],
                license_number=values["license_number"] or None,
                phone=values["phone"] or None,
            )
            run_in_background(
                self,
                fn,
                lambda user_id: self._saved(user_id, f"Created {values['username']}."),
                self._failed,
                busy_message="Creating the account…",
            )
            return
        user = self._editing
        changes = {
            k: values[k]
            for k in ("first_name", "last_name", "email", "phone", "license_number", "role")
            if (values[k] or None) != (getattr(user, k) or None)
        }
        if self.active.isChecked() != user.is_active:
            changes["is_active"] = self.active.isChecked()
        if not changes:
            self.info.setText("Nothing changed.")
            return
        run_in_background(
            self,
            lambda: auth.update_user(ctx.uow_factory, actor, user.id, user.version, **changes),
            lambda _: self._saved(user.id, f"Saved {user.username}."),
            self._failed,
            busy_message="Saving…",
        )

    def _saved(self, user_id: uuid.UUID, message: str) -> None:
        self.refresh(select_id=user_id, message=message)

    def reset_password(self) -> None:
        user = self._editing
        if user is None:
            return
        password = self.password.text()
        if not password:
            self.error.show_message("Type the new password in the New password field first.")
            self.password.setFocus()
            return
        self.password.clear()
        ctx, actor = self.context, self.actor
        run_in_background(
            self,
            lambda: auth.reset_password(ctx.uow_factory, actor, user.id, password),
            lambda _: self._saved(user.id, f"New password set for {user.username}; tell them in person."),
            self._failed,
            busy_message="Setting the password…",
        )

    def unlock(self) -> None:
        user = self._editing
        if user is None or not user.locked:
            return
        ctx, actor = self.context, self.actor
        run_in_background(
            self,
            lambda: auth.unlock_account(ctx.uow_factory, actor, user.id),
            lambda _: self._saved(user.id, f"{user.username} can sign in again."),
            self._failed,
        )

    def await_badge(self) -> None:
        if self._editing is None:
            return
        self._awaiting_badge = True
        self.info.setText(f"▶ Scan {self._editing.full_name}'s badge now (Esc cancels).")

    def handle_scan(self, text: str) -> bool:
        if not self._awaiting_badge or self._editing is None:
            return False
        user, ctx, actor = self._editing, self.context, self.actor
        self._awaiting_badge = False
        run_in_background(
            self,
            lambda: auth.set_badge(ctx.uow_factory, actor, user.id, text),
            lambda _: self._saved(user.id, f"Badge assigned to {user.full_name}."),
            self._failed,
        )
        return True

    def clear_sensitive(self) -> None:
        self.password.clear()

    def prepare_screenshot(self) -> None:
        rows = self.model.rows
        pick = next((i for i, r in enumerate(rows) if r.locked), 0 if rows else -1)
        if pick >= 0:
            self.table.selectRow(pick)
