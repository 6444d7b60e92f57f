"""The screens of the shell, in navigation order: explicit imports, so tools (and people) can
follow them and a missing screen is an import error, not a silent gap in the navigation."""

from __future__ import annotations

from pharmacy_desktop.ui.screens.audit import AuditScreen
from pharmacy_desktop.ui.screens.base import Screen
from pharmacy_desktop.ui.screens.drug_lookup import DrugLookupScreen
from pharmacy_desktop.ui.screens.fill import FillScreen
from pharmacy_desktop.ui.screens.home import HomeScreen
from pharmacy_desktop.ui.screens.intake import IntakeScreen
from pharmacy_desktop.ui.screens.inventory import InventoryScreen
from pharmacy_desktop.ui.screens.messages import MessagesScreen
from pharmacy_desktop.ui.screens.patients import PatientsScreen
from pharmacy_desktop.ui.screens.pickup import PickupScreen
from pharmacy_desktop.ui.screens.print_queue import PrintQueueScreen
from pharmacy_desktop.ui.screens.review import ReviewScreen
from pharmacy_desktop.ui.screens.settings import SettingsScreen
from pharmacy_desktop.ui.screens.users import UsersScreen
from pharmacy_desktop.ui.screens.verify import VerifyScreen

SCREENS: tuple[type[Screen], ...] = (
    HomeScreen,
    IntakeScreen,  # F2
    ReviewScreen,  # F3
    DrugLookupScreen,  # F4
    FillScreen,  # F5
    VerifyScreen,  # F6
    PickupScreen,  # F7 (will-call is part of it)
    InventoryScreen,  # F8
    PatientsScreen,  # F9
    PrintQueueScreen,  # F10
    MessagesScreen,  # F11
    UsersScreen,  # Alt+U
    AuditScreen,  # Alt+A
    SettingsScreen,  # Alt+S
)


def screen_classes() -> list[type[Screen]]:
    return list(SCREENS)
