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
