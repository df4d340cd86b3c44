"""The `claimrisk` command through a real subprocess."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.conftest import KRATOM_ARTICLE, run_cli


def test_classify_a_file(tiny_model_dir: Path) -> None:
    result = run_cli("classify", "--model", str(tiny_model_dir), str(KRATOM_ARTICLE))
    assert result.returncode == 0, result.stderr
    prediction = json.loads(result.stdout)
    assert prediction["model"] == {"version": "tiny-test"}
    text = KRATOM_ARTICLE.read_text(encoding="utf-8")
    assert all(text[s["start"] : s["end"]] == s["text"] for s in prediction["sentences"])


def test_classify_html_from_stdin_with_every_sentence(tiny_model_dir: Path) -> None:
    page = "<h1>Calm</h1><p>Kava is a root. It cures anxiety &amp; insomnia.</p>"
    result = run_cli("classify", "--model", str(tiny_model_dir), "--format", "html", "--all-sentences", "-", stdin=page)
    assert result.returncode == 0, result.stderr
    sentences = json.loads(result.stdout)["sentences"]
    assert [s["text"] for s in sentences] == ["Calm", "Kava is a root.", "It cures anxiety & insomnia."]


def test_errors_are_one_line_and_exit_2(tmp_path: Path, tiny_model_dir: Path) -> None:
    missing = run_cli("classify", "--model", str(tiny_model_dir), str(tmp_path / "nope.txt"))
    assert missing.returncode == 2
    assert missing.stderr.strip() == f"claimrisk: error: {tmp_path / 'nope.txt'}: no such file"

    broken = tmp_path / "broken"
    shutil.copytree(tiny_model_dir, broken)
    (broken / "model.joblib").write_bytes(b"garbage")
    corrupt = run_cli("classify", "--model", str(broken), "-", stdin="Kava.")
    assert corrupt.returncode == 2
    assert len(corrupt.stderr.strip().splitlines()) == 1 and "sha256 does not match" in corrupt.stderr

    binary = tmp_path / "latin1.txt"
    binary.write_bytes("caf\xe9".encode("latin-1"))
    undecodable = run_cli("classify", "--model", str(tiny_model_dir), str(binary))
    assert undecodable.returncode == 2 and "not UTF-8" in undecodable.stderr

    bad_format = run_cli("classify", "--format", "pdf", "-", stdin="x")
    assert bad_format.returncode == 2 and "invalid choice" in bad_format.stderr


def test_evaluate_prints_figures_as_json(tmp_path: Path, tiny_model_dir: Path) -> None:
    labeled = tmp_path / "held_out.jsonl"
    rows = [
        ("Kava relieves anxiety disorders.", "high", ["disease"]),
        ("Supports a calm mood.", "medium", ["structure_function"]),
        ("Kava grows in Vanuatu.", "low", []),
    ]
    labeled.write_text(
        "".join(
            json.dumps({"text": t, "label": lv, "categories": c, "product": "kava", "source": "ad", "doc_id": "d1"})
            + "\n"
            for t, lv, c in rows
        )
    )
    result = run_cli("evaluate", "--model", str(tiny_model_dir), str(labeled), "--json")
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    assert {"macro_f1", "per_class", "confusion"} <= set(figures)
    assert sum(map(sum, figures["confusion"]["matrix"])) == 3
    table = run_cli("evaluate", "--model", str(tiny_model_dir), str(labeled))
    assert "macro-F1" in table.stdout and table.returncode == 0
