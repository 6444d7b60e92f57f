"""The unit a dosage form is counted out in, when a quantity only says 'EA' (each).

A quantity's own unit wins when it names one ('mL', 'g', 'tablets', 'units' of insulin); 'EA' is the
prescription's billing unit, and what one of it is follows from FDA's DOSAGEFORMNAME:

- counted forms by the piece: '30 tablets', '4 patches', '1 ring', '5 pieces' of gum, '1 kit';
- what a pharmacist hands over whole by the device or container: '1 inhaler' (AEROSOL, METERED;
  POWDER, METERED), '1 bottle' (a nasal or oral SPRAY), '2 vials' (INJECTION, POWDER, ...: each vial
  is made up at the bedside), '1 canister' (AEROSOL: an inhaler or a topical can);
- liquids by the mL (SOLUTION, SUSPENSION, SHAMPOO, IRRIGANT, INJECTION, SOLUTION; a POWDER or
  GRANULE FOR SOLUTION/SUSPENSION is made up into mL before it is handed over);
- semisolids and loose solids by the g (CREAM, GEL, JELLY, PASTE, POWDER, a FOAM or topical spray);
- medical gas by the L.

FDA writes a form as a head and qualifiers ('TABLET, FILM COATED, EXTENDED RELEASE',
'SOLUTION/ DROPS'): the head decides unless a qualifier changes what is handed over
(``_QUALIFIED``). ``form_unit`` returns None for a head nobody mapped: the caller then says
'units', and tests/domain/test_dosage_units.py fails on every form of FDA's extracts that would.
"""

from __future__ import annotations

import re
from decimal import Decimal

ML, G = "mL", "g"

# the head of FDA's DOSAGEFORMNAME (before the first comma or slash) -> the unit, singular
HEAD_UNITS: dict[str, str] = {
    # counted by the piece
    "TABLET": "tablet",
    "CAPSULE": "capsule",
    "CAPLET": "caplet",
    "PILL": "pill",
    "LOZENGE": "lozenge",
    "TROCHE": "troche",
    "PASTILLE": "pastille",
    "GUM": "piece",  # GUM, CHEWING: pieces of nicotine gum
    "BAR": "bar",
    "FILM": "film",
    "STRIP": "strip",
    "WAFER": "wafer",
    "PATCH": "patch",
    "PLASTER": "patch",  # a medicated plaster is dispensed and counted as patches
    "SUPPOSITORY": "suppository",
    "INSERT": "insert",
    "PESSARY": "pessary",
    "TAMPON": "tampon",
    "RING": "ring",
    "IMPLANT": "implant",
    "PELLET": "pellet",
    "INTRAUTERINE DEVICE": "device",
    "DIAPHRAGM": "device",
    "SYSTEM": "system",
    "DISC": "disc",
    "FIBER": "fiber",  # a periodontal fiber
    "KIT": "kit",
    "SWAB": "swab",
    "PLEDGET": "pledget",
    "CLOTH": "cloth",
    "SPONGE": "sponge",
    "PAD": "pad",
    "DRESSING": "dressing",
    "BANDAGE": "bandage",
    "APPLICATOR": "applicator",
    "STICK": "stick",
    "LIPSTICK": "stick",
    "TAPE": "roll",
    "ENEMA": "enema",
    "GRANULE": "packet",  # oral granules come in unit-dose packets
    # handed over whole
    "AEROSOL": "canister",
    "INHALER": "inhaler",
    "SPRAY": "bottle",
    "VIAL": "vial",
    "AMPULE": "ampule",
    "SYRINGE": "syringe",
    "PEN": "pen",
    "CARTRIDGE": "cartridge",
    "PACKET": "packet",
    # liquids by the mL
    "SOLUTION": ML,
    "SUSPENSION": ML,
    "FOR SOLUTION": ML,
    "FOR SUSPENSION": ML,
    "SYRUP": ML,
    "ELIXIR": ML,
    "LIQUID": ML,
    "EMULSION": ML,
    "CONCENTRATE": ML,
    "DROPS": ML,
    "LOTION": ML,
    "LINIMENT": ML,
    "OIL": ML,
    "TINCTURE": ML,
    "EXTRACT": ML,
    "SHAMPOO": ML,
    "SOAP": ML,
    "WASH": ML,
    "CLEANSER": ML,
    "MOUTHWASH": ML,
    "RINSE": ML,
    "DOUCHE": ML,
    "IRRIGANT": ML,
    "INHALANT": ML,  # solutions for the nebulizer or vaporizer
    "INJECTION": ML,
    "INJECTABLE": ML,
    # semisolids and loose solids by the g
    "CREAM": G,
    "OINTMENT": G,
    "GEL": G,
    "JELLY": G,
    "PASTE": G,
    "SALVE": G,
    "POULTICE": G,
    "BALM": G,
    "POWDER": G,
    "CRYSTAL": G,
    "GLOBULE": G,
    "BEAD": G,
    "CEMENT": G,
    "FOAM": G,
    # medical gas by the litre
    "GAS": "L",
}

# (head, a qualifier that changes what is handed over) -> unit; the first match wins
_QUALIFIED: tuple[tuple[str, str, str], ...] = (
    ("INJECTION", "POWDER", "vial"),  # INJECTION, POWDER, (LYOPHILIZED,) FOR SOLUTION/SUSPENSION
    ("AEROSOL", "METERED", "inhaler"),
    ("POWDER", "METERED", "inhaler"),  # a dry-powder inhaler
    ("POWDER", "FOR SOLUTION", ML),
    ("POWDER", "FOR SUSPENSION", ML),
    ("GRANULE", "FOR SOLUTION", ML),
    ("GRANULE", "FOR SUSPENSION", ML),
    ("AEROSOL", "FOAM", G),
    ("AEROSOL", "SPRAY", G),
    ("AEROSOL", "POWDER", G),
)

# units that are already what a person reads; their plural
_PLURALS: dict[str, str] = {
    "patch": "patches",
    "suppository": "suppositories",
    "pessary": "pessaries",
    "box": "boxes",
}
SAME_PLURAL = frozenset({ML, G, "L", "mg", "mcg", "kg"})
_SPACES = re.compile(r"\s+")


def normalize_form(dosage_form: str | None) -> str:
    """'Tablet,  film coated' -> 'TABLET, FILM COATED'; 'SOLUTION/ DROPS' -> 'SOLUTION/DROPS'."""
    text = _SPACES.sub(" ", (dosage_form or "").strip().upper())
    return re.sub(r"\s*/\s*", "/", re.sub(r"\s*,\s*", ", ", text))


def form_head(dosage_form: str | None) -> tuple[str, str]:
    """The head of an FDA form and its qualifiers: ('INJECTION', 'POWDER, FOR SOLUTION')."""
    text = normalize_form(dosage_form)
    head = re.split(r"[,/]", text, maxsplit=1)[0]
    return head.strip(), text[len(head) :].lstrip(",/ ")


def form_unit(dosage_form: str | None) -> str | None:
    """The unit (singular) one 'EA' of this dosage form is counted out in; None: not mapped."""
    head, rest = form_head(dosage_form)
    if not head:
        return None
    for qualified_head, qualifier, unit in _QUALIFIED:
        if head == qualified_head and qualifier in rest:
            return unit
    if head in HEAD_UNITS:
        return HEAD_UNITS[head]
    singular = head.removesuffix("S")
    return HEAD_UNITS.get(singular)


def plural(unit: str) -> str:
    """'tablet' -> 'tablets', 'patch' -> 'patches', 'mL' -> 'mL'."""
    if unit in SAME_PLURAL or unit.endswith("s"):
        return unit
    return _PLURALS.get(unit, f"{unit}s")


def singular(unit: str) -> str:
    """'tablets' -> 'tablet', 'patches' -> 'patch', 'suppositories' -> 'suppository'."""
    for one, many in _PLURALS.items():
        if unit == many:
            return one
    return unit[:-1] if unit.endswith("s") and not unit.endswith("ss") else unit


def counted(unit: str, quantity: Decimal | int | None) -> str:
    """The unit as said beside the quantity: '1 tablet', '30 tablets', '150 mL'."""
    one = quantity is not None and Decimal(quantity) == 1
    return unit if one or unit in SAME_PLURAL else plural(unit)


# item units that are a form's own unit ('tablets', 'Patches'), singular -> known
PIECE_UNITS = frozenset(u for u in HEAD_UNITS.values() if u not in SAME_PLURAL) | {"inhaler", "vial", "packet"}
