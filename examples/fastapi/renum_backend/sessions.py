"""Signed session cookies: `<user>.<expiry>.<HMAC-SHA256>`, the kind any web framework issues."""

import base64
import hashlib
import hmac
import time

COOKIE = "renum_session"
TTL_SECONDS = 12 * 3600


def _mac(secret: str, payload: str) -> str:
    digest = hmac.new(secret.encode(), payload.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def issue(secret: str, user: str, now: float | None = None) -> str:
    expiry = int((now or time.time()) + TTL_SECONDS)
    user_b64 = base64.urlsafe_b64encode(user.encode()).decode().rstrip("=")
    payload = f"{user_b64}.{expiry}"
    return f"{payload}.{_mac(secret, payload)}"


def user_of(secret: str, cookie: str | None, now: float | None = None) -> str | None:
    """The user a cookie names, or None when it is missing, forged or expired."""
    if not cookie or cookie.count(".") != 2:
        return None
    user_b64, expiry, mac = cookie.split(".")
    if not hmac.compare_digest(mac, _mac(secret, f"{user_b64}.{expiry}")):
        return None
    if not expiry.isdigit() or int(expiry) < (now or time.time()):
        return None
    return base64.urlsafe_b64decode(user_b64 + "=" * (-len(user_b64) % 4)).decode()
