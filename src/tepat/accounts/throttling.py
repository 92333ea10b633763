"""Sign-in throttling: django-axes with Tepat's rule and Tepat's idea of the client address.

The rule (docs/authz.md, "Sign-in throttling"): a user name is locked *from one address* after
`AXES_FAILURE_LIMIT` failures there (the pair); an address with `TEPAT_LOGIN_ADDRESS_LIMIT`
failures over all names, or a name with `TEPAT_LOGIN_USERNAME_LIMIT` failures over all
addresses, is "under attack": from then on every pair of it that has failed once is locked
too. A name that never failed from an address is never locked there, so nobody can lock
a colleague out by guessing made-up names from the office's shared address, nor a user out by
guessing their name from elsewhere; a guesser gets one try per name (or per address) once over
the wide limit. Counts cover the cool-off window (`AXES_COOLOFF_TIME`).
"""

from __future__ import annotations

import functools
import logging

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest

from tepat.lib.client_ip import client_address

log = logging.getLogger(__name__)

# Set on the request when a pair is locked only because its address or name is under attack
# (the lockout page then says so rather than "N failures").
WIDE_LOCK_ATTR = "tepat_wide_lock"


def client_ip(request: HttpRequest) -> str:
    """The client's address (AXES_CLIENT_IP_CALLABLE): see tepat.lib.client_ip."""
    peer = request.META.get("REMOTE_ADDR", "")
    forwarded = request.META.get(settings.TEPAT_PROXY_HEADER, "")
    address = client_address(peer, forwarded, settings.TEPAT_TRUSTED_PROXIES)
    if forwarded and address == peer and not settings.TEPAT_TRUSTED_PROXIES:
        _warn_once_of_untrusted_proxy(peer)
    return address


@functools.cache
def _warn_once_of_untrusted_proxy(peer: str) -> None:
    """Behind nginx without TEPAT_TRUSTED_PROXIES every client is nginx (once per process and
    peer: a client that sends the header itself can add one line, not fill the log)."""
    log.warning("A forwarded client address came from %s, which is not a trusted proxy: behind "
                "a reverse proxy set TEPAT_TRUSTED_PROXIES (docs/operations.md)", peer)


def _failures(request: HttpRequest, **match: str | None) -> int:
    """Failed sign-ins that match (user name and/or address) within the cool-off window."""
    recent = AccessAttempt.objects.filter(attempt_time__gte=get_cool_off_threshold(request))
    return recent.filter(**match).aggregate(n=Sum("failures_since_start"))["n"] or 0


def _under_attack(request: HttpRequest, username: str | None, address: str) -> bool:
    return (
        _failures(request, ip_address=address) >= settings.TEPAT_LOGIN_ADDRESS_LIMIT
        or _failures(request, username=username) >= settings.TEPAT_LOGIN_USERNAME_LIMIT
    )


class PairThrottleHandler(AxesDatabaseHandler):
    """Axes' database handler; only the count that decides a lock-out differs (see above).

    AXES_LOCKOUT_PARAMETERS is the pair, so that axes records, resets on success and reports
    per (user name, address); this count adds the wide limits on top."""

    def get_failures(self, request, credentials: dict | None = None) -> int:
        username = get_client_username(request, credentials)
        address = request.axes_ip_address
        pair = _failures(request, username=username, ip_address=address)
        limit = get_failure_limit(request, credentials)
        if pair == 0 or pair >= limit or not _under_attack(request, username, address):
            return pair
        setattr(request, WIDE_LOCK_ATTR, True)
        return limit
