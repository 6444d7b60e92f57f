"""Clinical knowledge for one DUR run: the ``clinical_*`` rows (revision 0013) that concern the
ingredients under review, their classes (parents expanded) and the patient's allergy and condition
texts, as a ``domain.clinical_knowledge.ClinicalKnowledge``.

At most one round trip per table; every lookup is by an indexed key (ingredient, class code,
subject, term), so the cost follows the drugs under review, not the size of the feed (benchmarked
with >= 100,000 interaction rows: bench/dur.py). Brand names in allergy texts resolve through the
catalog (``drug_products.proprietary_name`` -> substances), never a hard-coded list.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from pharmacy_desktop.domain.clinical_knowledge import (
    AgeRule,
    AllergyCross,
    ClinicalKnowledge,
    DiseaseRule,
    DoseLimit,
    InteractionRule,
    PregnancyRule,
    SexRule,
    Subject,
)
from pharmacy_desktop.domain.dur_facts import normalize_ingredient

S = "prescription_schema"
_WORD = re.compile(r"[a-z][a-z0-9-]+")
_ICD10_LIKE = re.compile(r"^[a-z][0-9]{2}")  # as domain.dur_patient.condition_code reads a name
_SIMILAR_MAX = 40  # "did you mean" candidates per unresolved allergy text

_CLASSES_SQL = text(f"""
WITH RECURSIVE c(ingredient, code) AS (
    SELECT ingredient, class_code FROM {S}.clinical_ingredient_classes WHERE ingredient = ANY(:ingredients)
    UNION
    SELECT c.ingredient, k.parent_code FROM c JOIN {S}.clinical_classes k ON k.code = c.code
     WHERE k.parent_code IS NOT NULL
)
SELECT c.ingredient, c.code, k.name, k.kind FROM c JOIN {S}.clinical_classes k ON k.code = c.code
""")
_CLASS_NAMES_SQL = text(f"""
WITH RECURSIVE c(code) AS (
    SELECT code FROM {S}.clinical_classes WHERE code = ANY(:codes)
    UNION
    SELECT k.parent_code FROM c JOIN {S}.clinical_classes k ON k.code = c.code WHERE k.parent_code IS NOT NULL
)
SELECT k.code, k.name, k.kind, k.parent_code FROM c JOIN {S}.clinical_classes k ON k.code = c.code
""")
_INTERACTIONS_SQL = text(f"""
SELECT subject_a_kind, subject_a, subject_b_kind, subject_b, severity, mechanism, management, source
  FROM {S}.clinical_interactions
 WHERE subject_a = ANY(:subjects) AND subject_b = ANY(:subjects) AND is_active
""")
_DOSE_SQL = text(f"""
SELECT ingredient, source, route, release, age_min_years, age_max_years, max_single_mg, max_daily_mg,
       max_single_mg_per_kg, max_daily_mg_per_kg, min_interval_hours, weekly_only, max_weekly_mg, note
  FROM {S}.clinical_dose_limits WHERE ingredient = ANY(:ingredients)
 ORDER BY ingredient, route, release, age_min_years
""")
_DISEASE_SQL = text(f"""
SELECT subject_kind, subject, icd10_prefix, condition_name, severity, message, source
  FROM {S}.clinical_disease_rules
 WHERE subject = ANY(:subjects)
   AND (:all_rules OR EXISTS (SELECT 1 FROM unnest(CAST(:codes AS text[])) c
                               WHERE c LIKE replace(upper(icd10_prefix), '.', '') || '%'))
 ORDER BY subject, icd10_prefix
""")
_PREGNANCY_SQL = text(f"""
SELECT subject_kind, subject, state, severity, message, source
  FROM {S}.clinical_pregnancy_rules WHERE subject = ANY(:subjects) ORDER BY subject, state
""")
_AGE_SQL = text(f"""
SELECT subject_kind, subject, criteria, severity, message, source, age_min_years, age_max_years
  FROM {S}.clinical_age_rules WHERE subject = ANY(:subjects) ORDER BY subject, criteria
""")
_SEX_SQL = text(f"""
SELECT subject_kind, subject, sex, severity, message, source
  FROM {S}.clinical_sex_rules WHERE subject = ANY(:subjects) ORDER BY subject, sex
""")
_CROSS_SQL = text(f"""
SELECT allergy_class, subject_kind, subject, severity, message, source
  FROM {S}.clinical_allergy_cross WHERE subject = ANY(:subjects) ORDER BY allergy_class, subject
""")
_TERMS_SQL = text(f"""
SELECT term, subject_kind, subject FROM {S}.clinical_allergen_terms WHERE term = ANY(:terms)
 ORDER BY term, subject_kind, subject
""")
_CONDITIONS_SQL = text(f"SELECT term, icd10_prefix FROM {S}.clinical_condition_terms WHERE term = ANY(:terms)")
_BRANDS_SQL = text(f"""
SELECT DISTINCT lower(p.proprietary_name), p.substance_name
  FROM {S}.medications m JOIN {S}.drug_products p ON p.id = m.product_id
 WHERE m.search_text LIKE ANY(:patterns) AND lower(p.proprietary_name) = ANY(:names)
   AND p.substance_name IS NOT NULL
""")
_SIMILAR_SQL = text(f"""
SELECT w FROM (
    SELECT word AS w, similarity(word, :t) AS s FROM {S}.drug_words WHERE word % :t
    UNION ALL
    SELECT term, similarity(term, :t) FROM {S}.clinical_allergen_terms WHERE term % :t
    UNION ALL
    SELECT DISTINCT ingredient, similarity(ingredient, :t) FROM {S}.clinical_ingredient_classes
     WHERE ingredient % :t
    UNION ALL
    SELECT lower(name), similarity(lower(name), :t) FROM {S}.clinical_classes
     WHERE kind <> 'epc' AND lower(name) % :t
) x ORDER BY s DESC, w LIMIT {_SIMILAR_MAX}
""")


def _subject(kind: str, code: str) -> Subject:
    return Subject("class" if kind == "class" else "ingredient", code)


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(value)


def allergy_keys(allergy_text: str) -> tuple[str, ...]:
    """The lookup forms of an allergy text: the whole text (lower case), its ingredient form, and its
    words ("Sulfa drugs" -> "sulfa drugs", "sulfa", "drugs")."""
    whole = " ".join(allergy_text.lower().split())
    keys = [whole, normalize_ingredient(whole), *_WORD.findall(whole)]
    return tuple(dict.fromkeys(k for k in keys if k))


class ClinicalRepository:
    def __init__(self, session: Session):
        self.session = session

    def _rows(self, statement: Any, **params: Any) -> list[Any]:
        return list(self.session.execute(statement, params))

    def is_loaded(self) -> bool:
        return bool(self.session.execute(text(f"SELECT EXISTS (SELECT 1 FROM {S}.clinical_sources)")).scalar())

    def sources(self) -> list[tuple[str, str, int, Any]]:
        """(name, description, row_count, loaded_at) of every data set loaded."""
        rows = self.session.execute(
            text(f"SELECT name, description, row_count, loaded_at FROM {S}.clinical_sources ORDER BY name")
        )
        return [tuple(r) for r in rows]

    def knowledge_for(
        self, ingredients: Iterable[str], allergy_texts: Iterable[str] = (), condition_texts: Iterable[str] = ()
    ) -> ClinicalKnowledge:
        """The knowledge about ``ingredients`` (normalize_ingredient form) and their classes, the
        allergen terms and brands of ``allergy_texts``, the condition terms of ``condition_texts``."""
        drugs = {normalize_ingredient(i) for i in ingredients if i and i.strip()}
        allergies = [a for a in allergy_texts if a and a.strip()]
        conditions = sorted({" ".join(c.lower().split()) for c in condition_texts if c and c.strip()})
        if not self.is_loaded():
            return ClinicalKnowledge(empty=True)

        allergy_forms = {k for a in allergies for k in allergy_keys(a)}
        terms: dict[str, list[Subject]] = {}
        if allergy_forms:
            for term, kind, subject in self._rows(_TERMS_SQL, terms=sorted(allergy_forms)):
                terms.setdefault(term, []).append(_subject(kind, subject))
        term_ingredients = {s.code for subs in terms.values() for s in subs if s.kind == "ingredient"}
        allergy_ingredients = {normalize_ingredient(a) for a in allergies} | term_ingredients

        ingredient_classes, names, kinds = self._classes(drugs | allergy_ingredients | allergy_forms)
        resolved = {a for a in allergies if any(k in terms or k in ingredient_classes for k in allergy_keys(a))}
        brands = self._brands([a for a in allergies if a not in resolved])
        brand_only = {i for ings in brands.values() for i in ings} - set(ingredient_classes)
        if brand_only:
            more, more_names, more_kinds = self._classes(brand_only)
            ingredient_classes.update(more)
            names.update(more_names)
            kinds.update(more_kinds)

        drug_classes = {c for i in drugs for c in ingredient_classes.get(i, ())}
        subjects = sorted(drugs | drug_classes)
        interactions = tuple(
            InteractionRule(_subject(ak, a), _subject(bk, b), sev, mech, mgmt, src)
            for ak, a, bk, b, sev, mech, mgmt, src in self._rows(_INTERACTIONS_SQL, subjects=subjects)
            if (a in drugs if ak == "ingredient" else a in drug_classes)
            and (b in drugs if bk == "ingredient" else b in drug_classes)
        )
        crosses = tuple(
            AllergyCross(ac, _subject(k, s), sev, msg, src)
            for ac, k, s, sev, msg, src in self._rows(_CROSS_SQL, subjects=subjects)
        )
        term_classes = {s.code for subs in terms.values() for s in subs if s.kind == "class"}
        wanted_names = (term_classes | {c.allergy_class for c in crosses}) - set(names)
        if wanted_names:
            for code, name, kind, _parent in self._rows(_CLASS_NAMES_SQL, codes=sorted(wanted_names)):
                names[code] = name
                kinds[code] = kind

        condition_terms: dict[str, str] = dict(self._rows(_CONDITIONS_SQL, terms=conditions)) if conditions else {}
        unresolved = [a for a in allergies if a not in resolved and not any(k in brands for k in allergy_keys(a))]
        vocabulary = set(allergy_forms & (set(terms) | set(ingredient_classes) | set(brands)))
        for allergy in unresolved:
            word = " ".join(allergy.lower().split())
            vocabulary |= {w for (w,) in self._rows(_SIMILAR_SQL, t=word)}

        return ClinicalKnowledge(
            ingredient_classes={i: frozenset(c) for i, c in ingredient_classes.items()},
            class_names=names,
            class_kinds=kinds,
            interactions=interactions,
            dose_limits=self._dose_limits(drugs),
            disease_rules=self._disease_rules(subjects, conditions, condition_terms),
            pregnancy_rules=tuple(
                PregnancyRule(_subject(k, s), state, sev, msg, src)
                for k, s, state, sev, msg, src in self._rows(_PREGNANCY_SQL, subjects=subjects)
            ),
            age_rules=tuple(
                AgeRule(_subject(k, s), crit, sev, msg, src, _decimal(lo), _decimal(hi))
                for k, s, crit, sev, msg, src, lo, hi in self._rows(_AGE_SQL, subjects=subjects)
            ),
            sex_rules=tuple(
                SexRule(_subject(k, s), sex, sev, msg, src)
                for k, s, sex, sev, msg, src in self._rows(_SEX_SQL, subjects=subjects)
            ),
            allergy_cross=crosses,
            allergen_terms={t: tuple(subs) for t, subs in terms.items()},
            brand_ingredients=brands,
            vocabulary=frozenset(vocabulary),
            condition_terms=condition_terms,
            empty=False,
        )

    def _disease_rules(
        self, subjects: list[str], conditions: list[str], terms: dict[str, str]
    ) -> tuple[DiseaseRule, ...]:
        """The drugs' rules for the patient's conditions (by ICD-10-CM prefix); every rule of the drugs
        when a condition is neither a code nor a known term (the check then asks for a look by hand)."""
        if not conditions:
            return ()
        codes: list[str] = []
        for condition in conditions:
            code = terms.get(condition) or (condition if _ICD10_LIKE.match(condition) else None)
            if code is None:
                codes = []
                break
            codes.append(code.replace(".", "").replace(" ", "").upper())
        rows = self._rows(_DISEASE_SQL, subjects=subjects, all_rules=not codes, codes=codes)
        return tuple(
            DiseaseRule(_subject(k, s), prefix, cname, sev, msg, src) for k, s, prefix, cname, sev, msg, src in rows
        )

    def _classes(self, ingredients: set[str]) -> tuple[dict[str, set[str]], dict[str, str], dict[str, str]]:
        """ingredient -> class codes (parents included), code -> name, code -> kind."""
        result: dict[str, set[str]] = {}
        names: dict[str, str] = {}
        kinds: dict[str, str] = {}
        if not ingredients:
            return result, names, kinds
        for ingredient, code, name, kind in self._rows(_CLASSES_SQL, ingredients=sorted(ingredients)):
            result.setdefault(ingredient, set()).add(code)
            names[code] = name
            kinds[code] = kind
        return result, names, kinds

    def _brands(self, allergy_texts: list[str]) -> dict[str, frozenset[str]]:
        """Brand name (lower case) -> its ingredients, for the allergy texts (or their words) that are
        brand names in the catalog."""
        names = sorted({k for a in allergy_texts for k in allergy_keys(a) if len(k) >= 3})
        if not names:
            return {}
        patterns = [f"%{n.replace('%', '').replace('_', '')}%" for n in names]
        brands: dict[str, set[str]] = {}
        for brand, substances in self._rows(_BRANDS_SQL, patterns=patterns, names=names):
            parts = {normalize_ingredient(s) for s in substances.split(";") if s.strip()}
            brands.setdefault(brand, set()).update(parts)
        return {b: frozenset(i) for b, i in brands.items()}

    def _dose_limits(self, ingredients: set[str]) -> tuple[DoseLimit, ...]:
        if not ingredients:
            return ()
        return tuple(
            DoseLimit(
                ingredient=r[0],
                source=r[1],
                route=r[2],
                release=r[3],
                age_min_years=Decimal(r[4]),
                age_max_years=_decimal(r[5]),
                max_single_mg=_decimal(r[6]),
                max_daily_mg=_decimal(r[7]),
                max_single_mg_per_kg=_decimal(r[8]),
                max_daily_mg_per_kg=_decimal(r[9]),
                min_interval_hours=_decimal(r[10]),
                weekly_only=bool(r[11]),
                max_weekly_mg=_decimal(r[12]),
                note=r[13],
            )
            for r in self._rows(_DOSE_SQL, ingredients=sorted(ingredients))
        )
