"""Polis formulas on hand-computed numbers."""

import numpy as np
import pytest

from massline.engines.opinion.stats import (
    Tally,
    comment_priorities,
    group_informed_consensus,
    majority_consensus,
    prop_test,
    two_prop_test,
)


def test_prop_test_matches_hand_value():
    # 6 of 6 agree: 2 * sqrt(7) * (7/7 - 1/2) = sqrt(7)
    assert prop_test(np.array(6), np.array(6)) == pytest.approx(np.sqrt(7))
    assert prop_test(np.array(0), np.array(0)) == pytest.approx(1.0)  # 2*1*(1-1/2)


def test_two_prop_test_adds_one_to_all_counts():
    # (3+1)/(4+1)=0.8 vs (1+1)/(9+1)=0.2, p-hat = 6/15
    z = two_prop_test(np.array(3), np.array(1), np.array(4), np.array(9))
    p = 6 / 15
    assert z == pytest.approx((0.8 - 0.2) / np.sqrt(p * (1 - p) * (1 / 5 + 1 / 10)))
    assert two_prop_test(np.array(5), np.array(5), np.array(5), np.array(5)) == 0.0


def test_group_informed_consensus_is_product_of_smoothed_agree_rates():
    t = Tally(agree=np.array([[10], [6]]), disagree=np.zeros((2, 1)), seen=np.array([[11], [9]]))
    assert group_informed_consensus(t)[0] == pytest.approx(11 / 13 * 7 / 11)


def test_majority_consensus_needs_majority_and_significance():
    # statement 0: 9/10 agree; statement 1: 2/3 agree (not significant); statement 2: mod-out
    t = Tally(
        agree=np.array([[9, 2, 10]]), disagree=np.array([[1, 1, 0]]), seen=np.array([[10, 3, 10]])
    )
    out = majority_consensus(t, np.array([10, 11, 12]), np.array([False, False, True]))
    assert out == {"agree": [10], "disagree": []}


def test_priority_formula_and_meta():
    # A=1, D=0, S=1, E=0: p=1/3, a=2/3, importance=4/9, factor 1+8*2^(-1/5)
    prio = comment_priorities(
        np.array([1, 1]), np.array([0, 0]), np.array([1, 1]), np.zeros(2), np.array([False, True])
    )
    assert prio[0] == pytest.approx((4 / 9 * (1 + 8 * 2 ** (-0.2))) ** 2)
    assert prio[1] == 49.0
