"""Keyed pseudonyms: HMAC-SHA256 (checked against the standard library), key handling."""

from __future__ import annotations

import hashlib
import hmac
import subprocess

import pytest

from trajectory.config import PrivacyConfig
from trajectory.errors import PrivacyError
from trajectory.privacy.pseudonymise import (
    DEMO_KEY,
    PSEUDONYM_LENGTH,
    PseudonymKey,
    load_key,
    pseudonymise,
)

KEY = PseudonymKey(b"unit-test-key-0123456789abcdef", source="test")


@pytest.mark.parametrize("secret", [b"k" * 16, b"x" * 64, b"y" * 65, b"z" * 200])
def test_equals_stdlib_hmac(secret):
    key = PseudonymKey(secret, source="t")
    values = ["BR.12.L3.012345/2023", "é", "42"]
    got = pseudonymise(values, key=key, kind="pv_number", length=64).tolist()
    want = [hmac.new(secret, f"pv_number:{v}".encode(), hashlib.sha256).hexdigest()
            for v in values]
    assert got == want


def test_truncation_stable_and_domain_separated():
    a = pseudonymise(["  PV1", "PV1", "PV2", None, "", float("nan")], key=KEY, kind="pv_number")
    assert a[0] == a[1] != a[2]
    assert a[3] is None and a[4] is None and a[5] is None
    assert len(a[0]) == PSEUDONYM_LENGTH and int(a[0], 16) >= 0
    b = pseudonymise(["PV1"], key=KEY, kind="parquet_number")
    assert b[0] != a[0]
    other = pseudonymise(["PV1"], key=PseudonymKey(b"another-key-0123456789", source="t"),
                         kind="pv_number")
    assert other[0] != a[0]


def test_collision_is_detected():
    # 8 hex characters = 32 bits: 200,000 values collide with probability ~0.99
    values = [str(i) for i in range(200_000)]
    with pytest.raises(PrivacyError, match="collision"):
        pseudonymise(values, key=KEY, kind="pv_number", length=8)


def test_key_is_never_shown():
    secret = b"do-not-print-this-key-123456"
    key = PseudonymKey(secret, source="env:X")
    for text in (repr(key), str(key), f"{key}", repr([key])):
        assert secret.decode() not in text and secret.hex() not in text
    with pytest.raises(PrivacyError) as info:
        PseudonymKey(b"short-secret", source="file")
    assert "short-secret" not in str(info.value)


def test_load_key_sources(tmp_path):
    env = {"MY_KEY": "k" * 32}
    assert load_key(PrivacyConfig(key_env="MY_KEY"), synthetic=False, environ=env).source == (
        "env:MY_KEY")
    keyfile = tmp_path / "outside" / "key"
    keyfile.parent.mkdir()
    keyfile.write_text("f" * 40 + "\n")
    key = load_key(PrivacyConfig(key_env="NONE", key_file=keyfile), synthetic=False, environ={})
    assert key.source == "file" and key.secret == b"f" * 40
    demo = load_key(PrivacyConfig(key_env="NONE"), synthetic=True, environ={})
    assert demo.secret == DEMO_KEY and demo.is_demo


def test_real_data_without_key_is_refused():
    with pytest.raises(PrivacyError, match="export NONE="):
        load_key(PrivacyConfig(key_env="NONE"), synthetic=False, environ={})


def test_key_file_inside_git_work_tree_is_refused(tmp_path):
    repo = tmp_path / "repo"
    (repo / "conf").mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    keyfile = repo / "conf" / "key"
    keyfile.write_text("s" * 40)
    with pytest.raises(PrivacyError, match="inside the git work tree") as info:
        load_key(PrivacyConfig(key_env="NONE", key_file=keyfile), synthetic=False, environ={})
    assert "s" * 40 not in str(info.value)


def test_missing_key_file(tmp_path):
    with pytest.raises(PrivacyError, match="not found"):
        load_key(PrivacyConfig(key_env="NONE", key_file=tmp_path / "nope"), synthetic=False,
                 environ={})
