"""A request-body size limit enforced before any route parses the body.

Checking `Content-Length` alone misses chunked uploads, so the body is read
here (at most the limit) and handed on from memory. An oversize body is read
to its end before the 413 goes out (up to a drain cap): a client that is still
sending when the server answers and closes would see a broken connection
instead of the clear error.
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# The lifecycle takes bodies up to 100,000 characters; plain text of that length plus the other fields fits.
MAX_REQUEST_BYTES = 128 * 1024
DRAIN_CAP_BYTES = 16 * 1024 * 1024
METHODS_WITH_BODY = frozenset({"POST", "PUT", "PATCH"})


class BodySizeLimit:
    """ASGI middleware: answer 413 for a body over `max_bytes`, whatever its framing."""

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_REQUEST_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in METHODS_WITH_BODY:
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await _drain(receive, declared)
            await self._too_large(send, f"request body is {declared} bytes")
            return
        body = await _read_up_to(receive, self.max_bytes)
        if body is None:
            await self._too_large(send, "request body is larger")
            return
        await self.app(scope, _replay(body, receive), send)

    async def _too_large(self, send: Send, what: str) -> None:
        payload = json.dumps({"detail": f"{what}; the limit is {self.max_bytes} bytes"}).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": payload})


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _read_up_to(receive: Receive, limit: int) -> bytes | None:
    """The whole body if it fits in `limit` bytes; None if not (the rest read and dropped, up to the cap)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks)  # the client went away; the route sees what arrived
        chunk = message.get("body", b"")
        more = message.get("more_body", False)
        size += len(chunk)
        if size > limit:
            if more:  # draining after the last chunk would wait for a body that never comes
                await _drain(receive, DRAIN_CAP_BYTES)
            return None
        chunks.append(chunk)
        if not more:
            return b"".join(chunks)


async def _drain(receive: Receive, cap: int) -> None:
    """Read and drop the rest of the body, up to `cap` bytes."""
    seen = 0
    while seen <= min(cap, DRAIN_CAP_BYTES):
        message = await receive()
        if message["type"] != "http.request":
            return
        seen += len(message.get("body", b""))
        if not message.get("more_body", False):
            return


def _replay(body: bytes, receive: Receive) -> Receive:
    """A `receive` that yields the buffered body once, then defers to the real one (for disconnects)."""
    delivered = False

    async def replay() -> Message:
        nonlocal delivered
        if delivered:
            return await receive()
        delivered = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay
