"""NCPDP DAW (dispense as written / product selection) codes, field 408-D8.

One table: the NCPDP wording (the open list, validation) and a few words for a closed combo box.
NCPDP also defines code 6 ("Override"), a payer-specific claim override rather than a
prescriber's or patient's product choice; it is not offered at intake, so it is not here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DawCode:
    code: str
    meaning: str  # NCPDP's wording
    short: str  # a few words for a closed combo box
    phrase: str  # inside a sentence: "DAW 1 (substitution not allowed by prescriber)"


DAW_TABLE: tuple[DawCode, ...] = (
    DawCode(
        "0",
        "No product selection indicated (substitution allowed)",
        "Substitution allowed",
        "no product selection indicated",
    ),
    DawCode(
        "1",
        "Substitution not allowed by prescriber",
        "Dispense as written (prescriber)",
        "substitution not allowed by prescriber",
    ),
    DawCode(
        "2",
        "Substitution allowed: patient requested product dispensed",
        "Brand: patient requested",
        "patient requested the product dispensed",
    ),
    DawCode(
        "3",
        "Substitution allowed: pharmacist selected product dispensed",
        "Pharmacist selected product",
        "pharmacist selected the product",
    ),
    DawCode("4", "Substitution allowed: generic drug not in stock", "Generic not in stock", "generic not in stock"),
    DawCode(
        "5",
        "Substitution allowed: brand drug dispensed as a generic",
        "Brand dispensed as generic",
        "brand dispensed as generic",
    ),
    DawCode(
        "7", "Substitution not allowed: brand drug mandated by law", "Brand mandated by law", "brand mandated by law"
    ),
    DawCode(
        "8",
        "Substitution allowed: generic drug not available in marketplace",
        "Generic not available",
        "generic not available",
    ),
    DawCode(
        "9", "Substitution allowed by prescriber but plan requests brand", "Plan requests brand", "plan requests brand"
    ),
)

DAW_CODES: dict[str, str] = {d.code: d.meaning for d in DAW_TABLE}
# what a sentence calls a code, also for code 6 on a prescription that came in with it
DAW_PHRASE: dict[str, str] = {**{d.code: d.phrase for d in DAW_TABLE}, "6": "override"}
# the prescriber, the patient or the law asks for the product as written: no substitution
SUBSTITUTION_FORBIDDING_DAW = frozenset({"1", "2", "7"})
DAW_SHORT: dict[str, str] = {d.code: d.short for d in DAW_TABLE}
DAW_CODES_TEXT = "0-5, 7, 8 or 9"  # how a message lists the accepted codes
