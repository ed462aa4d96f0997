"""write_gallery renders PNG files of the figures on synthetic data."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from trajectory.errors import ConfigError
from trajectory.plotting.gallery import GALLERY, synthetic_cohort, write_gallery

PNG = b"\x89PNG\r\n\x1a\n"


def test_some_figures_written_as_png(tmp_path):
    written = write_gallery(tmp_path / "figs", only=["funnel", "alluvial"], dpi=50)
    assert [p.name for p in written] == ["funnel.png", "alluvial.png"]
    for path in written:
        assert path.read_bytes()[:8] == PNG and path.stat().st_size > 5_000


def test_import_leaves_the_matplotlib_backend_alone():
    code = ("import matplotlib; matplotlib.use('svg'); "
            "import trajectory.plotting.gallery; print(matplotlib.get_backend())")
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env=env)
    assert out.stdout.strip() == "svg"


def test_unknown_figure_name():
    with pytest.raises(ConfigError, match="unknown figure"):
        write_gallery("unused", only=["pie_chart"])


def test_synthetic_cohort_is_reproducible_and_censored():
    a, b = synthetic_cohort(), synthetic_cohort()
    assert a.equals(b)
    assert (a["time"] <= a["full_time"]).all()
    assert 0.1 < (a["outcome"] == "censored").mean() < 0.5


def test_every_gallery_figure_written_reduced(tmp_path):
    """Fast version of the full gallery: every figure drawn and written, at 12 dpi."""
    written = write_gallery(tmp_path, dpi=12)
    assert [p.stem for p in written] == list(GALLERY)
    for path in written:
        assert path.read_bytes()[:8] == PNG and path.stat().st_size > 500, path.name


@pytest.mark.slow
def test_every_gallery_figure_written(tmp_path):
    written = write_gallery(tmp_path, dpi=50)
    assert sorted(p.stem for p in written) == sorted(GALLERY)
    for path in written:
        assert path.read_bytes()[:8] == PNG
