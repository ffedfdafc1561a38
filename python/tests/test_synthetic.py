"""The synthetic generator seen from Python: deterministic, same bytes as the native build."""

from __future__ import annotations

import json
import re

import pytest

import cohorte

from .conftest import FIXTURES, REPO


def _golden_digest() -> str:
    """The digest of synthetic(2000, seed=42) committed for the Rust tests
    (core/tests/synth_digest.rs), else in the shared fixtures/digests.json."""
    rust = REPO / "core" / "tests" / "synth_digest.rs"
    if rust.is_file():
        m = re.search(r'GOLDEN_SEED_42\s*:\s*&str\s*=\s*"([0-9a-f]{64})"', rust.read_text())
        if m:
            return m.group(1)
    shared = FIXTURES / "digests.json"
    if shared.is_file():
        data = json.loads(shared.read_text())
        if "synthetic_2000_seed_42" in data:
            return str(data["synthetic_2000_seed_42"])
    pytest.fail("no golden digest found in core/tests/synth_digest.rs or fixtures/digests.json")


def test_digest_equals_the_native_golden_digest() -> None:
    assert cohorte.synthetic(2000, seed=42).digest() == _golden_digest()


def test_same_seed_same_digest_other_seed_other_digest() -> None:
    a = cohorte.synthetic(500, seed=7).digest()
    b = cohorte.synthetic(500, seed=7).digest()
    c = cohorte.synthetic(500, seed=8).digest()
    assert re.fullmatch(r"[0-9a-f]{64}", a)
    assert a == b
    assert a != c


def test_summary_counts_the_requested_patients(small: cohorte.Dataset) -> None:
    summary = small.summary()
    assert summary["patients"] == 2000
    assert small.n_patients == 2000
    assert small.n_events > 2000


def test_tables_are_polars_frames_with_snds_names(small: cohorte.Dataset) -> None:
    tables = small.tables()
    assert {"IR_BEN_R", "ER_PRS_F", "ER_PHA_F"} <= tables.keys()
    ben = tables["IR_BEN_R"]
    assert ben.height == 2000
    assert {"BEN_NIR_PSA", "BEN_RNG_GEM", "BEN_SEX_COD"} <= set(ben.columns)
    # Every dispensing line joins a claim line.
    assert tables["ER_PHA_F"].height <= tables["ER_PRS_F"].height
