"""The design tokens: colours named for what they mean, the type scale and the spacing steps.

Two themes share the token names: ``LIGHT`` (the counter's default) and ``HIGH_CONTRAST`` (black on
white, bolder borders, a thick focus ring: bright counters, pharmacists with low vision). Nothing
here imports Qt: ``ui/theme.py`` turns the tokens into the application's style sheet and palette,
and ``tests/ui_design`` computes the WCAG contrast of every text/background pair listed in
``TEXT_PAIRS`` for both themes.

A colour never carries a meaning alone: a word (and usually an icon, ``ui/icons.py``) says it too.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

LIGHT_NAME = "light"
HIGH_CONTRAST_NAME = "high_contrast"


@dataclass(frozen=True)
class Palette:
    """One theme's colours (``#rrggbb``). Each field's comment says what it means."""

    name: str
    title: str  # what the settings screen calls the theme
    # -- surfaces ---------------------------------------------------------------------------
    window: str  # the application's background behind the panes
    surface: str  # inputs, tables, cards, group boxes: where text is read
    surface_alt: str  # alternate table rows
    chrome: str  # the sidebar, table headers, the status bar
    border: str  # the frame of inputs, tables, cards
    # -- neutral text -------------------------------------------------------------------------
    text: str  # ordinary text
    hint: str  # a hint, a label beside a value
    muted: str  # unknown / not checked, inactive, placeholders
    # -- meanings -----------------------------------------------------------------------------
    stop_text: str  # hard stop: the work cannot go on (DUR hard stop, allergy, refused scan)
    stop_border: str
    stop_background: str
    warning_text: str  # look before going on (unreadable SIG, sent back, DUR warning)
    warning_border: str
    warning_background: str
    passed_text: str  # passed, saved, done; a printer or database that answers
    passed_border: str
    passed_background: str
    controlled: str  # a controlled substance (C-II..C-V)
    stat: str  # a STAT prescription, past its promised time
    info: str  # waiting for the next step, information to act on
    focus: str  # the keyboard focus ring; the highlighted item
    focus_tint: str  # the background of a focused check box, radio button or combo box (no room for a ring)
    # -- actions and selection ----------------------------------------------------------------
    selection: str  # a selected row or sidebar entry
    selection_text: str
    primary: str  # the screen's main action (kind=primary)
    primary_text: str
    danger: str  # an action that cannot be undone (kind=danger)
    danger_text: str
    disabled_text: str  # a control that cannot be used now (exempt from AA: WCAG 1.4.3)
    # -- line weights (px) ----------------------------------------------------------------------
    border_width: int = 1
    focus_width: int = 2


LIGHT = Palette(
    name=LIGHT_NAME,
    title="Light",
    window="#f3f4f6",
    surface="#ffffff",
    surface_alt="#f6f8fa",
    chrome="#e8ebf0",
    border="#9aa3ae",
    text="#1f2328",
    hint="#4a5260",
    muted="#59616d",
    stop_text="#8b1a10",
    stop_border="#c62828",
    stop_background="#fdecea",
    warning_text="#7a4a00",
    warning_border="#e65100",
    warning_background="#fff4e0",
    passed_text="#1b5e20",
    passed_border="#2e7d32",
    passed_background="#eef6ee",
    controlled="#6a1b9a",
    stat="#a31515",
    info="#0d47a1",
    focus="#1565c0",
    focus_tint="#d6e6fa",
    selection="#1f5fa8",
    selection_text="#ffffff",
    primary="#1565c0",
    primary_text="#ffffff",
    danger="#b71c1c",
    danger_text="#ffffff",
    disabled_text="#8a9099",
    border_width=1,
    focus_width=2,
)

HIGH_CONTRAST = Palette(
    name=HIGH_CONTRAST_NAME,
    title="High contrast",
    window="#ffffff",
    surface="#ffffff",
    surface_alt="#f2f2f2",
    chrome="#ffffff",
    border="#000000",
    text="#000000",
    hint="#1a1a1a",
    muted="#333333",
    stop_text="#7a0000",
    stop_border="#a00000",
    stop_background="#ffffff",
    warning_text="#5c3300",
    warning_border="#8a4b00",
    warning_background="#ffffff",
    passed_text="#004d00",
    passed_border="#006400",
    passed_background="#ffffff",
    controlled="#4a0072",
    stat="#7a0000",
    info="#002f6c",
    focus="#0033cc",
    focus_tint="#ffff66",
    selection="#000000",
    selection_text="#ffffff",
    primary="#002f6c",
    primary_text="#ffffff",
    danger="#7a0000",
    danger_text="#ffffff",
    disabled_text="#595959",
    border_width=2,
    focus_width=4,
)

THEMES: dict[str, Palette] = {LIGHT.name: LIGHT, HIGH_CONTRAST.name: HIGH_CONTRAST}


def palette_named(name: str) -> Palette:
    """A theme by its saved name; an unknown name (an old file) falls back to the light theme."""
    return THEMES.get(name, LIGHT)


def colour_fields() -> list[str]:
    return [f.name for f in fields(Palette) if f.type in ("str", str) and f.name not in ("name", "title")]


# Every text colour drawn on a background, as (text token, background token, large text?).
# Large text (>= 18 pt, or 14 pt bold: the counts on home, page titles) needs 3:1, the rest 4.5:1.
TEXT_PAIRS: tuple[tuple[str, str, bool], ...] = (
    *((t, bg, False) for t in ("text", "hint", "muted") for bg in ("window", "surface", "surface_alt", "chrome")),
    ("text", "stop_background", False),
    ("text", "warning_background", False),
    ("text", "passed_background", False),
    ("stop_text", "stop_background", False),
    ("stop_text", "surface", False),
    ("stop_text", "window", False),
    ("warning_text", "warning_background", False),
    ("warning_text", "surface", False),
    ("warning_text", "window", False),
    ("passed_text", "passed_background", False),
    ("passed_text", "surface", False),
    ("passed_text", "window", False),
    ("controlled", "surface", False),
    ("controlled", "window", False),
    ("stat", "surface", False),
    ("stat", "window", False),
    ("info", "surface", False),
    ("info", "window", False),
    ("focus", "surface", False),
    ("text", "focus_tint", False),
    ("selection_text", "selection", False),
    ("primary_text", "primary", False),
    ("danger_text", "danger", False),
    ("stop_border", "surface", True),  # the icons and the thick border of a hard stop (non-text: 3:1)
    ("warning_border", "surface", True),
    ("passed_border", "surface", True),
    ("focus", "window", True),  # the focus ring against the window
)


@dataclass(frozen=True)
class TypeScale:
    """Sizes relative to the base font (which follows the system setting and the user's zoom)."""

    small: float = 0.9  # a hint under a field, the status bar
    heading: float = 1.25  # a group or card title
    title: float = 1.6  # the page title
    number: float = 2.6  # the counts on the home page


TYPE = TypeScale()
MIN_BASE_POINTS = 11.0  # never smaller than this, whatever the platform says (read at arm's length)


@dataclass(frozen=True)
class Spacing:
    """Spacing steps in pixels at 100 % zoom."""

    xs: int = 2
    s: int = 4
    m: int = 8
    l: int = 12  # noqa: E741 - the step's name
    xl: int = 16
    xxl: int = 24


SPACE = Spacing()

# the per-user zoom: Ctrl+= / Ctrl+- step through these, Ctrl+0 goes back to 100 %
ZOOM_STEPS: tuple[int, ...] = (90, 100, 110, 125, 135, 150)
DEFAULT_ZOOM = 100


def next_zoom(current: int, direction: int) -> int:
    """The zoom step after ``current`` (direction +1 or -1), held at the ends."""
    if direction == 0:
        return DEFAULT_ZOOM
    steps = ZOOM_STEPS
    if direction > 0:
        return next((z for z in steps if z > current), steps[-1])
    return next((z for z in reversed(steps) if z < current), steps[0])


def clamp_zoom(value: int) -> int:
    return min(max(int(value), ZOOM_STEPS[0]), ZOOM_STEPS[-1])


# -- contrast (WCAG 2.x) ------------------------------------------------------------------------


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def luminance(colour: str) -> float:
    """The relative luminance of ``#rrggbb`` (or ``#rgb``)."""
    hex_ = colour.lstrip("#")
    if len(hex_) == 3:
        hex_ = "".join(c * 2 for c in hex_)
    r, g, b = (int(hex_[i : i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast(foreground: str, background: str) -> float:
    """The WCAG contrast ratio of two colours, 1.0 to 21.0."""
    a, b = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (a + 0.05) / (b + 0.05)
