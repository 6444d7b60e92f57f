"""The patient banner's wrapped lines ask for the height their text needs at the banner's width now,
not at a narrower width they were once laid out at (QLabel.heightForWidth answers at least the
minimum height, so a minimum fitted at 100 px used to stay: blank bands in intake's patient box)."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication, QWidget

from pharmacy_desktop.ui.widgets.patient_banner import PatientBanner

pytestmark = pytest.mark.ui


def test_the_lines_shrink_back_when_the_banner_widens(qtbot, app_look):
    host = QWidget()  # no layout: the banner is exactly as wide as set
    qtbot.addWidget(host)
    host.resize(1000, 500)
    banner = PatientBanner(host)
    host.show()
    banner.setGeometry(0, 0, 120, 400)  # narrow: the hint wraps over several lines
    QApplication.processEvents()
    narrow = banner.facts.minimumHeight()
    banner.setGeometry(0, 0, 900, 400)
    QApplication.processEvents()
    line = banner.facts.fontMetrics().lineSpacing()
    assert narrow > 2 * line  # several lines at 120 px
    assert banner.facts.minimumHeight() <= 2 * line + 4, (narrow, banner.facts.minimumHeight())
    assert banner.allergies.minimumHeight() < narrow
