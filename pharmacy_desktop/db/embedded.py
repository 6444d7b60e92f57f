"""The embedded default server: a private PostgreSQL cluster in the user data directory.

Used when no server is configured, and by the test suite for its throwaway cluster. The server
binaries of the machine are used; as root they run through the ``postgres`` OS user, because
``initdb`` and ``pg_ctl`` refuse to run as root.
"""

from __future__ import annotations

import glob
import hashlib
import logging
import os
import secrets
import shutil
import socket
import subprocess
import time
from pathlib import Path

from pharmacy_desktop.db.embedded_state import ServerState, StateFile, is_postgres, pid_alive

log = logging.getLogger(__name__)

DATABASE_NAME = "pharmacy"
SUPERUSER = "pharmacy_owner"
STATE_FILE = "embedded.json"


class EmbeddedServerError(RuntimeError):
    """The private server could not be set up or started; the message says what to do."""


def find_bindir() -> Path:
    """Directory holding initdb/pg_ctl/postgres: PATH, then pg_config, then Debian's layout."""
    candidates: list[Path] = []
    env = os.environ.get("PHARMACY_PG_BINDIR")
    if env:
        candidates.append(Path(env))
    on_path = shutil.which("pg_ctl")
    if on_path:
        candidates.append(Path(on_path).resolve().parent)
    pg_config = shutil.which("pg_config")
    if pg_config:
        try:
            out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, timeout=10)
            if out.returncode == 0 and out.stdout.strip():
                candidates.append(Path(out.stdout.strip()))
        except OSError:
            pass

    def version_key(path: str) -> float:
        try:
            return float(Path(path).parent.name)
        except ValueError:
            return 0.0

    for found in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=version_key, reverse=True):
        candidates.append(Path(found))
    for path in candidates:
        if (path / "initdb").exists() and (path / "pg_ctl").exists():
            return path
    raise EmbeddedServerError(
        "No PostgreSQL server binaries were found (initdb, pg_ctl). Install the server, for example "
        "'apt-get install postgresql' on Debian/Ubuntu, or set PHARMACY_PG_BINDIR to the folder "
        "holding them, or configure a database server with --database-url."
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _traversable_by(path: Path, os_user: str) -> bool:
    """Can ``os_user`` reach ``path``? (root's home is usually closed to the postgres user)."""
    probe = path if path.exists() else path.parent
    while not probe.exists():
        probe = probe.parent
    result = subprocess.run(["runuser", "-u", os_user, "--", "test", "-x", str(probe)], capture_output=True)
    return result.returncode == 0


def outside_data_dir(root: Path) -> Path:
    """The cluster of ``root`` when it cannot live inside it (root's home, closed to the postgres user)."""
    digest = hashlib.sha256(str(Path(root).resolve()).encode()).hexdigest()[:12]
    return Path("/var/lib/pharmacy-desktop") / f"embedded-{digest}" / "pgdata"


class EmbeddedPostgres:
    """A private cluster: ``start()`` returns a SQLAlchemy URL; ``stop()`` only if we started it."""

    def __init__(self, root: Path, *, bindir: Path | None = None, password: str | None = None):
        self.root = Path(root)
        self.bindir = bindir or find_bindir()
        self.as_root = os.geteuid() == 0
        self.os_user = "postgres" if self.as_root else None
        self.data_dir = self._choose_data_dir()
        self.log_file = self.data_dir.parent / "server.log"
        self._fixed_password = password
        self.started_here = False
        self.adopted = False  # running when we came, left behind by an app that is gone: stopped on exit
        self.state: ServerState | None = None

    # -- layout -------------------------------------------------------------------------------

    def _choose_data_dir(self) -> Path:
        preferred = self.root / "pgdata"
        if not self.as_root or _traversable_by(self.root, "postgres"):
            return preferred
        # root's home is closed to the postgres user: keep the cluster in a traversable place
        # owned by postgres and remember where in the user data directory.
        return outside_data_dir(self.root)

    def _run(self, args: list[str], *, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        if self.os_user:
            cmd = ["runuser", "-u", self.os_user, "--", *cmd]
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        if check and result.returncode != 0:
            raise EmbeddedServerError(
                f"{args[0]} failed (exit {result.returncode}): {result.stderr.strip() or result.stdout.strip()}"
            )
        return result

    def _chown(self, path: Path) -> None:
        if self.os_user:
            shutil.chown(path, self.os_user, self.os_user)

    @property
    def state_path(self) -> Path:
        return self.root / STATE_FILE

    @property
    def state_file(self) -> StateFile:
        return StateFile(self.state_path)

    def _load_state(self) -> ServerState | None:
        raw = self.state_file.read()
        if not raw:
            return None
        password = self._fixed_password or _secret_get(self._secret_key())
        if password is None:
            return None
        return ServerState(port=int(raw["port"]), password=password)

    def _save_state(self, state: ServerState) -> None:
        self.state_file.update(port=state.port, data_dir=str(self.data_dir))
        if not self._fixed_password:
            _secret_set(self._secret_key(), state.password)

    def _adopt_if_orphaned(self) -> None:
        """Take over a running server that an app started and left behind (see embedded_state)."""
        running = self._postmaster_pid()
        if not self.state_file.is_orphaned(running):
            return
        log.info("adopting the private database server left running by an earlier start (pid %s)", running)
        self.state_file.record_owner(running)
        self.adopted = True

    def _secret_key(self) -> str:
        return f"embedded:{self.data_dir}"

    # -- lifecycle ----------------------------------------------------------------------------

    @property
    def initialized(self) -> bool:
        return (self.data_dir / "PG_VERSION").exists()

    def initialize(self) -> None:
        if self.initialized:
            return
        self.root.mkdir(parents=True, exist_ok=True)
        parent = self.data_dir.parent
        parent.mkdir(parents=True, exist_ok=True)
        if self.as_root and not str(parent).startswith(str(self.root)):
            os.chmod(parent.parent, 0o755)
        self._chown(parent)
        if self.data_dir.exists() and any(self.data_dir.iterdir()):
            raise EmbeddedServerError(
                f"{self.data_dir} exists but is not a PostgreSQL cluster; move it away and start again."
            )
        password = self._fixed_password or secrets.token_urlsafe(24)
        pwfile = parent / ".pw"
        pwfile.write_text(password + "\n")
        os.chmod(pwfile, 0o600)
        self._chown(pwfile)
        try:
            self._run(
                [
                    "initdb",
                    "-D",
                    str(self.data_dir),
                    "-U",
                    SUPERUSER,
                    "--pwfile",
                    str(pwfile),
                    "--auth-local=scram-sha-256",
                    "--auth-host=scram-sha-256",
                    "-E",
                    "UTF8",
                    "--locale=C.UTF-8",
                ],
                timeout=300,
            )
        finally:
            pwfile.unlink(missing_ok=True)
        self._append_conf()
        state = ServerState(port=free_port(), password=password)
        self._save_state(state)
        self.state = state

    def _append_conf(self) -> None:
        conf = self.data_dir / "postgresql.auto.conf"
        lines = [
            "listen_addresses = '127.0.0.1'",
            f"unix_socket_directories = '{self.data_dir.parent}'",
            "max_connections = 100",
            "shared_buffers = '128MB'",
            "fsync = on",
            "logging_collector = off",
        ]
        self._run(["pg_ctl", "--version"])  # binaries sane before we touch config
        content = "\n".join(lines) + "\n"
        if self.os_user:
            subprocess.run(
                ["runuser", "-u", self.os_user, "--", "sh", "-c", f"cat >> '{conf}'"],
                input=content,
                text=True,
                check=True,
            )
        else:
            with conf.open("a") as fh:
                fh.write(content)

    def is_running(self) -> bool:
        if not self.initialized:
            return False
        if self._run(["pg_ctl", "status", "-D", str(self.data_dir)], check=False).returncode != 0:
            return False
        # pg_ctl trusts any live pid in postmaster.pid; after a crash and reboot it may be another process
        pid = self._postmaster_pid()
        return pid is not None and is_postgres(pid, self.data_dir)

    def _postmaster_pid(self) -> int | None:
        try:
            return int(self._read_as_owner(self.data_dir / "postmaster.pid").splitlines()[0])
        except (OSError, IndexError, ValueError):
            return None

    def _running_port(self) -> int | None:
        pid_file = self.data_dir / "postmaster.pid"
        try:
            lines = self._read_as_owner(pid_file).splitlines()
            return int(lines[3])
        except (OSError, IndexError, ValueError):
            return None

    def _read_as_owner(self, path: Path) -> str:
        if self.os_user:
            result = subprocess.run(
                ["runuser", "-u", self.os_user, "--", "cat", str(path)], capture_output=True, text=True
            )
            if result.returncode != 0:
                raise OSError(result.stderr)
            return result.stdout
        return path.read_text()

    def _clear_stale_pid(self) -> None:
        """A crash leaves postmaster.pid behind; if its process is gone, the file is stale."""
        pid_file = self.data_dir / "postmaster.pid"
        if not pid_file.exists() and not self.os_user:
            return
        pid = self._postmaster_pid()
        if pid is None:
            try:
                self._read_as_owner(pid_file)
            except OSError:
                return  # no pid file at all
            pid = -1
        if pid > 0 and pid_alive(pid) and is_postgres(pid, self.data_dir):
            return
        log.warning("removing stale postmaster.pid (pid %s is not our server)", pid)
        if self.os_user:
            subprocess.run(["runuser", "-u", self.os_user, "--", "rm", "-f", str(pid_file)], check=True)
        else:
            pid_file.unlink(missing_ok=True)

    def start(self, timeout: float = 60) -> str:
        """Start (or adopt an already running) server; return its SQLAlchemy URL."""
        self.initialize()
        state = self.state or self._load_state()
        if state is None:
            raise EmbeddedServerError(
                f"The password of the private database at {self.data_dir} is missing from the keyring. "
                "Restore the keyring entry or move the folder away to create a new one."
            )
        if self.is_running():
            port = self._running_port() or state.port
            if port != state.port:
                state = ServerState(port=port, password=state.password)
                self._save_state(state)
            self.state = state
            self._adopt_if_orphaned()
            return self.url
        self._clear_stale_pid()
        if not port_is_free(state.port):
            state = ServerState(port=free_port(), password=state.password)
            self._save_state(state)
        self.state = state
        self._run(
            [
                "pg_ctl",
                "start",
                "-w",
                "-t",
                str(int(timeout)),
                "-D",
                str(self.data_dir),
                "-l",
                str(self.log_file),
                "-o",
                f"-p {state.port}",
            ],
            timeout=timeout + 10,
        )
        self.started_here = True
        self.state_file.record_owner(self._postmaster_pid())
        self._wait_ready(timeout)
        self._ensure_database()
        return self.url

    def _wait_ready(self, timeout: float) -> None:
        assert self.state is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.state.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        raise EmbeddedServerError(f"The private database did not start; see {self.log_file}")

    def _ensure_database(self) -> None:
        from pharmacy_desktop.db import connect

        assert self.state is not None
        # the one connection factory; "prefer": a private cluster on 127.0.0.1 has no TLS to insist on,
        # whatever the workstation configuration says about its server
        with connect.connect(
            url_for(self.state.port, self.state.password, "postgres"), sslmode="prefer", autocommit=True
        ) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE_NAME,)).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')

    def stop(self, *, force: bool = False) -> None:
        """Stop the server if this process started or adopted it (or `force`); otherwise leave it."""
        if not (self.started_here or self.adopted or force):
            return
        if self.is_running():
            self._run(["pg_ctl", "stop", "-w", "-m", "fast", "-D", str(self.data_dir)], check=False)
        if not self.is_running():
            self.state_file.clear_owner()
        self.started_here = self.adopted = False

    # -- connection ---------------------------------------------------------------------------

    def admin_dsn(self, dbname: str = DATABASE_NAME) -> str:
        assert self.state is not None
        return f"host=127.0.0.1 port={self.state.port} dbname={dbname} user={SUPERUSER} password={self.state.password}"

    @property
    def url(self) -> str:
        assert self.state is not None
        return url_for(self.state.port, self.state.password, DATABASE_NAME)


def url_for(port: int, password: str, dbname: str) -> str:
    from urllib.parse import quote

    return f"postgresql+psycopg://{SUPERUSER}:{quote(password, safe='')}@127.0.0.1:{port}/{dbname}"


def _secret_get(key: str) -> str | None:
    from pharmacy_desktop.keyring_store import get_secret

    return get_secret(key)


def _secret_set(key: str, value: str) -> None:
    from pharmacy_desktop.keyring_store import set_secret

    set_secret(key, value)
