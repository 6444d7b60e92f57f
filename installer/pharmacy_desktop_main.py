"""PyInstaller's entry script (installer/pharmacy-desktop.spec): the `pharmacy-desktop` command."""

import multiprocessing
import sys

from pharmacy_desktop.cli import main

if __name__ == "__main__":
    multiprocessing.freeze_support()  # Windows: a frozen app's child processes
    sys.exit(main())
