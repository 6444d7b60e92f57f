"""Run a database action again when it lost a race with another workstation.

A lost race is a stale version (``ConcurrentUpdate``), stock that moved between planning and
locking (``StockMoved``), a serialization failure, a deadlock, a lock not available, or a stock
CHECK constraint (someone else took the units first). Each attempt is its own transaction.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import DBAPIError, IntegrityError

from pharmacy_desktop.errors import ConcurrentUpdate

log = logging.getLogger(__name__)
T = TypeVar("T")

MAX_ATTEMPTS = 5
_RETRY_SQLSTATES = ("40001", "40P01", "55P03")  # serialization failure, deadlock, lock not available
_STOCK_CHECK = "23514"  # a CHECK constraint on stock: evaluate again


class StockMoved(Exception):
    """The planned lots changed between planning and locking: roll back and plan again."""


def retryable(exc: BaseException) -> bool:
    if isinstance(exc, (ConcurrentUpdate, StockMoved)):
        return True
    if isinstance(exc, DBAPIError) and not isinstance(exc, IntegrityError):
        return getattr(exc.orig, "sqlstate", None) in _RETRY_SQLSTATES
    if isinstance(exc, IntegrityError):
        return getattr(exc.orig, "sqlstate", None) == _STOCK_CHECK
    return False


def with_retry(action: Callable[[int], T], *, attempts: int = MAX_ATTEMPTS) -> T:
    """Run ``action(attempt)``; a lost race (stale version, deadlock, stock CHECK) runs it again."""
    for attempt in range(1, attempts + 1):
        try:
            return action(attempt)
        except Exception as exc:
            if not retryable(exc) or attempt == attempts:
                if retryable(exc):
                    raise ConcurrentUpdate(
                        "Another workstation kept changing this stock; nothing was saved. Try again."
                    ) from exc
                raise
            log.info("retry %d after %s", attempt, type(exc).__name__)
            time.sleep(0.005 * attempt)
    raise AssertionError("unreachable")
