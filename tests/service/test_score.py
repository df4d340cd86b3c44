"""`claimrisk score`: the command in real subprocesses (workers, exit codes, a SIGKILL then --resume),
output formats, summary, diff, and the Dask engine against the local one.

Subprocesses always get `--model <tiny_model_dir>`, so no test trains the full model.
"""

from __future__ import annotations

import csv
import json
import os
import pty
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pyarrow.parquet as pq
import pytest

from model.baseline import KeywordBaseline
from model.predict import ClaimRiskModel
from model.taxonomy import LEVELS
from service.batch.engine_local import InProcessEngine
from service.batch.errors import ResumeRefused
from service.batch.job import JobSpec, score_archive
from service.cli import main
from training.dataset import load_records
from training.validate_data import CORPUS_DIR

REPO = Path(__file__).resolve().parents[2]

# ------------------------------------------------------------------ helpers


def corpus_articles(count: int, docs_each: int = 1) -> list[str]:
    """Articles of `docs_each` corpus documents; every 4th only of sentences labeled low, so risk levels mix."""
    docs: dict[str, list[str]] = {}
    low: list[str] = []
    for record in load_records([CORPUS_DIR]):
        docs.setdefault(record.doc_id, []).append(record.text)
        low += [record.text] if record.label == "low" else []
    every = list(docs.values())
    return [
        "\n".join(low[i * 4 : i * 4 + 4 * docs_each]) if i % 4 == 3
        else "\n".join(s for d in range(docs_each) for s in every[(i * docs_each + d) % len(every)])
        for i in range(count)
    ]


def write_archive(path: Path, articles: list[str], bad_every: int = 0) -> None:
    """JSON Lines with ids and a metadata column; every `bad_every`-th row has no usable text."""
    with open(path, "w", encoding="utf-8") as handle:
        for i, text in enumerate(articles):
            bad = bad_every and i % bad_every == bad_every - 1
            handle.write(json.dumps({"id": f"a{i:04d}", "text": "" if bad else text, "section": f"s{i % 4}"}) + "\n")


def cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """`claimrisk score ...` in a fresh interpreter, as a user would run it."""
    return subprocess.run([sys.executable, "-m", "service.cli", "score", *args], cwd=REPO, capture_output=True,
                          text=True, timeout=timeout, env=_env())


def _env() -> dict[str, str]:
    return {**os.environ, "CLAIMRISK_MODELS_DIR": "/nonexistent-models"}  # never fall back to training


def score_here(model, inputs: list[Path], output: Path, **options):
    """The same job in this process, one shard after another: the reference every other run must equal."""
    return score_archive(JobSpec(tuple(map(str, inputs)), output, **options), model, InProcessEngine())


def files_of(output: Path) -> dict[str, bytes]:
    """The output and its companions, for byte-for-byte comparison."""
    names = [output.name, output.name + ".errors.jsonl", output.name + ".summary.json"]
    return {name: (output.parent / name).read_bytes() for name in names}


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    """60 short articles, every 9th without text."""
    path = tmp_path_factory.mktemp("archive") / "archive.jsonl"
    write_archive(path, corpus_articles(60), bad_every=9)
    return path


# ------------------------------------------------------------------ the command, workers and order


def test_two_worker_processes_keep_input_order_and_equal_one_process(tmp_path, archive, tiny_model, tiny_model_dir):
    score_here(tiny_model, [archive], tmp_path / "ref.jsonl", shard_size=7)
    run = cli(str(archive), "-o", str(tmp_path / "out.jsonl"), "--workers", "2", "--shard-size", "7",
              "--model", str(tiny_model_dir))
    assert run.returncode == 3, run.stderr  # rows without text went to the errors file
    assert run.stderr == ""  # no progress bar when stderr is not a terminal
    out = read_jsonl(tmp_path / "out.jsonl")
    assert [r["id"] for r in out] == [f"a{i:04d}" for i in range(60) if i % 9 != 8]
    assert (tmp_path / "out.jsonl").read_bytes() == (tmp_path / "ref.jsonl").read_bytes()
    assert (tmp_path / "out.jsonl.errors.jsonl").read_bytes() == (tmp_path / "ref.jsonl.errors.jsonl").read_bytes()
    assert "labels: low" in run.stdout and "riskiest" in run.stdout
    assert not (tmp_path / "out.jsonl.parts").exists()


def test_a_job_killed_with_sigkill_resumes_to_exactly_the_uninterrupted_output(tmp_path, tiny_model, tiny_model_dir):
    source = tmp_path / "big.jsonl"
    write_archive(source, corpus_articles(240, docs_each=6), bad_every=25)
    score_here(tiny_model, [source], tmp_path / "ref.jsonl", shard_size=6)
    args = [sys.executable, "-m", "service.cli", "score", str(source), "-o", str(tmp_path / "out.jsonl"),
            "--workers", "2", "--shard-size", "6", "--model", str(tiny_model_dir)]
    job = subprocess.Popen(args, cwd=REPO, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    parts = tmp_path / "out.jsonl.parts"
    committed_at_kill, workers = _kill_after_shards(job, parts, shards=3)
    assert 3 <= committed_at_kill < 40, "the kill must land mid-job (40 shards in all)"
    assert not (tmp_path / "out.jsonl").exists()
    assert psutil.wait_procs(workers, timeout=10)[1] == [], "orphaned workers must exit"

    resumed = cli(str(source), "-o", str(tmp_path / "out.jsonl"), "--workers", "2", "--shard-size", "6",
                  "--model", str(tiny_model_dir), "--resume")
    assert resumed.returncode == 3, resumed.stderr
    assert "resumed:" in resumed.stdout
    assert files_of(tmp_path / "out.jsonl") == {
        k.replace("ref", "out"): v for k, v in files_of(tmp_path / "ref.jsonl").items()}


def _kill_after_shards(job: subprocess.Popen, parts: Path, shards: int) -> tuple[int, list[psutil.Process]]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and job.poll() is None:
        done = [p for p in parts.glob("*.json") if p.name != "manifest.json"]
        if len(done) >= shards:
            workers = psutil.Process(job.pid).children(recursive=True)
            os.kill(job.pid, signal.SIGKILL)
            job.wait()
            return len([p for p in parts.glob("*.json") if p.name != "manifest.json"]), workers
        time.sleep(0.005)
    job.kill()
    pytest.fail("the job ended (or never started) before the kill")


def test_resume_refuses_a_different_job_and_is_required_to_continue(tmp_path, archive, tiny_model):
    class Interrupted(BaseException):
        pass

    class StopsAfterTwoShards(InProcessEngine):
        def score(self, model, shards, options):
            for count, result in enumerate(super().score(model, shards, options)):
                if count == 2:
                    raise Interrupted
                yield result

    output = tmp_path / "out.csv"
    spec = JobSpec((str(archive),), output, shard_size=5)
    with pytest.raises(Interrupted):
        score_archive(spec, tiny_model, StopsAfterTwoShards())
    with pytest.raises(ResumeRefused, match="add --resume"):
        score_archive(spec, tiny_model, InProcessEngine())
    other = JobSpec((str(archive),), output, shard_size=5, fmt="html", resume=True)
    with pytest.raises(ResumeRefused, match="the format differ"):
        score_archive(other, tiny_model, InProcessEngine())
    report = score_archive(JobSpec((str(archive),), output, shard_size=5, resume=True), tiny_model,
                           InProcessEngine())
    assert report.resumed_rows == 10
    score_here(tiny_model, [archive], tmp_path / "ref.csv", shard_size=5)
    assert output.read_bytes() == (tmp_path / "ref.csv").read_bytes()


def test_a_job_killed_while_assembling_its_output_resumes_cleanly(tmp_path, archive, tiny_model, monkeypatch):
    import service.batch.job as job

    def killed(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(job, "write_errors", killed)  # the output is written, its companions are not
    with pytest.raises(KeyboardInterrupt):
        score_here(tiny_model, [archive], tmp_path / "out.jsonl", shard_size=5)
    monkeypatch.undo()
    report = score_here(tiny_model, [archive], tmp_path / "out.jsonl", shard_size=5, resume=True)
    assert report.resumed_rows == 60
    score_here(tiny_model, [archive], tmp_path / "ref.jsonl", shard_size=5)
    assert files_of(tmp_path / "out.jsonl") == {
        k.replace("ref", "out"): v for k, v in files_of(tmp_path / "ref.jsonl").items()}


# ------------------------------------------------------------------ exit codes


def test_exit_0_when_every_row_is_scored(tmp_path, tiny_model_dir):
    source = tmp_path / "clean.jsonl"
    write_archive(source, corpus_articles(5))
    run = cli(str(source), "-o", str(tmp_path / "out.parquet"), "--workers", "0", "--model", str(tiny_model_dir))
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "out.parquet.errors.jsonl").read_text() == ""
    assert pq.read_table(tmp_path / "out.parquet").num_rows == 5


@pytest.mark.parametrize(("args", "message"), [
    (["missing.jsonl", "-o", "out.jsonl"], "missing.jsonl: no such file or folder"),
    (["{archive}", "-o", "out.xlsx"], "the output must end in .jsonl, .csv or .parquet"),
    (["{broken}", "-o", "out.jsonl", "--workers", "0"], "cannot be read as PARQUET"),
])
def test_exit_2_is_one_clear_line_without_traceback(tmp_path, archive, tiny_model_dir, args, message):
    (tmp_path / "broken.parquet").write_bytes(b"PAR1 this is not parquet")
    args = [a.format(archive=archive, broken=tmp_path / "broken.parquet") for a in args]
    run = cli(*[str(tmp_path / a) if a.startswith("out") else a for a in args], "--model", str(tiny_model_dir))
    assert run.returncode == 2
    assert run.stderr.count("\n") == 1 and message in run.stderr and "Traceback" not in run.stderr


@pytest.mark.parametrize("args", [
    ["{archive}", "-o", "{tmp}/out.jsonl", "--diff", "{tmp}/nothing.jsonl"],
    ["{archive}", "-o", "{tmp}/out.jsonl", "--scheduler", "tcp://127.0.0.1:1"],
    ["{archive}", "-o", "{tmp}/missing-folder/out.jsonl"],
    ["{archive}", "-o", "{archive}"],
    ["{tmp}/*.nothing", "-o", "{tmp}/out.jsonl"],
])
def test_bad_usage_exits_2_before_scoring(tmp_path, archive, tiny_model_dir, capsys, args):
    argv = [a.format(archive=archive, tmp=tmp_path) for a in args]
    assert main(["score", *argv, "--model", str(tiny_model_dir), "--workers", "0"]) == 2
    assert capsys.readouterr().err.startswith("claimrisk: error: ")
    assert not (tmp_path / "out.jsonl").exists()


def test_a_terminal_gets_a_progress_bar_with_rate_and_time_left(tmp_path, archive, tiny_model_dir):
    controller, terminal = pty.openpty()
    run = subprocess.run([sys.executable, "-m", "service.cli", "score", str(archive), "-o", str(tmp_path / "o.jsonl"),
                          "--workers", "0", "--model", str(tiny_model_dir)], cwd=REPO,
                         env={**_env(), "TERM": "xterm-256color", "COLUMNS": "120"},
                         stdout=subprocess.DEVNULL, stderr=terminal, timeout=60)
    os.close(terminal)
    shown = b""
    while chunk := _read_available(controller):
        shown += chunk
    os.close(controller)
    assert run.returncode == 3
    assert b"rows/s" in shown and b"left" in shown and b"60/60" in shown


def _read_available(fd: int) -> bytes:
    try:
        return os.read(fd, 65536)
    except OSError:  # EIO once the terminal side is closed and drained
        return b""


# ------------------------------------------------------------------ output formats and summary


def test_csv_and_parquet_hold_the_same_rows_as_jsonl(tmp_path, archive, tiny_model):
    mixed = tmp_path / "mixed.jsonl"
    rows = [{"id": "m1", "text": "Cures cancer fast.", "extra": 3},
            {"id": "m2", "text": "Tastes good.", "extra": "n/a"}]
    mixed.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    for name in ("out.jsonl", "out.csv", "out.parquet"):
        score_here(tiny_model, [archive, mixed], tmp_path / name)
    expected = read_jsonl(tmp_path / "out.jsonl")
    header = ["id", "label", "score", "scores", "categories", "disclaimer", "flagged_count", "flagged_sentences",
              "model_version", "section", "extra"]
    with open(tmp_path / "out.csv", encoding="utf-8", newline="") as handle:
        table = list(csv.reader(handle))
    assert table[0] == header
    parquet = pq.read_table(tmp_path / "out.parquet")
    assert parquet.column_names == header
    assert str(parquet.schema.field("scores").type) == "struct<low: double, medium: double, high: double>"
    assert str(parquet.schema.field("extra").type) == "string"  # int in one row, text in another
    for row, from_csv, from_parquet in zip(expected, table[1:], parquet.to_pylist(), strict=True):
        assert from_csv[:3] == [row["id"], row["label"], str(row["score"])]
        assert json.loads(from_csv[7]) == row["flagged_sentences"] == json.loads(from_parquet["flagged_sentences"])
        assert from_csv[5] == ("true" if row["disclaimer"] else "false")
        assert {k: from_parquet[k] for k in ("id", "label", "score", "scores", "categories", "disclaimer")} == {
            k: row[k] for k in ("id", "label", "score", "scores", "categories", "disclaimer")}
        assert from_parquet["section"] == row.get("section")
    assert [r["extra"] for r in parquet.to_pylist()[-2:]] == ["3", "n/a"]


def test_the_summary_counts_what_the_output_holds(tmp_path, archive, tiny_model):
    report = score_here(tiny_model, [archive], tmp_path / "out.jsonl", shard_size=4)
    rows = read_jsonl(tmp_path / "out.jsonl")
    summary = json.loads((tmp_path / "out.jsonl.summary.json").read_text())
    assert summary == report.summary
    assert summary["labels"] == {level: sum(r["label"] == level for r in rows) for level in LEVELS}
    claims = [r for r in rows if r["label"] != "low"]
    assert summary["with_claims"] == len(claims) and 0 < len(claims) < len(rows)
    assert summary["claims_without_disclaimer"] == sum(not r["disclaimer"] for r in claims)
    for category, count in summary["categories"].items():
        assert count == sum(category in r["categories"] for r in rows)
    ranked = sorted(claims, key=lambda r: (-LEVELS.index(r["label"]), -r["score"], rows.index(r)))[:20]
    assert [r["id"] for r in summary["riskiest"]] == [r["id"] for r in ranked]
    assert (summary["rows"], summary["errors"]) == (60, 6)


# ------------------------------------------------------------------ diff after a model update


def test_diff_lists_the_articles_whose_label_went_up_or_down(tmp_path, archive, tiny_model):
    updated = ClaimRiskModel(KeywordBaseline().fit(), "keyword-baseline")
    score_here(tiny_model, [archive], tmp_path / "before.csv")
    score_here(tiny_model, [archive], tmp_path / "out.jsonl")
    before = {r["id"]: r["label"] for r in read_jsonl(tmp_path / "out.jsonl")}
    spec = JobSpec((str(archive),), tmp_path / "out.jsonl", diff=tmp_path / "out.jsonl")  # re-score in place
    report = score_archive(spec, updated, InProcessEngine())
    after = {r["id"]: r["label"] for r in read_jsonl(tmp_path / "out.jsonl")}
    changed = [i for i in after if after[i] != before[i]]
    assert changed, "the baseline must disagree with the tiny model somewhere for this test to mean anything"
    lines = read_jsonl(tmp_path / "out.jsonl.diff.jsonl")
    assert [(d["id"], d["before"], d["after"]) for d in lines] == [(i, before[i], after[i]) for i in changed]
    assert all(d["change"] == ("up" if LEVELS.index(d["after"]) > LEVELS.index(d["before"]) else "down") for d in lines)
    assert report.summary["diff"] == {"up": sum(d["change"] == "up" for d in lines),
                                      "down": sum(d["change"] == "down" for d in lines),
                                      "same": len(after) - len(changed), "new": 0, "gone": 0}
    from_csv = score_archive(JobSpec((str(archive),), tmp_path / "again.jsonl", diff=tmp_path / "before.csv"),
                             updated, InProcessEngine())
    assert from_csv.summary["diff"] == report.summary["diff"]


# ------------------------------------------------------------------ Dask


def test_the_dask_engine_writes_what_the_local_engine_writes(tmp_path, archive, tiny_model):
    from distributed import LocalCluster

    from service.batch.engine_dask import DaskEngine

    score_here(tiny_model, [archive], tmp_path / "local.parquet", shard_size=8)
    spec = JobSpec((str(archive),), tmp_path / "dask.parquet", shard_size=8)
    with (LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster,
          DaskEngine(cluster.scheduler_address) as engine):
        report = score_archive(spec, tiny_model, engine)
    assert report.summary["scored"] == 54
    assert (tmp_path / "dask.parquet").read_bytes() == (tmp_path / "local.parquet").read_bytes()
    summaries = [(tmp_path / f"{name}.parquet.summary.json").read_bytes() for name in ("dask", "local")]
    assert summaries[0] == summaries[1]
