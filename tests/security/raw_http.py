"""Raw HTTP over a socket: for truncated bodies, lying Content-Length, slow headers and
other requests an HTTP library refuses to send."""

from __future__ import annotations

import socket
import time


def connect(port: int, timeout: float = 30) -> socket.socket:
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def read_response(s: socket.socket, timeout: float = 30) -> tuple[int, bytes]:
    """(status, whole raw response) of one Connection: close style reply (reads to EOF or
    until a full Content-Length body arrived)."""
    s.settimeout(timeout)
    data = b""
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            chunk = s.recv(65536)
        except (ConnectionResetError, socket.timeout):
            break
        if not chunk:
            break
        data += chunk
        head, sep, body = data.partition(b"\r\n\r\n")
        if sep:
            for line in head.split(b"\r\n")[1:]:
                k, _, v = line.partition(b":")
                if k.strip().lower() == b"content-length" and len(body) >= int(v):
                    return int(data.split(b" ", 2)[1]), data
    if not data:
        return 0, b""
    return int(data.split(b" ", 2)[1]), data


def raw_request(port: int, payload: bytes, half_close: bool = False, timeout: float = 30) -> tuple[int, bytes]:
    with connect(port, timeout) as s:
        s.sendall(payload)
        if half_close:
            s.shutdown(socket.SHUT_WR)
        return read_response(s, timeout)


def post_bytes(path: str, body: bytes, content_type: str = "application/json", extra: str = "",
               content_length: int | None = None) -> bytes:
    n = len(body) if content_length is None else content_length
    head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: {n}\r\n{extra}Connection: close\r\n\r\n")
    return head.encode() + body
