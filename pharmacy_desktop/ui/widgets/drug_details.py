"""The drug lookup's parts: the product it shows (from a search hit or a scan), the results table
model, the arrow keys from the search field to the table, and the product details panel."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QKeyEvent
from PySide6.QtWidgets import QFormLayout, QFrame, QLabel, QVBoxLayout

from pharmacy_desktop.domain.ndc import format_ndc11, format_ndc12
from pharmacy_desktop.domain.schedules import Schedule, parse_schedule
from pharmacy_desktop.services.drug_search import CatalogProduct, DrugHit
from pharmacy_desktop.services.scan_resolution import ScanResult
from pharmacy_desktop.ui.screens.base import heading
from pharmacy_desktop.ui.style import MUTED, STOP_BORDER
from pharmacy_desktop.ui.table_models import RowsModel
from pharmacy_desktop.ui.widgets.status_label import StatusLabel


def schedule_of(value: str | None) -> Schedule:
    try:
        return parse_schedule(value)
    except (ValueError, TypeError):
        return Schedule.NONE


def schedule_text(value: str | None) -> str:
    schedule = schedule_of(value)
    return "" if schedule is Schedule.NONE else schedule.display


def ndc_display(package_ndc: str | None, key: str) -> str:
    """The labeler's hyphenated NDC as printed on the bottle, else the 11-digit key in 5-4-2 form."""
    if package_ndc:
        return package_ndc
    try:
        return format_ndc11(key) if len(key) == 11 else format_ndc12(key)
    except ValueError:
        return key


@dataclass(frozen=True)
class Product(CatalogProduct):
    """What the details panel shows: from a search hit or a scan."""

    lot: str | None = None
    expiry: dt.date | None = None
    serial: str | None = None

    @classmethod
    def from_hit(cls, hit: DrugHit) -> Product:
        return cls(**hit.catalog_fields())

    @classmethod
    def from_scan(cls, result: ScanResult) -> Product:
        return cls(
            result.medication_id,
            result.ndc11 or "",
            result.package_ndc,
            result.drug_name or "",
            result.brand_name,
            result.generic_name,
            result.strength,
            result.dosage_form,
            None,
            result.package_description,
            None,
            result.dea_schedule,
            result.is_active is not False,
            result.lot,
            result.expiry,
            result.serial,
        )


class HitsModel(RowsModel[DrugHit]):
    """Search hits: inactive products muted, a controlled substance's schedule in bold."""

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        hit = self.row(index.row())
        if role == Qt.ItemDataRole.ForegroundRole and not hit.is_active:
            return QBrush(QColor(MUTED))
        if role == Qt.ItemDataRole.FontRole and index.column() == 1 and schedule_text(hit.dea_schedule):
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == 3:
            return hit.package_description or None
        return super().data(index, role)


def package_short(description: str | None) -> str:
    """The package's first count, for the results column: '100 CAPSULE in 1 BOTTLE, PLASTIC (...)' -> '100 capsule'
    (the whole description is the cell's tooltip and in the details)."""
    text = (description or "").split(" in ", 1)[0].split(" (", 1)[0].strip()
    return text.lower() if text.isupper() else text


def hits_model() -> HitsModel:
    """The results table's columns: drug (name, strength, form), schedule, NDC, package.

    The drug column stretches and elides at its end (the dosage form), the package shows its count;
    each cell's tooltip holds the whole text."""
    return HitsModel(
        [
            ("Drug", lambda h: h.title if h.is_active else f"{h.title} (inactive)"),
            ("Sched.", lambda h: schedule_text(h.dea_schedule)),
            ("NDC", lambda h: ndc_display(h.package_ndc, h.ndc11)),
            ("Package", lambda h: package_short(h.package_description)),
        ]
    )


class ArrowsToTable(QObject):
    """Down/Up/PageDown in the search field move through the results; Enter opens the selection."""

    def __init__(self, parent: QObject, move_selection: Callable[[int], None]):
        super().__init__(parent)
        self.move_selection = move_selection

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if (
            isinstance(event, QKeyEvent)
            and event.type() == QEvent.Type.KeyPress
            and event.key()
            in (
                Qt.Key.Key_Down,
                Qt.Key.Key_Up,
                Qt.Key.Key_PageDown,
                Qt.Key.Key_PageUp,
            )
        ):
            self.move_selection(event.key())
            return True
        return False


class ProductDetails(QFrame):
    """The details panel: name, schedule badge, active or discontinued, the NDCs and the scanned lot."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("card")
        self.name = heading("", 8)
        self.name.setObjectName("productName")
        self.name.setWordWrap(True)
        self.schedule = StatusLabel()
        self.schedule.setObjectName("scheduleBadge")
        self.schedule.setWordWrap(True)
        self.active = StatusLabel()
        self.active.setWordWrap(True)
        self.fields: dict[str, QLabel] = {}
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        for key, label in (
            ("ndc", "NDC"),
            ("ndc11", "11-digit NDC"),
            ("package", "Package"),
            ("brand", "Brand"),
            ("generic", "Generic"),
            ("form", "Form / route"),
            ("manufacturer", "Labeler"),
            ("scanned", "Scanned"),
        ):
            value = QLabel()
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setObjectName(f"detail-{key}")
            self.fields[key] = value
            form.addRow(f"{label}:", value)
        self.form = form
        self.placeholder = QLabel("Pick a result, or scan a stock bottle, to see the product here.")
        self.placeholder.setWordWrap(True)
        details_layout = QVBoxLayout(self)
        details_layout.setContentsMargins(16, 12, 16, 12)
        details_layout.addWidget(self.placeholder)
        details_layout.addWidget(self.name)
        details_layout.addWidget(self.schedule)
        details_layout.addWidget(self.active)
        details_layout.addLayout(form)
        details_layout.addStretch(1)
        self.show_product(None)

    def show_product(self, product: Product | None) -> None:
        shown = product is not None
        self.placeholder.setVisible(not shown)
        for widget in (self.name, self.schedule, self.active):
            widget.setVisible(shown)
        for label in self.fields.values():
            label.setVisible(shown)
            caption = self.form.labelForField(label)
            if caption is not None:
                caption.setVisible(shown)
        if product is None:
            return
        self.name.setText(product.title)
        schedule = schedule_of(product.dea_schedule)
        if schedule is Schedule.NONE:
            self.schedule.say(None, "Not a controlled substance")
            self.schedule.setStyleSheet(
                "#scheduleBadge { padding: 4px 8px; border: 1px solid palette(mid); border-radius: 4px; }"
            )
        else:
            self.schedule.say("controlled", f"{schedule.display}: controlled substance, schedule {schedule.roman}")
            self.schedule.setStyleSheet(
                f"#scheduleBadge {{ padding: 6px 10px; border: 3px solid {STOP_BORDER}; "
                "border-radius: 4px; font-weight: bold; font-size: 13pt; }"
            )
        if product.is_active:
            self.active.say("passed", "Active in the catalog")
        else:
            self.active.say("stop", "Discontinued: check with the pharmacist before dispensing")
        f = self.fields
        f["ndc"].setText(ndc_display(product.package_ndc, product.ndc11))
        f["ndc11"].setText(ndc_display(None, product.ndc11) if product.ndc11 else "")
        f["package"].setText(product.package_description or "")
        f["brand"].setText(product.brand_name or "—")
        f["generic"].setText(product.generic_name or "—")
        f["form"].setText(
            " / ".join(p for p in ((product.dosage_form or "").lower(), (product.route or "").lower()) if p)
        )
        f["manufacturer"].setText(product.manufacturer or "—")
        scanned = []
        if product.lot:
            scanned.append(f"lot {product.lot}")
        if product.expiry:
            expired = product.expiry < dt.date.today()
            scanned.append(f"{'EXPIRED ' if expired else 'expires '}{product.expiry:%m/%d/%Y}")  # in words, capitals
        if product.serial:
            scanned.append(f"serial {product.serial}")
        f["scanned"].setText(", ".join(scanned) if scanned else "—")
