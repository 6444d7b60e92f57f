"""The screens of the shell, in navigation order. A module not present yet is skipped."""

from __future__ import annotations

import importlib
import logging

log = logging.getLogger(__name__)

SCREENS = (
    "home:HomeScreen",
    "intake:IntakeScreen",            # F2
    "review:ReviewScreen",            # F3
    "drug_lookup:DrugLookupScreen",   # F4
    "fill:FillScreen",                # F5
    "verify:VerifyScreen",            # F6
    "will_call:WillCallScreen",       # F7
    "patients:PatientsScreen",        # F9
    "print_queue:PrintQueueScreen",   # F10
    "users:UsersScreen",              # Alt+U
    "audit:AuditScreen",              # Alt+A
    "settings:SettingsScreen",        # Alt+S
)


def screen_classes() -> list[type]:
    classes = []
    for spec in SCREENS:
        module_name, class_name = spec.split(":")
        full = f"pharmacy_desktop.ui.screens.{module_name}"
        try:
            module = importlib.import_module(full)
        except ModuleNotFoundError as exc:
            if exc.name != full:
                raise
            continue
        classes.append(getattr(module, class_name))
    return classes
