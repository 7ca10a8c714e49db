"""Start the page: check the address, bind the port, run uvicorn until interrupted."""

from __future__ import annotations

import errno
import ipaddress
import re
import socket

from twin.errors import InputError

__all__ = ["serve", "bind", "is_loopback"]

_TOKEN = re.compile(r"[A-Za-z0-9._~-]{12,}")


def is_loopback(host: str) -> bool:
    """True when ``host`` is a loopback name or address (127.0.0.0/8, ::1, localhost)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_access(host: str, token: str | None) -> None:
    """Refuse a bind beyond this machine without a token, and a token a URL cannot carry."""
    if token is not None and not _TOKEN.fullmatch(token):
        raise InputError(
            "must be at least 12 characters of A-Z a-z 0-9 . _ ~ - "
            "(e.g. python -c 'import secrets; print(secrets.token_urlsafe())')",
            field="--token",
        )
    if not is_loopback(host) and token is None:
        raise InputError(
            f"binding {host} opens the page to the network: give --token (requests "
            "without it get 401), or bind 127.0.0.1",
            field="--host",
        )


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` (port 0: a free one), or an InputError."""
    try:
        infos = socket.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise InputError(f"cannot resolve {host!r} ({exc.strerror})", field="--host") from None
    family, _, _, _, address = infos[0]
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
        sock.listen(128)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise InputError(
                f"port {port} on {host} is in use (another twin serve?): choose --port",
                field="--port",
            ) from None
        raise InputError(f"cannot listen on {host}:{port} ({exc.strerror})",
                         field="--host") from None  # fmt: skip
    return sock


def url_of(sock: socket.socket, host: str) -> str:
    port = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host and not host.startswith("[") else host
    return f"http://{shown}:{port}/"


def serve(board, sock: socket.socket, *, token: str | None = None, poll_s: float = 0.5) -> None:
    """Serve ``board`` on the bound ``sock`` until SIGINT/SIGTERM."""
    import uvicorn

    from twin.serve.app import create_app

    app = create_app(board, token=token, poll_s=poll_s)
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on",
                            timeout_graceful_shutdown=2, ws="none")  # fmt: skip
    server = uvicorn.Server(config)
    try:
        server.run(sockets=[sock])
    finally:
        board.close()
        sock.close()
