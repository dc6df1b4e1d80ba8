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
    parser.add_argument(
        "--language-column",
        help="column naming the language each idea was said in (e.g. en, es; blank: unknown);"
        " with an embedder that is not multilingual, ideas are grouped within each language",
    )
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


def read_csv(
    path: Path, text_column: str, id_column: str | None, language_column: str | None = None
) -> tuple[list[str], list, list[str] | None]:
    """Texts, ids and languages (None without a language column) of every row; a missing
    column is a usage error, not a crash."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        columns = reader.fieldnames or []
        for column in filter(None, (text_column, id_column, language_column)):
            if column not in columns:
                raise SystemExit(f"massline themes: no column {column!r} in {path} ({columns})")
        rows = list(reader)
    texts = [row[text_column] or "" for row in rows]
    ids = [row[id_column] for row in rows] if id_column else list(range(len(rows)))
    languages = [(row[language_column] or "").strip() for row in rows] if language_column else None
    return texts, ids, languages


def main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    started = time.perf_counter()

    def progress(message: str) -> None:
        print(f"[themes {time.perf_counter() - started:6.1f}s] {message}", file=sys.stderr)

    progress(f"reading {args.file}")
    texts, ids, languages = read_csv(
        args.file, args.text_column, args.id_column, args.language_column
    )
    result = find_themes(
        texts,
        ids=ids,
        k=args.k,
        seed=args.seed,
        embedder=args.embedder,
        progress=progress,
        languages=languages,
    )
    args.out.write_text(json.dumps(result.to_dict(), ensure_ascii=False), encoding="utf-8")
    if args.model_out:
        args.model_out.write_text(json.dumps(result.model_state.to_dict()), encoding="utf-8")
    progress(
        f"wrote {args.out}: {len(result.themes)} themes, {len(result.unassigned)} unassigned, "
        f"{len(result.duplicates)} duplicate pairs"
    )
    if result.grouping is not None and result.grouping.note:
        progress(result.grouping.note)
    return 0
