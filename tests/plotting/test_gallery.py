"""write_gallery renders PNG files of the figures on synthetic data."""

from __future__ import annotations

import pytest

from trajectory.errors import ConfigError
from trajectory.plotting.gallery import GALLERY, synthetic_cohort, write_gallery

PNG = b"\x89PNG\r\n\x1a\n"


def test_some_figures_written_as_png(tmp_path):
    written = write_gallery(tmp_path / "figs", only=["funnel", "alluvial"], dpi=50)
    assert [p.name for p in written] == ["funnel.png", "alluvial.png"]
    for path in written:
        assert path.read_bytes()[:8] == PNG and path.stat().st_size > 5_000


def test_unknown_figure_name():
    with pytest.raises(ConfigError, match="unknown figure"):
        write_gallery("unused", only=["pie_chart"])


def test_synthetic_cohort_is_reproducible_and_censored():
    a, b = synthetic_cohort(), synthetic_cohort()
    assert a.equals(b)
    assert (a["time"] <= a["full_time"]).all()
    assert 0.1 < (a["outcome"] == "censored").mean() < 0.5


@pytest.mark.slow
def test_every_gallery_figure_written(tmp_path):
    written = write_gallery(tmp_path, dpi=50)
    assert sorted(p.stem for p in written) == sorted(GALLERY)
    for path in written:
        assert path.read_bytes()[:8] == PNG
