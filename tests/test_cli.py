"""The command line: clear one-line errors naming the file and what to do."""

from __future__ import annotations

from pathlib import Path

import pytest

from trajectory.cli import main


def test_missing_config_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--config", "/nonexistent/study.toml"]) == 2
    err = capsys.readouterr().err
    assert "/nonexistent/study.toml not found" in err and "Traceback" not in err


def test_real_data_without_a_key_is_refused_and_a_missing_file_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from trajectory.config import example_config_path

    config = tmp_path / "study.toml"
    config.write_text(example_config_path().read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.delenv("TRAJECTORY_KEY", raising=False)
    assert main(["validate", "--config", str(config)]) == 2
    assert "no pseudonymisation key" in capsys.readouterr().err
    monkeypatch.setenv("TRAJECTORY_KEY", "a-test-key-that-is-long-enough-0123456789")
    assert main(["validate", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert "police.csv" in err and "a-test-key" not in err


def test_validate_prints_the_quality_report(capsys: pytest.CaptureFixture[str]) -> None:
    sample = Path(__file__).resolve().parents[1] / "data" / "sample" / "study.toml"
    assert main(["validate", "--config", str(sample)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Ingest quality") and "quarantined" in out


def test_synth_writes_a_study(tmp_path: Path) -> None:
    assert main(["synth", "--n", "200", "--seed", "3", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "study.toml").is_file() and (tmp_path / "police.csv").is_file()


def test_report_passes_allow_key_change(monkeypatch: pytest.MonkeyPatch) -> None:
    import trajectory.report as report

    seen: list[bool] = []

    def fake_report(config, **kwargs):  # records the flag instead of building a report
        seen.append(kwargs["allow_key_change"])
        return Path("index.html")

    monkeypatch.setattr(report, "run_study_report", fake_report)
    assert main(["report", "--config", "study.toml"]) == 0
    assert main(["report", "--config", "study.toml", "--allow-key-change"]) == 0
    assert seen == [False, True]


def test_demo_extracts_never_go_under_reports(tmp_path: Path) -> None:
    from trajectory.report import demo_study_folder

    folder = demo_study_folder(tmp_path / "reports" / "demo")
    assert "reports" not in folder.parts and folder.name == "demo"
    assert folder.is_relative_to(tmp_path / ".trajectory")
