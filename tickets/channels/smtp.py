"""E-mail over SMTP with smtplib: one MIME message per notification, connections reused per batch.

Each message carries a `Message-ID` derived from its idempotency key (and the
`X-ShiftDesk-Idempotency-Key` header), so a re-send after a lost reply has the
same id and a mail system or reader can drop the duplicate.

How failures are classified (transient = retry later):

| failure | kind | why |
|---|---|---|
| malformed or non-ASCII recipient address, bad key | permanent | the message is wrong |
| recipient or message refused with 5xx | permanent | the server will refuse it again |
| any 4xx reply (greylisting 451, mailbox busy 450) | transient | the server asks to retry |
| connection refused, timeout, dropped connection | transient | the server may come back |
| greeting, STARTTLS, login or sender refused | transient | the desk's setup is wrong, not the message |

Subjects and bodies are UTF-8 (Chinese survives); the body goes out base64 or
quoted-printable as `email` chooses, so no 8BITMIME support is needed.
Addresses must be ASCII (internationalised domains as punycode), because
SMTPUTF8 is not offered by every server.
"""

from __future__ import annotations

import hashlib
import smtplib
import ssl
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

from tickets.channels.base import (
    EMAIL,
    ChannelConfigError,
    DeliveryError,
    DeliveryResult,
    OutgoingMessage,
    check_key,
    deliver_one,
)
from tickets.validation import as_utc

IDEMPOTENCY_HEADER = "X-ShiftDesk-Idempotency-Key"


def parse_address(value: str) -> Address:
    """One bare ASCII address `local@domain`; raises ValueError saying what is wrong."""
    if not isinstance(value, str) or not value.isascii():
        raise ValueError("address must be ASCII (write an internationalised domain as punycode)")
    if any(ch.isspace() for ch in value) or value.count("@") != 1:
        raise ValueError("address must be exactly local@domain, no spaces or display name")
    try:
        address = Address(addr_spec=value)
    except (ValueError, IndexError, HeaderParseError) as exc:
        raise ValueError(f"not an e-mail address: {exc}") from None
    if not address.username or not address.domain:
        raise ValueError("address needs a local part and a domain")
    return address


def message_id(idempotency_key: str, domain: str) -> str:
    """A Message-ID that is the same every time the same key is sent from the same domain.

    The key itself may hold characters a Message-ID cannot (`:`), so it is
    hashed; 128 bits keep the header short enough not to be folded.
    """
    digest = hashlib.sha256(idempotency_key.encode("utf-8")).hexdigest()[:32]
    return f"<{digest}@{domain}>"


class EmailSender:
    """Sends notifications through one SMTP server (plain, or STARTTLS and login when configured)."""

    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        timeout_s: float = 10,
        *,
        starttls: bool = False,
        tls_context: ssl.SSLContext | None = None,
        username: str | None = None,
        password: str | None = None,
        connections: int = 4,
    ) -> None:
        _check_config(host, port, timeout_s, connections, username, password)
        try:
            self._sender = parse_address(sender)
        except ValueError as exc:
            raise ChannelConfigError(f"SMTP sender {sender!r}: {exc}") from None
        self.host = host
        self.port = port
        self.timeout_s = timeout_s
        self.starttls = starttls
        self.tls_context = tls_context
        self.username = username
        self.password = password
        self.connections = connections

    @property
    def sender(self) -> str:
        return self._sender.addr_spec

    def compose(self, message: OutgoingMessage, *, now: datetime) -> EmailMessage:
        """The MIME message for `message`; raises a permanent DeliveryError if it cannot be built."""
        check_key(message)
        try:
            recipient = parse_address(message.recipient)
        except ValueError as exc:
            raise DeliveryError(EMAIL, str(message.recipient), str(exc), transient=False) from None
        mail = EmailMessage()
        mail["From"] = self._sender
        mail["To"] = recipient
        mail["Subject"] = " ".join(message.subject.splitlines())  # a newline would end the header
        mail["Date"] = format_datetime(as_utc(now, "now"))
        mail["Message-ID"] = message_id(message.idempotency_key, self._sender.domain)
        mail[IDEMPOTENCY_HEADER] = message.idempotency_key
        mail.set_content(message.body)
        return mail

    def send(self, message: OutgoingMessage, *, now: datetime) -> None:
        """Send one message on a connection of its own; raises DeliveryError."""
        (result,) = self.send_many([message], now=now)
        if result.error is not None:
            raise result.error

    def send_many(self, messages: Sequence[OutgoingMessage], *, now: datetime) -> list[DeliveryResult]:
        """Send in order over one connection, opening a new one if the server drops it."""
        now = as_utc(now, "now")  # a naive `now` is the caller's bug: raise, not one failure per message
        connection = _Connection(self)
        try:
            return [deliver_one(lambda m: connection.transmit(self.compose(m, now=now)), m) for m in messages]
        finally:
            connection.close()

    def send_batch(self, messages: Sequence[OutgoingMessage], *, now: datetime) -> list[DeliveryResult]:
        """Spread the messages over up to `connections` parallel connections; results in input order."""
        size = -(-len(messages) // self.connections)  # ceiling: contiguous runs keep the input order
        runs = [messages[start:start + size] for start in range(0, len(messages), size or 1)]
        if len(runs) <= 1:
            return self.send_many(messages, now=now)
        with ThreadPoolExecutor(max_workers=len(runs), thread_name_prefix="smtp") as pool:
            parts = list(pool.map(lambda run: self.send_many(run, now=now), runs))
        return [result for part in parts for result in part]

    def close(self) -> None:
        """Connections live only for one batch; nothing is held between batches."""

    def open_smtp(self) -> smtplib.SMTP:
        """A ready connection (greeted, STARTTLS and login done); smtplib/OS errors propagate."""
        smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout_s)
        try:
            if self.starttls:
                smtp.starttls(context=self.tls_context or ssl.create_default_context())
            if self.username is not None and self.password is not None:
                smtp.login(self.username, self.password)
        except BaseException:
            smtp.close()
            raise
        return smtp


class _Connection:
    """A lazily opened SMTP connection for one run of messages.

    If connecting fails, the rest of the run is failed at once with the same
    (transient) reason instead of waiting for a connect timeout per message.
    """

    def __init__(self, owner: EmailSender) -> None:
        self._owner = owner
        self._smtp: smtplib.SMTP | None = None
        self._unreachable: str | None = None

    def transmit(self, mail: EmailMessage) -> None:
        recipient = mail["To"].addresses[0].addr_spec
        smtp = self._open(recipient)
        try:
            smtp.send_message(mail, from_addr=self._owner.sender, to_addrs=[recipient])
        except (smtplib.SMTPException, OSError) as exc:
            if smtp.sock is None or isinstance(exc, (smtplib.SMTPServerDisconnected, OSError)):
                self.close()  # reconnect for the next message
            raise _delivery_error(exc, recipient) from exc

    def _open(self, recipient: str) -> smtplib.SMTP:
        if self._smtp is not None:
            return self._smtp
        where = f"{self._owner.host}:{self._owner.port}"
        if self._unreachable is not None:
            raise DeliveryError(EMAIL, recipient, f"not tried: {where} failed earlier in this batch "
                                f"({self._unreachable})", transient=True)
        try:
            self._smtp = self._owner.open_smtp()
        except (smtplib.SMTPException, OSError) as exc:
            self._unreachable = _describe(exc)
            raise DeliveryError(EMAIL, recipient, f"cannot use SMTP server {where}: {self._unreachable}",
                                transient=True) from exc
        return self._smtp

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()


def _delivery_error(exc: Exception, recipient: str) -> DeliveryError:
    """Classify a failure while sending one message (see the table in the module docstring)."""
    reason = _describe(exc)
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        return DeliveryError(EMAIL, recipient, reason, transient=any(code < 500 for code in codes))
    if isinstance(exc, smtplib.SMTPDataError):
        return DeliveryError(EMAIL, recipient, reason, transient=exc.smtp_code < 500)
    return DeliveryError(EMAIL, recipient, reason, transient=True)


def _describe(exc: Exception) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(f"recipient refused: {code} {_text(reply)}" for code, reply in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{type(exc).__name__}: {exc.smtp_code} {_text(exc.smtp_error)}"
    return f"{type(exc).__name__}: {exc}"


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply


def _check_config(host: str, port: int, timeout_s: float, connections: int,
                  username: str | None, password: str | None) -> None:
    if not isinstance(host, str) or not host.strip():
        raise ChannelConfigError("SMTP host is empty (SHIFTDESK_SMTP_HOST)")
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        raise ChannelConfigError(f"SMTP port {port!r} is not a TCP port 1-65535 (SHIFTDESK_SMTP_PORT)")
    if not timeout_s > 0:
        raise ChannelConfigError(f"SMTP timeout must be positive seconds, got {timeout_s!r}")
    if isinstance(connections, bool) or not isinstance(connections, int) or connections < 1:
        raise ChannelConfigError(f"SMTP connections per batch must be at least 1, got {connections!r}")
    if (username is None) != (password is None):
        raise ChannelConfigError("SMTP login needs both a username and a password")
