"""The suite's demo template (tests/conftest.py ``demo_template``), loaded in a process of its own
while the first tests run.

Loading the demo pharmacy takes about a minute, most of it waiting on PostgreSQL; a test that wants
the demo used to wait all of it on the spot, on each xdist worker (the one loading, the other for
its dump). Now, as soon as a worker's migrated template exists and the session has tests that want
the demo, one worker of the run (``claim``) starts ``python -m tests.demo_build`` (``start``): it
does what the fixture did (``load_or_restore``: under the run's demo lock, restore the dump another
worker left, or load the demo and leave its dump) into a database of that worker's cluster, writes
(url, summary) to a file and exits; ``finish`` waits for it. The other worker takes the lock and
restores the dump when its first demo test comes, as before. Nothing here decides what the demo
contains: ``load_demo(url, today=..., patients=30)`` as before.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import itertools
import os
import pickle
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parents[1]
PATIENTS = 30
PASSWORD_VARIABLE = "PHARMACY_TEST_CLUSTER_PASSWORD"
_names = itertools.count()


@dataclass(frozen=True)
class Cluster:
    """What creating, loading and dumping a database needs of the worker's ``pg_server``."""

    port: int
    password: str
    bindir: Path

    @classmethod
    def of(cls, server: Any) -> Cluster:
        return cls(server.state.port, server.state.password, Path(server.bindir))

    def admin_dsn(self) -> str:
        from pharmacy_desktop.db.embedded import SUPERUSER

        return f"host=127.0.0.1 port={self.port} dbname=postgres user={SUPERUSER} password={self.password}"

    def create(self, template: str) -> str:
        from pharmacy_desktop.db.embedded import url_for

        name = f"demo_{os.getpid()}_{next(_names)}"
        with psycopg.connect(self.admin_dsn(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        return url_for(self.port, self.password, name)


@contextlib.contextmanager
def locked(path: Path):
    with path.open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def load_or_restore(cluster: Cluster, template_db: str, today: dt.date, dump: Path | None) -> tuple[str, Any]:
    """(url, summary): restored from ``dump`` when another worker of this run left one, else loaded
    (and dumped there for the other worker). Under xdist the caller holds the run's demo lock."""
    from pharmacy_desktop.config import libpq_url
    from pharmacy_desktop.demo import load_demo

    if dump is not None and dump.with_suffix(".summary").exists():
        url = cluster.create("template0")
        subprocess.run(
            [str(cluster.bindir / "pg_restore"), "--exit-on-error", "-d", libpq_url(url), str(dump)],
            check=True, capture_output=True,
        )  # fmt: skip
        return url, pickle.loads(dump.with_suffix(".summary").read_bytes())
    url = cluster.create(template_db)
    summary = load_demo(url, today=today, patients=PATIENTS)
    if dump is not None:
        from pharmacy_desktop.atomic_file import write_atomically

        partial = dump.with_suffix(".partial")
        subprocess.run(
            [str(cluster.bindir / "pg_dump"), "-Fc", "-Z", "0", "-f", str(partial), libpq_url(url)],
            check=True, capture_output=True,
        )  # fmt: skip
        partial.rename(dump)
        write_atomically(dump.with_suffix(".summary"), pickle.dumps(summary))  # last: the dump is complete
    return url, summary


def load_locked(cluster: Cluster, template_db: str, today: dt.date, shared: Path | None) -> tuple[str, Any]:
    """``load_or_restore`` under the run's demo lock (xdist: ``shared`` is the run's folder)."""
    if shared is None:
        return load_or_restore(cluster, template_db, today, None)
    with locked(shared / "demo.lock"):
        return load_or_restore(cluster, template_db, today, shared / f"demo-{today.isoformat()}")


def claim(shared: Path | None, held: list[Any]) -> bool:
    """Is this worker the one of the run that loads the demo in the background? (Without xdist: yes.)
    The claim is a lock held, in ``held``, until the worker ends."""
    if shared is None:
        return True
    fh = (shared / "demo.loader").open("a")
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        fh.close()
        return False
    held.append(fh)
    return True


@dataclass
class Background:
    process: subprocess.Popen[bytes]
    out: Path
    log: Path

    def finish(self) -> tuple[str, Any]:
        """(url, summary) once the process is done; its log's end when it failed."""
        code = self.process.wait()
        if code != 0 or not self.out.exists():
            tail = self.log.read_text(errors="replace")[-4000:] if self.log.exists() else ""
            raise RuntimeError(f"loading the demo template failed (exit {code}):\n{tail}")
        return pickle.loads(self.out.read_bytes())

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start(cluster: Cluster, template_db: str, today: dt.date, shared: Path | None, folder: Path) -> Background:
    out, log = folder / "demo-template.pickle", folder / "demo-template.log"
    argv = [sys.executable, "-m", "tests.demo_build", str(cluster.port), str(cluster.bindir), template_db]
    argv += [today.isoformat(), str(shared or ""), str(out)]
    env = {**os.environ, PASSWORD_VARIABLE: cluster.password}  # not on a command line
    with log.open("wb") as sink:
        process = subprocess.Popen(
            argv, cwd=ROOT, env=env, stdout=sink, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
    return Background(process, out, log)


def main(argv: list[str]) -> int:
    port, bindir, template_db, today, shared, out = argv
    cluster = Cluster(int(port), os.environ.pop(PASSWORD_VARIABLE), Path(bindir))
    result = load_locked(cluster, template_db, dt.date.fromisoformat(today), Path(shared) if shared else None)
    from pharmacy_desktop.atomic_file import write_atomically

    write_atomically(Path(out), pickle.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
