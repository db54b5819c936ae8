"""The body limit at the ASGI level, where the framing is chosen exactly (over HTTP the socket decides it)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from api.limits import BodySizeLimit

LIMIT = 1000


def exchange(chunks: list[tuple[bytes, bool]], headers: list[tuple[bytes, bytes]] | None = None) -> dict[str, Any]:
    """Run one POST through the middleware; returns the status, the body the app saw, and receives left unread."""
    queue = [{"type": "http.request", "body": body, "more_body": more} for body, more in chunks]
    seen: dict[str, Any] = {"status": None, "app_body": None, "extra_receives": 0}

    async def receive() -> dict[str, Any]:
        if queue:
            return queue.pop(0)
        seen["extra_receives"] += 1
        raise AssertionError("the middleware waited for body that was never coming")

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            seen["status"] = message["status"]

    async def app(scope: dict[str, Any], receive_: Any, send_: Any) -> None:
        message = await receive_()
        seen["app_body"] = message["body"]
        await send_({"type": "http.response.start", "status": 200, "headers": []})
        await send_({"type": "http.response.body", "body": b"{}"})

    scope = {"type": "http", "method": "POST", "headers": headers or []}
    asyncio.run(BodySizeLimit(app, LIMIT)(scope, receive, send))
    return seen


def test_a_body_within_the_limit_reaches_the_app_whole_in_one_piece() -> None:
    seen = exchange([(b"a" * 600, True), (b"b" * 400, False)])
    assert seen["status"] == 200 and seen["app_body"] == b"a" * 600 + b"b" * 400


@pytest.mark.parametrize("chunks", [
    [(b"x" * 1001, False)],  # everything arrived at once: crossing the limit in the last piece must not wait
    [(b"x" * 600, True), (b"x" * 600, False)],
    [(b"x" * 600, True), (b"x" * 600, True), (b"x" * 10, False)],  # the rest is read and dropped
])
def test_over_the_limit_is_413_without_reaching_the_app(chunks: list[tuple[bytes, bool]]) -> None:
    seen = exchange(chunks)
    assert (seen["status"], seen["app_body"], seen["extra_receives"]) == (413, None, 0)


def test_a_declared_length_over_the_limit_is_refused_before_reading_it_into_memory() -> None:
    seen = exchange([(b"x" * 2000, False)], headers=[(b"content-length", b"2000")])
    assert seen["status"] == 413 and seen["app_body"] is None


def test_the_413_names_the_limit() -> None:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"x" * 5000, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    async def app(*_args: Any) -> None:
        raise AssertionError("not reached")

    scope = {"type": "http", "method": "POST", "headers": [(b"content-length", b"5000")]}
    asyncio.run(BodySizeLimit(app, LIMIT)(scope, receive, send))
    assert json.loads(sent[1]["body"]) == {"detail": "request body is 5000 bytes; the limit is 1000 bytes"}
