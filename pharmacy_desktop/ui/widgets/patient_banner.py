"""Who the work is for: the patient's name in the largest type, date of birth, and the allergies,
always visible (icon + colour + words, "No known drug allergies" when there are none)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QResizeEvent
from PySide6.QtWidgets import QFrame, QLabel, QSizePolicy, QVBoxLayout, QWidget

from pharmacy_desktop.services.patient_forms import PatientProfile
from pharmacy_desktop.ui.style import ALLERGY_STYLE, NKDA_STYLE, UNKNOWN_STYLE
from pharmacy_desktop.ui.widgets.status_label import StatusLabel


def big_font(widget: QWidget, delta: float, bold: bool = True) -> QFont:
    font = QFont(widget.font())
    font.setPointSizeF(font.pointSizeF() + delta)
    font.setBold(bold)
    return font


class PatientBanner(QFrame):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("patientBanner")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.name = QLabel("No patient chosen", self)  # made in place: styled once
        self.name.setObjectName("patientName")
        self.name.setFont(big_font(self.name, 9))
        self.name.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.facts = QLabel("", self)
        self.facts.setObjectName("patientFacts")
        self.facts.setWordWrap(True)
        self.allergies = StatusLabel(parent=self)  # allergies (warning icon) or none known (passed icon), in words
        self.allergies.setObjectName("allergies")
        self.allergies.setWordWrap(True)
        self.allergies.setAccessibleName("Allergies")
        self.extra = QLabel("", self)
        self.extra.setObjectName("patientExtra")
        self.extra.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(4)
        layout.addWidget(self.name)
        layout.addWidget(self.facts)
        layout.addWidget(self.allergies)
        layout.addWidget(self.extra)
        # never squeezed below its text: the allergies must be readable, not clipped to half a line
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self.profile: PatientProfile | None = None
        self.show_profile(None)

    def show_profile(self, profile: PatientProfile | None, *, details: bool = True) -> None:
        self.profile = profile
        if profile is None:
            self.name.setText("No patient chosen")
            self.facts.setText("Search by name, date of birth, phone or patient number.")
            self.allergies.setText("○ Allergies: choose the patient to see them")
            self.allergies.setStyleSheet(UNKNOWN_STYLE)
            self.extra.setText("")
            self._fit_height()
            return
        f = profile.form
        self.name.setText(profile.display_name.upper() if False else profile.display_name)
        self.facts.setText(
            f"DOB {profile.date_of_birth:%m/%d/%Y} (age {profile.age})   ·   {f.phone_primary}   ·   "
            f"{profile.patient_number}" + ("" if profile.is_active else "   ·   INACTIVE")
        )
        drug = [a.text for a in profile.drug_allergies]
        other = [a.text for a in profile.allergies if a not in profile.drug_allergies]
        if drug:
            self.allergies.say(
                "warning", "ALLERGIES: " + "; ".join(drug) + (f"   (also: {'; '.join(other)})" if other else "")
            )
            self.allergies.setStyleSheet(ALLERGY_STYLE)
        else:
            self.allergies.say(
                "passed", "No known drug allergies" + (f"   (other: {'; '.join(other)})" if other else "")
            )
            self.allergies.setStyleSheet(NKDA_STYLE)
        if details:
            lines = []
            if f.insurance:
                lines.append("Insurance: " + " | ".join(i.text for i in f.insurance))
            conditions = [c.condition_name for c in f.conditions if c.is_active]
            if conditions:
                lines.append("Conditions: " + ", ".join(conditions))
            self.extra.setText("\n".join(lines))
        else:
            self.extra.setText("")
        self._fit_height()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._fit_height()

    def _fit_height(self) -> None:
        """Wrapped labels ask for the height their text needs at the banner's current width."""
        layout = self.layout()
        assert layout is not None  # set in __init__
        margins = layout.contentsMargins()
        width = max(self.width() - margins.left() - margins.right(), 100)
        for label in (self.facts, self.allergies, self.extra):
            before = label.minimumHeight()
            if before and label.text():
                # QLabel.heightForWidth answers at least the minimum height: asked with it set, a height
                # fitted once at a narrow width (the 100 px of a widget not laid out yet) never shrank
                label.setMinimumHeight(0)
            needed = max(label.heightForWidth(width), 0) if label.text() else 0
            if label.minimumHeight() != needed:
                label.setMinimumHeight(needed)
