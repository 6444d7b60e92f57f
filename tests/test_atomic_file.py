"""Writing a file all or nothing, also when several writers write it at once."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from pharmacy_desktop.atomic_file import write_atomically


def test_concurrent_writers_never_find_their_temporary_file_gone(tmp_path: Path) -> None:
    target = tmp_path / "embedded.json"
    failures: list[BaseException] = []

    def writer(tag: int) -> None:
        try:
            for n in range(200):
                write_atomically(target, f'{{"writer": {tag}, "n": {n}}}')
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion below
            failures.append(exc)

    threads = [threading.Thread(target=writer, args=(tag,)) for tag in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert target.read_text().startswith('{"writer": ')
    assert [p.name for p in tmp_path.iterdir()] == ["embedded.json"]  # no temporary left behind


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "settings.toml"
    write_atomically(target, "old = 1\n")

    def refuse(_: Path) -> None:
        raise PermissionError("chown refused")

    with pytest.raises(PermissionError):
        write_atomically(target, "new = 2\n", prepare=refuse)
    assert target.read_text() == "old = 1\n"
    assert [p.name for p in tmp_path.iterdir()] == ["settings.toml"]
