"""The colours the screens use, named for what they mean, and the small style sheets built from them.
Colour never carries a meaning alone (a word or symbol always says it too).

The tokens themselves (both themes, type scale, spacing) are in ``ui/design.py``; the application
style sheet and palette in ``ui/theme.py``. The names here are the light theme's, for the inline
styles of the screens. No hex colour is written anywhere else in ``ui/``.
"""

from __future__ import annotations

from pharmacy_desktop.ui.design import LIGHT

# -- hard stop / error: the work cannot go on --------------------------------------------------
STAT = LIGHT.stat  # a STAT prescription, past its promised time
ERROR = "#b71c1c"  # error text, a refused or failed action
STOP_TEXT = LIGHT.stop_text  # hard-stop text (DUR hard stop, allergy, conflict)
STOP_BORDER = LIGHT.stop_border  # hard-stop border, failed status, alarm
STOP_BACKGROUND = LIGHT.stop_background
STOP_TINT = (198, 40, 40, 38)  # STOP_BORDER as a row tint (RGBA)
# -- warning: look before going on ---------------------------------------------------------------
WARNING = "#8a4b00"  # warning text (unreadable SIG, sent back, highlight an alert first)
WARNING_TEXT = LIGHT.warning_text  # a DUR warning's text
AMBER = "#8a5a00"  # prescribed and filled differ; a returned prescription's note
WARNING_BORDER = LIGHT.warning_border
WARNING_BACKGROUND = LIGHT.warning_background
# -- passed / done -------------------------------------------------------------------------------
PASSED = LIGHT.passed_text  # passed, saved, done
PASSED_MUTED = "#2e4a2e"  # a DUR check that passed
PASSED_BORDER = LIGHT.passed_border
PASSED_BACKGROUND = LIGHT.passed_background
OK_STATUS = "#1b7f3b"  # a connection or printer that answers; a good scan
# -- other meanings ------------------------------------------------------------------------------
CONTROLLED = LIGHT.controlled  # a controlled substance
FOCUS = LIGHT.focus  # the highlighted item, the reason line, information to act on
INFO = LIGHT.info  # waiting for the next step
# -- neutral -----------------------------------------------------------------------------------------
TEXT = LIGHT.text  # ordinary status text
HINT = LIGHT.hint  # a hint, a label beside a value
MUTED = LIGHT.muted  # unknown / not checked, inactive
FRAME = "#444"  # the frame of the label text at verification
DASHED = "#777"  # the border of "allergies unknown"
UNKNOWN_BACKGROUND = "#f3f3f3"
WHITE = LIGHT.surface

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
