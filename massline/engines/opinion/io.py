"""Readers for Polis exports: openData CSVs and the API's JSON files.

Every reader returns votes in the export convention (agree = +1), which is also what the API
JSON (``votes.json``) uses.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np


@dataclass
class Conversation:
    """Vote events plus moderation, as the engine consumes them."""

    participants: np.ndarray
    statements: np.ndarray
    votes: np.ndarray
    timestamps: np.ndarray | None
    moderated_out: set = field(default_factory=set)
    meta: set = field(default_factory=set)
    polis_groups: dict[int, list[int]] = field(default_factory=dict)


def _truthy(value: str) -> bool:
    return value.strip().lower() in {"true", "t", "1"}


def read_comments_csv(path: Path) -> tuple[set, set]:
    """(moderated-out ids, meta ids) from an openData comments.csv (moderated = -1 is out)."""
    out, meta = set(), set()
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            tid = int(row["comment-id"])
            if row.get("moderated", "").strip() == "-1":
                out.add(tid)
            if _truthy(row.get("is-meta", "")):
                meta.add(tid)
    return out, meta


def read_votes_csv(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """openData votes.csv: timestamp, datetime, comment-id, voter-id, vote."""
    with open(path, newline="", encoding="utf-8") as f:
        rows = [
            (r["voter-id"], r["comment-id"], r["vote"], r["timestamp"]) for r in csv.DictReader(f)
        ]
    pids, tids, votes, stamps = (np.array(c) for c in zip(*rows, strict=True))
    return (
        pids.astype(np.int64),
        tids.astype(np.int64),
        votes.astype(np.int8),
        stamps.astype(np.int64),
    )


def read_participants_votes_csv(path: Path) -> tuple[Conversation, dict[int, int]]:
    """The wide export: one row per participant, one column per comment, plus Polis's group.

    It has no timestamps, so it supports cold-start analysis only.
    """
    pids, tids, votes, groups = [], [], [], {}
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader)
        first_comment = header.index("n-disagree") + 1
        comment_ids = [int(c) for c in header[first_comment:]]
        group_col = header.index("group-id")
        for row in reader:
            pid = int(row[0])
            if row[group_col].strip():
                groups[pid] = int(row[group_col])
            for tid, cell in zip(comment_ids, row[first_comment:], strict=False):
                if cell.strip():
                    pids.append(pid)
                    tids.append(tid)
                    votes.append(int(float(cell)))
    conv = Conversation(np.array(pids), np.array(tids), np.array(votes, dtype=np.int8), None)
    return conv, groups


def read_opendata(
    votes_csv: Path | None, comments_csv: Path | None, participants_votes_csv: Path | None = None
) -> Conversation:
    """A Polis openData export; votes.csv is preferred, the wide file is the fallback."""
    if votes_csv is not None and Path(votes_csv).exists():
        conv = Conversation(*read_votes_csv(Path(votes_csv)))
    elif participants_votes_csv is not None:
        conv, _ = read_participants_votes_csv(Path(participants_votes_csv))
    else:
        raise FileNotFoundError("need votes.csv or participants-votes.csv")
    if comments_csv is not None and Path(comments_csv).exists():
        conv.moderated_out, conv.meta = read_comments_csv(Path(comments_csv))
    return conv


def _pick(row: dict, *names: str):
    for name in names:
        if name in row:
            return row[name]
    raise KeyError(names[0])


def read_polis_math_dir(directory: Path) -> Conversation:
    """Polis API files: votes.json, comments.json and math-pca2.json (for Polis's groups).

    Two API generations name fields differently (pid/tid/mod vs participant_id/statement_id/
    moderated); both are accepted.
    """
    directory = Path(directory)
    votes = json.loads((directory / "votes.json").read_text())
    comments = json.loads((directory / "comments.json").read_text())
    pids = np.array([_pick(v, "pid", "participant_id") for v in votes], dtype=np.int64)
    tids = np.array([_pick(v, "tid", "statement_id") for v in votes], dtype=np.int64)
    values = np.array([v["vote"] for v in votes], dtype=np.int8)
    stamps = np.array([float(v.get("modified") or 0) for v in votes])
    out = {_pick(c, "tid", "statement_id") for c in comments if _pick(c, "mod", "moderated") == -1}
    meta = {_pick(c, "tid", "statement_id") for c in comments if c.get("is_meta")}
    conv = Conversation(pids, tids, values, stamps, out, meta)
    math_path = directory / "math-pca2.json"
    if math_path.exists():
        conv.polis_groups = polis_groups(json.loads(math_path.read_text()))
    return conv


def polis_groups(math: dict) -> dict[int, list[int]]:
    """Participant ids per Polis group: group-clusters hold base-cluster ids, base ones pids."""
    base = math["base-clusters"]
    members = dict(zip(base["id"], base["members"], strict=True))
    return {
        g["id"]: sorted(p for b in g["members"] for p in members[b]) for g in math["group-clusters"]
    }
