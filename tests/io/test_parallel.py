"""Files read and mapped in worker processes give the same store as a sequential ingest."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from _support.studies import TEST_KEY
from trajectory.config import from_dict, load_config
from trajectory.errors import IngestError
from trajectory.io import parallel, read_study
from trajectory.io.parallel import PARALLEL_BYTES, default_workers
from trajectory.store import StudyStore, ingest_study

DATA = Path(__file__).parent / "data"
ENV = {"TRAJECTORY_KEY": TEST_KEY}


def test_workers_store_what_a_sequential_ingest_returns(tmp_path):
    config = load_config(DATA / "study.toml")
    assert len(config.sources) > 1 and default_workers(config.sources) == 0  # small files
    sequential = read_study(config, environ=ENV)
    path = tmp_path / "parallel.duckdb"
    parallel = ingest_study(config, path=path, environ=ENV, workers=2)
    pd.testing.assert_frame_equal(parallel.quarantine, sequential.quarantine)
    pd.testing.assert_frame_equal(parallel.report.table, sequential.report.table)
    pd.testing.assert_frame_equal(parallel.report.links, sequential.report.links)
    assert parallel.report.remarks == sequential.report.remarks
    pd.testing.assert_frame_equal(parallel.log.cases, sequential.log.cases)
    pd.testing.assert_frame_equal(parallel.log.events, sequential.log.events)
    pd.testing.assert_frame_equal(parallel.identifiers, sequential.identifiers)
    with StudyStore(path, read_only=True) as store:
        pd.testing.assert_frame_equal(store.load_quarantine(),
                                      _stored_quarantine(sequential, tmp_path))


def _stored_quarantine(result, folder: Path) -> pd.DataFrame:
    """The quarantine table a sequential ingest stores."""
    path = folder / "sequential.duckdb"
    StudyStore(path).save(result).close()
    with StudyStore(path, read_only=True) as store:
        return store.load_quarantine()


def _two_files(folder: Path, second_header: str) -> object:
    (folder / "police.csv").write_text("PV;DATE_PLAINTE\nA1;05/01/2024\n")
    (folder / "court.csv").write_text(f"{second_header}\nA1;HEARING;2024-03-01\n")
    return from_dict({
        "study": {"name": "t", "extraction_date": "2024-12-31", "synthetic": True},
        "sources": [
            {"name": "police", "kind": "police", "path": "police.csv",
             "identifiers": {"pv_number": "PV"}, "events": {"E11": "DATE_PLAINTE"}},
            {"name": "court", "kind": "court", "path": "court.csv",
             "identifiers": {"pv_number": "pv"},
             "long": {"event": "act", "date": "act_date"},
             "values": {"event": {"HEARING": "E50"}}},
        ]}, base=folder)


@pytest.mark.parametrize("workers", [0, 2])
def test_a_worker_refuses_a_file_as_the_main_process_does(tmp_path, workers):
    config = _two_files(tmp_path, "pv;act;when")
    with pytest.raises(IngestError, match="required column 'act_date'") as refused:
        read_study(config, environ=ENV, workers=workers)
    assert refused.value.file is not None and refused.value.file.endswith("court.csv")
    assert refused.value.column == "act_date"


def test_default_workers_only_for_large_studies(tmp_path, monkeypatch):
    config = _two_files(tmp_path, "pv;act;act_date")
    assert default_workers(config.sources) == 0
    with open(tmp_path / "court.csv", "ab") as handle:
        handle.truncate(PARALLEL_BYTES)
    cores = os.cpu_count() or 1
    assert default_workers(config.sources) == (2 if cores >= 2 else 0)
    assert default_workers(config.sources[:1]) == 0  # one file: nothing to share
    # a very large study is read in one process (memory), however many cores
    monkeypatch.setattr(parallel, "PARALLEL_MAX_BYTES", PARALLEL_BYTES - 1)
    assert default_workers(config.sources) == 0


def test_a_script_without_main_guard_is_not_run_again_by_the_workers(tmp_path):
    """Workers are spawned without importing the caller's script (it would ingest again)."""
    import subprocess
    import sys

    _two_files(tmp_path, "pv;act;act_date")
    script = tmp_path / "ingest.py"
    script.write_text(
        "import pathlib\n"
        "from trajectory.config import from_dict\n"
        "from trajectory.io import read_study\n"
        "print('RUN')\n"
        "config = from_dict({'study': {'name': 't', 'extraction_date': '2024-12-31',\n"
        "    'synthetic': True}, 'sources': [\n"
        "    {'name': 'police', 'kind': 'police', 'path': 'police.csv',\n"
        "     'identifiers': {'pv_number': 'PV'}, 'events': {'E11': 'DATE_PLAINTE'}},\n"
        "    {'name': 'court', 'kind': 'court', 'path': 'court.csv',\n"
        "     'identifiers': {'pv_number': 'pv'},\n"
        "     'long': {'event': 'act', 'date': 'act_date'},\n"
        "     'values': {'event': {'HEARING': 'E50'}}}]},\n"
        "    base=pathlib.Path(__file__).parent)\n"
        f"print(read_study(config, environ={ENV!r}, workers=2).log.n_events)\n")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=120, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["RUN", "2"]  # the script ran once
