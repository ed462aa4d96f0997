"""Keyed pseudonyms for direct identifiers (PV, notice, case and person numbers).

Every identifier read from an extract is replaced, at ingest and before anything is
stored, by ``HMAC-SHA256(key, "<identifier kind>:<value>")`` written in hex and
truncated to :data:`PSEUDONYM_LENGTH` characters. The same value of the same kind
gets the same pseudonym in every file, so the police and parquet records of one case
link, while the kind prefix keeps a PV number and a notice number that happen to
share digits apart.

Collision risk. A pseudonym of 16 hex characters carries 64 bits; the chance that
two of *n* distinct identifiers share one is about ``n**2 / 2**65``: 3e-8 for one
million identifiers, 3e-6 for ten million. :func:`pseudonymise` checks every batch
it hashes and raises :class:`~trajectory.errors.PrivacyError` on a collision (pass a
larger ``length`` then).

The key. Real data needs a secret key, from the environment variable named by
``[privacy] key_env`` (default ``TRAJECTORY_KEY``) or from ``[privacy] key_file``,
which must lie outside any git work tree. Without a key, ingesting data whose config
does not say ``synthetic = true`` is refused. Synthetic data without a key use
:data:`DEMO_KEY`, a fixed *public* key: its pseudonyms protect nothing, which is fine
for made-up data only. The key is held in a :class:`PseudonymKey` whose ``repr`` and
``str`` never show it; it is never written to any output, log, error or provenance.

Examples
--------
>>> key = PseudonymKey(b"a-test-key-of-at-least-16-bytes", source="test")
>>> key
PseudonymKey(source='test')
>>> pseudonymise(["PV1", "PV2", "PV1", None], key=key, kind="pv_number").tolist()
['8a713ff7876646c6', 'a5aca8e0bfb7725c', '8a713ff7876646c6', None]
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .config import PrivacyConfig
from .errors import PrivacyError

__all__ = [
    "PSEUDONYM_LENGTH",
    "DEMO_KEY",
    "MIN_KEY_BYTES",
    "MIN_KEY_BITS",
    "PseudonymKey",
    "key_bits",
    "load_key",
    "pseudonymise",
]

#: Hex characters kept from the HMAC-SHA256 digest (64 bits).
PSEUDONYM_LENGTH: int = 16
#: Shortest key accepted, in bytes.
MIN_KEY_BYTES: int = 16
#: Least key strength accepted, in bits (hex digits count 4 bits, base64 characters 6,
#: other bytes 8).
MIN_KEY_BITS: int = 128
_HEX = frozenset(b"0123456789abcdefABCDEF")
_BASE64 = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_")
_FINGERPRINT_DOMAIN = b"trajectory:key-fingerprint:v1"
#: Public key used for synthetic data only (documented, deliberately not secret).
DEMO_KEY: bytes = b"trajectory-public-demo-key: synthetic data only, not a secret"


@dataclass(frozen=True)
class PseudonymKey:
    """A pseudonymisation key that never shows itself.

    Parameters
    ----------
    secret : bytes
        The key bytes (at least :data:`MIN_KEY_BYTES`). Hidden from ``repr``/``str``.
    source : str
        Where it came from, for provenance: ``"env:NAME"``, ``"file"``, ``"demo"``.
    """

    secret: bytes = field(repr=False)
    source: str = "unknown"

    def __post_init__(self) -> None:
        if (not isinstance(self.secret, bytes) or len(self.secret) < MIN_KEY_BYTES
                or key_bits(self.secret) < MIN_KEY_BITS):
            raise PrivacyError(
                f"pseudonymisation key from {self.source} is too weak: it needs at least "
                f"{MIN_KEY_BITS} bits (32 hex digits, 22 base64 characters or 16 bytes, with "
                "8 different characters or more); generate one with "
                "`python -c \"import secrets; print(secrets.token_hex(32))\"`"
            )

    @property
    def fingerprint(self) -> str:
        """16 hex characters identifying the key (never the key; safe for provenance).

        ``SHA-256(HMAC-SHA256(key, domain))``: two extracts pseudonymised with the same
        key have the same fingerprint, so a change of key is detected before linking.
        """
        inner = hmac.new(self.secret, _FINGERPRINT_DOMAIN, hashlib.sha256).digest()
        return hashlib.sha256(inner).hexdigest()[:16]

    def __str__(self) -> str:
        return repr(self)

    @property
    def is_demo(self) -> bool:
        """True for the public demo key (synthetic data only)."""
        return self.secret == DEMO_KEY


def key_bits(secret: bytes) -> int:
    """Strength of a key in bits, as counted by :class:`PseudonymKey` (0 if repetitive).

    Examples
    --------
    >>> key_bits(b"0123456789abcdef" * 2), key_bits(b"x" * 40)
    (128, 0)
    """
    if len(set(secret)) < 8:
        return 0
    chars = set(secret)
    per = 4 if chars <= _HEX else 6 if chars <= _BASE64 else 8
    return per * len(secret)


def normalise_key(text: str | bytes) -> bytes:
    """The key as bytes, stripped of surrounding whitespace and line ends.

    The environment and a key file give the same key for the same text, whatever
    newline an editor or ``echo`` added.
    """
    raw = text.encode("utf-8") if isinstance(text, str) else text
    return raw.strip()


def _inside_git_work_tree(path: Path) -> Path | None:
    for folder in [path.parent, *path.parent.parents]:
        if (folder / ".git").exists():
            return folder
    return None


def load_key(
    privacy: PrivacyConfig,
    *,
    synthetic: bool,
    environ: Mapping[str, str] | None = None,
) -> PseudonymKey:
    r"""Find the pseudonymisation key of a study.

    Looks in the environment variable ``privacy.key_env`` first, then in the file
    ``privacy.key_file``. Synthetic studies without a key get :data:`DEMO_KEY`.

    Parameters
    ----------
    privacy : PrivacyConfig
        The ``[privacy]`` section of the study config.
    synthetic : bool
        ``[study] synthetic``: only then may the public demo key be used.
    environ : Mapping, optional
        Environment to read (default ``os.environ``).

    Returns
    -------
    PseudonymKey

    Raises
    ------
    PrivacyError
        Real (non-synthetic) data without a key; a key file inside a git work tree;
        an unreadable or too short key.

    Examples
    --------
    >>> from trajectory.config import PrivacyConfig
    >>> load_key(PrivacyConfig(key_env="NO_SUCH_VAR"), synthetic=True, environ={}).source
    'demo'
    >>> load_key(PrivacyConfig(key_env="K"), synthetic=False,
    ...          environ={"K": "0123456789abcdef" * 2 + "\n"})
    PseudonymKey(source='env:K')
    """
    env = os.environ if environ is None else environ
    value = normalise_key(env.get(privacy.key_env, ""))
    if value:
        return PseudonymKey(value, source=f"env:{privacy.key_env}")
    if privacy.key_file is not None:
        path = Path(privacy.key_file).expanduser().resolve()
        if not path.is_file():
            raise PrivacyError(
                "the key file named by [privacy] key_file does not exist (its path is not "
                "shown, in case a key was pasted there); create it outside the repository "
                f"or set the environment variable {privacy.key_env}"
            )
        repo = _inside_git_work_tree(path)
        if repo is not None:
            raise PrivacyError(
                f"the key file named by [privacy] key_file lies inside the git work tree "
                f"{repo}: a key there can be committed by mistake. Move it outside the "
                "repository (e.g. ~/.trajectory/key) and point [privacy] key_file at it"
            )
        return PseudonymKey(normalise_key(path.read_bytes()), source="file")
    if synthetic:
        return PseudonymKey(DEMO_KEY, source="demo")
    raise PrivacyError(
        "no pseudonymisation key: this study is not marked `synthetic = true`, so its "
        "identifiers must be pseudonymised with a secret key. Set the environment variable "
        f"{privacy.key_env} (e.g. `export {privacy.key_env}=$(python -c \"import secrets; "
        "print(secrets.token_hex(32))\")`) or set [privacy] key_file to a file outside the "
        "repository; keep the key, the same key links later extracts"
    )


def pseudonymise(
    values: Iterable[object] | pd.Series,
    *,
    key: PseudonymKey,
    kind: str,
    length: int = PSEUDONYM_LENGTH,
) -> pd.Series:
    """Replace identifiers by keyed HMAC-SHA256 pseudonyms.

    Parameters
    ----------
    values : iterable or pandas.Series
        Raw identifiers; missing values (None, NaN, empty or blank strings) stay
        missing. Values are compared as stripped strings.
    key : PseudonymKey
        See :func:`load_key`.
    kind : str
        Identifier kind (``"pv_number"``, ``"parquet_number"``...): part of the
        hashed message, so equal strings of different kinds get different pseudonyms.
    length : int
        Hex characters kept (4 bits each), 8 to 64.

    Returns
    -------
    pandas.Series
        Object dtype, same index as ``values`` when it is a Series.

    Raises
    ------
    PrivacyError
        If two different values received the same pseudonym (use a larger ``length``).

    Examples
    --------
    >>> key = PseudonymKey(b"another-key-0123456789", source="test")
    >>> a = pseudonymise([" 42 ", "42"], key=key, kind="pv_number")
    >>> b = pseudonymise(["42"], key=key, kind="parquet_number")
    >>> a[0] == a[1], a[0] == b[0], len(a[0])
    (True, False, 16)
    """
    if not 8 <= length <= 64:
        raise PrivacyError(f"pseudonym length = {length}: must be between 8 and 64 hex characters")
    series = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)
    present = series.notna().to_numpy()
    out = np.full(len(series), None, dtype=object)
    if not present.any():
        return pd.Series(out, index=series.index, dtype=object)
    raw = series[present].astype(object).to_numpy()
    try:
        text = pa.array(raw, type=pa.string())
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        text = pa.array([str(v) for v in raw], type=pa.string())
    encoded = pc.utf8_trim_whitespace(text).dictionary_encode()
    hashed = _hmac_hex(encoded.dictionary, key.secret, f"{kind}:", length)
    distinct = hashed.drop_null()
    if len(pc.unique(distinct)) != len(distinct):
        raise PrivacyError(
            f"pseudonym collision among {len(distinct):,} {kind} values at length {length}; "
            "pass a larger length (e.g. 24)"
        )
    table = hashed.to_numpy(zero_copy_only=False)
    out[present] = table[encoded.indices.to_numpy(zero_copy_only=False)]
    return pd.Series(out, index=series.index, dtype=object)


def _hmac_hex(values: pa.Array, secret: bytes, prefix: str, length: int) -> pa.Array:
    """HMAC-SHA256(secret, prefix + value) in hex, first ``length`` characters, per string.

    The standard library's :mod:`hmac`, keyed once and copied for each distinct value
    (the caller passes the distinct values of a column, so the work is per distinct
    value, not per row). Empty strings and nulls give null.
    """
    keyed = hmac.new(secret, prefix.encode("utf-8"), hashlib.sha256)
    out: list[str | None] = []
    for value in values.to_pylist():
        if not value:
            out.append(None)
            continue
        mac = keyed.copy()
        mac.update(value.encode("utf-8"))
        out.append(mac.hexdigest()[:length])
    return pa.array(out, type=pa.string())
