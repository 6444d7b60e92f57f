"""The design system's tests: the shell's context, the app's look restored after each test."""

from __future__ import annotations

import pytest

from tests.shell.conftest import context  # noqa: F401 - the shell tests' context fixture, shared


@pytest.fixture
def look(app_look):
    """The application's look (make_application) for this test. Qt's own font, style sheet, palette
    and the theme/zoom properties come back after it (app_look, then the suite's Qt teardown)."""
    return app_look
