"""Given Polis's own groups, our repness, consensus and GIC equal Polis's math-pca2.json."""

import json
from pathlib import Path

import pytest

from massline.engines.opinion import analyze_arrays
from massline.engines.opinion.io import read_polis_math_dir

# tests -> opinion -> engines -> massline -> repo; shared/ sits beside the repo
GOLDEN = Path(__file__).resolve().parents[5] / "shared/data/polis-math-golden"
CASES = sorted(p.name for p in GOLDEN.iterdir()) if GOLDEN.exists() else []


@pytest.fixture(scope="module", params=CASES or [pytest.param(None, marks=pytest.mark.skip)])
def case(request):
    directory = GOLDEN / request.param
    conv = read_polis_math_dir(directory)
    result = analyze_arrays(
        conv.participants, conv.statements, conv.votes, conv.timestamps,
        moderated_out=conv.moderated_out, meta=conv.meta, fixed_groups=conv.polis_groups,
    )  # fmt: skip
    return json.loads((directory / "math-pca2.json").read_text()), result.to_dict()


def test_representative_statements_equal_polis(case):
    math, ours = case
    for gid, reps in math["repness"].items():
        expected = [(r["tid"], r["repful-for"]) for r in reps]
        assert [(r["comment_id"], r["repful"]) for r in ours["repness"][gid]] == expected
        for mine, theirs in zip(ours["repness"][gid], reps, strict=True):
            assert mine["repness"] == pytest.approx(theirs["repness"], rel=1e-12)
            assert mine["p_test"] == pytest.approx(theirs["p-test"], rel=1e-12)


def test_majority_consensus_equals_polis(case):
    math, ours = case
    for side in ("agree", "disagree"):
        assert ours["consensus"][side] == [c["tid"] for c in math["consensus"][side]]


def test_group_informed_consensus_equals_polis_bit_for_bit(case):
    math, ours = case
    assert ours["group_informed_consensus"] == math["group-aware-consensus"]
