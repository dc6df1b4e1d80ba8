"""`massline themes FILE.csv --text-column text --out themes.json`: a stable script contract."""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from pathlib import Path

from .engine import find_themes


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="massline themes", description="Group the ideas of a CSV file into themes."
    )
    parser.add_argument("file", type=Path, help="CSV file with a header row")
    parser.add_argument("--text-column", default="text", help="column holding the idea")
    parser.add_argument("--id-column", help="column naming each idea (default: 0-based row)")
    parser.add_argument("--k", type=int, help="number of themes (default: chosen automatically)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument(
        "--embedder", help="'wordllama' (default) or 'sentence-transformers[:MODEL]'"
    )
    parser.add_argument("--out", type=Path, required=True, help="where to write the JSON")
    parser.add_argument(
        "--model-out", type=Path, help="also write the state that `assign` needs, as JSON"
    )
    return parser


def read_csv(path: Path, text_column: str, id_column: str | None) -> tuple[list[str], list]:
    """Texts and ids of every row; a missing column is a usage error, not a crash."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        columns = reader.fieldnames or []
        for column in filter(None, (text_column, id_column)):
            if column not in columns:
                raise SystemExit(f"massline themes: no column {column!r} in {path} ({columns})")
        rows = list(reader)
    texts = [row[text_column] or "" for row in rows]
    ids = [row[id_column] for row in rows] if id_column else list(range(len(rows)))
    return texts, ids


def main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    started = time.perf_counter()

    def progress(message: str) -> None:
        print(f"[themes {time.perf_counter() - started:6.1f}s] {message}", file=sys.stderr)

    progress(f"reading {args.file}")
    texts, ids = read_csv(args.file, args.text_column, args.id_column)
    result = find_themes(
        texts, ids=ids, k=args.k, seed=args.seed, embedder=args.embedder, progress=progress
    )
    args.out.write_text(json.dumps(result.to_dict(), ensure_ascii=False), encoding="utf-8")
    if args.model_out:
        args.model_out.write_text(json.dumps(result.model_state.to_dict()), encoding="utf-8")
    progress(
        f"wrote {args.out}: {len(result.themes)} themes, {len(result.unassigned)} unassigned, "
        f"{len(result.duplicates)} duplicate pairs"
    )
    return 0
