"""Password hashing with Argon2id (argon2-cffi's recommended parameters)."""

from __future__ import annotations

import hashlib

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import lazy_gettext as _l

from portal.members.validators import InvalidValue

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 128

_hasher = PasswordHasher()

#: compared against when the login is unknown, so timing does not reveal which logins exist
_DUMMY_HASH = _hasher.hash("portal-dummy-password-for-timing")


def use_hasher(hasher: PasswordHasher) -> None:
    """Swap the hasher (tests use cheap parameters; production keeps the defaults)."""
    global _hasher, _DUMMY_HASH
    _hasher = hasher
    _DUMMY_HASH = hasher.hash("portal-dummy-password-for-timing")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def check_new_password(password: str, *, mobile: str | None = None) -> None:
    """A password someone chooses: long enough, bounded, and not their own mobile number."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidValue(_l("Use at least %(count)d characters.", count=MIN_PASSWORD_LENGTH))
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidValue(_l("Use at most %(count)d characters.", count=MAX_PASSWORD_LENGTH))
    if mobile and password.strip() in (mobile, mobile.removeprefix("+86")):
        raise InvalidValue(_l("Your password must not be your mobile number."))


def session_fingerprint(password_hash: str) -> str:
    """Part of the session's user id: a password change logs out every other session."""
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]
