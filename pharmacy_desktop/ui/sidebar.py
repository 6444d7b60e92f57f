"""The shell's sidebar: each screen with its icon, its name (and the count waiting there) in the
application's font, and its key at the right edge ("Clinical review (5) ........ F3").

The key is drawn by the delegate in a column of its own, so the names line up without a monospace
font. The item's text stays "F3  Clinical review  (5)" (what the tests, a screen reader and the
tooltip read); the delegate draws the name part (``NAME_ROLE``) and the key (``KEY_ROLE``) apart.
The count is never cut: on a narrow sidebar the title elides before it ("Final verifica…  (2)").
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPalette, QShowEvent
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from pharmacy_desktop.domain.places import Place
from pharmacy_desktop.ui.icons import rendered_place_icon
from pharmacy_desktop.ui.keys import PLACE_KEYS

KEY_ROLE = Qt.ItemDataRole.UserRole + 1  # the entry's key ("F3"), drawn at the right edge
SCREEN_ROLE = Qt.ItemDataRole.UserRole  # the screen's index in the shell's list
TITLE_ROLE = Qt.ItemDataRole.UserRole + 3  # "Clinical review"
NAME_ROLE = Qt.ItemDataRole.UserRole + 2  # "Clinical review  (5)": what the delegate draws beside the icon
COUNT_ROLE = Qt.ItemDataRole.UserRole + 4  # "  (5)" (None without a count): drawn whole after the title
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
        self.show_keys = True  # False on a narrow window: the names keep the room (keys in the tooltips)
        # sizeHint is asked for each row on each layout of the list: the answers, until an entry, the
        # font, the icons or the key column change (``Sidebar.forget_sizes``)
        self._sizes: dict[tuple[int, bool, int], QSize] = {}

    def paint(
        self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        key = str(index.data(KEY_ROLE) or "") if self.show_keys else ""
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
        opt.text = self.shown_name(opt, index)
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

    def shown_name(self, opt: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> str:
        """The name as drawn in ``opt.rect``: whole if it fits, else the title elided and the count whole."""
        name = str(index.data(NAME_ROLE) or opt.text)
        tail = index.data(COUNT_ROLE)
        if not tail:
            return name  # the style elides a long name itself
        style = self.view.style()
        text_rect = style.subElementRect(QStyle.SubElement.SE_ItemViewItemText, opt, self.view)
        # the style keeps this margin inside the text's rectangle at either end (QCommonStyle's viewItemDrawText)
        margin = style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, self.view) + 1
        room = text_rect.width() - 2 * margin
        metrics = opt.fontMetrics
        if metrics.horizontalAdvance(name) <= room:
            return name
        title = str(index.data(TITLE_ROLE) or "")
        left = max(0, room - metrics.horizontalAdvance(str(tail)) - 1)  # a pixel for rounding
        return metrics.elidedText(title, Qt.TextElideMode.ElideRight, left) + str(tail)

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:  # noqa: N802
        key = (index.row(), self.show_keys, option.fontMetrics.height())
        size = self._sizes.get(key)
        if size is None:
            size = super().sizeHint(option, index)
            if index.data(KEY_ROLE) and self.show_keys:
                size.setWidth(size.width() + KEY_GAP + self.key_width + 8)
            size.setHeight(max(size.height(), option.fontMetrics.height() + 12))
            self._sizes[key] = size
        return QSize(size)

    def forget_sizes(self) -> None:
        self._sizes.clear()


COMPACT_WIDTH = 180  # px the sidebar may shrink to on a narrow display
WINDOW_SHARE = 0.2  # of the window's width at most, down to COMPACT_WIDTH: the screens' tables come first


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
        self._needed = self._names_only = COMPACT_WIDTH
        self._width = COMPACT_WIDTH  # what _apply_width last chose: the size hint
        self._watched: QWidget | None = None
        self.refresh_icon_size()

    def refresh_icon_size(self) -> None:
        side = max(16, round(self.fontMetrics().height() * 1.1))
        self.setIconSize(QSize(side, side))

    @staticmethod
    def entry_text(title: str, count: int | None) -> str:
        return f"{title}  ({count})" if count is not None else title

    def _set_text(self, item: QListWidgetItem, title: str, count: int | None, key: str) -> None:
        name = self.entry_text(title, count)
        self.delegate.forget_sizes()
        item.setData(NAME_ROLE, name)
        item.setData(COUNT_ROLE, name[len(title) :] if count is not None else None)
        item.setText(f"{key}  {name}" if key else name)
        waiting = f", {count} waiting" if count is not None else ""
        item.setToolTip(f"{title}{waiting} ({key})" if key else f"{title}{waiting}")
        item.setData(TITLE_ROLE, title)

    def set_entries(self, entries: list[tuple[str, int | None, str, int]]) -> None:
        self.blockSignals(True)
        self.clear()
        for title, count, key, screen_index in entries:
            item = QListWidgetItem(rendered_place_icon(place_of_key(key), self.iconSize().width()), "")
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
            item.setIcon(rendered_place_icon(place_of_key(str(item.data(KEY_ROLE) or "")), self.iconSize().width()))
        self.fit_width()

    def fit_width(self) -> None:
        """Wide enough for every entry with a two-digit count and its key: nothing cut off."""
        self.delegate.forget_sizes()
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
        self._names_only = icon + widest_name + padding
        self._needed = self._names_only + KEY_GAP + widest_key + 8
        self._apply_width()

    def width_for(self, window_width: int) -> int:
        """The sidebar's width in a window ``window_width`` px wide: as wide as its entries when the
        window has room, else at most WINDOW_SHARE of it, down to COMPACT_WIDTH (0: no window yet)."""
        if window_width <= 0:
            return self._needed
        return max(COMPACT_WIDTH, min(self._needed, int(window_width * WINDOW_SHARE)))

    def _apply_width(self, *, relayout: bool = True) -> None:
        """On a narrow window the sidebar gives way first: its keys step aside (they stay in each entry's
        tooltip and accessible text), then a long name elides before its count (whole in its tooltip).

        ``relayout``: lay the entries out again (their sizes changed); a showing or a resize of the
        window lays them out only if the keys stepped aside or came back."""
        window = self.window()
        width = self.width_for(window.width() if window is not self else 0)
        show_keys = width >= self._needed
        if show_keys != self.delegate.show_keys:
            self.delegate.show_keys = show_keys
            relayout = True
        # its width is a wish (size hint and maximum), not a minimum: a minimum that follows the window
        # raised the window's own minimum with it (the screen's minimum + a fifth of the window), so a
        # window made 1920 px wide could not go back to 1024 (review: 994 px at 1024, 1092 after 1920).
        # The layout still gives it the whole width: the screen beside it has a stretch, and a stretched
        # item asks for no more than its minimum before the others have their size hints.
        floor = min(COMPACT_WIDTH, width)
        if width != self._width or floor != self.minimumWidth() or width != self.maximumWidth():
            self._width = width
            self.setMinimumWidth(floor)
            self.setMaximumWidth(width)
            self.updateGeometry()
        if relayout:
            self.doItemsLayout()
            self.viewport().update()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt API
        window = self.window()
        if window is not self and window is not self._watched:
            if self._watched is not None:
                self._watched.removeEventFilter(self)
            self._watched = window
            window.installEventFilter(self)
        self._apply_width(relayout=False)
        super().showEvent(event)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt API
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self.delegate.forget_sizes()
        super().changeEvent(event)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if watched is self._watched and event.type() == QEvent.Type.Resize:
            self._apply_width(relayout=False)
        return super().eventFilter(watched, event)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return QSize(self._width, super().sizeHint().height())
