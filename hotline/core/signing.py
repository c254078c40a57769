r"""Signed requests between systems, with a shared secret.

Inbound (the PBX's events, the 12345 platform's requests) and outbound to the 12345 platform:
``X-Timestamp`` (Unix seconds, perhaps with a fraction) and ``X-Signature`` = hex HMAC-SHA256 under the secret of

    "<METHOD>\n<path>\n<X-Timestamp>\n" + <raw body>

where the path is the request's path as sent (with the query string, if any), e.g.
``POST\n/api/v1/gov12345/cases/C-1/urges\n1764040502\n{"urge_id": …}``. A signature therefore holds
for one method, one path and one body only. Inbound, a timestamp more than ``MAX_SKEW_SECONDS`` from our
clock is refused, and so is a signature seen before (``SeenSignature``, in the database so that every
app server agrees): a captured request cannot be replayed, to the same path or another. A client signs
every attempt anew; the timestamp may have a fraction (``1764040502.125``, as ours have) so that the
same request sent twice within a second is signed differently. Checking an inbound request (the seen
signatures, the user a system acts as, the API's ``SignatureAuth``) is ``hotline.org.signing``'s.

Outbound to the SMS gateway the gateway's own scheme is kept (``sign``: timestamp and body, no method
or path; ``hotline.notify.gateways``)."""

import hashlib
import hmac
import re
import time

MAX_SKEW_SECONDS = 300  # a signed request older or newer than this is refused (replay window)
_TIMESTAMP = re.compile(r"[0-9]{1,12}(\.[0-9]{1,6})?")  # Unix seconds, perhaps with a fraction


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The SMS gateway's signature: timestamp and body only (its scheme, not ours)."""
    return hmac.new(secret.encode(), timestamp.encode() + b"\n" + body, hashlib.sha256).hexdigest()


def sign_request(secret: str, method: str, path: str, timestamp: str, body: bytes) -> str:
    message = f"{method.upper()}\n{path}\n{timestamp}\n".encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signed_headers(secret: str, body: bytes, *, method: str, path: str, now: float | None = None) -> dict[str, str]:
    """``X-Timestamp`` and ``X-Signature`` for a request of ``method`` to ``path`` with ``body``."""
    timestamp = f"{now if now is not None else time.time():.3f}"
    return {"X-Timestamp": timestamp, "X-Signature": sign_request(secret, method, path, timestamp, body)}


def verify(secret: str, timestamp: str, signature: str, body: bytes, *, method: str, path: str,
           now: float | None = None) -> bool:
    """The signature is right and its timestamp within the window (whether it was seen before is
    ``remember``'s business)."""
    if not secret or not timestamp or not signature or not _TIMESTAMP.fullmatch(timestamp):
        return False
    skew = abs((now if now is not None else time.time()) - float(timestamp))
    return skew <= MAX_SKEW_SECONDS and hmac.compare_digest(
        sign_request(secret, method, path, timestamp, body), signature.lower())
