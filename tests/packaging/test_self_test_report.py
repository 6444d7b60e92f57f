"""`--self-test`'s report: a failed check is a FAIL line with its reason and the run goes on; the
package-files check refuses an installation whose data is missing (no database needed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pharmacy_desktop import paths, self_test


def test_a_failed_check_is_one_fail_line_and_the_others_still_run(capsys: pytest.CaptureFixture[str]) -> None:
    report = self_test.Report()

    def broken() -> str:
        raise RuntimeError("no such\nthing")

    assert report.run("first", lambda: "detail") == "detail"
    assert report.run("second", broken) is None
    report.run("third", lambda: None)
    assert capsys.readouterr().out.splitlines() == [
        "ok  first (detail)",
        "FAIL second: RuntimeError: no such thing",
        "ok  third",
    ]
    assert report.failed == ["second"] and report.passed == 2


def test_package_files_found_in_the_checkout() -> None:
    assert "migrations, from the source checkout" in self_test.check_package_files()
    assert (paths.migrations_dir() / "env.py").is_file()
    assert (paths.clinical_seed_dir() / "sources.csv").is_file()
    assert (paths.catalog_dir() / "package.txt").is_file()


def test_missing_package_data_fails_the_check(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "migrations").mkdir()
    monkeypatch.setattr(paths, "resources_dir", lambda: tmp_path / "resources")
    with pytest.raises(FileNotFoundError, match="clinical seed"):
        self_test.check_package_files()
