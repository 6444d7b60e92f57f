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

from pharmacy_desktop.db.repositories.dur import LEGACY_PAIRS_SELECT, LEGACY_PAIRS_WITH
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
from pharmacy_desktop.domain.dur_facts import normalize_ingredient, split_ingredients

S = "prescription_schema"
_WORD = re.compile(r"[a-z][a-z0-9-]+")
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
# Everything a run needs in ONE round trip (what, kind, subject, severity, message, source, t1, t2, t3, t4,
# n1 .. n8, flag); each part says what its columns carry:
# - 'loaded' when any data set is loaded;
# - the allergen terms of the allergy texts ('term': kind = subject kind, subject = the term, t1 = the
#   subject) and the condition terms ('condition': subject = the term, t1 = its ICD-10-CM prefix);
# - the classes, parents included, of the drugs, the allergy texts and the allergen terms'
#   ingredients ('class': kind = the class kind, subject = the ingredient, t1 = code, t2 = name);
# - the classes the allergen terms name, parents included ('term class': kind, subject = code,
#   t1 = parent, t2 = name);
# - every rule about the drugs (:ingredients) and their classes; drug-disease rules only for the
#   patient's conditions (the code a condition term gives, or the text itself when it reads as a
#   code), or every rule of the drugs when a condition is neither (the check then asks for a look
#   by hand).
# - the pharmacy's own drug_interactions pairs naming :legacy_keys ('legacy': subject = generic 1,
#   t1 = generic 2, message = description, t2 = management): dur.LEGACY_PAIRS_SELECT.
_KNOWLEDGE_SQL = text(f"""
WITH RECURSIVE {LEGACY_PAIRS_WITH}, terms AS (
    SELECT term, subject_kind, subject FROM {S}.clinical_allergen_terms WHERE term = ANY(CAST(:terms AS text[]))
), conditions AS (
    SELECT term, icd10_prefix FROM {S}.clinical_condition_terms WHERE term = ANY(CAST(:conditions AS text[]))
), c(ingredient, code) AS (
    SELECT ingredient, class_code FROM {S}.clinical_ingredient_classes
     WHERE ingredient = ANY(CAST(:class_keys AS text[])
                            || ARRAY(SELECT subject FROM terms WHERE subject_kind = 'ingredient'))
    UNION
    SELECT c.ingredient, k.parent_code FROM c JOIN {S}.clinical_classes k ON k.code = c.code
     WHERE k.parent_code IS NOT NULL
), term_classes(code) AS (
    SELECT code FROM {S}.clinical_classes WHERE code IN (SELECT subject FROM terms WHERE subject_kind = 'class')
    UNION
    SELECT k.parent_code FROM term_classes t JOIN {S}.clinical_classes k ON k.code = t.code
     WHERE k.parent_code IS NOT NULL
), subjects AS (
    SELECT ARRAY(SELECT unnest(CAST(:ingredients AS text[]))
                 UNION SELECT code FROM c WHERE ingredient = ANY(CAST(:ingredients AS text[]))) AS s
), codes AS MATERIALIZED (  -- once, not once per candidate rule (an inlined CTE was: 1,300 times)
    -- a text reads as a code as domain.dur_patient.condition_code reads a name: ^[a-z][0-9]{{2}}
    SELECT upper(replace(replace(coalesce(NULLIF((SELECT max(t.icd10_prefix) FROM conditions t WHERE t.term = x), ''),
                                          CASE WHEN x ~ '^[a-z][0-9]{{2}}' THEN x END), '.', ''), ' ', '')) AS code
      FROM unnest(CAST(:conditions AS text[])) x
)
SELECT 'loaded' AS what, NULL AS kind, NULL AS subject, NULL AS severity, NULL AS message, NULL AS source,
       NULL AS t1, NULL AS t2, NULL AS t3, NULL AS t4,
       NULL::numeric AS n1, NULL::numeric AS n2, NULL::numeric AS n3, NULL::numeric AS n4,
       NULL::numeric AS n5, NULL::numeric AS n6, NULL::numeric AS n7, NULL::numeric AS n8, NULL::boolean AS flag
 WHERE EXISTS (SELECT 1 FROM {S}.clinical_sources)
UNION ALL
SELECT 'term', subject_kind, term, NULL, NULL, NULL, subject, NULL, NULL, NULL,
       NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
  FROM terms
UNION ALL
SELECT 'condition', NULL, term, NULL, NULL, NULL, icd10_prefix, NULL, NULL, NULL,
       NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
  FROM conditions
UNION ALL
SELECT 'class', k.kind, c.ingredient, NULL, NULL, NULL, c.code, k.name, NULL, NULL,
       NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
  FROM c JOIN {S}.clinical_classes k ON k.code = c.code
UNION ALL
SELECT 'term class', k.kind, k.code, NULL, NULL, NULL, k.parent_code, k.name, NULL, NULL,
       NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
  FROM term_classes t JOIN {S}.clinical_classes k ON k.code = t.code
UNION ALL
SELECT 'interaction', subject_a_kind, subject_a, severity, mechanism, source,
       subject_b_kind, subject_b, management, NULL,
       NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
  FROM {S}.clinical_interactions
 WHERE subject_a = ANY(CAST((SELECT s FROM subjects) AS text[])) AND subject_b = ANY(CAST((SELECT s FROM subjects) AS text[])) AND is_active
UNION ALL
SELECT 'disease', subject_kind, subject, severity, message, source, icd10_prefix, condition_name, NULL, NULL,
       NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
  FROM {S}.clinical_disease_rules
 WHERE subject = ANY(CAST((SELECT s FROM subjects) AS text[]))
   AND EXISTS (SELECT 1 FROM codes
                WHERE codes.code IS NULL OR codes.code LIKE replace(upper(icd10_prefix), '.', '') || '%')
UNION ALL
SELECT 'pregnancy', subject_kind, subject, severity, message, source, state, NULL, NULL, NULL,
       NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
  FROM {S}.clinical_pregnancy_rules WHERE subject = ANY(CAST((SELECT s FROM subjects) AS text[]))
UNION ALL
SELECT 'age', subject_kind, subject, severity, message, source, criteria, NULL, NULL, NULL,
       age_min_years, age_max_years, NULL, NULL, NULL, NULL, NULL, NULL, NULL
  FROM {S}.clinical_age_rules WHERE subject = ANY(CAST((SELECT s FROM subjects) AS text[]))
UNION ALL
SELECT 'sex', subject_kind, subject, severity, message, source, sex, NULL, NULL, NULL,
       NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
  FROM {S}.clinical_sex_rules WHERE subject = ANY(CAST((SELECT s FROM subjects) AS text[]))
UNION ALL
SELECT 'cross', x.subject_kind, x.subject, x.severity, x.message, x.source, x.allergy_class, k.name, k.kind, NULL,
       NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
  FROM {S}.clinical_allergy_cross x JOIN {S}.clinical_classes k ON k.code = x.allergy_class
 WHERE x.subject = ANY(CAST((SELECT s FROM subjects) AS text[]))
UNION ALL
SELECT 'dose', 'ingredient', ingredient, NULL, note, source, route, release, NULL, NULL,
       age_min_years, age_max_years, max_single_mg, max_daily_mg, max_single_mg_per_kg, max_daily_mg_per_kg,
       min_interval_hours, max_weekly_mg, weekly_only
  FROM {S}.clinical_dose_limits WHERE ingredient = ANY(CAST(:ingredients AS text[]))
UNION ALL
SELECT 'legacy', NULL, g1, severity, description, NULL, g2, management, NULL, NULL,
       NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
  FROM ({LEGACY_PAIRS_SELECT}) legacy
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


LEGACY_SOURCE = "Pharmacy interaction table (drug_interactions)"


def legacy_interactions(pairs: Iterable[tuple[str, str, str, str, str]]) -> tuple[InteractionRule, ...]:
    """The pharmacy's ``drug_interactions`` pairs (generic 1, generic 2, severity, description,
    management) as rules between ingredients: a pair stored between two packages applies to every
    product of those ingredients."""
    rules: dict[tuple[str, str], InteractionRule] = {}
    for a, b, severity, description, management in sorted(pairs):
        for ing_a in split_ingredients(a):
            for ing_b in split_ingredients(b):
                if ing_a == ing_b:
                    continue
                key = (min(ing_a, ing_b), max(ing_a, ing_b))
                rules.setdefault(
                    key,
                    InteractionRule(
                        Subject("ingredient", key[0]),
                        Subject("ingredient", key[1]),
                        severity,
                        description,
                        management,
                        LEGACY_SOURCE,
                    ),
                )
    return tuple(rules.values())


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
        self,
        ingredients: Iterable[str],
        allergy_texts: Iterable[str] = (),
        condition_texts: Iterable[str] = (),
        *,
        legacy_keys: Iterable[str] = (),
    ) -> ClinicalKnowledge:
        """The knowledge about ``ingredients`` (normalize_ingredient form) and their classes, the
        allergen terms and brands of ``allergy_texts``, the condition terms of ``condition_texts``;
        with ``legacy_keys`` (``DrugFacts.name_keys``) the pharmacy's own ``drug_interactions`` pairs
        naming them, as ingredient rules among the interactions (``legacy_interactions``), read in
        the same round trip (as ``uow.dur.interaction_pairs`` reads them).

        One round trip (``_KNOWLEDGE_SQL``: "is anything loaded", the terms, the classes and every
        rule); more only for an allergy text that is no term, ingredient or class: brands and their
        classes, "did you mean" words."""
        drugs = {normalize_ingredient(i) for i in ingredients if i and i.strip()}
        allergies = [a for a in allergy_texts if a and a.strip()]
        conditions = sorted({" ".join(c.lower().split()) for c in condition_texts if c and c.strip()})
        allergy_forms = {k for a in allergies for k in allergy_keys(a)}

        rows = self._rows(
            _KNOWLEDGE_SQL,
            terms=sorted(allergy_forms),
            conditions=conditions,
            class_keys=sorted(drugs | {normalize_ingredient(a) for a in allergies} | allergy_forms),
            ingredients=sorted(drugs),
            legacy_keys=sorted({k for k in legacy_keys if k}),
        )
        loaded = False
        pairs: set[tuple[str, str, str, str, str]] = set()
        term_classes: dict[str, tuple[str, str, str | None]] = {}  # code -> (name, kind, parent)
        terms: dict[str, list[Subject]] = {}
        condition_terms: dict[str, str] = {}
        ingredient_classes: dict[str, set[str]] = {}
        names: dict[str, str] = {}
        kinds: dict[str, str] = {}
        rules = _Rules()
        for row in rows:
            what = row[0]
            if what == "loaded":
                loaded = True
            elif what == "term":
                terms.setdefault(row[2], []).append(_subject(row[1], row[6]))
            elif what == "condition":
                condition_terms[row[2]] = row[6]
            elif what == "class":
                ingredient_classes.setdefault(row[2], set()).add(row[6])
                names[row[6]] = row[7]
                kinds[row[6]] = row[1]
            elif what == "term class":
                term_classes[row[2]] = (row[7], row[1], row[6])
            elif what == "legacy":
                pairs.add((row[2], row[6], row[3], row[4], row[7]))
            else:
                rules.add(row)
        legacy = legacy_interactions(pairs)
        if not loaded:
            return ClinicalKnowledge(empty=True, interactions=legacy)
        drug_classes = {c for i in drugs for c in ingredient_classes.get(i, ())}
        rules.interactions = [
            r for r in rules.interactions if _present(r.a, drugs, drug_classes) and _present(r.b, drugs, drug_classes)
        ]

        resolved = {a for a in allergies if any(k in terms or k in ingredient_classes for k in allergy_keys(a))}
        brands = self._brands([a for a in allergies if a not in resolved])
        brand_only = {i for ings in brands.values() for i in ings} - set(ingredient_classes)
        if brand_only:
            more, more_names, more_kinds = self._classes(brand_only)
            ingredient_classes.update(more)
            names.update(more_names)
            kinds.update(more_kinds)

        for cross in rules.crosses:
            names.setdefault(cross.allergy_class, rules.cross_names[cross.allergy_class][0])
            kinds.setdefault(cross.allergy_class, rules.cross_names[cross.allergy_class][1])
        named: set[str] = set()
        # the classes allergen terms name that nothing above named, with their parents
        wanted = sorted({s.code for subs in terms.values() for s in subs if s.kind == "class"} - set(names))
        while wanted:
            code = wanted.pop()
            if code in term_classes and code not in named:
                name, kind, parent = term_classes[code]
                names[code], kinds[code] = name, kind
                named.add(code)
                if parent is not None:
                    wanted.append(parent)

        unresolved = [a for a in allergies if a not in resolved and not any(k in brands for k in allergy_keys(a))]
        vocabulary = set(allergy_forms & (set(terms) | set(ingredient_classes) | set(brands)))
        for allergy in unresolved:
            word = " ".join(allergy.lower().split())
            vocabulary |= {w for (w,) in self._rows(_SIMILAR_SQL, t=word)}

        return ClinicalKnowledge(
            ingredient_classes={i: frozenset(c) for i, c in ingredient_classes.items()},
            class_names=names,
            class_kinds=kinds,
            interactions=(*rules.interactions, *legacy),
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

    def add(self, row: Any) -> None:
        """One rule row of ``_KNOWLEDGE_SQL``."""
        what, kind, code, severity, message, source, t1, t2, t3 = row[:9]
        subject = _subject(kind, code)
        if what == "interaction":
            self.interactions.append(InteractionRule(subject, _subject(t1, t2), severity, message, t3, source))
        elif what == "disease":
            self.diseases.append(DiseaseRule(subject, t1, t2, severity, message, source))
        elif what == "pregnancy":
            self.pregnancies.append(PregnancyRule(subject, t1, severity, message, source))
        elif what == "age":
            self.ages.append(AgeRule(subject, t1, severity, message, source, _decimal(row[10]), _decimal(row[11])))
        elif what == "sex":
            self.sexes.append(SexRule(subject, t1, severity, message, source))
        elif what == "cross":
            self.crosses.append(AllergyCross(t1, subject, severity, message, source))
            self.cross_names[t1] = (t2, t3)
        elif what == "dose":
            self.doses.append(_dose_limit(code, source, t1, t2, message, row[10:18], row[18]))


def _present(subject: Subject, drugs: set[str], drug_classes: set[str]) -> bool:
    return subject.code in drugs if subject.kind == "ingredient" else subject.code in drug_classes


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
