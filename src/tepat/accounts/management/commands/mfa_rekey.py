"""`tepat mfa_rekey`: encrypt every stored TOTP secret under the current TEPAT_MFA_KEY now."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from tepat.accounts.services import reencrypt_mfa_secrets


class Command(BaseCommand):
    help = ("Enkripsi ulang rahasia TOTP dengan TEPAT_MFA_KEY sekarang / re-encrypt the TOTP "
            "secrets under the current TEPAT_MFA_KEY (after a rotation; then the fallbacks can go)")

    def handle(self, *args, **options):
        result = reencrypt_mfa_secrets()
        self.stdout.write(f"{result.re_encrypted} dienkripsi ulang / re-encrypted, "
                          f"{result.already_current} sudah dengan kunci sekarang / already current")
        if result.unreadable:
            self.stderr.write(
                f"{len(result.unreadable)} tidak terbaca dengan kunci mana pun / unreadable with "
                f"any key (reset their two-factor): {', '.join(result.unreadable)}")
