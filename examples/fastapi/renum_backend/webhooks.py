"""Standard Webhooks verification (https://www.standardwebhooks.com): what a receiver must check.

The signature is `v1,` + base64(HMAC-SHA256(key, f"{id}.{timestamp}.{body}")), where key is the
base64-decoded part of the `whsec_` secret. A request is genuine when one of the space-separated
signatures matches and its timestamp is within the tolerance (against replays).
"""

import base64
import hashlib
import hmac
import time
from collections import OrderedDict

TOLERANCE_SECONDS = 5 * 60


class WebhookError(Exception):
    """Why a request is refused; `str(error)` is safe to return to the sender."""


def secret_key(secret: str) -> bytes:
    if not secret.startswith("whsec_"):
        raise ValueError("webhook secret must start with whsec_")
    return base64.b64decode(secret.removeprefix("whsec_"))


def sign(key: bytes, msg_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{msg_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def verify(key: bytes, headers, body: bytes, now: float | None = None) -> str:
    """Checks one delivery; returns its webhook-id, or raises WebhookError."""
    msg_id = headers.get("webhook-id")
    timestamp = headers.get("webhook-timestamp")
    signatures = headers.get("webhook-signature")
    if not msg_id or not timestamp or not signatures:
        raise WebhookError("missing webhook-id, webhook-timestamp or webhook-signature")
    if not timestamp.isdigit():
        raise WebhookError("webhook-timestamp is not Unix seconds")
    if abs((now or time.time()) - int(timestamp)) > TOLERANCE_SECONDS:
        raise WebhookError("webhook-timestamp is outside the 5 minute tolerance")
    expected = sign(key, msg_id, int(timestamp), body)
    if not any(hmac.compare_digest(candidate, expected) for candidate in signatures.split(" ")):
        raise WebhookError("no valid signature")
    return msg_id


class SeenIds:
    """The last ids applied: the gateway delivers at least once, so a retry must change nothing."""

    def __init__(self, capacity: int = 100_000) -> None:
        self._ids: OrderedDict[str, None] = OrderedDict()
        self._capacity = capacity

    def first_time(self, msg_id: str) -> bool:
        if msg_id in self._ids:
            return False
        self._ids[msg_id] = None
        if len(self._ids) > self._capacity:
            self._ids.popitem(last=False)
        return True
