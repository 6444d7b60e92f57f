"""The one palette: every colour the screens use, named for what it means, and the style sheets
built from it. Colour never carries a meaning alone (a word or symbol always says it too).

No hex colour is written anywhere else in ``ui/``.
"""

from __future__ import annotations

# -- hard stop / error: the work cannot go on --------------------------------------------------
ERROR = "#b71c1c"  # error text, a refused or failed action
STOP_TEXT = "#8b1a10"  # hard-stop text (DUR hard stop, allergy, conflict)
STOP_BORDER = "#c62828"  # hard-stop border, failed status, alarm
STOP_BACKGROUND = "#fdecea"
STOP_TINT = (198, 40, 40, 38)  # STOP_BORDER as a row tint (RGBA)
# -- warning: look before going on ---------------------------------------------------------------
WARNING = "#8a4b00"  # warning text (unreadable SIG, sent back, highlight an alert first)
WARNING_TEXT = "#7a4a00"  # a DUR warning's text
AMBER = "#8a5a00"  # prescribed and filled differ; a returned prescription's note
WARNING_BORDER = "#e65100"
WARNING_BACKGROUND = "#fff4e0"
# -- passed / done -------------------------------------------------------------------------------
PASSED = "#1b5e20"  # passed, saved, done
PASSED_MUTED = "#2e4a2e"  # a DUR check that passed
PASSED_BORDER = "#2e7d32"
PASSED_BACKGROUND = "#eef6ee"
OK_STATUS = "#1b7f3b"  # a connection or printer that answers; a good scan
# -- other meanings ------------------------------------------------------------------------------
CONTROLLED = "#6a1b9a"  # a controlled substance
FOCUS = "#1565c0"  # the highlighted item, the reason line, information to act on
INFO = "#0d47a1"  # waiting for the next step
# -- neutral -----------------------------------------------------------------------------------------
TEXT = "#333"  # ordinary status text
HINT = "#555"  # a hint, a label beside a value
MUTED = "#6b6b6b"  # unknown / not checked, inactive
FRAME = "#444"  # the frame of the label text at verification
DASHED = "#777"  # the border of "allergies unknown"
UNKNOWN_BACKGROUND = "#f3f3f3"
WHITE = "#ffffff"

# -- style sheets ------------------------------------------------------------------------------------
ERROR_STYLE = f"color: {ERROR}; font-weight: bold;"
HINT_STYLE = f"color: {HINT};"
WARNING_STYLE = f"color: {WARNING}; font-weight: bold;"
PASSED_STYLE = f"color: {PASSED}; font-weight: bold;"

# the allergy line of the patient banner: known allergies, none known (NKDA), not recorded
ALLERGY_STYLE = (
    f"QLabel#allergies {{ background: {STOP_BACKGROUND}; color: {STOP_TEXT}; border: 2px solid {STOP_BORDER};"
    " border-radius: 4px; padding: 4px 8px; font-weight: bold; }"
)
NKDA_STYLE = (
    f"QLabel#allergies {{ background: {PASSED_BACKGROUND}; color: {PASSED}; border: 1px solid {PASSED_BORDER};"
    " border-radius: 4px; padding: 4px 8px; }"
)
UNKNOWN_STYLE = (
    f"QLabel#allergies {{ background: {UNKNOWN_BACKGROUND}; color: {TEXT}; border: 1px dashed {DASHED};"
    " border-radius: 4px; padding: 4px 8px; }"
)
