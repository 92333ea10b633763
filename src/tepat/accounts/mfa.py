"""TOTP two-factor authentication (RFC 6238): secrets, codes, recovery codes, the QR code.

No writes here: the services in `tepat.accounts.services` change devices and codes. Secrets are
encrypted at rest with an HMAC-SHA256 stream cipher and tag (encrypt-then-MAC, standard library
only), keyed by TEPAT_MFA_KEY (never by SECRET_KEY; see "encryption of the secret at rest").
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from pathlib import Path
from typing import Any

import pyotp
import pyotp.exceptions
import segno
from django.conf import settings

from tepat.lib.env import stored_key

DIGITS = 6
INTERVAL = 30  # seconds a code lives
VALID_WINDOW = 1  # one step either side: phones whose clock drifts up to 30 s
RECOVERY_CODES = 10
_RECOVERY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read off paper


def mfa_required(user: Any) -> bool:
    """Whether the user's role must use two-factor authentication (TEPAT_MFA_REQUIRED_ROLES)."""
    role = getattr(user, "role", "") or ""
    return bool(role) and role in settings.TEPAT_MFA_REQUIRED_ROLES


def has_mfa(user: Any) -> bool:
    """Whether the user has a confirmed authenticator."""
    from tepat.accounts.models import TOTPDevice

    return TOTPDevice.objects.filter(user_id=user.pk, confirmed_at__isnull=False).exists()


# --- encryption of the secret at rest ----------------------------------------------------------
#
# The secrets are encrypted under TEPAT_MFA_KEY only (in development, a key kept in
# TEPAT_HOME/mfa.key), never under SECRET_KEY, so that rotating SECRET_KEY locks nobody out.
# Before issue 16 an empty TEPAT_MFA_KEY meant a key derived from SECRET_KEY: such secrets
# (and those under an old two-factor key in TEPAT_MFA_KEY_FALLBACKS) still open, and the
# services re-encrypt them under the current key at their next successful use.


class UnreadableSecret(ValueError):
    """The stored secret opens with no key this server has: it was altered, or the two-factor
    key changed. The user signs in with a recovery code or the admin resets their two-factor."""


def current_key() -> str:
    """The key new secrets are encrypted under."""
    if settings.TEPAT_MFA_KEY:
        return settings.TEPAT_MFA_KEY
    return stored_key(Path(settings.INSTANCE_DIR) / "mfa.key")


def _older_keys() -> list[str]:
    """Keys a stored secret may still be under: old two-factor keys, then SECRET_KEY and its
    fallbacks (the derivation before issue 16)."""
    legacy = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return [*settings.TEPAT_MFA_KEY_FALLBACKS, *legacy]


def _keys(master: str) -> tuple[bytes, bytes]:
    encryption = hmac.new(master.encode(), b"tepat.accounts.mfa/encrypt", hashlib.sha256).digest()
    signing = hmac.new(master.encode(), b"tepat.accounts.mfa/sign", hashlib.sha256).digest()
    return encryption, signing


def _stream(key: bytes, nonce: bytes, length: int) -> bytes:
    blocks = (length + 31) // 32
    return b"".join(
        hmac.new(key, nonce + i.to_bytes(4, "big"), hashlib.sha256).digest() for i in range(blocks)
    )[:length]


def _xor(data: bytes, key: bytes, nonce: bytes) -> bytes:
    return bytes(a ^ b for a, b in zip(data, _stream(key, nonce, len(data)), strict=True))


def encrypt(plain: str) -> str:
    encryption, signing = _keys(current_key())
    nonce = secrets.token_bytes(16)
    cipher = _xor(plain.encode(), encryption, nonce)
    tag = hmac.new(signing, nonce + cipher, hashlib.sha256).digest()
    return "v1$" + base64.urlsafe_b64encode(nonce + cipher + tag).decode()


def _parts(token: str) -> tuple[bytes, bytes, bytes]:
    version, _sep, body = token.partition("$")
    try:
        raw = base64.urlsafe_b64decode(body.encode())
    except ValueError:
        raw = b""
    if version != "v1" or len(raw) < 48:
        raise UnreadableSecret("not an encrypted TOTP secret")
    return raw[:16], raw[16:-32], raw[-32:]


def open_secret(token: str) -> tuple[str, bool]:
    """The plain secret, and whether it was under an older key (to be encrypted again);
    UnreadableSecret if no key this server has opens it."""
    nonce, cipher, tag = _parts(token)
    for index, master in enumerate([current_key(), *_older_keys()]):
        encryption, signing = _keys(master)
        expected = hmac.new(signing, nonce + cipher, hashlib.sha256).digest()
        if hmac.compare_digest(tag, expected):
            return _xor(cipher, encryption, nonce).decode(), index > 0
    raise UnreadableSecret("the TOTP secret does not match its key (altered, or the key changed)")


def decrypt(token: str) -> str:
    """The plain secret; UnreadableSecret (a ValueError) if altered or the key changed."""
    return open_secret(token)[0]


# --- TOTP --------------------------------------------------------------------------------------


def new_secret() -> str:
    return pyotp.random_base32(32)  # 160 bits, as RFC 4226 recommends


def totp(secret: str) -> pyotp.TOTP:
    return pyotp.TOTP(secret, digits=DIGITS, interval=INTERVAL)


def clean_code(code: str) -> str:
    return "".join(str(code).split()).replace("-", "").upper()


def matching_counter(secret: str, code: str, *, for_time: float | None = None) -> int | None:
    """The time step whose code this is (within one step of now), or None."""
    code = clean_code(code)
    if len(code) != DIGITS or not code.isdigit():
        return None
    kwargs: dict[str, Any] = {"valid_window": VALID_WINDOW}
    if for_time is not None:
        kwargs["for_time"] = for_time
    try:
        return totp(secret).verify_and_get_timecode(code, **kwargs)
    except pyotp.exceptions.OTPVerificationError:
        return None


def provisioning_uri(secret: str, username: str) -> str:
    return totp(secret).provisioning_uri(name=username, issuer_name=settings.TEPAT_MFA_ISSUER)


def qr_svg(uri: str) -> str:
    """The enrolment QR code as inline SVG (offline: no image service, no script)."""
    return segno.make(uri, error="m").svg_inline(scale=5, dark="#111", light="#fff",
                                                 omitsize=False)


def grouped(secret: str) -> str:
    """The secret in groups of four, for typing it into an app by hand."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


# --- recovery codes ----------------------------------------------------------------------------


def new_recovery_codes(count: int = RECOVERY_CODES) -> list[str]:
    """Codes like 'K7QF-M2XD' (40 bits each): shown once, stored only hashed."""
    codes = []
    for _i in range(count):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _j in range(8))
        codes.append(f"{raw[:4]}-{raw[4:]}")
    return codes


def hash_recovery_code(code: str, salt: str | None = None) -> str:
    """A salted SHA-256 of the cleaned code. Each code is random (40 bits) and used once, so a
    fast hash is enough; the salt stops one table serving every user."""
    salt = salt or secrets.token_hex(8)
    digest = hashlib.sha256(f"{salt}:{clean_code(code)}".encode()).hexdigest()
    return f"sha256${salt}${digest}"


def recovery_code_matches(code: str, stored: str) -> bool:
    _algorithm, salt, _digest = stored.split("$", 2)
    return hmac.compare_digest(hash_recovery_code(code, salt), stored)


def looks_like_recovery_code(code: str) -> bool:
    cleaned = clean_code(code)
    return len(cleaned) == 8 and not cleaned.isdigit()
