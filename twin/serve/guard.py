"""The door of the page: read-only methods, the access token, and a strict content policy.

- Only GET and HEAD are served (405 otherwise): nothing on the page can change the
  model or the files.
- With a token, a request without it gets 401.  The token is accepted as
  ``?token=...`` (the link an operator is given; the answer then sets a cookie, so
  the page's own requests, pictures and event stream carry it), as that cookie, or
  as ``Authorization: Bearer ...``.
- Every answer forbids loading anything from another origin (Content-Security-Policy
  ``default-src 'self'``): the page works offline, and a browser would refuse (and
  report) an asset from a CDN.
"""

from __future__ import annotations

import hmac
from http.cookies import SimpleCookie
from urllib.parse import parse_qs

COOKIE = "twin_token"
CSP = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; connect-src 'self'; font-src 'self'; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'; form-action 'none'"
)
_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
]


class Guard:
    """ASGI middleware around the application (see the module docstring)."""

    def __init__(self, app, token: str | None = None):
        self.app = app
        self.token = token or None

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["method"] not in ("GET", "HEAD"):
            await _plain(send, 405, b"read-only: GET and HEAD only\n", [(b"allow", b"GET, HEAD")])
            return
        set_cookie = False
        if self.token is not None:
            given, from_query = _token_of(scope)
            if given is None or not hmac.compare_digest(given.encode(), self.token.encode()):
                await _plain(send, 401, b"401: this page needs its access token\n",
                             [(b"www-authenticate", b'Bearer realm="twin"')])  # fmt: skip
                return
            set_cookie = from_query

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", [])) + _HEADERS
                if set_cookie:
                    value = f"{COOKIE}={self.token}; Path=/; HttpOnly; SameSite=Strict"
                    headers.append((b"set-cookie", value.encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _token_of(scope) -> tuple[str | None, bool]:
    """(the token a request carries, whether it came in the query string)."""
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    if query.get("token"):
        return query["token"][0], True
    for name, value in scope.get("headers", []):
        if name == b"authorization":
            kind, _, cred = value.decode("latin-1").partition(" ")
            if kind.lower() == "bearer":
                return cred.strip(), False
        elif name == b"cookie":
            jar = SimpleCookie()
            jar.load(value.decode("latin-1"))
            if COOKIE in jar:
                return jar[COOKIE].value, False
    return None, False


async def _plain(send, status: int, body: bytes, extra=()) -> None:
    headers = [(b"content-type", b"text/plain; charset=utf-8"),
               (b"content-length", str(len(body)).encode()), *_HEADERS, *extra]  # fmt: skip
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
