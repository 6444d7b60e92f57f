"""The Qt binding we ship must not leak or drop references on ordinary calls.

PySide6 6.12.0 decremented None's reference count on every Qt method returning void; on Python
3.11 (where None is not immortal) the app aborted with "none_dealloc" after minutes of use. This
test fails on such a binding, long before a counter workstation would crash.
"""

import sys

from PySide6.QtCore import QObject


def test_void_qt_calls_keep_none_alive():
    obj = QObject()
    before = sys.getrefcount(None)
    for _ in range(2000):
        obj.setObjectName("x")
    after = sys.getrefcount(None)
    assert abs(after - before) < 100, f"None refcount went from {before} to {after}"
