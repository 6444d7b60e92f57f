"""ESC/POS labels and receipts, transports, the print queue and PDFs. No Qt here.

python-escpos writes a capabilities cache into a fresh temporary folder on every import unless
told where to keep it: the composition root calls :func:`use_escpos_cache` before escpos is first
imported (nothing here changes the environment on import).
"""

import os as _os
from collections.abc import MutableMapping as _MutableMapping

ESCPOS_CACHE_VARIABLE = "ESCPOS_CAPABILITIES_PICKLE_DIR"


def use_escpos_cache(environ: "_MutableMapping[str, str] | None" = None) -> str:
    """Point python-escpos at the user cache directory (unless already pointed somewhere) and drop a
    torn cache file there; returns the folder. Call before escpos is first imported."""
    env: _MutableMapping[str, str] = _os.environ if environ is None else environ
    if ESCPOS_CACHE_VARIABLE not in env:
        import platformdirs as _platformdirs

        cache = _os.path.join(_platformdirs.user_cache_dir("pharmacy-desktop", appauthor=False), "escpos")
        _os.makedirs(cache, exist_ok=True)
        env[ESCPOS_CACHE_VARIABLE] = cache
    _drop_torn_capabilities_cache(env[ESCPOS_CACHE_VARIABLE])
    return env[ESCPOS_CACHE_VARIABLE]


def _drop_torn_capabilities_cache(folder: str) -> None:
    """python-escpos writes its pickle in place, not atomically: a process killed while writing it,
    or two processes starting at once, leave a torn file that makes every later import fail with
    EOFError. A complete pickle ends with the STOP opcode; anything else is removed (rebuilt)."""
    import glob

    for path in glob.glob(_os.path.join(folder, "*.capabilities.pickle")):
        try:
            with open(path, "rb") as f:
                f.seek(0, _os.SEEK_END)
                complete = f.tell() > 0 and (f.seek(-1, _os.SEEK_END), f.read(1))[1] == b"."
            if not complete:
                _os.remove(path)
        except OSError:
            pass
