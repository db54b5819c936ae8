"""The API served by a real uvicorn on a free loopback port, over a fresh small desk.

`served` starts `create_app(factory, clock)` in uvicorn (its own event loop,
in a background thread) on a socket bound to port 0, so parallel test
workers never collide; tests talk to it over HTTP with httpx. The desk is
`tests.desk_factory.build_small_desk` (queues tech_email, vip, escalations)
with one integration whose token is `served.token`.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import httpx
import pytest
import uvicorn
from sqlalchemy.orm import Session, sessionmaker

from api.app import create_app
from api.tokens import issue_token
from store.db import session_scope
from tests.desk_factory import build_small_desk, local

NOW = local(2026, 11, 26, 10, 0)  # Thursday, working hours in Shanghai
LOOPBACK = "127.0.0.1"


class UvicornThread:
    """uvicorn serving one app on an already-bound socket; stops when told."""

    def __init__(self, app: object) -> None:
        self._socket = socket.create_server((LOOPBACK, 0))
        self.port = self._socket.getsockname()[1]
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False))
        self._thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self._socket]},
                                        name=f"uvicorn-{self.port}", daemon=True)

    def start(self) -> UvicornThread:
        self._thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                pytest.fail(f"uvicorn did not start on port {self.port}")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self._thread.join(15)
        self._socket.close()


@dataclass
class Served:
    """A running API: its base URL, a client, the integration token, the database and the clock's instant."""

    base_url: str
    client: httpx.Client
    token: str
    factory: sessionmaker[Session]
    now: datetime

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def post(self, path: str, **kwargs: object) -> httpx.Response:
        headers = {**self.auth, **kwargs.pop("headers", {})}  # type: ignore[dict-item]
        return self.client.post(f"/api/v1{path}", headers=headers, **kwargs)  # type: ignore[arg-type]

    def get(self, path: str) -> httpx.Response:
        return self.client.get(f"/api/v1{path}", headers=self.auth)


@pytest.fixture
def served(factory: sessionmaker[Session]) -> Iterator[Served]:
    with session_scope(factory) as session:
        build_small_desk(session, NOW)
        token = issue_token(session, "shop", NOW)
    server = UvicornThread(create_app(factory, lambda: NOW)).start()
    base_url = f"http://{LOOPBACK}:{server.port}"
    with httpx.Client(base_url=base_url, timeout=30) as client:
        yield Served(base_url, client, token, factory, NOW)
    server.stop()
