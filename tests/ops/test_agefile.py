"""Backups encrypted to a passphrase in the age format: streamed, checked, readable by age."""

from __future__ import annotations

import io
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wflow.ops.agefile import CHUNK, AgeError, AgeReader, AgeWriter, WrongPassphrase, is_age

WORK = 10  # scrypt's cost is not what these tests are about


def _encrypt(plain: bytes, passphrase: str = "mật khẩu dài", pieces: int = 3) -> bytes:
    out = io.BytesIO()
    writer = AgeWriter(out, passphrase, work_factor=WORK)
    step = max(1, len(plain) // pieces)
    for i in range(0, len(plain), step):
        writer.write(plain[i : i + step])
    writer.close()
    return out.getvalue()


def _decrypt(sealed: bytes, passphrase: str = "mật khẩu dài", size: int = 10240) -> bytes:
    reader = AgeReader(io.BytesIO(sealed), passphrase)
    parts = []
    while part := reader.read(size):
        parts.append(part)
    return b"".join(parts)


@pytest.mark.parametrize("length", [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK, 3 * CHUNK + 7])
def test_agefile__round_trips_at_chunk_edges(length: int) -> None:
    plain = os.urandom(length)
    sealed = _encrypt(plain)
    assert is_age(sealed)
    assert _decrypt(sealed) == plain
    assert AgeReader(io.BytesIO(sealed), "mật khẩu dài").read() == plain


@settings(max_examples=25, deadline=None)
@given(plain=st.binary(max_size=3 * CHUNK), size=st.integers(1, 2 * CHUNK))
def test_agefile__any_read_size_gives_the_same_bytes(plain: bytes, size: int) -> None:
    assert _decrypt(_encrypt(plain), size=size) == plain


def test_agefile__a_wrong_passphrase_is_refused_at_once() -> None:
    with pytest.raises(WrongPassphrase):
        AgeReader(io.BytesIO(_encrypt(b"secret")), "another one")


def test_agefile__cut_or_altered_payloads_are_refused() -> None:
    sealed = _encrypt(os.urandom(2 * CHUNK + 100))
    full = CHUNK + 16
    header_and_nonce = len(sealed) - (2 * full + 100 + 16)
    cut = sealed[: header_and_nonce + 2 * full]  # the last chunk dropped
    with pytest.raises(AgeError, match="damaged or cut short"):
        _decrypt(cut)
    flipped = bytearray(sealed)
    flipped[header_and_nonce + 10] ^= 1
    with pytest.raises(AgeError):
        _decrypt(bytes(flipped))
    mac = sealed.index(b"\n--- ") + 5
    other = b"A" if sealed[mac : mac + 1] != b"A" else b"B"
    with pytest.raises(AgeError, match="header was altered"):
        _decrypt(sealed[:mac] + other + sealed[mac + 1 :])


def test_agefile__not_age_is_named() -> None:
    with pytest.raises(AgeError, match="not an age file"):
        AgeReader(io.BytesIO(b"ustar tar file..."), "x")


def test_agefile__interoperates_with_the_age_reference_tools() -> None:
    """pyrage (rage, the Rust age) opens what we write, and we open what it writes."""
    import pyrage

    plain = os.urandom(CHUNK * 2 + 5)
    assert pyrage.passphrase.decrypt(_encrypt(plain, "đúng"), "đúng") == plain
    theirs = pyrage.passphrase.encrypt(plain, "đúng")
    assert _decrypt(theirs, "đúng") == plain


def test_agefile__backups_use_age_s_own_scrypt_cost_by_default() -> None:
    out = io.BytesIO()
    AgeWriter(out, "x").close()
    assert out.getvalue().splitlines()[1].endswith(b" 18")  # -> scrypt <salt> 18
