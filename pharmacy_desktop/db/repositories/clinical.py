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
from dataclasses import dataclass, field
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
_LOOKUP_SQL = text(f"""
SELECT 'loaded' AS what, NULL AS a, NULL AS b, NULL AS c WHERE EXISTS (SELECT 1 FROM {S}.clinical_sources)
UNION ALL
SELECT 'term', term, subject_kind, subject FROM {S}.clinical_allergen_terms WHERE term = ANY(:terms)
UNION ALL
SELECT 'condition', term, icd10_prefix, NULL FROM {S}.clinical_condition_terms WHERE term = ANY(:conditions)
ORDER BY 1, 2, 3, 4
""")
# every rule about the subjects under review in one round trip: (what, kind, subject, severity, message,
# source, t1, t2, t3, t4, n1 .. n8, flag); each part says what its columns carry
_RULES_SQL = text(f"""
SELECT 'interaction' AS what, subject_a_kind, subject_a, severity, mechanism, source,
       subject_b_kind AS t1, subject_b AS t2, management AS t3, NULL AS t4,
       NULL::numeric AS n1, NULL::numeric AS n2, NULL::numeric AS n3, NULL::numeric AS n4,
       NULL::numeric AS n5, NULL::numeric AS n6, NULL::numeric AS n7, NULL::numeric AS n8, NULL::boolean AS flag
  FROM {S}.clinical_interactions
 WHERE subject_a = ANY(:subjects) AND subject_b = ANY(:subjects) AND is_active
UNION ALL
SELECT 'disease', subject_kind, subject, severity, message, source, icd10_prefix, condition_name, NULL, NULL,
       NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
  FROM {S}.clinical_disease_rules
 WHERE subject = ANY(:subjects)
   AND (:all_disease OR EXISTS (SELECT 1 FROM unnest(CAST(:codes AS text[])) c
                                 WHERE c LIKE replace(upper(icd10_prefix), '.', '') || '%'))
UNION ALL
SELECT 'pregnancy', subject_kind, subject, severity, message, source, state, NULL, NULL, NULL,
       NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
  FROM {S}.clinical_pregnancy_rules WHERE subject = ANY(:subjects)
UNION ALL
SELECT 'age', subject_kind, subject, severity, message, source, criteria, NULL, NULL, NULL,
       age_min_years, age_max_years, NULL, NULL, NULL, NULL, NULL, NULL, NULL
  FROM {S}.clinical_age_rules WHERE subject = ANY(:subjects)
UNION ALL
SELECT 'sex', subject_kind, subject, severity, message, source, sex, NULL, NULL, NULL,
       NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
  FROM {S}.clinical_sex_rules WHERE subject = ANY(:subjects)
UNION ALL
SELECT 'cross', x.subject_kind, x.subject, x.severity, x.message, x.source, x.allergy_class, k.name, k.kind, NULL,
       NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
  FROM {S}.clinical_allergy_cross x JOIN {S}.clinical_classes k ON k.code = x.allergy_class
 WHERE x.subject = ANY(:subjects)
UNION ALL
SELECT 'dose', 'ingredient', ingredient, NULL, note, source, route, release, NULL, NULL,
       age_min_years, age_max_years, max_single_mg, max_daily_mg, max_single_mg_per_kg, max_daily_mg_per_kg,
       min_interval_hours, max_weekly_mg, weekly_only
  FROM {S}.clinical_dose_limits WHERE ingredient = ANY(:ingredients)
ORDER BY 1, 3, 2, 7, 8, 11
""")
# one LIKE per name, OR-ed: each can use the trigram index of medications.search_text (LIKE ANY(array)
# cannot, and a catalog holds 300,000 packages)
_BRANDS_SQL = f"""
SELECT DISTINCT lower(p.proprietary_name), p.substance_name
  FROM {S}.medications m JOIN {S}.drug_products p ON p.id = m.product_id
 WHERE ({{likes}}) AND lower(p.proprietary_name) = ANY(:names) AND p.substance_name IS NOT NULL
"""
_MAX_BRAND_WORDS = 20
_LIKE_SPECIAL = re.compile(r"[%_\\]")
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
        allergen terms and brands of ``allergy_texts``, the condition terms of ``condition_texts``.

        Round trips: terms and conditions (with "is anything loaded"), classes, the rules; then only
        when needed: brands and their classes, class names of allergy terms, "did you mean" words."""
        drugs = {normalize_ingredient(i) for i in ingredients if i and i.strip()}
        allergies = [a for a in allergy_texts if a and a.strip()]
        conditions = sorted({" ".join(c.lower().split()) for c in condition_texts if c and c.strip()})
        allergy_forms = {k for a in allergies for k in allergy_keys(a)}

        loaded = False
        terms: dict[str, list[Subject]] = {}
        condition_terms: dict[str, str] = {}
        for what, key, kind, subject in self._rows(_LOOKUP_SQL, terms=sorted(allergy_forms), conditions=conditions):
            if what == "loaded":
                loaded = True
            elif what == "term":
                terms.setdefault(key, []).append(_subject(kind, subject))
            else:
                condition_terms[key] = kind
        if not loaded:
            return ClinicalKnowledge(empty=True)
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
        rules = self._rules(drugs, drug_classes, conditions, condition_terms)
        for cross in rules.crosses:
            names.setdefault(cross.allergy_class, rules.cross_names[cross.allergy_class][0])
            kinds.setdefault(cross.allergy_class, rules.cross_names[cross.allergy_class][1])
        wanted_names = {s.code for subs in terms.values() for s in subs if s.kind == "class"} - set(names)
        if wanted_names:
            for code, name, kind, _parent in self._rows(_CLASS_NAMES_SQL, codes=sorted(wanted_names)):
                names[code] = name
                kinds[code] = kind

        unresolved = [a for a in allergies if a not in resolved and not any(k in brands for k in allergy_keys(a))]
        vocabulary = set(allergy_forms & (set(terms) | set(ingredient_classes) | set(brands)))
        for allergy in unresolved:
            word = " ".join(allergy.lower().split())
            vocabulary |= {w for (w,) in self._rows(_SIMILAR_SQL, t=word)}

        return ClinicalKnowledge(
            ingredient_classes={i: frozenset(c) for i, c in ingredient_classes.items()},
            class_names=names,
            class_kinds=kinds,
            interactions=tuple(rules.interactions),
            dose_limits=tuple(rules.doses),
            disease_rules=tuple(rules.diseases),
            pregnancy_rules=tuple(rules.pregnancies),
            age_rules=tuple(rules.ages),
            sex_rules=tuple(rules.sexes),
            allergy_cross=tuple(rules.crosses),
            allergen_terms={t: tuple(subs) for t, subs in terms.items()},
            brand_ingredients=brands,
            vocabulary=frozenset(vocabulary),
            condition_terms=condition_terms,
            empty=False,
        )

    def _rules(self, drugs: set[str], drug_classes: set[str], conditions: list[str], terms: dict[str, str]) -> _Rules:
        """Every rule about the drugs and their classes, in one round trip. Drug-disease rules only for
        the patient's conditions (by ICD-10-CM prefix), or every rule of the drugs when a condition is
        neither a code nor a known term (the check then asks for a look by hand)."""
        out = _Rules()
        if not drugs:
            return out
        codes: list[str] = []
        for condition in conditions:
            code = terms.get(condition) or (condition if _ICD10_LIKE.match(condition) else None)
            if code is None:
                codes = []
                break
            codes.append(code.replace(".", "").replace(" ", "").upper())
        params = {
            "subjects": sorted(drugs | drug_classes),
            "ingredients": sorted(drugs),
            "all_disease": bool(conditions) and not codes,
            "codes": codes,
        }

        def present(kind: str, code: str) -> bool:
            return code in drugs if kind == "ingredient" else code in drug_classes

        for row in self._rows(_RULES_SQL, **params):
            what, kind, code, severity, message, source, t1, t2, t3 = row[:9]
            subject = _subject(kind, code)
            if what == "interaction":
                if present(kind, code) and present(t1, t2):
                    out.interactions.append(InteractionRule(subject, _subject(t1, t2), severity, message, t3, source))
            elif what == "disease":
                out.diseases.append(DiseaseRule(subject, t1, t2, severity, message, source))
            elif what == "pregnancy":
                out.pregnancies.append(PregnancyRule(subject, t1, severity, message, source))
            elif what == "age":
                out.ages.append(AgeRule(subject, t1, severity, message, source, _decimal(row[10]), _decimal(row[11])))
            elif what == "sex":
                out.sexes.append(SexRule(subject, t1, severity, message, source))
            elif what == "cross":
                out.crosses.append(AllergyCross(t1, subject, severity, message, source))
                out.cross_names[t1] = (t2, t3)
            elif what == "dose":
                out.doses.append(_dose_limit(code, source, t1, t2, message, row[10:18], row[18]))
        return out

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
        names = names[:_MAX_BRAND_WORDS]
        patterns = {f"p{i}": "%" + _LIKE_SPECIAL.sub("", n) + "%" for i, n in enumerate(names)}
        likes = " OR ".join(f"m.search_text LIKE :{key}" for key in patterns)
        statement = text(_BRANDS_SQL.format(likes=likes))
        brands: dict[str, set[str]] = {}
        for brand, substances in self._rows(statement, names=names, **patterns):
            parts = {normalize_ingredient(s) for s in substances.split(";") if s.strip()}
            brands.setdefault(brand, set()).update(parts)
        return {b: frozenset(i) for b, i in brands.items()}


@dataclass
class _Rules:
    interactions: list[InteractionRule] = field(default_factory=list)
    diseases: list[DiseaseRule] = field(default_factory=list)
    pregnancies: list[PregnancyRule] = field(default_factory=list)
    ages: list[AgeRule] = field(default_factory=list)
    sexes: list[SexRule] = field(default_factory=list)
    crosses: list[AllergyCross] = field(default_factory=list)
    cross_names: dict[str, tuple[str, str]] = field(default_factory=dict)
    doses: list[DoseLimit] = field(default_factory=list)


def _dose_limit(
    ingredient: str, source: str, route: str, release: str, note: str | None, numbers: Any, weekly_only: Any
) -> DoseLimit:
    age_min, age_max, single, daily, single_kg, daily_kg, interval, weekly = (_decimal(n) for n in numbers)
    return DoseLimit(
        ingredient=ingredient,
        source=source,
        route=route,
        release=release,
        age_min_years=age_min or Decimal(0),
        age_max_years=age_max,
        max_single_mg=single,
        max_daily_mg=daily,
        max_single_mg_per_kg=single_kg,
        max_daily_mg_per_kg=daily_kg,
        min_interval_hours=interval,
        weekly_only=bool(weekly_only),
        max_weekly_mg=weekly,
        note=note,
    )
