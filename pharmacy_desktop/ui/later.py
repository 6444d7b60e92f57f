"""Parts of a screen made after its first showing, readable at any time.

A screen that paints its first turn sooner builds some of its widgets in the event loop's next turns
(bench/gui_stall.py). Code that reads such a part before its turn — a test, a scan's answer, a key —
must get the widget, not an AttributeError: a ``Later`` attribute calls the owner's build method
(named when declared; it must set the instance attribute of the same name) and returns what it made.
Once made, the instance attribute hides the descriptor (it has no ``__set__``), so later reads are
plain attribute reads at no cost.

    class ReviewScreen(Screen):
        alerts: Later[QListWidget] = Later("build_work_area")
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar, overload

T = TypeVar("T")


class Later(Generic[T]):
    def __init__(self, build: str = "finish_build") -> None:
        self.build = build  # the owner's method that makes this part (and sets the attribute)
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> Later[T]: ...

    @overload
    def __get__(self, obj: object, owner: type | None = None) -> T: ...

    def __get__(self, obj: object | None, owner: type | None = None) -> Later[T] | T:
        if obj is None:
            return self
        getattr(obj, self.build)()
        made: Any = vars(obj).get(self.name, self)
        if made is self:
            raise AttributeError(f"{type(obj).__name__}.{self.build}() did not make {self.name!r}")
        return made  # type: ignore[no-any-return]
