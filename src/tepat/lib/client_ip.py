"""The client's address behind trusted reverse proxies (pure: no Django).

Each proxy appends the address it received the request from to X-Forwarded-For, so the header
reads `client, proxy1, proxy2` and the peer (REMOTE_ADDR) is the last proxy. Anything left of
the first address we did not write ourselves may be made up by the client, so we read the header
from the right and stop at the first address that is not one of our proxies: that is the client.
A request whose peer is not a trusted proxy is answered by its peer; its header is ignored.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def _parse(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _trusted(address: str, proxies: Sequence[IPNetwork]) -> bool:
    parsed = _parse(address)
    return parsed is not None and any(parsed in network for network in proxies)


def client_address(remote_addr: str, forwarded_for: str, proxies: Sequence[IPNetwork]) -> str:
    """The right-most address of `forwarded_for` that is not a trusted proxy, when the peer
    `remote_addr` is one; otherwise `remote_addr`. A malformed entry in the header is taken
    as the client's own (a proxy never writes one), so it stops the walk at the proxy before."""
    if not _trusted(remote_addr, proxies):
        return remote_addr
    hop = remote_addr
    for entry in reversed([e.strip() for e in forwarded_for.split(",") if e.strip()]):
        if _parse(entry) is None:
            return hop
        hop = entry
        if not _trusted(entry, proxies):
            return entry
    return hop
