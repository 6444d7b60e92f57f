"""The settings screen's "Patient messages" tab: the texts the pharmacy sends (issue 16 item 1).

The pharmacy's, not the workstation's: saved in the database (services/notification_admin.py), used
by the next message on every workstation. The list shows every template, the one in use per event
and channel marked; the editor below takes the selected one. Placeholders are listed beside the
text, and the preview shows what a patient would read (this pharmacy's name and phone, sample
values for the rest). A template with an unknown placeholder, or a drug name where minimum
necessary forbids it, is refused with the reason beside the field.

Keys: Ctrl+S saves the template (on this tab), Alt+V saves the text as a new template of the same
event and channel, Alt+K makes the selected one the one in use, Alt+R stops using it, Ctrl+L reloads.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from pharmacy_desktop.db.unit_of_work import UnitOfWorkFactory
from pharmacy_desktop.domain.notification_templates import PLACEHOLDERS, SMS_MAX
from pharmacy_desktop.errors import ValidationFailed
from pharmacy_desktop.services import notification_admin
from pharmacy_desktop.services.auth import Actor
from pharmacy_desktop.services.notification_admin import TemplateEdit, TemplateRow
from pharmacy_desktop.ui.ops import run_in_background, user_message
from pharmacy_desktop.ui.screens.base import shortcut
from pharmacy_desktop.ui.signin import ErrorLine
from pharmacy_desktop.ui.style import HINT_STYLE, PASSED_STYLE, STOP_BORDER, WARNING_STYLE
from pharmacy_desktop.ui.table_models import Marked, RowsModel
from pharmacy_desktop.ui.widgets.column_fit import fit_columns
from pharmacy_desktop.ui.widgets.status_label import StatusLabel


class NotificationTemplatesPage(QWidget):
    def __init__(self, uow_factory: UnitOfWorkFactory, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("templatesTab")
        self.uow_factory, self.actor = uow_factory, actor
        self.current: TemplateRow | None = None
        self._shown: tuple[object, object] | None = None  # (id, updated_at) of the text in the editor
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 10, 0, 0)

        # the list on the left (every template of the pharmacy), the editor of the selected one beside it:
        # a splitter, the list no wider than its columns need (the name elides first), the editor the rest
        columns = QSplitter()
        columns.setChildrenCollapsible(False)
        outer.addWidget(columns, 1)
        self.model: RowsModel[TemplateRow] = RowsModel(
            [
                ("Event", lambda t: t.event_title),
                ("By", lambda t: t.channel_title),
                ("In use", lambda t: Marked("passed", "yes") if t.active else ""),
                ("Name", "name"),
            ]
        )
        self.table = QTableView()
        self.table.setObjectName("templateList")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(26)
        self.table.setWordWrap(False)
        fit_columns(self.table, stretch=3, keep=None, shrink=(0,))  # the name elides (its tooltip has it)
        self.table.setMinimumWidth(260)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._take_selected())
        columns.addWidget(self.table)

        editor_pane = QWidget()
        editor = QVBoxLayout(editor_pane)
        editor.setContentsMargins(0, 0, 0, 0)
        columns.addWidget(editor_pane)
        columns.setStretchFactor(0, 1)
        columns.setStretchFactor(1, 1)
        columns.setSizes([500, 500])
        grid = QGridLayout()
        grid.setHorizontalSpacing(10)
        self.name = QLineEdit()
        self.name.setObjectName("templateName")
        self.subject = QLineEdit()
        self.subject.setObjectName("templateSubject")
        self.body = QPlainTextEdit()
        self.body.setObjectName("templateBody")
        self.body.setTabChangesFocus(True)
        self.body.setMinimumHeight(110)
        for row, (text, field) in enumerate((("T&emplate name", self.name), ("Sub&ject", self.subject))):
            label = QLabel(text)
            label.setBuddy(field)
            grid.addWidget(label, row, 0)
            grid.addWidget(field, row, 1)
        body_label = QLabel("Te&xt")
        body_label.setBuddy(self.body)
        body_label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        grid.addWidget(body_label, 2, 0)
        grid.addWidget(self.body, 2, 1)
        grid.setColumnStretch(1, 1)
        editor.addLayout(grid)
        self.changed = QLabel()
        self.changed.setObjectName("templateChanged")
        self.changed.setStyleSheet(HINT_STYLE)
        editor.addWidget(self.changed)
        self.placeholders = QLabel("Placeholders: " + "  ".join(f"{{{{{name}}}}}" for name in PLACEHOLDERS))
        self.placeholders.setObjectName("templatePlaceholders")
        self.placeholders.setWordWrap(True)
        self.placeholders.setToolTip("\n".join(f"{{{{{n}}}}}: {what}" for n, what in PLACEHOLDERS.items()))
        self.placeholders.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        editor.addWidget(self.placeholders)
        self.preview = QLabel()
        self.preview.setObjectName("templatePreview")
        self.preview.setWordWrap(True)
        self.preview.setFrameShape(QFrame.Shape.StyledPanel)
        self.preview.setContentsMargins(6, 4, 6, 4)
        self.preview.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        editor.addWidget(self.preview, 1)

        self.error = ErrorLine()
        self.notice = StatusLabel()
        self.notice.setObjectName("templateNotice")
        self.notice.setWordWrap(True)
        outer.addWidget(self.error)
        outer.addWidget(self.notice)
        buttons = QHBoxLayout()
        self.activate_button = QPushButton("Ma&ke it the one in use")
        self.activate_button.setObjectName("activateTemplate")
        self.deactivate_button = QPushButton("Tu&rn off")
        self.deactivate_button.setObjectName("deactivateTemplate")
        self.new_button = QPushButton("Sa&ve as a new template")
        self.new_button.setObjectName("saveTemplateAsNew")
        self.save_button = QPushButton("Save template (Ctrl+S)")
        self.save_button.setObjectName("saveTemplate")
        for button in (self.activate_button, self.deactivate_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.new_button)
        buttons.addWidget(self.save_button)
        outer.addLayout(buttons)
        self.activate_button.clicked.connect(lambda _=False: self.set_active(True))
        self.deactivate_button.clicked.connect(lambda _=False: self.set_active(False))
        self.new_button.clicked.connect(lambda _=False: self.save(as_new=True))
        self.save_button.clicked.connect(lambda _=False: self.save())
        shortcut(self, "Ctrl+L", self.load)

        self._preview_timer = QTimer(self)
        self._preview_timer.setSingleShot(True)
        self._preview_timer.setInterval(300)
        self._preview_timer.timeout.connect(self._update_preview)
        for field in (self.name, self.subject):
            field.textEdited.connect(lambda _: self._preview_timer.start())
        self.body.textChanged.connect(self._preview_timer.start)
        self._enable()

    # -- load ---------------------------------------------------------------------------------------

    def load(self) -> None:
        factory, actor = self.uow_factory, self.actor
        run_in_background(self, lambda: notification_admin.list_templates(factory, actor), self._loaded, self._problem)

    def _loaded(self, rows: list[TemplateRow]) -> None:
        keep = self.current.id if self.current else None
        self.model.set_rows(rows)
        target = next((i for i, t in enumerate(rows) if t.id == keep), 0 if rows else -1)
        if target >= 0:
            self.table.selectRow(target)
        self._take_selected()

    def _take_selected(self) -> None:
        index = self.table.selectionModel().currentIndex()
        row = self.model.row(index.row()) if index.isValid() and index.row() < self.model.rowCount() else None
        self.current = row
        if row is not None and (row.id, row.updated_at) == self._shown:
            self._enable()  # a reload of what the editor holds: keep what the manager typed since
            return
        self._shown = (row.id, row.updated_at) if row else None
        self.name.setText(row.name if row else "")
        self.subject.setText(row.subject or "" if row else "")
        self.body.setPlainText(row.body if row else "")
        when = row.updated_at.astimezone().strftime("%m/%d/%Y %H:%M") if row and row.updated_at else ""
        self.changed.setText(
            f"Last changed {when}" + (f" by {row.updated_by}" if row and row.updated_by else "") if when else ""
        )
        self._mark({})
        self._enable()
        self._update_preview()

    def _enable(self) -> None:
        row = self.current
        self.subject.setEnabled(bool(row and row.channel == "email"))
        for widget in (self.name, self.body, self.save_button, self.new_button):
            widget.setEnabled(row is not None)
        self.activate_button.setEnabled(bool(row and not row.active))
        self.deactivate_button.setEnabled(bool(row and row.active))

    # -- preview ------------------------------------------------------------------------------------

    def _update_preview(self) -> None:
        row = self.current
        if row is None:
            self.preview.setText("")
            return
        factory, channel = self.uow_factory, row.channel
        subject, body = (self.subject.text() if channel == "email" else None), self.body.toPlainText()
        run_in_background(
            self,
            lambda: notification_admin.preview_template(factory, channel, subject, body),
            lambda shown: self._show_preview(channel, shown),
            lambda exc: self.preview.setText(user_message(exc)),
        )

    def _show_preview(self, channel: str, shown: tuple[str | None, str]) -> None:
        subject, body = shown
        esc = _escape
        head = f"<b>Subject:</b> {esc(subject)}<br>" if subject else ""
        size = ""
        if channel == "sms":
            size = (
                f"<br><i>{len(body)} characters"
                + (f" — over {SMS_MAX}: it may arrive in pieces" if len(body) > SMS_MAX else "")
                + "</i>"
            )
        text = "<br>".join(line for line in esc(body).splitlines() if line.strip())  # blank lines left out here
        self.preview.setText(f"<b>What the patient reads:</b><br>{head}{text}{size}")

    # -- save and activate ----------------------------------------------------------------------------

    def save(self, *, as_new: bool = False) -> None:
        row = self.current
        if row is None:
            return
        name = self.name.text()
        if as_new and name.strip() == row.name:
            self._problem(ValidationFailed("Give the new template its own name first.", {"name": "a new name"}))
            self.name.setFocus()
            self.name.selectAll()
            return
        edit = TemplateEdit(
            None if as_new else row.id,
            name,
            row.event,
            row.channel,
            self.subject.text() if row.channel == "email" else None,
            self.body.toPlainText(),
            None if as_new else row.updated_at,
        )
        factory, actor = self.uow_factory, self.actor
        run_in_background(
            self,
            lambda: notification_admin.save_template(factory, actor, edit),
            lambda saved: self._saved(saved, as_new),
            self._problem,
            busy_message="Saving the template…",
        )

    def _saved(self, saved: TemplateRow, as_new: bool) -> None:
        self.current = saved
        self._shown = (saved.id, saved.updated_at)
        state = "in use" if saved.active else "saved, not in use yet (Alt+K makes it the one in use)"
        self._say(f"'{saved.name}' {'created' if as_new else 'saved'}: {state}.", PASSED_STYLE, "passed")
        self.load()

    def set_active(self, on: bool) -> None:
        row = self.current
        if row is None:
            return
        factory, actor = self.uow_factory, self.actor
        work = notification_admin.activate_template if on else notification_admin.deactivate_template
        run_in_background(
            self,
            lambda: work(factory, actor, row.id),
            lambda rows: self._switched(rows, row, on),
            self._problem,
        )

    def _switched(self, rows: list[TemplateRow], row: TemplateRow, on: bool) -> None:
        if on:
            self._say(f"'{row.name}' is now the {row.event_title.lower()} {row.channel_title}.", PASSED_STYLE, "passed")
        else:
            self._say(
                f"'{row.name}' is off: no {row.event_title.lower()} {row.channel_title} goes out until one is "
                "in use again.",
                WARNING_STYLE,
                "warning",
            )
        self._loaded(rows)

    # -- messages -----------------------------------------------------------------------------------

    def _say(self, text: str, style: str, kind: str | None = None) -> None:
        self.error.show_message("")
        self.notice.say(kind, text)
        self.notice.setStyleSheet(style)

    def _problem(self, exc: Exception) -> None:
        self.notice.setText("")
        self.error.show_message(user_message(exc))
        self._mark(exc.field_errors if isinstance(exc, ValidationFailed) else {})

    def _mark(self, errors: dict[str, str]) -> None:
        for key, field in (("name", self.name), ("subject", self.subject), ("body", self.body)):
            field.setStyleSheet(f"border: 2px solid {STOP_BORDER};" if key in errors else "")
            field.setToolTip(errors.get(key, ""))
        if errors:
            first = next(iter(errors))
            {"name": self.name, "subject": self.subject}.get(first, self.body).setFocus()


def _escape(text: str | None) -> str:
    return (text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
