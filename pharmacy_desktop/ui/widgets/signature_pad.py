"""The signature pad: the patient signs with a mouse, a pen or a finger; the pickup stores the PNG.

Signature pads sold for counters (Topaz, Wacom STU in tablet mode, a touch monitor) reach the
application as tablet or touch events, or as a mouse: all three draw here. The ink is kept in the
coordinates of the stored image (``SIZE``), so what the patient sees on screen is what is saved,
whatever size the widget has.

A dot or a straight stroke is not a signature: ``problem()`` says why a drawing is refused, and
the screen does not complete the pickup until it returns None.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QBuffer, QByteArray, QEvent, QIODevice, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFocusEvent,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
    QShowEvent,
    QTabletEvent,
    QTouchEvent,
)
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from pharmacy_desktop.ui.style import ERROR, FOCUS, HINT, MUTED, WHITE

SIZE = QSize(600, 200)  # the stored image, in pixels; 3:1 like the pads' signing area
INK_WIDTH = 3.0
# below these a drawing is a dot, a tick or a line, not a signature
MIN_POINTS = 6  # a simulated stroke has few; a real pen gives hundreds
MIN_WIDTH = 60.0  # pixels of the stored image (a tenth of its width)
MIN_HEIGHT = 12.0
MIN_THICKNESS = 4.0  # spread across the drawing's main direction: a straight line at any angle has ~0
MIN_LENGTH = 120.0  # total length of the strokes

Stroke = list[QPointF]


def _spread_across(points: list[QPointF]) -> float:
    """How far the points stray from their best straight line (the smaller principal axis, as a
    standard deviation in pixels)."""
    n = len(points)
    mx = sum(p.x() for p in points) / n
    my = sum(p.y() for p in points) / n
    sxx = sum((p.x() - mx) ** 2 for p in points) / n
    syy = sum((p.y() - my) ** 2 for p in points) / n
    sxy = sum((p.x() - mx) * (p.y() - my) for p in points) / n
    half_trace = (sxx + syy) / 2
    root = math.sqrt(max(0.0, half_trace**2 - (sxx * syy - sxy**2)))
    return math.sqrt(max(0.0, half_trace - root))


def signature_problem(strokes: list[Stroke]) -> str | None:
    """Why ``strokes`` (in image coordinates) are not accepted as a signature; None when they are."""
    points = [p for stroke in strokes for p in stroke]
    if not points:
        return "No signature yet: the patient signs on the pad."
    xs = [p.x() for p in points]
    ys = [p.y() for p in points]
    length = sum(
        math.hypot(b.x() - a.x(), b.y() - a.y()) for stroke in strokes for a, b in zip(stroke, stroke[1:], strict=False)
    )
    too_small = (
        len(points) < MIN_POINTS
        or max(xs) - min(xs) < MIN_WIDTH
        or max(ys) - min(ys) < MIN_HEIGHT
        or length < MIN_LENGTH
    )
    if too_small or _spread_across(points) < MIN_THICKNESS:
        return (
            "That is not a signature (a dot or a straight line). "
            "Clear the pad (Delete) and ask the patient to sign their name across the line."
        )
    return None


class SignatureCanvas(QWidget):
    """The surface the patient signs on. Delete or Backspace clears it."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("signatureCanvas")
        self.setAccessibleName("Signature pad")
        self.setAccessibleDescription("The patient signs here with the mouse, a pen or a finger. Delete clears it.")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAttribute(Qt.WidgetAttribute.WA_AcceptTouchEvents)
        self.setAttribute(Qt.WidgetAttribute.WA_TabletTracking, False)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setMinimumSize(SIZE.width() * 2 // 5, SIZE.height() * 2 // 5)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.strokes: list[Stroke] = []
        self._drawing = False

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return QSize(SIZE.width(), SIZE.height())

    # No height-for-width: Qt asks a Python override on every layout pass of every ancestor (it held
    # the GUI thread for ~0.3 s when the pickup's sale page opened, bench/gui_stall.py). The sheet
    # keeps the stored image's 3:1 shape anyway: ``sheet()`` scales it to fit and centres it.

    # -- coordinates: the stored image's area, scaled to fit and centred in the widget ------------

    def _scale(self) -> float:
        return min(self.width() / SIZE.width(), self.height() / SIZE.height())

    def sheet(self) -> QRectF:
        """Where the image's area is drawn in the widget."""
        s = self._scale()
        w, h = SIZE.width() * s, SIZE.height() * s
        return QRectF((self.width() - w) / 2, (self.height() - h) / 2, w, h)

    def to_image(self, pos: QPointF) -> QPointF:
        sheet, s = self.sheet(), self._scale() or 1.0
        x = min(max((pos.x() - sheet.x()) / s, 0.0), float(SIZE.width()))
        y = min(max((pos.y() - sheet.y()) / s, 0.0), float(SIZE.height()))
        return QPointF(x, y)

    # -- ink ----------------------------------------------------------------------------------------

    def begin(self, pos: QPointF) -> None:
        self._drawing = True
        self.strokes.append([self.to_image(pos)])
        self.update()

    def extend(self, pos: QPointF) -> None:
        if not self._drawing or not self.strokes:
            return
        point = self.to_image(pos)
        last = self.strokes[-1][-1]
        if point != last:
            self.strokes[-1].append(point)
            self.update()

    def end(self, pos: QPointF | None = None) -> None:
        if self._drawing and pos is not None:
            self.extend(pos)
        if self._drawing:
            self._drawing = False
            self.changed.emit()

    def clear(self) -> None:
        self.strokes = []
        self._drawing = False
        self.update()
        self.changed.emit()

    # -- input: mouse, pen (a pad acting as a tablet), touch ----------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt API
        if event.button() == Qt.MouseButton.LeftButton:
            self.setFocus(Qt.FocusReason.MouseFocusReason)
            self.begin(event.position())
            event.accept()
        else:
            super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt API
        # our own flag, not event.buttons(): synthetic moves (tests, some pad drivers) carry no buttons
        self.extend(event.position())
        event.accept()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt API
        if event.button() == Qt.MouseButton.LeftButton:
            self.end(event.position())
            event.accept()
        else:
            super().mouseReleaseEvent(event)

    def tabletEvent(self, event: QTabletEvent) -> None:  # noqa: N802 - Qt API
        kind = event.type()
        if kind == QEvent.Type.TabletPress:
            self.setFocus(Qt.FocusReason.OtherFocusReason)
            self.begin(event.position())
        elif kind == QEvent.Type.TabletMove:
            if event.pressure() > 0 or self._drawing:
                self.extend(event.position())
        elif kind == QEvent.Type.TabletRelease:
            self.end(event.position())
        event.accept()  # accepted: Qt does not also send the mouse events it would synthesise

    def event(self, event: QEvent) -> bool:
        kind = event.type()
        if isinstance(event, QTouchEvent) and kind in (
            QEvent.Type.TouchBegin,
            QEvent.Type.TouchUpdate,
            QEvent.Type.TouchEnd,
            QEvent.Type.TouchCancel,
        ):
            # one finger signs; its screen position mapped here (the point's own position() is
            # relative to the window on some platforms)
            points = [self.mapFromGlobal(p.globalPosition()) for p in event.points()[:1]]
            if kind == QEvent.Type.TouchBegin and points:
                self.setFocus(Qt.FocusReason.OtherFocusReason)
                self.begin(points[0])
            elif kind == QEvent.Type.TouchUpdate and points:
                self.extend(points[0])
            elif kind == QEvent.Type.TouchEnd:
                self.end(points[0] if points else None)
            else:
                self.end()
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt API
        if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self.clear()
            event.accept()
            return
        super().keyPressEvent(event)

    def focusInEvent(self, event: QFocusEvent) -> None:  # noqa: N802 - Qt API
        super().focusInEvent(event)
        self.update()

    def focusOutEvent(self, event: QFocusEvent) -> None:  # noqa: N802 - Qt API
        super().focusOutEvent(event)
        self.update()

    # -- drawing ------------------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt API
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        sheet = self.sheet()
        painter.fillRect(self.rect(), self.palette().window())
        painter.fillRect(sheet, QColor(WHITE))
        # focus is shown by a thick blue frame, never by colour of the ink
        focused = self.hasFocus()
        frame = QPen(QColor(FOCUS if focused else MUTED), 4.0 if focused else 1.0)
        frame.setStyle(Qt.PenStyle.SolidLine if focused else Qt.PenStyle.DashLine)
        frame.setJoinStyle(Qt.PenJoinStyle.MiterJoin)
        painter.setPen(frame)
        painter.drawRect(sheet.adjusted(2, 2, -2, -2))
        s = self._scale()
        painter.translate(sheet.topLeft())
        painter.scale(s, s)
        self._draw_guide(painter)
        draw_ink(painter, self.strokes)
        painter.end()

    def _draw_guide(self, painter: QPainter) -> None:
        """The baseline, the "x" and "Sign here": on screen only, never in the stored image."""
        base_y = SIZE.height() * 0.72
        painter.setPen(QPen(QColor(HINT), 1.5))
        painter.drawLine(QPointF(40, base_y), QPointF(SIZE.width() - 30, base_y))
        font = painter.font()
        font.setPixelSize(34)
        painter.setFont(font)
        painter.drawText(QPointF(14, base_y - 4), "x")
        font.setPixelSize(15)
        painter.setFont(font)
        painter.setPen(QColor(MUTED))
        painter.drawText(QPointF(44, base_y + 22), "Sign here")


def draw_ink(painter: QPainter, strokes: list[Stroke]) -> None:
    painter.setPen(
        QPen(QColor("black"), INK_WIDTH, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin)
    )
    for stroke in strokes:
        if len(stroke) == 1:
            painter.drawPoint(stroke[0])
            continue
        path = QPainterPath(stroke[0])
        for point in stroke[1:]:
            path.lineTo(point)
        painter.drawPath(path)


def render_png(strokes: list[Stroke]) -> bytes:
    """Black ink on white, ``SIZE`` pixels, 8-bit grey: a few kilobytes per pickup."""
    image = QImage(SIZE, QImage.Format.Format_RGB32)
    image.fill(QColor(WHITE))
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    draw_ink(painter, strokes)
    painter.end()
    grey = image.convertToFormat(QImage.Format.Format_Grayscale8)
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    grey.save(buffer, "PNG")  # type: ignore[call-overload]  # the stubs say bytes; PySide6 takes str
    buffer.close()
    return bytes(data.data())


class SignaturePad(QWidget):
    """The canvas, a Clear button (Alt+C; Delete on the pad) and the line that says what is wrong."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None, *, prompt: str = "Patient signature"):
        super().__init__(parent)
        self.setObjectName("signaturePad")
        self.canvas = SignatureCanvas()
        self.canvas.changed.connect(self._changed)
        self.setFocusProxy(self.canvas)
        self.caption = QLabel(prompt)
        self.caption.setObjectName("signatureCaption")
        self.caption.setBuddy(self.canvas)
        self.message = QLabel("")
        self.message.setObjectName("signatureMessage")
        self.message.setWordWrap(True)
        self.message.setStyleSheet(f"color: {ERROR}; font-weight: bold;")
        self.message.hide()
        self.clear_button = QPushButton("&Clear")
        self.clear_button.setObjectName("signatureClear")
        self.clear_button.setAccessibleName("Clear the signature")
        self.clear_button.clicked.connect(self.clear)
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.caption, 1)
        top.addWidget(self.clear_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(top)
        layout.addWidget(self.canvas, 1)
        layout.addWidget(self.message)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt API
        # Tab goes into the pad (its focus proxy, the canvas) and on to Clear: Qt skips the other children
        # of a widget whose focus proxy is a child, and a reparenting (the pad placed in a page) rebuilds
        # the chain, so the order is set once the pad is in its window
        QWidget.setTabOrder(self.canvas, self.clear_button)
        super().showEvent(event)

    @property
    def strokes(self) -> list[Stroke]:
        return self.canvas.strokes

    def is_empty(self) -> bool:
        return not any(self.canvas.strokes)

    def problem(self) -> str | None:
        """Why the drawing is not a signature yet; None when it is."""
        return signature_problem(self.canvas.strokes)

    def is_accepted(self) -> bool:
        return self.problem() is None

    def check(self) -> bool:
        """Accepted, or show why not under the pad (the screen calls it before completing)."""
        problem = self.problem()
        self.message.setText(problem or "")
        self.message.setVisible(problem is not None)
        return problem is None

    def png_bytes(self) -> bytes:
        return render_png(self.canvas.strokes)

    def clear(self) -> None:
        self.canvas.clear()
        self.canvas.setFocus(Qt.FocusReason.OtherFocusReason)

    def _changed(self) -> None:
        if self.message.isVisible() and self.problem() is None:
            self.message.hide()
        self.changed.emit()
