"""The signature pad: strokes from the mouse, a pen (tablet events) and a finger (touch) become ink
in the stored PNG where they were drawn; a dot or a straight line is refused; Clear by keyboard."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QInputDevice, QPointingDevice, QTabletEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from pharmacy_desktop.ui.style import FOCUS
from pharmacy_desktop.ui.widgets.signature_pad import SignaturePad

# a signature-like zigzag with a loop, in pixels of a 600x200 canvas (= the stored image)
ZIGZAG = [(60, 120), (90, 60), (120, 140), (150, 70), (190, 150), (230, 80), (270, 130), (300, 90), (330, 120)]
SECOND = [(380, 140), (420, 70), (470, 140), (500, 100)]


@pytest.fixture
def pad(qtbot):
    widget = SignaturePad()
    qtbot.addWidget(widget)
    widget.canvas.setFixedSize(600, 200)  # one widget pixel = one image pixel
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def draw(canvas, points, *, offset=(0, 0), scale=1.0):
    def at(p):
        return QPoint(round(offset[0] + p[0] * scale), round(offset[1] + p[1] * scale))

    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at(points[0]))
    for p in points[1:]:
        QTest.mouseMove(canvas, at(p))
    QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at(points[-1]))


def decode(png: bytes) -> Image.Image:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    image = Image.open(io.BytesIO(png))
    image.load()
    return image.convert("L")


def darkest_near(image, x, y, r=3):
    return min(
        image.getpixel((min(max(x + dx, 0), image.width - 1), min(max(y + dy, 0), image.height - 1)))
        for dx in range(-r, r + 1)
        for dy in range(-r, r + 1)
    )


def midpoints(points):
    return [((a[0] + b[0]) // 2, (a[1] + b[1]) // 2) for a, b in zip(points, points[1:], strict=False)]


def test_mouse_strokes_are_ink_in_the_png_where_they_were_drawn(pad):
    assert pad.is_empty()
    draw(pad.canvas, ZIGZAG)
    draw(pad.canvas, SECOND)
    assert not pad.is_empty()
    assert pad.problem() is None and pad.check()

    image = decode(pad.png_bytes())
    assert image.size == (600, 200)
    for x, y in ZIGZAG + SECOND + midpoints(ZIGZAG) + midpoints(SECOND):
        assert darkest_near(image, x, y) < 80, (x, y)
    # white background away from the strokes: the corners, above the signature, the right end
    for x, y in [(2, 2), (597, 2), (2, 197), (597, 197), (300, 20), (560, 100), (20, 100)]:
        assert darkest_near(image, x, y) > 245, (x, y)
    # mostly white: ink is a small part of the image
    dark = sum(1 for v in image.get_flattened_data() if v < 128)
    assert 300 < dark < 0.1 * 600 * 200


def test_ink_lands_in_image_coordinates_whatever_the_widget_size(pad):
    pad.canvas.setFixedSize(1200, 400)  # twice the image: scaled down by two
    draw(pad.canvas, ZIGZAG, scale=2.0)
    image = decode(pad.png_bytes())
    for x, y in ZIGZAG:
        assert darkest_near(image, x, y) < 80, (x, y)

    pad.clear()
    pad.canvas.setFixedSize(900, 200)  # wider than 3:1: the signing area is centred, 150 px each side
    draw(pad.canvas, ZIGZAG, offset=(150, 0))
    image = decode(pad.png_bytes())
    for x, y in ZIGZAG:
        assert darkest_near(image, x, y) < 80, (x, y)
    assert darkest_near(image, 450, 20) > 245


@pytest.mark.parametrize(
    "strokes",
    [
        [[(300, 100)]],  # a dot
        [[(300, 100), (303, 102), (301, 104)]],  # a tick
        [[(50, 120), (150, 120), (300, 121), (550, 120)]],  # a horizontal line
        [[(60, 180), (200, 133), (340, 87), (480, 40)]],  # a straight diagonal: big box, no width across
        [[(100, 100), (300, 100)], [(300, 100), (500, 100)]],  # two strokes along one line
    ],
)
def test_a_dot_or_a_straight_line_is_not_a_signature(pad, strokes):
    for stroke in strokes:
        draw(pad.canvas, stroke)
    assert not pad.is_empty()
    assert not pad.check()
    assert pad.message.isVisible()
    assert "not a signature" in pad.message.text()
    # signing properly afterwards takes the message away
    pad.clear()
    draw(pad.canvas, ZIGZAG)
    assert pad.check() and not pad.message.isVisible()


def test_empty_pad_is_refused_with_a_message(pad):
    assert not pad.check()
    assert "No signature" in pad.message.text()
    assert decode(pad.png_bytes()).getextrema() == (255, 255)


def test_delete_clears_the_pad_and_alt_c_too(qtbot, pad):
    draw(pad.canvas, ZIGZAG)
    pad.canvas.setFocus()
    QTest.keyClick(pad.canvas, Qt.Key.Key_Delete)
    assert pad.is_empty()

    draw(pad.canvas, ZIGZAG)
    pad.activateWindow()
    qtbot.waitUntil(pad.isActiveWindow)
    QTest.keyClick(pad.window().windowHandle(), Qt.Key.Key_C, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(pad.is_empty)  # a mnemonic "animates" the click: it lands a moment later
    assert pad.canvas.hasFocus()  # ready for the next try
    assert decode(pad.png_bytes()).getextrema() == (255, 255)


def _pen():
    return QPointingDevice(
        "test pen",
        7,
        QInputDevice.DeviceType.Stylus,
        QPointingDevice.PointerType.Pen,
        QInputDevice.Capability.Position | QInputDevice.Capability.Pressure,
        1,
        2,
    )


def test_a_pen_draws_through_tablet_events(pad):
    pen = _pen()

    def send(kind, p, pressure):
        pos = QPointF(*p)
        button = Qt.MouseButton.LeftButton if kind != QEvent.Type.TabletMove else Qt.MouseButton.NoButton
        buttons = Qt.MouseButton.NoButton if kind == QEvent.Type.TabletRelease else Qt.MouseButton.LeftButton
        event = QTabletEvent(
            kind,
            pen,
            pos,
            QPointF(pad.canvas.mapToGlobal(pos)),
            pressure,
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
            Qt.KeyboardModifier.NoModifier,
            button,
            buttons,
        )
        QApplication.sendEvent(pad.canvas, event)
        assert event.isAccepted()

    send(QEvent.Type.TabletPress, ZIGZAG[0], 0.6)
    for p in ZIGZAG[1:]:
        send(QEvent.Type.TabletMove, p, 0.6)
    send(QEvent.Type.TabletRelease, ZIGZAG[-1], 0.0)
    assert pad.is_accepted()
    image = decode(pad.png_bytes())
    for x, y in ZIGZAG + midpoints(ZIGZAG):
        assert darkest_near(image, x, y) < 80, (x, y)


def test_a_finger_draws_through_touch_events(pad):
    device = QTest.createTouchDevice()
    QTest.touchEvent(pad.canvas, device).press(0, QPoint(*ZIGZAG[0]), pad.canvas).commit()
    for p in ZIGZAG[1:]:
        QTest.touchEvent(pad.canvas, device).move(0, QPoint(*p), pad.canvas).commit()
    QTest.touchEvent(pad.canvas, device).release(0, QPoint(*ZIGZAG[-1]), pad.canvas).commit()
    assert pad.is_accepted()
    image = decode(pad.png_bytes())
    for x, y in ZIGZAG:
        assert darkest_near(image, x, y) < 80, (x, y)


def test_focus_is_visible_and_the_pad_is_named_for_screen_readers(qtbot, pad):
    assert pad.canvas.accessibleName() == "Signature pad"
    assert pad.clear_button.accessibleName()
    assert pad.focusProxy() is pad.canvas
    other = pad.clear_button
    other.setFocus()
    qtbot.waitUntil(lambda: not pad.canvas.hasFocus())
    unfocused = pad.canvas.grab().toImage()
    pad.setFocus()
    qtbot.waitUntil(pad.canvas.hasFocus)
    focused = pad.canvas.grab().toImage()
    ratio = focused.width() / pad.canvas.width()
    edge = focused.pixelColor(round(300 * ratio), round(1 * ratio))
    assert edge == QColor(FOCUS)  # a thick focus-coloured frame ...
    assert unfocused.pixelColor(round(300 * ratio), round(1 * ratio)) != QColor(FOCUS)  # ... only with focus
    # the guide (baseline, "x", "Sign here") is on screen but never in the stored image
    assert decode(pad.png_bytes()).getextrema() == (255, 255)
