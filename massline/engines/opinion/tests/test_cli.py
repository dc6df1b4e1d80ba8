"""CLI contract on a small openData-shaped export."""

import csv
import json

import numpy as np

from massline.engines.opinion.cli import main


def test_analyze_writes_result_json(tmp_path):
    rng = np.random.default_rng(0)
    votes = tmp_path / "votes.csv"
    with open(votes, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["timestamp", "datetime", "comment-id", "voter-id", "vote"])
        for p in range(40):
            side = 1 if p < 20 else -1
            for c in range(8):
                w.writerow(
                    [
                        1000 * p + c,
                        "x",
                        c,
                        p,
                        side * (1 if c % 2 else -1) * (1 if rng.random() > 0.05 else -1),
                    ]
                )
    comments = tmp_path / "comments.csv"
    with open(comments, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(
            [
                "timestamp",
                "datetime",
                "comment-id",
                "author-id",
                "agrees",
                "disagrees",
                "moderated",
                "comment-body",
            ]
        )
        for c in range(8):
            w.writerow([0, "x", c, 0, 0, 0, -1 if c == 7 else 1, "text"])
    out = tmp_path / "result.json"
    for extra in ([], ["--replay", "--replay-interval-ms", "8000"]):
        assert (
            main(
                [
                    "analyze",
                    "--votes",
                    str(votes),
                    "--comments",
                    str(comments),
                    "--out",
                    str(out),
                    *extra,
                ]
            )
            == 0
        )
        result = json.loads(out.read_text())
        grouped = sorted(p for members in result["groups"].values() for p in members)
        assert len(result["groups"]) >= 2 and grouped == list(range(40))
        assert sorted(result["in_conversation"]) == list(range(40))
        assert len(result["pca"]["components"]) == 2 and len(result["projections"]) == 40
        assert "7" in result["group_informed_consensus"]
        reps = [r["comment_id"] for g in result["repness"].values() for r in g]
        assert 7 not in reps
        assert set(result["repness"]["0"][0]) >= {
            "comment_id",
            "repful",
            "repness",
            "repness_test",
            "p_success",
            "p_test",
        }
