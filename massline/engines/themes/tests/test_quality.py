"""Theme quality on a labelled sample of banking77 (labels only score, never steer)."""

from __future__ import annotations

import csv
import random
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import normalized_mutual_info_score

from massline.engines.themes import find_themes

DATA = Path(__file__).parents[5] / "shared/data/banking77/train.csv"


@pytest.mark.skipif(not DATA.exists(), reason=f"{DATA} not present")
def test_banking77_sample_nmi():
    with DATA.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    rows = random.Random(7).sample(rows, 1500)
    result = find_themes([r["text"] for r in rows], seed=0)
    labels = np.full(len(rows), -1)
    for theme in result.themes:
        labels[theme.members] = theme.id
    nmi = normalized_mutual_info_score([r["category"] for r in rows], labels)
    assert len(result.unassigned) <= 0.1 * len(rows)
    assert nmi >= 0.65, nmi
