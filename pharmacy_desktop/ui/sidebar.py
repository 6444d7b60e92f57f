"""The shell's sidebar: each screen with its icon, its name (and the count waiting there) in the
application's font, and its key at the right edge ("Clinical review (5) ........ F3").

The key is drawn by the delegate in a column of its own, so the names line up without a monospace
font. The item's text stays "F3  Clinical review  (5)" (what the tests, a screen reader and the
tooltip read); the delegate draws the name part (``NAME_ROLE``) and the key (``KEY_ROLE``) apart.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPalette
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from pharmacy_desktop.domain.places import Place
from pharmacy_desktop.ui.icons import icon_for_place
from pharmacy_desktop.ui.keys import PLACE_KEYS

KEY_ROLE = Qt.ItemDataRole.UserRole + 1  # the entry's key ("F3"), drawn at the right edge
SCREEN_ROLE = Qt.ItemDataRole.UserRole  # the screen's index in the shell's list
TITLE_ROLE = Qt.ItemDataRole.UserRole + 3  # "Clinical review"
NAME_ROLE = Qt.ItemDataRole.UserRole + 2  # "Clinical review  (5)": what the delegate draws beside the icon
KEY_GAP = 16  # px between the name and the key column

_PLACE_OF_KEY = {key: place for place, key in PLACE_KEYS.items()}


def place_of_key(key: str) -> Place | None:
    return _PLACE_OF_KEY.get(key)


class NavDelegate(QStyledItemDelegate):
    """Draws an entry as the style does (icon, name, selection), then its key right-aligned."""

    def __init__(self, view: Sidebar):
        super().__init__(view)
        self.view = view
        self.key_width = 0  # the widest key's advance, set by the sidebar when its entries change

    def paint(
        self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        key = str(index.data(KEY_ROLE) or "")
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        view = self.view
        style = view.style()
        # the background, selection and focus across the whole row; then icon and name in the row less
        # the key column (the selection painted again under them is the same colour)
        opt.text = ""
        opt.icon = QIcon()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, view)
        self.initStyleOption(opt, index)
        full = QRect(opt.rect)
        opt.rect = full.adjusted(0, 0, -(self.key_width + KEY_GAP) if key else 0, 0)
        opt.state &= ~QStyle.StateFlag.State_HasFocus
        opt.text = str(index.data(NAME_ROLE) or opt.text)
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, view)
        if key:
            selected = bool(opt.state & QStyle.StateFlag.State_Selected)
            role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
            painter.save()
            painter.setFont(opt.font)
            painter.setPen(QColor(opt.palette.color(role)))
            painter.drawText(
                full.adjusted(0, 0, -8, 0), int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), key
            )
            painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:  # noqa: N802
        size = super().sizeHint(option, index)
        if index.data(KEY_ROLE):
            size.setWidth(size.width() + KEY_GAP + self.key_width + 8)
        size.setHeight(max(size.height(), option.fontMetrics.height() + 12))
        return size


COMPACT_WIDTH = 180  # px the sidebar may shrink to on a narrow display


class Sidebar(QListWidget):
    """The navigation list: ``set_entries([(title, count, key, screen_index), ...])``."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("navigation")
        self.setAccessibleName("Screens")
        self.delegate = NavDelegate(self)
        self.setItemDelegate(self.delegate)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.setSpacing(2)
        self.setUniformItemSizes(True)
        self.refresh_icon_size()

    def refresh_icon_size(self) -> None:
        side = max(16, round(self.fontMetrics().height() * 1.1))
        self.setIconSize(QSize(side, side))

    @staticmethod
    def entry_text(title: str, count: int | None) -> str:
        return f"{title}  ({count})" if count is not None else title

    def _set_text(self, item: QListWidgetItem, title: str, count: int | None, key: str) -> None:
        name = self.entry_text(title, count)
        item.setData(NAME_ROLE, name)
        item.setText(f"{key}  {name}" if key else name)
        waiting = f", {count} waiting" if count is not None else ""
        item.setToolTip(f"{title}{waiting} ({key})" if key else f"{title}{waiting}")
        item.setData(TITLE_ROLE, title)

    def set_entries(self, entries: list[tuple[str, int | None, str, int]]) -> None:
        self.blockSignals(True)
        self.clear()
        for title, count, key, screen_index in entries:
            item = QListWidgetItem(icon_for_place(place_of_key(key)), "")
            item.setData(SCREEN_ROLE, screen_index)
            item.setData(KEY_ROLE, key)
            self._set_text(item, title, count, key)
            self.addItem(item)
        self.blockSignals(False)
        self.fit_width()

    def set_count(self, row: int, title: str, count: int | None) -> None:
        item = self.item(row)
        self._set_text(item, title, count, str(item.data(KEY_ROLE) or ""))

    def refresh_icons(self) -> None:
        """After a theme change: the icons in the new colours."""
        self.refresh_icon_size()
        for row in range(self.count()):
            item = self.item(row)
            item.setIcon(icon_for_place(place_of_key(str(item.data(KEY_ROLE) or ""))))
        self.fit_width()

    def fit_width(self) -> None:
        """Wide enough for every entry with a two-digit count and its key: nothing cut off."""
        metrics = self.fontMetrics()
        self.delegate.key_width = widest_key = max(
            (metrics.horizontalAdvance(str(self.item(r).data(KEY_ROLE) or "")) for r in range(self.count())), default=0
        )
        widest_name = 0
        for row in range(self.count()):
            title = str(self.item(row).data(TITLE_ROLE) or "")
            widest_name = max(widest_name, metrics.horizontalAdvance(self.entry_text(title, 99)))
        icon = self.iconSize().width() + 8
        padding = 2 * 8 + 2 * self.spacing() + 2 * self.frameWidth() + 12  # the item's padding, the list's frame
        self._needed = needed = icon + widest_name + KEY_GAP + widest_key + 8 + padding
        # as wide as its entries when the window has room; on a 1024 px display it gives way down to
        # COMPACT_WIDTH first (a long name then elides, whole in its tooltip; icon and key stay)
        self.setMinimumWidth(min(needed, COMPACT_WIDTH))
        self.setMaximumWidth(max(COMPACT_WIDTH, needed))
        self.updateGeometry()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return QSize(max(COMPACT_WIDTH, getattr(self, "_needed", COMPACT_WIDTH)), super().sizeHint().height())
