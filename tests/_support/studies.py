"""One-source study configs for the ingest tests: a police extract with a PV number,
a complaint date and a zone (synthetic, but hand-made: read with :data:`TEST_KEY`)."""

from __future__ import annotations

from pathlib import Path

from trajectory.config import StudyConfig, from_dict

#: A key for hand-made extracts (only the generator's files may use the public demo key).
TEST_KEY = "5f0c2a9e7b1d4c3a8e6f90b2d4a6c8e0"


def police_study(path: Path, **source: object) -> StudyConfig:
    """A study reading ``path`` as a police extract; ``source`` overrides its keys."""
    raw: dict[str, object] = {
        "name": "police", "kind": "police", "path": str(path),
        "identifiers": {"pv_number": "PV_NR"}, "columns": {"zone": "ZONE_POL"},
        "events": {"E11": "DATE_PLAINTE"}}
    raw.update(source)
    return from_dict({"study": {"name": "t", "extraction_date": "2025-06-30",
                                "synthetic": True}, "sources": [raw]}, base=path.parent)
