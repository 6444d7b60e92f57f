"""Writing a file all or nothing: through a uniquely named temporary file beside it, then a rename.

A process killed mid-write leaves the old file (or none), never half of one; two writers (threads,
processes) never share the temporary file, so neither finds it renamed away under it.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def write_atomically(path: Path, data: bytes | str, *, prepare: Callable[[Path], None] | None = None) -> Path:
    """Replace ``path`` with ``data`` (str is written as UTF-8); the temporary file is private (0600).

    ``prepare`` runs on the finished temporary file before the rename (e.g. to give it to another owner).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    content = data.encode("utf-8") if isinstance(data, str) else data
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    temporary = Path(name)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(content)
            out.flush()
            os.fsync(out.fileno())
        if prepare is not None:
            prepare(temporary)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return path
