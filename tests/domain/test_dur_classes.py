"""Interactions and duplication by class (issue 15 item 2): the issue's silent pairs fire through
class rules of the knowledge; near-misses (another PPI, a potassium salt, an unrelated drug, an FDA
EPC class shared by chance) do not; without knowledge the checks warn."""

import pytest

from pharmacy_desktop.domain.dur import DrugFacts, check_duplication, check_interactions
from tests.domain.dur_knowledge import NO_KNOWLEDGE, context, drug

SILDENAFIL = drug("Sildenafil Citrate", "50")
ISMN = drug("Isosorbide Mononitrate", "30")
OXYCODONE = drug("Oxycodone Hydrochloride", "5", schedule="CII")
LORAZEPAM = drug("Lorazepam", "1", schedule="CIV")
SERTRALINE = drug("Sertraline Hydrochloride", "50")
TRAMADOL = drug("Tramadol Hydrochloride", "50", schedule="CIV")
WARFARIN = drug("Warfarin Sodium", "5")
BACTRIM = DrugFacts("Sulfamethoxazole and Trimethoprim", "Bactrim DS", "800-160 mg")
METRONIDAZOLE = drug("Metronidazole", "500")
LISINOPRIL = drug("Lisinopril", "10")
SPIRONOLACTONE = drug("Spironolactone", "25")
KCL = drug("Potassium Chloride", "20")
LOSARTAN = drug("Losartan Potassium", "50")
CLOPIDOGREL = drug("Clopidogrel Bisulfate", "75")
OMEPRAZOLE = drug("Omeprazole", "20")
PANTOPRAZOLE = drug("Pantoprazole Sodium", "40")
NAPROXEN = drug("Naproxen", "500")
AMOXICILLIN = drug("Amoxicillin", "500", therapeutic_class="Antibiotics")
AZITHROMYCIN = drug("Azithromycin", "250", therapeutic_class="Antibiotics")
ATORVASTATIN = drug("Atorvastatin Calcium", "20")
ROSUVASTATIN = drug("Rosuvastatin Calcium", "10")
PRAVASTATIN = drug("Pravastatin Sodium", "40")
VYTORIN = DrugFacts("Ezetimibe and Simvastatin", "Vytorin", "10-40 mg")
EZETIMIBE = drug("Ezetimibe", "10")
METOPROLOL = drug("Metoprolol Succinate", "50")
CARVEDILOL = drug("Carvedilol", "12.5")


def interactions(new, other):
    return check_interactions(context(new, active=(other,)))


@pytest.mark.parametrize(
    ("new", "other", "status", "severity"),
    [
        (SILDENAFIL, ISMN, "failed", "contraindicated"),
        (ISMN, SILDENAFIL, "failed", "contraindicated"),
        (OXYCODONE, LORAZEPAM, "failed", "serious"),
        (TRAMADOL, SERTRALINE, "failed", "serious"),
        (WARFARIN, BACTRIM, "failed", "serious"),
        (BACTRIM, WARFARIN, "failed", "serious"),
        (METRONIDAZOLE, WARFARIN, "failed", "serious"),
        (NAPROXEN, WARFARIN, "failed", "serious"),
        (LISINOPRIL, SPIRONOLACTONE, "warning", "significant"),
        (KCL, LISINOPRIL, "warning", "significant"),
        (OMEPRAZOLE, CLOPIDOGREL, "warning", "significant"),
    ],
)
def test_named_pairs_fire_by_class(new, other, status, severity):
    finding, *rest = interactions(new, other)
    assert rest == []
    assert (finding.check, finding.status, finding.severity) == ("drug_interaction", status, severity)
    assert finding.details["interacting_rx_number"] == "RX1"
    assert finding.details["source"].startswith("FDA label")


@pytest.mark.parametrize(
    ("new", "other"),
    [
        (PANTOPRAZOLE, CLOPIDOGREL),  # the other PPI
        (LISINOPRIL, LOSARTAN),  # potassium salt, not a supplement
        (SILDENAFIL, AMOXICILLIN),
        (SERTRALINE, OXYCODONE),
    ],
)
def test_near_misses_do_not_interact(new, other):
    finding, *rest = interactions(new, other)
    assert rest == [] and finding.status == "passed"


def test_only_interacting_medications_give_findings():
    findings = check_interactions(context(OXYCODONE, active=(LORAZEPAM, AMOXICILLIN, TRAMADOL)))
    assert [f.details["interacting_rx_number"] for f in findings] == ["RX1"]


def test_interactions_without_knowledge_warn():
    findings = check_interactions(context(SILDENAFIL, active=(ISMN,), kb=NO_KNOWLEDGE))
    assert [(f.status, f.details.get("undecided")) for f in findings] == [("warning", True)]
    # no active medication: nothing to decide
    assert [f.status for f in check_interactions(context(SILDENAFIL, kb=NO_KNOWLEDGE))] == ["passed"]


# --------------------------------------------------------------------------- duplication


@pytest.mark.parametrize(
    ("new", "other", "class_name"),
    [
        (ROSUVASTATIN, ATORVASTATIN, "HMG-CoA reductase inhibitors (statins)"),
        (PRAVASTATIN, VYTORIN, "HMG-CoA reductase inhibitors (statins)"),  # through simvastatin
        (CARVEDILOL, METOPROLOL, "beta blockers"),
    ],
)
def test_duplication_by_therapeutic_class(new, other, class_name):
    (finding,) = check_duplication(context(new, active=(other,)))
    assert (finding.status, finding.details["match"]) == ("warning", "therapeutic_class")
    assert f"are both {class_name}" in finding.message


def test_duplication_by_ingredient():
    (finding,) = check_duplication(context(drug("Simvastatin", "20"), active=(VYTORIN,)))
    assert finding.details["match"] == "ingredient" and "simvastatin" in finding.message


@pytest.mark.parametrize(
    ("new", "other"),
    [
        (ATORVASTATIN, EZETIMIBE),  # lipid lowering, different classes
        (AMOXICILLIN, AZITHROMYCIN),  # same free-text "Antibiotics", different classes
        (METOPROLOL, LISINOPRIL),
    ],
)
def test_duplication_near_misses(new, other):
    assert [f.status for f in check_duplication(context(new, active=(other,)))] == ["passed"]


def test_a_shared_fda_epc_class_alone_is_not_duplication():
    a = DrugFacts("Drug A", pharm_classes=("Kinase Inhibitor [EPC]",))
    b = DrugFacts("Drug B", pharm_classes=("Kinase Inhibitor [EPC]",))
    assert [f.status for f in check_duplication(context(a, active=(b,)))] == ["passed"]


def test_duplication_without_knowledge_still_finds_ingredients_and_warns():
    findings = check_duplication(context(drug("Simvastatin", "20"), active=(VYTORIN, ATORVASTATIN), kb=NO_KNOWLEDGE))
    assert [(f.status, f.details.get("match"), f.details.get("undecided")) for f in findings] == [
        ("warning", "ingredient", None),
        ("warning", None, True),
    ]
