"""Well-known drug interactions as pharmacy-table rows (``drug_interactions``): the demo database's
own rows and the legacy ingredient-pair form of ``DurContext.interaction_rules``.

The DUR's clinical interactions come from clinical knowledge (``resources/clinical/interactions.csv``,
ingredient or class level, sourced); every pair below is also in that seed. A pharmacy's own rows
still apply (as ingredient-level rules).
"""

from __future__ import annotations

from collections.abc import Iterable

from .dur_facts import DrugFacts, InteractionRule, normalize_ingredient


def _rule(a: str, b: str, severity: str, description: str, management: str) -> InteractionRule:
    return InteractionRule(a, b, severity, description, management)


WELL_KNOWN_INTERACTIONS: tuple[InteractionRule, ...] = (
    _rule("warfarin", "aspirin", "serious",
          "Anticoagulant plus antiplatelet: markedly higher risk of serious bleeding.",
          "Confirm the combination is intended; lowest aspirin dose; monitor INR and bleeding."),
    _rule("warfarin", "ibuprofen", "serious",
          "NSAIDs impair platelets and injure the gastric lining; bleeding risk rises.",
          "Avoid; suggest acetaminophen. If needed, shortest course with INR and bleeding checks."),
    _rule("warfarin", "naproxen", "serious",
          "NSAIDs impair platelets and injure the gastric lining; bleeding risk rises.",
          "Avoid; suggest acetaminophen. If needed, shortest course with INR and bleeding checks."),
    _rule("warfarin", "fluconazole", "serious",
          "Fluconazole inhibits CYP2C9 and raises warfarin levels; INR can rise sharply.",
          "Contact prescriber; warfarin dose reduction and INR check within 3-5 days."),
    _rule("simvastatin", "clarithromycin", "contraindicated",
          "Strong CYP3A4 inhibition raises simvastatin levels: myopathy and rhabdomyolysis.",
          "Do not combine: hold simvastatin during the course or use azithromycin instead."),
    _rule("simvastatin", "amiodarone", "serious",
          "Amiodarone raises simvastatin levels: myopathy risk.",
          "Simvastatin at most 20 mg a day, or switch to another statin."),
    _rule("sildenafil", "nitroglycerin", "contraindicated",
          "PDE-5 inhibitor with a nitrate: profound, possibly fatal hypotension.",
          "Do not dispense together; contact the prescriber."),
    _rule("sildenafil", "isosorbide mononitrate", "contraindicated",
          "PDE-5 inhibitor with a nitrate: profound, possibly fatal hypotension.",
          "Do not dispense together; contact the prescriber."),
    _rule("sildenafil", "isosorbide dinitrate", "contraindicated",
          "PDE-5 inhibitor with a nitrate: profound, possibly fatal hypotension.",
          "Do not dispense together; contact the prescriber."),
    _rule("tadalafil", "nitroglycerin", "contraindicated",
          "PDE-5 inhibitor with a nitrate: profound, possibly fatal hypotension.",
          "Do not dispense together; nitrates not within 48 hours of tadalafil."),
    _rule("lisinopril", "spironolactone", "significant",
          "Both raise serum potassium: hyperkalemia, worse with renal impairment.",
          "Monitor potassium and renal function; no potassium supplements or salt substitutes."),
    _rule("lisinopril", "potassium chloride", "significant",
          "ACE inhibitors retain potassium; a supplement adds to it: hyperkalemia.",
          "Confirm the supplement is intended; monitor serum potassium."),
    _rule("methotrexate", "trimethoprim", "serious",
          "Additive antifolate effect and lower methotrexate clearance: bone marrow suppression.",
          "Avoid (including sulfamethoxazole/trimethoprim); if unavoidable monitor blood counts."),
    _rule("fluoxetine", "tramadol", "serious",
          "Serotonin syndrome and seizure risk; fluoxetine also blunts tramadol's analgesia.",
          "Prefer another analgesic; if used, lowest dose and counsel on serotonin toxicity."),
    _rule("sertraline", "linezolid", "contraindicated",
          "Linezolid is an MAO inhibitor: serotonin syndrome with SSRIs.",
          "Do not combine unless the prescriber confirms it is essential; monitor closely."),
    _rule("clopidogrel", "omeprazole", "significant",
          "Omeprazole inhibits CYP2C19 and reduces clopidogrel activation.",
          "Suggest pantoprazole or famotidine instead."),
    _rule("digoxin", "amiodarone", "serious",
          "Amiodarone raises digoxin levels (P-gp inhibition): toxicity.",
          "Reduce digoxin dose by about half; check digoxin level and heart rate."),
    _rule("ciprofloxacin", "tizanidine", "contraindicated",
          "Ciprofloxacin inhibits CYP1A2 and raises tizanidine levels about tenfold: "
          "severe hypotension and sedation.",
          "Do not combine; ask the prescriber for another antibiotic."),
    _rule("oxycodone", "alprazolam", "serious",
          "Opioid with a benzodiazepine: profound sedation, respiratory depression, death "
          "(FDA boxed warning).",
          "Confirm with the prescriber; lowest doses; counsel; offer naloxone."),
    _rule("lithium", "hydrochlorothiazide", "serious",
          "Thiazides reduce lithium clearance: lithium toxicity.",
          "Contact prescriber; lithium dose reduction and level monitoring."),
    _rule("levothyroxine", "calcium", "minor",
          "Calcium binds levothyroxine in the gut and lowers its absorption.",
          "Separate the doses by at least 4 hours."),
    _rule("ciprofloxacin", "calcium", "minor",
          "Calcium chelates ciprofloxacin and lowers its absorption.",
          "Take ciprofloxacin 2 hours before or 6 hours after calcium."),
)  # fmt: skip


def interaction_rules_for(drugs: Iterable[DrugFacts], rules: Iterable[InteractionRule]) -> tuple[InteractionRule, ...]:
    """The rules that name an ingredient of any of ``drugs`` (a service's pre-filter)."""
    keys = frozenset().union(*(d.name_keys for d in drugs))
    return tuple(
        r for r in rules if normalize_ingredient(r.generic_a) in keys or normalize_ingredient(r.generic_b) in keys
    )
