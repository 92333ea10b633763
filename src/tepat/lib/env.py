"""Typed reading of settings from the environment that fails loudly on a bad value."""

from __future__ import annotations

import ipaddress
import os
import secrets
from pathlib import Path

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class SettingError(RuntimeError):
    pass


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None:
        raise SettingError(f"{name} must be set")
    return value


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise SettingError(f"{name}={raw!r} is not a boolean (use true/false, 1/0, yes/no, on/off)")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingError(f"{name}={raw!r} is not an integer") from None
    if minimum is not None and value < minimum:
        raise SettingError(f"{name}={raw!r} must be at least {minimum}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_networks(name: str, default: list[str]) -> list[IPNetwork]:
    """Comma-separated IP addresses or CIDR blocks (`10.0.0.5, 192.168.0.0/24, ::1`)."""
    networks = []
    for item in env_list(name, default):
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise SettingError(
                f"{name}: {item!r} is not an IP address or network (e.g. 10.0.0.5, 10.0.0.0/24)"
            ) from None
    return networks


def env_header(name: str, default: str) -> str:
    """An HTTP header name (`X-Forwarded-For`) as its key in request.META (HTTP_X_FORWARDED_FOR)."""
    raw = env_str(name, default).strip()
    if not raw or not all(c.isalnum() or c == "-" for c in raw):
        raise SettingError(f"{name}={raw!r} is not an HTTP header name (e.g. X-Forwarded-For)")
    return "HTTP_" + raw.upper().replace("-", "_")


def stored_key(path: Path) -> str:
    """A random key kept in the file `path`, made the first time (readable by the owner only).

    Several processes may start at once: the key is written to a file of its own and linked
    into place, so every process reads the same complete key."""
    try:
        return _read_key(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as out:
        out.write(secrets.token_urlsafe(48) + "\n")
    try:
        os.link(draft, path)  # fails if another process was first: its key wins
    except FileExistsError:
        pass
    finally:
        draft.unlink()
    return _read_key(path)


def _read_key(path: Path) -> str:
    key = path.read_text().strip()
    if len(key) < 32:
        raise SettingError(f"{path} holds no key of at least 32 characters")
    return key
