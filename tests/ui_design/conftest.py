"""The design system's tests: a context for the shell, the app's look restored after each test."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

from pharmacy_desktop.config import Config  # noqa: E402
from pharmacy_desktop.ui.context import AppContext  # noqa: E402


@pytest.fixture
def context(uow_factory, database_url) -> AppContext:
    return AppContext(
        uow_factory=uow_factory,
        config=Config(workstation_name="test-ws"),
        workstation="test-ws",
        database_url=database_url,
    )


@pytest.fixture
def look(qapp):
    """The application's look (make_application) for this test; Qt's defaults again afterwards,
    palette and the theme/zoom properties included."""
    from pharmacy_desktop.ui.app import make_application

    font, sheet, palette = qapp.font(), qapp.styleSheet(), qapp.palette()
    make_application()
    yield qapp
    qapp.setFont(font)
    qapp.setStyleSheet(sheet)
    qapp.setPalette(palette)
    for name in ("pharmacyTheme", "pharmacyZoom"):
        qapp.setProperty(name, None)
