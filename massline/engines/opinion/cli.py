"""``massline consult``: run the opinion engine on Polis exports and write result.json."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from .engine import OpinionResult, analyze_arrays, replay
from .io import read_opendata, read_polis_math_dir

# Replay as live Polis did: recompute after any new votes, polled every 120 s, with the Polis math
# in force at each update's time. Closest to Polis's own groups on openData (5 of 8 at ARI >= 0.8,
# bench/opinion_polis_agreement.py). For very large conversations, --replay-growth 0.05 and a
# 30 s poll cost about 10x fewer updates.
DEFAULT_REPLAY_INTERVAL_MS = 120_000.0
DEFAULT_REPLAY_GROWTH = 0.0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="massline consult", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    a = sub.add_parser("analyze", help="compute opinion groups, repness and consensus")
    a.add_argument("--votes", type=Path, help="openData votes.csv")
    a.add_argument("--comments", type=Path, help="openData comments.csv (moderation)")
    a.add_argument("--participants-votes", type=Path, help="openData participants-votes.csv")
    a.add_argument("--polis-math-dir", type=Path, help="dir with votes.json, comments.json")
    a.add_argument("--use-polis-groups", action="store_true", help="take groups from math-pca2")
    a.add_argument("--replay", action="store_true", help="replay votes in timestamp order")
    a.add_argument(
        "--replay-interval-ms",
        type=float,
        default=DEFAULT_REPLAY_INTERVAL_MS,
        help="least time between replayed updates (default: %(default)s)",
    )
    a.add_argument(
        "--replay-growth",
        type=float,
        default=DEFAULT_REPLAY_GROWTH,
        help="least vote-count growth between replayed updates, a fraction (default: %(default)s)",
    )
    a.add_argument(
        "--replay-historical",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="run each replayed update with the Polis math of its time (default: %(default)s)",
    )
    a.add_argument("--seed", type=int, default=0)
    a.add_argument("--out", type=Path, required=True, help="result.json to write")
    return parser


def run_analyze(args: argparse.Namespace) -> OpinionResult:
    """Load the requested inputs and run one analysis (or a replay)."""
    if args.polis_math_dir is not None:
        conv = read_polis_math_dir(args.polis_math_dir)
        if args.use_polis_groups and not conv.polis_groups:
            raise SystemExit("--use-polis-groups needs math-pca2.json in --polis-math-dir")
    else:
        if args.votes is None and args.participants_votes is None:
            raise SystemExit("give --votes, --participants-votes or --polis-math-dir")
        conv = read_opendata(args.votes, args.comments, args.participants_votes)
    if args.replay and conv.timestamps is not None and not args.use_polis_groups:
        return replay(
            conv.participants, conv.statements, conv.votes, conv.timestamps,
            interval=args.replay_interval_ms, growth=args.replay_growth,
            moderated_out=conv.moderated_out,
            meta=conv.meta, seed=args.seed, historical=args.replay_historical,
        )  # fmt: skip
    return analyze_arrays(
        conv.participants, conv.statements, conv.votes, conv.timestamps,
        moderated_out=conv.moderated_out, meta=conv.meta, seed=args.seed,
        fixed_groups=conv.polis_groups if args.use_polis_groups else None,
    )  # fmt: skip


def main(argv: list[str]) -> int:
    """Entry point; the lead wires ``massline consult ...`` here."""
    args = _parser().parse_args(argv)
    result = run_analyze(args)
    args.out.write_text(json.dumps(result.to_dict()))
    groups = {g: len(m) for g, m in result.groups.items()}
    print(f"wrote {args.out}: {len(result.in_conv.nonzero()[0])} in conversation, groups {groups}")
    return 0
