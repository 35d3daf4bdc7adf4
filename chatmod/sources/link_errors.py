"""Provides what a broken WebSocket link is called, for the status line and logs."""

from __future__ import annotations

import errno
import socket
import ssl

from websockets.exceptions import ConnectionClosed

__all__ = ["closed_reason", "connect_reason"]


def closed_reason(error: ConnectionClosed) -> str:
    """Why an open link closed: the code the server sent, or that it went silent or away."""
    if error.rcvd is not None:
        code = error.rcvd.code
        if code == 1013:
            return "the server is busy (close code 1013, try again later)"
        return f"connection lost (close code {code})"
    if error.sent is not None and error.sent.code == 1011 and "ping" in error.sent.reason:
        return "the link went silent (no answer to keepalive pings)"
    return "connection lost (close code 1006)"


def connect_reason(error: Exception) -> str:
    """Why a connection could not be made, in the words a person would look for: a wrong port,
    a misspelt host, a certificate."""
    if isinstance(error, ConnectionRefusedError) or getattr(error, "errno", None) == errno.ECONNREFUSED:
        return "connection refused (nothing listens there: is the port right?)"
    if isinstance(error, socket.gaierror):
        return f"no such host ({error.strerror or error}): is the name spelt right?"
    if isinstance(error, ssl.SSLCertVerificationError):
        return f"TLS failed: the server's certificate is not trusted ({error.verify_message or error})"
    if isinstance(error, ssl.SSLError):
        return f"TLS failed ({error.reason or error})"
    if isinstance(error, TimeoutError):
        return "no answer (timed out)"
    return f"cannot connect: {error}" if str(error) else f"cannot connect: {type(error).__name__}"
