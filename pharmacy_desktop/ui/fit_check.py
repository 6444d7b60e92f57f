"""What a person cannot read on a screen: text wider than the rectangle Qt gives it, and sideways scrolling.

:func:`find_clipping` walks the visible widgets under a root (a screen, the main window, a dialog) and
reports each text that is cut off without the elide-and-tooltip that lets a person read the whole:

- a ``QLabel`` whose one line is wider than its contents rectangle (or whose wrapped text is taller);
  an :class:`~pharmacy_desktop.ui.widgets.elided_label.ElidedLabel` (or any widget with the dynamic
  property ``elides`` set) is fine when its tooltip holds the whole text;
- a button, check box or radio button whose text (and icon) is wider than the button;
- a header section (table or tree) whose title is wider than the section;
- a table or tree cell whose text is wider than its column and whose model gives no tooltip;
- a line edit's placeholder or a combo box's current text wider than its field, without a tooltip;
- a tab whose title is cut without a tooltip; a group box title wider than the box;
- a scroll area (tables and lists included) showing a horizontal scroll bar;
- a table or tree cell naming a drug whose drawn text does not show it whole through its strength
  (:func:`find_lost_strength`: an elided cell with a tooltip is fine, unless the strength went).

Used by the tests that walk every screen at 1024x768, 1280x800 and 1920x1080, and by anyone looking
for why a screen reads badly (``python -c`` on a running shell). Plain inspection: it changes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QFont, QFontMetrics, QTextDocument
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractScrollArea,
    QCheckBox,
    QComboBox,
    QGroupBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QStyle,
    QStyleOptionButton,
    QStyleOptionComboBox,
    QTabBar,
    QTableView,
    QToolButton,
    QTreeView,
    QWidget,
)

_TAG = re.compile(r"<[a-zA-Z!/][^>]*>")
SLACK = 2  # px: rounding between font metrics and layout
ELLIPSIS = "\u2026"  # what Qt ends a cut text with
CELL_ROWS = 40  # the table rows looked at (the visible ones are the first few dozen at most)


@dataclass(frozen=True)
class Clip:
    """One text a person cannot read whole (or a sideways scroll bar)."""

    where: str  # the widget's path of object names / classes under the root
    kind: str  # label | button | header | cell | placeholder | combo | tab | group | scrollbar | strength
    text: str
    needed: int  # px the text needs
    available: int  # px it has

    def __str__(self) -> str:
        return f"{self.kind} {self.text!r} needs {self.needed} px, has {self.available} px ({self.where})"


def find_clipping(root: QWidget) -> list[Clip]:
    """Every clipped text and horizontal scroll bar among the widgets of ``root`` a person can see,
    and every table or tree cell that loses a drug's strength (:func:`find_lost_strength`)."""
    found: list[Clip] = []
    for widget in [root, *root.findChildren(QWidget)]:
        if not _shown(widget, root):
            continue
        found.extend(_check(widget, root))
    return found + find_lost_strength(root)


def _shown(widget: QWidget, root: QWidget) -> bool:
    if widget is not root and not widget.isVisibleTo(root):
        return False
    return widget.width() > 0 and widget.height() > 0


def _check(widget: QWidget, root: QWidget) -> list[Clip]:
    if isinstance(widget, QHeaderView):  # an item view itself: before the scroll areas
        return _header(widget, root)
    if isinstance(widget, QAbstractScrollArea):
        found = _scrollbar(widget, root)
        if isinstance(widget, QAbstractItemView):
            found += _cells(widget, root)
        return found
    if isinstance(widget, QLabel):
        return _label(widget, root)
    if isinstance(widget, QAbstractButton):
        return _button(widget, root)
    if isinstance(widget, QLineEdit):
        return _placeholder(widget, root)
    if isinstance(widget, QComboBox):
        return _combo(widget, root)
    if isinstance(widget, QTabBar):
        return _tabs(widget, root)
    if isinstance(widget, QGroupBox):
        return _group(widget, root)
    return []


def path_of(widget: QWidget, root: QWidget) -> str:
    parts: list[str] = []
    current: QWidget | None = widget
    while current is not None and current is not root:
        parts.append(current.objectName() or type(current).__name__)
        current = current.parentWidget()
    parts.append(root.objectName() or type(root).__name__)
    return "/".join(reversed(parts))


def _elides_with_tooltip(widget: QWidget, text: str) -> bool:
    from pharmacy_desktop.ui.widgets.elided_label import ElidedLabel

    designed = isinstance(widget, ElidedLabel) or bool(widget.property("elides"))
    return designed and _tooltip_holds(widget.toolTip(), text)


def _tooltip_holds(tooltip: str | None, text: str) -> bool:
    if not tooltip:
        return False
    plain = " ".join(_plain(tooltip).split())
    return " ".join(_plain(text).split()) in plain


def _might_be_rich(text: str) -> bool:
    """Qt's own guess (Qt::mightBeRichText, not in PySide6): a tag near the start."""
    return bool(_TAG.search(text[: text.find("\n") if "\n" in text else len(text)]))


def _plain(text: str) -> str:
    if _might_be_rich(text):
        document = QTextDocument()
        document.setHtml(text)
        return document.toPlainText()
    return text


def _clip(widget: QWidget, root: QWidget, kind: str, text: str, needed: int, available: int) -> list[Clip]:
    if needed <= available + SLACK:
        return []
    return [Clip(path_of(widget, root), kind, text, int(needed), int(available))]


# -- the kinds of widget ------------------------------------------------------------------------------


def _label(label: QLabel, root: QWidget) -> list[Clip]:
    text = label.text()
    if not text.strip() or label.pixmap() is not None and not label.pixmap().isNull():
        return []
    if _elides_with_tooltip(label, text):
        return []
    rect = label.contentsRect()
    margin = 2 * label.margin() + 2 * max(label.indent(), 0)
    rich = label.textFormat() == Qt.TextFormat.RichText or (
        label.textFormat() == Qt.TextFormat.AutoText and _might_be_rich(text)
    )
    if label.wordWrap():
        needed_height = label.heightForWidth(label.width())
        if needed_height > label.height() + SLACK:
            return [Clip(path_of(label, root), "label", _plain(text), needed_height, label.height())]
        if rich:
            return []  # a wrapped rich text only overflows downwards (checked above)
        longest = max((QFontMetrics(label.font()).horizontalAdvance(w) for w in text.split()), default=0)
        return _clip(label, root, "label", text, longest + margin, rect.width())
    if rich:
        document = QTextDocument()
        document.setDefaultFont(label.font())
        document.setDocumentMargin(0)
        document.setHtml(text)
        needed = int(document.idealWidth())
        plain = document.toPlainText()
    else:
        metrics = QFontMetrics(label.font())
        plain = text.replace("&&", "\0").replace("&", "").replace("\0", "&") if label.buddy() else text
        needed = max(metrics.horizontalAdvance(line) for line in plain.split("\n"))
    return _clip(label, root, "label", plain, needed + margin, rect.width())


def _button(button: QAbstractButton, root: QWidget) -> list[Clip]:
    text = button.text().replace("&&", "\0").replace("&", "").replace("\0", "&")
    if not text.strip():
        return []
    if isinstance(button, QToolButton) and button.toolButtonStyle() == Qt.ToolButtonStyle.ToolButtonIconOnly:
        return []
    if _elides_with_tooltip(button, text):
        return []
    style = button.style()
    metrics = QFontMetrics(button.font())
    needed = metrics.horizontalAdvance(text)
    icon = 0 if button.icon().isNull() else button.iconSize().width() + 4
    if isinstance(button, (QCheckBox, QRadioButton)):
        indicator = (
            QStyle.PixelMetric.PM_IndicatorWidth
            if isinstance(button, QCheckBox)
            else QStyle.PixelMetric.PM_ExclusiveIndicatorWidth
        )
        spacing = (
            QStyle.PixelMetric.PM_CheckBoxLabelSpacing
            if isinstance(button, QCheckBox)
            else QStyle.PixelMetric.PM_RadioButtonLabelSpacing
        )
        needed += style.pixelMetric(indicator, None, button) + style.pixelMetric(spacing, None, button) + icon
        return _clip(button, root, "button", text, needed, button.width())
    option = QStyleOptionButton()
    option.initFrom(button)
    margin = 2 * style.pixelMetric(QStyle.PixelMetric.PM_ButtonMargin, option, button)
    frame = 2 * style.pixelMetric(QStyle.PixelMetric.PM_DefaultFrameWidth, option, button)
    menu = (
        style.pixelMetric(QStyle.PixelMetric.PM_MenuButtonIndicator, option, button)
        if isinstance(button, QPushButton) and button.menu() is not None
        else 0
    )
    return _clip(button, root, "button", text, needed + icon + margin + frame + menu, button.width())


def _header(header: QHeaderView, root: QWidget) -> list[Clip]:
    model = header.model()
    if model is None:
        return []
    found: list[Clip] = []
    style = header.style()
    margin = 2 * style.pixelMetric(QStyle.PixelMetric.PM_HeaderMargin, None, header)
    bold = QFont(header.font())
    bold.setBold(True)
    for logical in range(header.count()):
        if header.isSectionHidden(logical) or header.sectionSize(logical) <= 0:
            continue
        lit = _highlighted(header, logical)  # Qt draws the title of a section with a selection in it bold
        metrics = QFontMetrics(bold if lit else header.font())
        text = model.headerData(logical, header.orientation(), Qt.ItemDataRole.DisplayRole)
        if not text:
            continue
        text = str(text)
        tooltip = model.headerData(logical, header.orientation(), Qt.ItemDataRole.ToolTipRole)
        if tooltip and _tooltip_holds(str(tooltip), text) and header.textElideMode() != Qt.TextElideMode.ElideNone:
            continue
        needed = max(metrics.horizontalAdvance(line) for line in text.split("\n")) + margin
        if header.isSortIndicatorShown() and header.sortIndicatorSection() == logical:
            needed += style.pixelMetric(QStyle.PixelMetric.PM_HeaderMarkSize, None, header)
        if header.orientation() == Qt.Orientation.Horizontal:
            found += _clip(header, root, "header", text, needed, header.sectionSize(logical))
            found += _beyond_view(header, root, logical, text)
    return found


def _highlighted(header: QHeaderView, logical: int) -> bool:
    selection = header.selectionModel()
    if not header.highlightSections() or selection is None or header.model() is None:
        return False
    root = header.rootIndex()
    if header.orientation() == Qt.Orientation.Horizontal:
        return selection.columnIntersectsSelection(logical, root)
    return selection.rowIntersectsSelection(logical, root)


def _beyond_view(header: QHeaderView, root: QWidget, logical: int, text: str) -> list[Clip]:
    """A column that runs past the right edge of its view with no scroll bar to reach it (turned off):
    a person never sees its cells, tooltip or not."""
    view = header.parentWidget()
    if not isinstance(view, QAbstractScrollArea):
        return []
    if view.horizontalScrollBarPolicy() != Qt.ScrollBarPolicy.ScrollBarAlwaysOff:
        return []  # Qt shows a scroll bar to reach it (reported as a scroll bar)
    shown = header.viewport().width()
    start = header.sectionViewportPosition(logical)
    end = start + header.sectionSize(logical)
    if end <= shown + SLACK:
        return []
    return [Clip(path_of(header, root), "header", text, end - start, max(shown - start, 0))]


def _cells(view: QAbstractItemView, root: QWidget) -> list[Clip]:
    if not isinstance(view, (QTableView, QTreeView)) or view.model() is None:
        return []
    model = view.model()
    found: list[Clip] = []
    metrics = QFontMetrics(view.font())
    columns = model.columnCount(QModelIndex())
    rows = min(model.rowCount(QModelIndex()), CELL_ROWS)
    for row in range(rows):
        if isinstance(view, QTableView) and view.isRowHidden(row):
            continue
        for column in range(columns):
            if view.isColumnHidden(column):
                continue
            if isinstance(view, QTableView) and view.columnSpan(row, column) > 1:
                continue
            index = model.index(row, column)
            text = model.data(index, Qt.ItemDataRole.DisplayRole)
            if text is None or not str(text).strip() or view.indexWidget(index) is not None:
                continue
            rect = view.visualRect(index)
            if rect.width() <= 0:
                continue
            needed = metrics.horizontalAdvance(str(text).split("\n")[0]) + 8  # the delegate's margins
            if needed <= rect.width() + SLACK:
                continue
            if model.data(index, Qt.ItemDataRole.ToolTipRole):
                continue
            if view.wordWrap() and "\n" not in str(text) and rect.height() >= 2 * metrics.height():
                continue
            found += _clip(view, root, "cell", str(text), needed, rect.width())
    return found


def _placeholder(edit: QLineEdit, root: QWidget) -> list[Clip]:
    text = edit.placeholderText()
    if not text or edit.text():
        return []
    if _tooltip_holds(edit.toolTip(), text):
        return []
    needed = QFontMetrics(edit.font()).horizontalAdvance(text)
    margins = edit.textMargins()
    available = edit.contentsRect().width() - margins.left() - margins.right() - 2 * 2 - 2 * 2
    return _clip(edit, root, "placeholder", text, needed, available)


def _combo(combo: QComboBox, root: QWidget) -> list[Clip]:
    text = combo.currentText()
    if not text or _tooltip_holds(combo.toolTip(), text) or bool(combo.property("elides")):
        return []
    option = QStyleOptionComboBox()
    option.initFrom(combo)
    option.editable = combo.isEditable()
    field = combo.style().subControlRect(
        QStyle.ComplexControl.CC_ComboBox, option, QStyle.SubControl.SC_ComboBoxEditField, combo
    )
    icon = 0 if combo.itemIcon(combo.currentIndex()).isNull() else combo.iconSize().width() + 4
    needed = QFontMetrics(combo.font()).horizontalAdvance(text) + icon
    return _clip(combo, root, "combo", text, needed, field.width())


def _tabs(bar: QTabBar, root: QWidget) -> list[Clip]:
    found: list[Clip] = []
    metrics = QFontMetrics(bar.font())
    for index in range(bar.count()):
        if not bar.isTabVisible(index):
            continue
        text = bar.tabText(index).replace("&&", "\0").replace("&", "").replace("\0", "&")
        if not text:
            continue
        if bar.elideMode() != Qt.TextElideMode.ElideNone and _tooltip_holds(bar.tabToolTip(index), text):
            continue
        icon = 0 if bar.tabIcon(index).isNull() else bar.iconSize().width() + 4
        needed = metrics.horizontalAdvance(text) + icon + 8
        found += _clip(bar, root, "tab", text, needed, bar.tabRect(index).width())
    return found


def _group(group: QGroupBox, root: QWidget) -> list[Clip]:
    text = group.title().replace("&&", "\0").replace("&", "").replace("\0", "&")
    if not text:
        return []
    needed = QFontMetrics(group.font()).horizontalAdvance(text) + 16 + (20 if group.isCheckable() else 0)
    return _clip(group, root, "group", text, needed, group.width())


def _scrollbar(area: QAbstractScrollArea, root: QWidget) -> list[Clip]:
    bar = area.horizontalScrollBar()
    if bar is None or not bar.isVisible() or bar.maximum() <= 0:
        return []
    return [
        Clip(
            path_of(area, root), "scrollbar", "(horizontal scroll bar)", bar.maximum() + bar.pageStep(), bar.pageStep()
        )
    ]


# -- a drug's strength ----------------------------------------------------------------------------------


def find_lost_strength(root: QWidget) -> list[Clip]:
    """Every table or tree cell under ``root`` that names a drug and does not show it whole through
    its strength (issue 18: "drug name and strength never elided before the strength"). A cell may
    drop the form, wrap, or elide after the strength; what the delegate draws is what is judged."""
    found: list[Clip] = []
    for view in [root, *root.findChildren(QWidget)]:
        if isinstance(view, (QTableView, QTreeView)) and view.model() is not None and _shown(view, root):
            found += _strength_cells(view, root)
    return found


def _strength_cells(view: QTableView | QTreeView, root: QWidget) -> list[Clip]:
    from PySide6.QtCore import QRect

    from pharmacy_desktop.ui.widgets.drug_lines import (
        DrugLinesDelegate,
        cell_lines,
        has_strength,
        kept_part,
        shown_text,
    )

    model = view.model()
    found: list[Clip] = []
    for row in range(min(model.rowCount(QModelIndex()), CELL_ROWS)):
        if isinstance(view, QTableView) and view.isRowHidden(row):
            continue
        for column in range(model.columnCount(QModelIndex())):
            if view.isColumnHidden(column):
                continue
            index = model.index(row, column)
            rect = view.visualRect(index)
            if rect.width() <= 0 or rect.height() <= 0 or view.indexWidget(index) is not None:
                continue
            lines = cell_lines(shown_text(view, index))
            font = index.data(Qt.ItemDataRole.FontRole)
            metrics = QFontMetrics(font if isinstance(font, QFont) else view.font())
            width, height = rect.width() - 6, rect.height() - 4  # the style's text margins (3 px a side)
            wrap = view.wordWrap() or isinstance(view.itemDelegateForIndex(index), DrugLinesDelegate)
            flags = int(Qt.TextFlag.TextWordWrap) if wrap else 0
            whole = metrics.boundingRect(QRect(0, 0, width, 100_000), flags, "\n".join(lines)).height()
            for number, line in enumerate(lines):
                if not has_strength(line):
                    continue
                kept = kept_part(line)
                through = metrics.boundingRect(QRect(0, 0, width, 100_000), flags, "\n".join([*lines[:number], kept]))
                needed_height = through.height() + (0 if whole <= height + SLACK else metrics.lineSpacing())
                # a line cut short ends in an ellipsis, which takes its own room: the strength is kept
                # only when it and the ellipsis fit ("Sertraline Hydrochloride 25 m…" at 1024x768)
                cut = metrics.horizontalAdvance(line) > width
                shown = metrics.horizontalAdvance(kept + ELLIPSIS if cut and kept != line else kept)
                too_wide = not wrap and shown > width + SLACK
                if too_wide or needed_height > height + SLACK:
                    needed = shown if too_wide else needed_height
                    found.append(Clip(path_of(view, root), "strength", kept, needed, width if too_wide else height))
    return found
