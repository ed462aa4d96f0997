"""No raw victim data outside the store's case tables.

Names and raw PV numbers are planted in every kind of column of a small study
(identifiers, codes, dates, event labels, detail codes, free text, a malformed line).
Every output of the ingest (quarantine, quality report in all its views, the CLI's
``validate`` output and errors, the store's non-case tables) is grepped: 0 hits.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from trajectory.cli import main
from trajectory.config import load_config
from trajectory.errors import IngestError
from trajectory.io import read_study, validate_study
from trajectory.store import StudyStore

PLANTED = ("dupont", "marie", "054321", "54321987", "victime")
NAME, NAME_UP, PV_RAW, PV_2 = "Marie Dupont", "DUPONT", "BR.12.L3.054321/2024", "BR54321987"

POLICE = [
    "PV_NR;ZONE_POL;CANAL;DATE_PLAINTE;REMARQUE",
    f"{PV_RAW};5339;GUICHET;05/01/2024;victime Mme Dupont",
    f"BR.2;5339;{NAME_UP};05/01/2024;{NAME}",
    f"BR.3;5339;{PV_2};05/01/2024;",
    f"BR.4;5339;GUICHET;{NAME};",
    f"BR.5;5339;GUICHET;{PV_2};",
    f"BR.6;{PV_RAW};GUICHET;05/01/2024;",
    f"BR.7;5339;{NAME};05/01/2024;",
    f"BR.2;5339;{NAME_UP};05/01/2024;{NAME}",
    f"{NAME};{PV_RAW}",
    f"{PV_RAW};5339;GUICHET;06/01/2024;{NAME}",
]
COURT = [
    "notice_nr,pv,act,act_date,detail",
    f"N1,{PV_RAW},HEARING,2024-04-02,victime Mme Dupont vue",
    f"N1,{PV_RAW},JUDGMENT,2024-05-10,{NAME}",
    f"N1,{PV_RAW},{NAME},2024-05-10,",
    f"N1,{PV_RAW},HEARING,{NAME_UP},",
    f"{PV_2},{PV_2},HEARING,2024-04-03,",
]
STUDY = """
[study]
name = "planted"
extraction_date = "2025-06-30"
synthetic = true

[[sources]]
name = "police"
kind = "police"
path = "police.csv"
identifiers = { pv_number = "PV_NR" }
columns = { zone = "ZONE_POL", channel = "CANAL" }
events = { E11 = "DATE_PLAINTE" }
values = { channel = { GUICHET = "desk" } }

[[sources]]
name = "court"
kind = "court"
path = "court.csv"
identifiers = { parquet_number = "notice_nr", pv_number = "pv" }
long = { event = "act", date = "act_date", code = "detail" }
values = { event = { HEARING = "E50", JUDGMENT = "E51" } }
"""


@pytest.fixture()
def planted(tmp_path: Path) -> Path:
    (tmp_path / "police.csv").write_text("\n".join(POLICE) + "\n", encoding="utf-8")
    (tmp_path / "court.csv").write_text("\n".join(COURT) + "\n", encoding="utf-8")
    (tmp_path / "study.toml").write_text(STUDY, encoding="utf-8")
    return tmp_path / "study.toml"


def _hits(text: str) -> list[str]:
    low = text.casefold()
    return [p for p in PLANTED if p in low]


def test_planted_values_reach_no_output(planted: Path, capsys: pytest.CaptureFixture[str]):
    config = load_config(planted)
    result = read_study(config)
    assert len(result.quarantine) >= 10  # the planted cells were all rejected...
    reasons = set(result.quarantine["reason"])
    assert {"unknown_code", "bad_date", "malformed_record", "unknown_case"} <= reasons
    report = result.report
    outputs = {
        "quarantine": result.quarantine.to_csv(),
        "summary": report.summary(),
        "html": report._repr_html_(),
        "frame": report.to_frame().to_csv(),
        "unmapped": report.unmapped.to_csv(),
        "examples": report.examples.to_csv(),
        "repr": repr(result) + repr(report),
        "identifiers": result.identifiers.to_csv(),
        "metadata": repr(result.log.metadata),
        "validate_study": validate_study(config).summary(),
    }
    store = StudyStore(planted.parent / "s.duckdb")
    store.save(result)
    for table in ("quarantine", "quality", "metadata", "identifiers"):
        outputs[f"store.{table}"] = store.relation(table).df().to_csv()
    store.close()
    status = main(["validate", "--config", str(planted)])
    captured = capsys.readouterr()
    outputs["cli"] = captured.out + captured.err
    assert status == 3  # far above 5% quarantined
    found = {name: _hits(text) for name, text in outputs.items() if _hits(text)}
    assert found == {}


def test_errors_do_not_echo_content(planted: Path):
    folder = planted.parent
    texts = []
    # a headerless file: the first record is where the header should be
    (folder / "police.csv").write_text("\n".join(POLICE[1:]) + "\n", encoding="utf-8")
    for damage in (None, b'"', b"\x81", b"\x00"):
        if damage is not None:
            data = ("\n".join(POLICE) + "\n").encode()
            at = data.index(NAME.encode())
            (folder / "police.csv").write_bytes(data[:at] + damage + data[at:])
        with pytest.raises(IngestError) as info:
            read_study(load_config(planted))
        texts.append(str(info.value))
    assert [t for t in texts if _hits(t)] == []


def test_validate_exit_status_follows_the_quarantine_share(tmp_path: Path):
    rows = [f"BR.{i};5339;GUICHET;05/01/2024;" for i in range(100)]
    rows[:4] = [f"BR.{i};5339;GUICHET;31/02/2024;" for i in range(4)]  # 4% bad dates
    (tmp_path / "police.csv").write_text("\n".join([POLICE[0], *rows]) + "\n")
    (tmp_path / "court.csv").write_text(COURT[0] + "\n")
    (tmp_path / "study.toml").write_text(STUDY)
    assert main(["validate", "--config", str(tmp_path / "study.toml")]) == 0
    (tmp_path / "study.toml").write_text(STUDY + "\n[ingest]\nmax_quarantine_share = 0.03\n")
    assert main(["validate", "--config", str(tmp_path / "study.toml")]) == 3
