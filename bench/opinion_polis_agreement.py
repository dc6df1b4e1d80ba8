"""How close the engine's opinion groups come to Polis's own, on the openData conversations.

For each conversation: Polis's k and ours, and the adjusted Rand index of our groups against
Polis's over the participants Polis grouped, for

- a cold start with today's Polis math (baseline);
- a replay of votes.csv in timestamp order where each update runs the Polis math in force at its
  time ("historical", ``polis_version``: 0-fill before 2017-10-21, mod-out not zeroed before
  2017-02-27, base-k 50 before 2017-04-14, 20 base iterations before 2017-12-08). A conversation's
  exported groups are those of its last update, warm-started from all earlier ones, so the code
  history matters;
- with ``--current``, the same replay with today's Polis math for every update.

The default cadence is Polis's own rule: a poll every 2 minutes, and an update whenever new votes
arrived (no growth threshold), so a long-idle conversation's sparse late votes each get their
update, as they did live. Runs in ~2 minutes (~4 with --current).

    python bench/opinion_polis_agreement.py [--interval-ms 120000] [--growth 0] [--current]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from sklearn.metrics import adjusted_rand_score

from massline.engines.opinion import analyze_arrays, replay
from massline.engines.opinion.io import read_opendata, read_participants_votes_csv

DATA = Path(__file__).resolve().parents[2] / "shared/data/polis-opendata"
GOOD = 0.8
INTERVAL_MS = 120_000.0
GROWTH = 0.0


def agreement(groups: dict[int, list], polis: dict[int, int]) -> tuple[int, float]:
    """(our k, ARI) over participants Polis grouped; ours ungrouped count as one extra label."""
    ours = {p: g for g, members in groups.items() for p in members}
    pids = sorted(polis)
    ari = adjusted_rand_score([polis[p] for p in pids], [ours.get(p, -1) for p in pids])
    return len(groups), ari


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--interval-ms", type=float, default=INTERVAL_MS)
    parser.add_argument("--growth", type=float, default=GROWTH)
    parser.add_argument("--current", action="store_true", help="also replay with today's math")
    args = parser.parse_args()
    modes = ("historical", "current") if args.current else ("historical",)
    print(f"replay: an update at most every {args.interval_ms / 1000:g} s, "
          f"after {args.growth:.0%} more votes")  # fmt: skip
    heads = " ".join(f"{m[:4] + ' k':>6} {m[:4] + ' ARI':>8}" for m in ("cold", *modes))
    print(f"{'conversation':28} {'polis k':>7} {heads} {'replay s':>8}")
    n_ok = dict.fromkeys(("cold", *modes), 0)
    for conv_dir in sorted(p for p in args.data.iterdir() if p.is_dir()):
        _, polis = read_participants_votes_csv(conv_dir / "participants-votes.csv")
        conv = read_opendata(conv_dir / "votes.csv", conv_dir / "comments.csv")
        kw = {"moderated_out": conv.moderated_out, "meta": conv.meta}
        cold = analyze_arrays(conv.participants, conv.statements, conv.votes, conv.timestamps, **kw)
        row = {"cold": agreement(cold.groups, polis)}
        start = time.perf_counter()
        for mode in modes:
            rep = replay(
                conv.participants, conv.statements, conv.votes, conv.timestamps,
                interval=args.interval_ms, growth=args.growth,
                historical=mode == "historical", **kw,
            )  # fmt: skip
            row[mode] = agreement(rep.groups, polis)
        seconds = (time.perf_counter() - start) / len(modes)
        for mode, (_, ari) in row.items():
            n_ok[mode] += ari >= GOOD
        cells = " ".join(f"{k:6d} {ari:8.3f}" for k, ari in row.values())
        print(f"{conv_dir.name:28} {len(set(polis.values())):7d} {cells} {seconds:8.1f}")
    n_conv = sum(1 for p in args.data.iterdir() if p.is_dir())
    print(f"ARI >= {GOOD} on: " + ", ".join(f"{m} {n}/{n_conv}" for m, n in n_ok.items()))


if __name__ == "__main__":
    main()
