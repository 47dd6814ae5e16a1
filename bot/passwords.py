"""Console passwords: scrypt (hashlib, RFC 7914) with a random salt and the parameters stored
beside the hash, so they can be raised later: a login with older parameters is rehashed.

Stored form: ``scrypt$<n>$<r>$<p>$<salt, base64>$<key, base64>``.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import secrets
from dataclasses import dataclass

SCHEME = "scrypt"
SALT_BYTES = 16
KEY_BYTES = 32
MIN_LENGTH = 8  # a console password shorter than this is refused
MAX_LENGTH = 256  # scrypt hashes any length; this only bounds the work a request can ask for


@dataclass(frozen=True)
class Params:
    n: int  # CPU/memory cost (a power of two)
    r: int  # block size
    p: int  # parallelism

    @property
    def maxmem(self) -> int:
        return 128 * self.n * self.r * self.p + 1024 * 1024


# OWASP's password-storage guidance lists N=2^14, r=8, p=5 among equivalent scrypt settings:
# 16 MiB per hash, about a quarter of a second on one core here.
CURRENT = Params(n=2**14, r=8, p=5)


def _key(password: str, salt: bytes, params: Params) -> bytes:
    return hashlib.scrypt(
        password.encode("utf-8"),
        salt=salt,
        n=params.n,
        r=params.r,
        p=params.p,
        maxmem=params.maxmem,
        dklen=KEY_BYTES,
    )


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_password(password: str, params: Params = CURRENT) -> str:
    """A new hash with a fresh random salt."""
    salt = secrets.token_bytes(SALT_BYTES)
    key = _key(password, salt, params)
    return f"{SCHEME}${params.n}${params.r}${params.p}${_b64(salt)}${_b64(key)}"


def _parse(stored: str) -> tuple[Params, bytes, bytes] | None:
    parts = stored.split("$")
    if len(parts) != 6 or parts[0] != SCHEME:
        return None
    try:
        params = Params(int(parts[1]), int(parts[2]), int(parts[3]))
        return params, base64.b64decode(parts[4]), base64.b64decode(parts[5])
    except ValueError:
        return None


def verify(password: str, stored: str) -> bool:
    """True when the password matches; the comparison takes the same time whatever differs."""
    parsed = _parse(stored)
    if parsed is None or len(password) > MAX_LENGTH:
        return False
    params, salt, expected = parsed
    return hmac.compare_digest(_key(password, salt, params), expected)


def needs_rehash(stored: str, params: Params = CURRENT) -> bool:
    parsed = _parse(stored)
    return parsed is None or parsed[0] != params


# Verified against when the username is unknown, so that answer takes as long as a wrong
# password (the response time does not tell which usernames exist).
@functools.cache
def _dummy() -> str:
    return hash_password(secrets.token_urlsafe(16))


def verify_nobody(password: str) -> bool:
    verify(password, _dummy())
    return False
