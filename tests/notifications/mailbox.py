"""A local SMTP server (aiosmtpd) that keeps what it receives, for the e-mail tests."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from flask import Flask


class Mailbox:
    """The messages the local SMTP server received, parsed."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        """Keep the message (aiosmtpd's handler hook)."""
        self.messages.append(message_from_bytes(envelope.content, policy=default))
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        """Return the messages sent to `address`."""
        return [m for m in self.messages if m["To"] == address]

    def wait(self, count: int = 1, seconds: float = 3.0) -> None:
        """Wait until `count` messages arrived (the server runs in its own thread)."""
        end = time.monotonic() + seconds
        while len(self.messages) < count and time.monotonic() < end:
            time.sleep(0.02)


def free_port() -> int:
    """Return a TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(name="mailbox")
def mailbox_fixture(app: Flask) -> Iterator[Mailbox]:
    """A local SMTP server, and the app's mail settings pointing at it (mail enabled)."""
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    app.config.update(MAIL_ENABLED=True, MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port,
                      MAIL_FROM="wflow@example.test")  # fmt: skip
    try:
        yield box
    finally:
        controller.stop()
