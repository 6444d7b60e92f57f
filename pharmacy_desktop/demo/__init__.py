"""The demo pharmacy: loaded by ``pharmacy-desktop demo`` and on the first start of an empty
embedded server (pharmacy_desktop/app.py), never by anything else."""

from pharmacy_desktop.demo.loader import CATALOG_DIR, DEMO_PASSWORDS, DEMO_PINS, load_demo

__all__ = ["CATALOG_DIR", "DEMO_PASSWORDS", "DEMO_PINS", "load_demo"]
