"""Argon2id hashing for passwords, PINs and badge codes; never stored or logged in plaintext."""

from __future__ import annotations

import hashlib

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

# OWASP's recommended minimum for Argon2id: 19 MiB, t=2, p=1 (about 20 ms: fast enough at the counter)
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1, type=Type.ID)
_DUMMY = _hasher.hash("dummy-password-for-timing")


def hash_secret(secret: str) -> str:
    return _hasher.hash(secret)


def verify_secret(stored_hash: str | None, secret: str) -> bool:
    """True when ``secret`` matches; a missing hash still costs one verification (no timing oracle)."""
    try:
        return _hasher.verify(stored_hash or _DUMMY, secret) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    try:
        return _hasher.check_needs_rehash(stored_hash)
    except (InvalidHashError, ValueError):
        return True


def hash_token(token: str) -> str:
    """Session tokens are random and long: a fast digest is enough (no guessing to slow down)."""
    return hashlib.sha256(token.encode()).hexdigest()
