"""Fixtures of the fill tests: a catalog, stock and one validated prescription."""

from __future__ import annotations

import pytest

from tests.fill import factories


@pytest.fixture
def rx_world(uow_factory):
    return factories.world(uow_factory)
