"""Speed and agreement against red-dwarf (a Python Polis port) on the largest openData conversation.

Both get the same votes (latest per cell, export sign), moderation and meta statements. Printed:
both pipeline times and our speed ratio (target >= 20x), PCA components and projections up to
sign, the ARI between the two groupings and of each against Polis's own groups, and, given
red-dwarf's groups, whether our representative statements, majority consensus and
group-informed consensus equal red-dwarf's.

red-dwarf runs in ``/tmp/venv-reddwarf`` (this file re-run there with ``--worker``) unless it is
importable here; without it the script says so and exits 0.

    python bench/opinion_reddwarf.py [--data DIR] [--repeat 5]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

DATA = Path(__file__).resolve().parents[2] / "shared/data/polis-opendata"
REDDWARF_PYTHON = Path("/tmp/venv-reddwarf/bin/python")


def worker(inputs: Path, output: Path, repeat: int) -> None:
    """Run red-dwarf on the saved votes and dump what we compare; needs only numpy + reddwarf."""
    from reddwarf.implementations.polis import run_pipeline

    z = np.load(inputs)
    votes = [
        {"participant_id": p, "statement_id": s, "vote": v, "modified": 0}
        for p, s, v in zip(*(z[k].tolist() for k in ("pids", "tids", "votes")), strict=True)
    ]
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        r = run_pipeline(
            votes=votes,
            mod_out_statement_ids=z["mod_out"].tolist(),
            meta_statement_ids=z["meta"].tolist(),
            random_state=0,
        )
        times.append(time.perf_counter() - start)
    clustered = r.participants_df[r.participants_df["to_cluster"]]
    gac = r.group_aware_consensus["agree"]
    result = {
        "seconds": float(np.median(times)),
        "projections": {
            str(p): [float(v) for v in xy] for p, xy in r.participant_projections.items()
        },
        "components": np.asarray(r.reducer.components_[:2]).tolist(),
        "labels": {str(p): int(g) for p, g in clustered["cluster_id"].items()},
        "repness": {
            str(g): [[s["tid"], s["repful-for"]] for s in reps] for g, reps in r.repness.items()
        },
        "consensus": {
            side: [s["tid"] for s in r.consensus[side]] for side in ["agree", "disagree"]
        },
        "gac": {str(t): float(v) for t, v in gac.items()},
    }
    output.write_text(json.dumps(result))


def largest_conversation(data: Path) -> Path:
    """The conversation with the most rows in votes.csv."""

    def n_votes(conv: Path) -> int:
        with open(conv / "votes.csv", "rb") as f:
            return sum(1 for _ in f)

    return max((p for p in data.iterdir() if (p / "votes.csv").exists()), key=n_votes)


def run_reddwarf(npz: Path, out: Path, repeat: int) -> dict | None:
    """red-dwarf's results, in-process if importable, else via its venv; None if unavailable."""
    if importlib.util.find_spec("reddwarf") is not None:
        worker(npz, out, repeat)
    elif REDDWARF_PYTHON.exists():
        command = [str(REDDWARF_PYTHON), __file__, "--worker", str(npz), str(out), str(repeat)]
        subprocess.run(command, check=True)
    else:
        return None
    return json.loads(out.read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each; medians are reported")
    parser.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(Path(args.worker[0]), Path(args.worker[1]), int(args.worker[2]))
        return
    from sklearn.metrics import adjusted_rand_score

    from massline.engines.opinion import analyze_arrays
    from massline.engines.opinion.io import read_opendata, read_participants_votes_csv
    from massline.engines.opinion.matrix import build_matrix

    conv_dir = largest_conversation(args.data)
    conv = read_opendata(conv_dir / "votes.csv", conv_dir / "comments.csv")
    _, polis = read_participants_votes_csv(conv_dir / "participants-votes.csv")
    m = build_matrix(conv.participants, conv.statements, conv.votes, conv.timestamps)
    pids, tids, votes = m.participants[m.rows], m.statements[m.cols], -m.values  # export sign
    mod_out, meta = sorted(conv.moderated_out), sorted(conv.meta)
    print(f"{conv_dir.name}: {len(votes):,} votes (latest per cell), "
          f"{m.shape[0]:,} participants x {m.shape[1]:,} statements")  # fmt: skip

    with tempfile.TemporaryDirectory() as tmp:
        npz, out = Path(tmp) / "votes.npz", Path(tmp) / "reddwarf.json"
        np.savez(npz, pids=pids, tids=tids, votes=votes, mod_out=mod_out, meta=meta)
        rd = run_reddwarf(npz, out, args.repeat)
    if rd is None:
        print(f"red-dwarf is not installed (no module here, no {REDDWARF_PYTHON}); skipped")
        return

    kw = {"moderated_out": set(mod_out), "meta": set(meta)}
    times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        ours = analyze_arrays(pids, tids, votes, **kw)
        times.append(time.perf_counter() - start)
    seconds = float(np.median(times))
    print(f"medians of {args.repeat} runs: red-dwarf {rd['seconds']:.3f} s, ours {seconds:.3f} s, "
          f"ours is {rd['seconds'] / seconds:.1f}x faster (target >= 20x)")  # fmt: skip

    # PCA: components and projections agree up to each component's sign.
    rd_comps = np.array(rd["components"])
    cosines = np.abs(np.sum(rd_comps * ours.pca.comps, axis=1))
    ids = ours.matrix.participants.tolist()
    rd_proj = np.array([rd["projections"][str(p)] for p in ids])
    signs = np.sign(np.sum(rd_proj * ours.pca.projections, axis=0))
    gap = np.abs(rd_proj - ours.pca.projections * signs).max()
    scale = np.abs(rd_proj).max()
    print(f"PCA: |cos| of components {np.round(cosines, 6).tolist()}, projections max |diff| "
          f"{gap:.2e} (max |projection| {scale:.2f})")  # fmt: skip

    # Groups: red-dwarf clusters participants directly (no base clusters, no history).
    ours_label = {p: g for g, members in ours.groups.items() for p in members}
    both = [p for p in ids if str(p) in rd["labels"] and p in ours_label]
    ari = adjusted_rand_score([rd["labels"][str(p)] for p in both], [ours_label[p] for p in both])
    in_polis = sorted(polis)

    def vs_polis(labels: dict) -> float:
        truth = [polis[p] for p in in_polis]
        return adjusted_rand_score(truth, [labels.get(p, -1) for p in in_polis])

    rd_int = {int(p): g for p, g in rd["labels"].items()}
    print(f"groups: k red-dwarf {len(set(rd_int.values()))}, ours {len(ours.groups)}, "
          f"Polis {len(set(polis.values()))}; ARI ours~red-dwarf {ari:.3f}; vs Polis: "
          f"red-dwarf {vs_polis(rd_int):.3f}, ours (cold) {vs_polis(ours_label):.3f}")  # fmt: skip

    # Given red-dwarf's groups, the statistics downstream are the same Polis formulas.
    groups: dict[int, list] = {}
    for p, g in rd_int.items():
        groups.setdefault(g, []).append(p)
    same = analyze_arrays(pids, tids, votes, fixed_groups=groups, **kw).to_dict()
    rep_equal = all(
        [[r["comment_id"], r["repful"]] for r in same["repness"][g]] == reps
        for g, reps in rd["repness"].items()
    )
    cons_equal = same["consensus"] == rd["consensus"]
    gic = same["group_informed_consensus"]
    gic_gap = max(abs(gic[t] - v) for t, v in rd["gac"].items())
    print(f"given red-dwarf's groups: repness ids equal {rep_equal}, majority consensus "
          f"equal {cons_equal}, group-informed consensus max |diff| {gic_gap:.2e}")  # fmt: skip


if __name__ == "__main__":
    main()
