"""ESC/POS labels and receipts, transports, the print queue and PDFs. No Qt here.

python-escpos writes a capabilities cache into a fresh temporary folder on every import unless
told where to keep it: point it at the user cache directory before escpos is imported.
"""

import os as _os

if "ESCPOS_CAPABILITIES_PICKLE_DIR" not in _os.environ:
    import platformdirs as _platformdirs

    _cache = _os.path.join(_platformdirs.user_cache_dir("pharmacy-desktop", appauthor=False), "escpos")
    _os.makedirs(_cache, exist_ok=True)
    _os.environ["ESCPOS_CAPABILITIES_PICKLE_DIR"] = _cache


def _drop_torn_capabilities_cache() -> None:
    """python-escpos writes its pickle in place, not atomically: a process killed while writing it,
    or two processes starting at once, leave a torn file that makes every later import fail with
    EOFError. A complete pickle ends with the STOP opcode; anything else is removed (rebuilt)."""
    import glob

    for path in glob.glob(_os.path.join(_os.environ["ESCPOS_CAPABILITIES_PICKLE_DIR"], "*.capabilities.pickle")):
        try:
            with open(path, "rb") as f:
                f.seek(0, _os.SEEK_END)
                complete = f.tell() > 0 and (f.seek(-1, _os.SEEK_END), f.read(1))[1] == b"."
            if not complete:
                _os.remove(path)
        except OSError:
            pass


_drop_torn_capabilities_cache()
