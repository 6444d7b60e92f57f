"""Helpers for the clinical knowledge tests: small CSV folders in the format of docs/CLINICAL_DATA.md."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from pharmacy_desktop.db.clinical_load import KNOWN_FILES, SPECS

HEADERS = {"sources.csv": "name,description", **{s.file: ",".join(s.names) for s in SPECS}}
LABEL = "FDA label: Contraindications (4)"

# a tiny knowledge set: two statins, a cardioselective and a non-selective beta blocker, warfarin +
# metronidazole, the penicillin class with a term and a cross-sensitivity, one rule of each kind
SMALL = {
    "sources.csv": ["small-test,Test data set"],
    "classes.csv": [
        f"statin,HMG-CoA reductase inhibitors (statins),therapeutic,,{LABEL}",
        f"beta_blocker,Beta blockers,therapeutic,,{LABEL}",
        f"beta_blocker_nonselective,Non-selective beta blockers,therapeutic,beta_blocker,{LABEL}",
        f"beta_blocker_cardioselective,Cardioselective beta blockers,therapeutic,beta_blocker,{LABEL}",
        f"beta_lactam,Beta-lactam antibiotics,allergy,,{LABEL}",
        f"penicillin,Penicillins,therapeutic,beta_lactam,{LABEL}",
        f"cephalosporin,Cephalosporins,therapeutic,beta_lactam,{LABEL}",
    ],
    "ingredient_classes.csv": [
        f"atorvastatin,statin,{LABEL}",
        f"Simvastatin,statin,{LABEL}",
        f"propranolol hydrochloride,beta_blocker_nonselective,{LABEL}",
        f"metoprolol,beta_blocker_cardioselective,{LABEL}",
        f"amoxicillin,penicillin,{LABEL}",
        f"cephalexin,cephalosporin,{LABEL}",
    ],
    "allergen_terms.csv": [f"pcn,class,penicillin,{LABEL}", f"penicillin,class,penicillin,{LABEL}"],
    "interactions.csv": [
        f"ingredient,warfarin,ingredient,metronidazole,serious,CYP2C9 inhibition,Monitor INR,{LABEL}",
        f'class,statin,ingredient,gemfibrozil,serious,"Myopathy, rhabdomyolysis",Avoid,{LABEL}',
    ],
    "dose_limits.csv": [
        f"warfarin,oral,any,0,,,15,,,,,,,{LABEL}",
        f"methotrexate,oral,any,0,,,,,,,true,30,RA and psoriasis dosing,{LABEL}",
    ],
    "condition_terms.csv": [f"asthma,J45,{LABEL}", f"Heart Failure,i50,{LABEL}"],
    "disease_rules.csv": [
        f"class,beta_blocker_nonselective,J45,asthma,serious,Non-selective beta blockers can cause bronchospasm,{LABEL}"
    ],
    "pregnancy_rules.csv": [f"class,statin,pregnancy,contraindicated,Statins in pregnancy,{LABEL}"],
    "age_rules.csv": [f"ingredient,codeine,,12,pediatric,contraindicated,Codeine under 12,{LABEL}"],
    "sex_rules.csv": [f"ingredient,finasteride,F,contraindicated,Not for women,{LABEL}"],
    "allergy_cross.csv": [f"penicillin,class,cephalosporin,significant,Cross-sensitivity,{LABEL}"],
}


def write_folder(path: Path, files: dict[str, list[str]]) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    for name, rows in files.items():
        assert name in KNOWN_FILES
        (path / name).write_text("\n".join([HEADERS[name], *rows]) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def pg_conn(engine) -> Iterator[psycopg.Connection]:
    """A psycopg connection to the test database (the loader's kind of connection)."""
    raw = engine.raw_connection()
    try:
        conn = raw.driver_connection
        assert isinstance(conn, psycopg.Connection)
        conn.rollback()
        yield conn
    finally:
        raw.close()


@pytest.fixture
def small_folder(tmp_path) -> Path:
    return write_folder(tmp_path / "small", SMALL)
