"""Keyed pseudonyms: HMAC-SHA256 (checked against the standard library), key handling."""

from __future__ import annotations

import hashlib
import hmac
import subprocess

import pytest

from trajectory.config import PrivacyConfig
from trajectory.errors import PrivacyError
from trajectory.pseudonymise import (
    DEMO_KEY,
    PSEUDONYM_LENGTH,
    PseudonymKey,
    load_key,
    pseudonymise,
)

KEY = PseudonymKey(b"unit-test-key-0123456789abcdef", source="test")


_VARIED = b"!k#e%y&(1)2*3+4,abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789" * 3


# key lengths around SHA-256's 64-byte block: 16 bytes, one block, one byte more, hashed
@pytest.mark.parametrize("secret", [_VARIED[:16], _VARIED[:64], _VARIED[:65], _VARIED[:200]])
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
    env = {"MY_KEY": "k3y-" + "0123456789abcdef" * 2}
    assert load_key(PrivacyConfig(key_env="MY_KEY"), synthetic=False, environ=env).source == (
        "env:MY_KEY")
    keyfile = tmp_path / "outside" / "key"
    keyfile.parent.mkdir()
    keyfile.write_text("0123456789abcdef" * 2 + "\n")
    key = load_key(PrivacyConfig(key_env="NONE", key_file=keyfile), synthetic=False, environ={})
    assert key.source == "file" and key.secret == b"0123456789abcdef" * 2
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
    with pytest.raises(PrivacyError, match="does not exist"):
        load_key(PrivacyConfig(key_env="NONE", key_file=tmp_path / "nope"), synthetic=False,
                 environ={})


HEX_KEY = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"


@pytest.mark.parametrize("written", [HEX_KEY, HEX_KEY + "\n", f"  {HEX_KEY}\r\n", f"{HEX_KEY}\t"])
def test_environment_and_key_file_give_the_same_key(tmp_path, written):
    keyfile = tmp_path / "outside" / "key"
    keyfile.parent.mkdir()
    keyfile.write_text(written, newline="")
    from_env = load_key(PrivacyConfig(key_env="K"), synthetic=False, environ={"K": written})
    from_file = load_key(PrivacyConfig(key_env="NONE", key_file=keyfile), synthetic=False,
                         environ={})
    assert from_env.secret == from_file.secret == HEX_KEY.encode()
    assert from_env.fingerprint == from_file.fingerprint


@pytest.mark.parametrize("weak", [
    "0123456789abcdef",              # 16 hex digits: 64 bits
    "0123456789abcdef0123456789abcd",  # 30 hex digits: 120 bits
    "abcdefghijklmnopqrst",          # 20 base64 characters: 120 bits
    "x" * 64,                        # repetitive
])
def test_key_below_128_bits_is_refused_without_showing_it(weak):
    with pytest.raises(PrivacyError, match="128 bits") as info:
        load_key(PrivacyConfig(key_env="K"), synthetic=False, environ={"K": weak})
    assert weak not in str(info.value)


def test_key_fingerprint_detects_a_change_and_hides_the_key():
    a = PseudonymKey(HEX_KEY.encode(), source="t")
    b = PseudonymKey(HEX_KEY[::-1].encode(), source="t")
    assert len(a.fingerprint) == 16 and a.fingerprint != b.fingerprint
    assert a.fingerprint == PseudonymKey(HEX_KEY.encode(), source="other").fingerprint
    # not a plain hash of the key, nor a pseudonym of anything
    assert a.fingerprint not in hashlib.sha256(HEX_KEY.encode()).hexdigest()
    assert a.fingerprint not in HEX_KEY


def test_key_pasted_into_key_env_or_key_file_is_never_shown(tmp_path):
    from trajectory.config import from_dict
    from trajectory.errors import ConfigError

    study = {"name": "t", "extraction_date": "2025-06-30"}
    for pasted in (HEX_KEY, HEX_KEY.upper(), "ab" * 20):
        with pytest.raises(ConfigError, match="NAME of an environment variable") as info:
            from_dict({"study": study, "privacy": {"key_env": pasted}})
        assert pasted not in str(info.value) and pasted.lower() not in str(info.value)
    cfg = from_dict({"study": study, "privacy": {"key_file": HEX_KEY}}, base=tmp_path)
    with pytest.raises(PrivacyError) as info:
        load_key(cfg.privacy, synthetic=False, environ={})
    assert HEX_KEY not in str(info.value)


def test_ingest_does_not_load_the_publication_gate():
    """Ingest (and each of its worker processes) imports no disclosure code nor scipy."""
    import subprocess
    import sys

    code = ("import sys, trajectory.store, trajectory.io.study, trajectory.io.parallel; "
            "print(sorted(m for m in sys.modules if m.startswith(('trajectory.privacy', "
            "'scipy'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"
