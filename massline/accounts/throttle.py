"""The address django-axes throttles logins by, kept only as a keyed hash.

Axes stores the address of every failed login in a column of IP-address type. We hand it a
pseudonym instead: an HMAC of the real address under the secret key, written as an IPv6
address, so lockouts still work per address while a seized database holds no addresses.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest
from django.utils.crypto import salted_hmac

_SALT = "massline.accounts.throttle.client_address"


def real_address(request: HttpRequest) -> str:
    """The client's address: behind our HTTPS proxy, the one the proxy appended last."""
    if settings.HTTPS:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-1]
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def client_address(request: HttpRequest) -> str:
    """A stable pseudonym of the client's address, shaped as an IPv6 address."""
    digest = salted_hmac(_SALT, real_address(request), algorithm="sha256").digest()
    return str(ipaddress.IPv6Address(digest[:16]))
