"""A million ideas: time and peak memory of `massline themes`, against its own 10k run.

    python bench/themes_million.py [CSV] [--n 1000000]

Synthetic ideas resample the real texts and perturb them (dropped and swapped words, typos,
greetings), so the set is as varied as banking77 but 100x larger. Each run is the CLI in a
child process, so peak RSS is that of the engine alone. The limits are 5 minutes and 4 GB.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sklearn.metrics import normalized_mutual_info_score

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared/data/banking77/train.csv"
GREETINGS = ["", "", "", "hi, ", "hello ", "please, ", "hey team, ", "urgent: "]


def perturb(text: str, rng: random.Random) -> str:
    """Say the same thing a little differently, as people do."""
    words = text.split()
    if len(words) > 3 and rng.random() < 0.3:
        del words[rng.randrange(len(words))]
    if len(words) > 3 and rng.random() < 0.2:
        i = rng.randrange(len(words) - 1)
        words[i], words[i + 1] = words[i + 1], words[i]
    if words and rng.random() < 0.3:
        i = rng.randrange(len(words))
        word = words[i]
        if len(word) > 3:
            j = rng.randrange(len(word) - 1)
            words[i] = word[:j] + word[j + 1] + word[j] + word[j + 2 :]
    return rng.choice(GREETINGS) + " ".join(words)


def synthesize(source: Path, target: Path, n: int, seed: int) -> list[str]:
    """Write n perturbed ideas to target; return the intent each came from (scoring only)."""
    with source.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    rng = random.Random(seed)
    truth = []
    with target.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text"])
        for _ in range(n):
            picked = rows[rng.randrange(len(rows))]
            writer.writerow([perturb(picked["text"], rng)])
            truth.append(picked["category"])
    return truth


def run_cli(path: Path, out: Path) -> tuple[float, float]:
    """Seconds and peak RSS (GB) of one `python -m massline.engines.themes` child."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    cmd = [sys.executable, "-m", "massline.engines.themes", str(path), "--out", str(out)]
    subprocess.run(cmd, check=True, cwd=ROOT)
    seconds = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if peak_kb <= before:
        print("  (peak RSS not above an earlier child's; showing the running maximum)")
    return seconds, peak_kb / 1024**2


def nmi_of(out: Path, truth: list[str]) -> tuple[float, float]:
    data = json.loads(out.read_text(encoding="utf-8"))
    labels = [-1] * len(truth)
    for theme in data["themes"]:
        for member in theme["members"]:
            labels[member] = theme["id"]
    return normalized_mutual_info_score(truth, labels), 100 * len(data["unassigned"]) / len(truth)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("csv", type=Path, nargs="?", default=DEFAULT_DATA)
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if not args.csv.exists():
        print(f"data not found: {args.csv}")
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        base_out = Path(tmp) / "base.json"
        base_seconds, base_gb = run_cli(args.csv, base_out)
        big, big_out = Path(tmp) / "ideas.csv", Path(tmp) / "themes.json"
        truth = synthesize(args.csv, big, args.n, args.seed)
        seconds, peak_gb = run_cli(big, big_out)
        nmi, unassigned = nmi_of(big_out, truth)
    print(f"baseline: the same CLI on {args.csv.name}: {base_seconds:.1f} s, {base_gb:.2f} GB")
    print(
        f"{args.n} synthetic ideas: {seconds:.1f} s (limit 300), peak RSS {peak_gb:.2f} GB "
        f"(limit 4), NMI {nmi:.3f}, unassigned {unassigned:.1f}%"
    )
    print(f"time ratio vs baseline: {seconds / base_seconds:.1f}x for {args.n / 10_003:.0f}x ideas")
    return 0


if __name__ == "__main__":
    sys.exit(main())
