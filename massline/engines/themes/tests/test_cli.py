"""The CLI contract automated checks rely on: JSON shape and every row exactly once."""

from __future__ import annotations

import csv
import json
import subprocess
import sys

import pytest

from massline.engines.themes.cli import main


def write_csv(path, texts, with_id: bool) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "text"] if with_id else ["text"])
        for i, text in enumerate(texts):
            writer.writerow([f"r{i}", text] if with_id else [text])


def check_shape(data: dict, expected_ids: list) -> None:
    assert set(data) == {"themes", "unassigned", "duplicates"}
    for theme in data["themes"]:
        assert set(theme) == {"id", "label", "keywords", "members", "representatives"}
        assert isinstance(theme["label"], str) and isinstance(theme["keywords"], list)
        assert set(theme["representatives"]) <= set(theme["members"])
    placed = [m for t in data["themes"] for m in t["members"]] + data["unassigned"]
    assert sorted(placed) == sorted(expected_ids)
    assert all(len(pair) == 2 for pair in data["duplicates"])


@pytest.mark.parametrize("with_id", [True, False])
def test_cli_writes_contract_json(tmp_path, corpus, with_id, capsys):
    texts, _ = corpus
    src, out = tmp_path / "ideas.csv", tmp_path / "themes.json"
    write_csv(src, [*texts, texts[0]], with_id)
    argv = [str(src), "--text-column", "text", "--seed", "1", "--out", str(out)]
    if with_id:
        argv += ["--id-column", "id"]
    assert main(argv) == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    ids = [f"r{i}" for i in range(len(texts) + 1)] if with_id else list(range(len(texts) + 1))
    check_shape(data, ids)
    assert [ids[0], ids[-1]] in data["duplicates"]
    assert "themes" in capsys.readouterr().err  # progress goes to stderr


def test_cli_forced_k_and_model_out(tmp_path, corpus):
    texts, _ = corpus
    src, out, model = tmp_path / "i.csv", tmp_path / "t.json", tmp_path / "m.json"
    write_csv(src, texts, with_id=False)
    argv = [str(src), "--text-column", "text", "--k", "3", "--out", str(out)]
    assert main([*argv, "--model-out", str(model)]) == 0
    assert len(json.loads(out.read_text())["themes"]) == 3
    assert len(json.loads(model.read_text())["centroids"]) == 3


def test_cli_unknown_column_is_usage_error(tmp_path, corpus):
    src = tmp_path / "i.csv"
    write_csv(src, corpus[0], with_id=False)
    with pytest.raises(SystemExit, match="no column 'body'"):
        main([str(src), "--text-column", "body", "--out", str(tmp_path / "o.json")])


def test_python_dash_m_entry_point(tmp_path, corpus):
    src, out = tmp_path / "i.csv", tmp_path / "o.json"
    write_csv(src, corpus[0], with_id=False)
    cmd = [sys.executable, "-m", "massline.engines.themes", str(src), "--out", str(out)]
    subprocess.run(cmd, check=True, capture_output=True, timeout=120)
    check_shape(json.loads(out.read_text()), list(range(len(corpus[0]))))
