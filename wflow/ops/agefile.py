"""Passphrase encryption of a stream in the age v1 format (age-encryption.org/v1), streamed.

A backup may be larger than memory, and the maintained age binding for Python (pyrage)
encrypts to a passphrase only whole byte strings; so this module writes the age format itself
from `cryptography`'s primitives, as the specification (C2SP age) describes it:

- a random 16-byte file key, wrapped by the one `scrypt` recipient stanza: ChaCha20-Poly1305
  under scrypt(passphrase, "age-encryption.org/v1/scrypt" + 16-byte salt, N=2^work, r=8, p=1);
- the header authenticated by HMAC-SHA-256 under HKDF(file key, info "header");
- the payload in the STREAM construction: 64 KiB chunks, each sealed by ChaCha20-Poly1305
  under HKDF(file key, salt = a 16-byte nonce, info "payload"), the nonce of chunk i being
  i as 11 big-endian bytes and a last-chunk flag, so truncation and reordering are caught.

An archive is thus readable by the `age` and `rage` tools (`age -d FILE > backup.tar`), which
matters on the day the backup is needed and wflow is not at hand; the tests check it against
pyrage both ways.
"""

from __future__ import annotations

import base64
import hmac
import os
import re
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

MAGIC = b"age-encryption.org/v1"
CHUNK = 64 * 1024
TAG = 16
WORK_FACTOR = 18  # scrypt N = 2^18: about 256 MiB and a second, as age itself chooses
MAX_WORK_FACTOR = 20  # refused above: a crafted file must not ask for gigabytes
_SCRYPT_LABEL = b"age-encryption.org/v1/scrypt"
_B64 = re.compile(rb"^[A-Za-z0-9+/]*$")


class AgeError(ValueError):
    """A file that cannot be decrypted: not age, wrong passphrase, damaged or cut short."""


class WrongPassphrase(AgeError):
    """The passphrase does not open the file."""


def is_age(head: bytes) -> bool:
    """Tell whether bytes read from the start of a file begin an age file."""
    return head.startswith(MAGIC + b"\n")


def _b64(data: bytes) -> bytes:
    return base64.b64encode(data).rstrip(b"=")


def _unb64(text: bytes) -> bytes:
    if not _B64.match(text) or len(text) % 4 == 1:
        raise AgeError("not an age file: bad base64 in the header")
    data = base64.b64decode(text + b"=" * (-len(text) % 4))
    if _b64(data) != text:
        raise AgeError("not an age file: non-canonical base64 in the header")
    return data


def _hkdf(key: bytes, salt: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(key)


def _wrap_key(passphrase: str, salt: bytes, work: int) -> bytes:
    kdf = Scrypt(salt=_SCRYPT_LABEL + salt, length=32, n=2**work, r=8, p=1)
    return kdf.derive(passphrase.encode("utf-8"))


def _mac(file_key: bytes, header: bytes) -> bytes:
    return hmac.new(_hkdf(file_key, b"", b"header"), header, "sha256").digest()


def _nonce(counter: int, last: bool) -> bytes:
    return counter.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


class AgeWriter:
    """A write-only stream that encrypts what it is given to `out`; `close` seals the end."""

    def __init__(self, out: BinaryIO, passphrase: str, work_factor: int | None = None) -> None:
        if not passphrase:
            raise ValueError("an empty passphrase protects nothing")
        work_factor = work_factor or WORK_FACTOR  # read now: tests lower it
        file_key, salt = os.urandom(16), os.urandom(16)
        body = ChaCha20Poly1305(_wrap_key(passphrase, salt, work_factor)).encrypt(
            bytes(12), file_key, None
        )
        stanza = b"-> scrypt " + _b64(salt) + b" " + str(work_factor).encode() + b"\n"
        header = MAGIC + b"\n" + stanza + _b64(body) + b"\n---"
        nonce = os.urandom(16)
        out.write(header + b" " + _b64(_mac(file_key, header)) + b"\n" + nonce)
        self._out = out
        self._aead = ChaCha20Poly1305(_hkdf(file_key, nonce, b"payload"))
        self._buffer = bytearray()
        self._counter = 0
        self.closed = False

    def write(self, data: bytes) -> int:
        """Encrypt `data` (whole chunks go out as soon as more data follows them)."""
        if self.closed:
            raise ValueError("write to a closed age stream")
        self._buffer += data
        while len(self._buffer) > CHUNK:  # the last chunk is kept until close: it is flagged
            self._seal(bytes(self._buffer[:CHUNK]), last=False)
            del self._buffer[:CHUNK]
        return len(data)

    def close(self) -> None:
        """Seal the last chunk (flagged as last); the underlying stream stays open."""
        if not self.closed:
            self._seal(bytes(self._buffer), last=True)
            self._buffer.clear()
            self.closed = True

    def _seal(self, chunk: bytes, last: bool) -> None:
        self._out.write(self._aead.encrypt(_nonce(self._counter, last), chunk, None))
        self._counter += 1


class AgeReader:
    """A read-only stream of the plaintext of an age file encrypted to a passphrase.

    The passphrase is checked on opening (WrongPassphrase); a chunk altered, reordered or cut
    off raises AgeError when it is read, before any of its bytes is returned.
    """

    def __init__(
        self, src: BinaryIO, passphrase: str, max_work_factor: int = MAX_WORK_FACTOR
    ) -> None:
        self._src = src
        file_key = self._open_header(passphrase, max_work_factor)
        nonce = _read_exactly(src, 16)
        if len(nonce) != 16:
            raise AgeError("the encrypted file is cut short")
        self._aead = ChaCha20Poly1305(_hkdf(file_key, nonce, b"payload"))
        self._counter = 0
        self._pending = _read_exactly(src, CHUNK + TAG)
        self._plain = b""
        self._pos = 0
        self._done = False

    def _line(self) -> bytes:
        line = bytearray()
        while not line.endswith(b"\n"):
            byte = self._src.read(1)
            if not byte or len(line) > 1024:
                raise AgeError("not an age file: its header is cut short")
            line += byte
        return bytes(line[:-1])

    def _open_header(self, passphrase: str, max_work: int) -> bytes:
        if self._line() != MAGIC:
            raise AgeError("not an age file")
        stanza = self._line()
        args = stanza.split(b" ")
        if args[:2] != [b"->", b"scrypt"] or len(args) != 4:
            raise AgeError("the file is not encrypted to a passphrase")
        salt, work_text = _unb64(args[2]), args[3]
        if len(salt) != 16 or not re.fullmatch(rb"[1-9][0-9]?", work_text):
            raise AgeError("not an age file: bad scrypt stanza")
        work = int(work_text)
        if work > max_work:
            raise AgeError(f"the file asks for scrypt work factor {work}, above {max_work}")
        body_text = self._line()
        if len(body_text) >= 64:  # a 32-byte body is one short line
            raise AgeError("not an age file: bad scrypt stanza body")
        mac_line = self._line()
        if not mac_line.startswith(b"--- "):
            raise AgeError("the file is encrypted to more than a passphrase")
        header = MAGIC + b"\n" + stanza + b"\n" + body_text + b"\n---"
        body = _unb64(body_text)
        try:
            file_key = ChaCha20Poly1305(_wrap_key(passphrase, salt, work)).decrypt(
                bytes(12), body, None
            )
        except InvalidTag:
            raise WrongPassphrase("wrong passphrase") from None
        if not hmac.compare_digest(_mac(file_key, header), _unb64(mac_line[4:])):
            raise AgeError("the encrypted file's header was altered")
        return file_key

    def _next_chunk(self) -> bytes:
        sealed = self._pending
        self._pending = _read_exactly(self._src, CHUNK + TAG)
        last = not self._pending
        if len(sealed) < TAG or (not last and len(sealed) != CHUNK + TAG):
            raise AgeError("the encrypted file is cut short")
        try:
            plain = self._aead.decrypt(_nonce(self._counter, last), sealed, None)
        except InvalidTag:
            raise AgeError("the encrypted file is damaged or cut short") from None
        if last and not plain and self._counter > 0:
            raise AgeError("the encrypted file ends with an empty chunk")
        self._counter += 1
        self._done = last
        return plain

    def read(self, size: int = -1) -> bytes:
        """Return up to `size` bytes of plaintext (all that is left when negative)."""
        if self._pos == len(self._plain) and not self._done:
            self._plain, self._pos = self._next_chunk(), 0
        if size < 0:
            rest = [self._plain[self._pos :]]
            while not self._done:
                rest.append(self._next_chunk())
            self._plain, self._pos = b"", 0
            return b"".join(rest)
        out = self._plain[self._pos : self._pos + size]
        self._pos += len(out)
        return out


def _read_exactly(src: BinaryIO, size: int) -> bytes:
    """Read `size` bytes, fewer only at the end of the stream (pipes return short reads)."""
    parts, got = [], 0
    while got < size:
        part = src.read(size - got)
        if not part:
            break
        parts.append(part)
        got += len(part)
    return b"".join(parts)
