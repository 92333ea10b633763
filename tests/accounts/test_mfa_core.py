"""The two-factor building blocks: encrypted secrets, TOTP time steps, hashed recovery codes."""

from __future__ import annotations

import time

import pyotp
import pytest

from tepat.accounts import mfa


def test_a_secret_is_stored_encrypted_and_comes_back_unchanged(settings):
    secret = mfa.new_secret()
    token = mfa.encrypt(secret)
    assert secret not in token and token.startswith("v1$")
    assert mfa.decrypt(token) == secret
    assert mfa.encrypt(secret) != token  # a fresh nonce each time


def test_an_altered_secret_or_another_key_is_refused(settings):
    token = mfa.encrypt(mfa.new_secret())
    body = bytearray(token.encode())
    body[10] = ord("A") if body[10] != ord("A") else ord("B")
    with pytest.raises(ValueError):
        mfa.decrypt(body.decode())
    settings.TEPAT_MFA_KEY = "another key"
    with pytest.raises(ValueError):
        mfa.decrypt(token)


def test_codes_of_the_step_before_and_after_are_accepted_but_not_two_steps_away():
    secret = mfa.new_secret()
    now = time.time()
    step = int(now) // 30
    totp = pyotp.TOTP(secret)
    assert mfa.matching_counter(secret, totp.at(now), for_time=now) == step
    assert mfa.matching_counter(secret, totp.at(now, counter_offset=1), for_time=now) == step + 1
    assert mfa.matching_counter(secret, totp.at(now, counter_offset=-1), for_time=now) == step - 1
    assert mfa.matching_counter(secret, totp.at(now, counter_offset=2), for_time=now) is None
    assert mfa.matching_counter(secret, "12345", for_time=now) is None
    assert mfa.matching_counter(secret, " " + totp.at(now)[:3] + " " + totp.at(now)[3:],
                                for_time=now) == step  # spaces typed between the digits


def test_recovery_codes_are_hashed_with_a_salt_and_match_only_themselves():
    codes = mfa.new_recovery_codes()
    assert len(codes) == 10 and len(set(codes)) == 10
    stored = [mfa.hash_recovery_code(code) for code in codes]
    assert not any(code in s or code.replace("-", "") in s for code in codes for s in stored)
    assert mfa.recovery_code_matches(codes[0].lower().replace("-", " "), stored[0])
    assert not mfa.recovery_code_matches(codes[1], stored[0])
    assert mfa.hash_recovery_code(codes[0]) != stored[0]  # salted


def test_the_qr_code_is_inline_svg_with_the_otpauth_uri():
    uri = mfa.provisioning_uri("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", "admin")
    assert uri.startswith("otpauth://totp/") and "secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP" in uri
    svg = mfa.qr_svg(uri)
    assert svg.startswith("<svg") and "http" not in svg.replace("http://www.w3.org", "")
