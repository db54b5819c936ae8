"""E-mail intake: a new message opens a ticket, a reply lands on its ticket as a customer reply.

Threading, in order: a stored Message-ID named by the reply's In-Reply-To or
References (the customer's own earlier mail, or the desk's acknowledgement);
else a ticket tag `[#123]` in the subject, honoured only when the sender is
that ticket's customer (a tag is easy to guess, a Message-ID is not). A reply
to a closed ticket opens a follow-up ticket in the same queue.

Each message is imported in its own transaction together with its ticket
change, its `ticket_messages` row (Message-ID unique, so a message seen twice
is a no-op) and its attachments; a message that cannot be read (broken MIME,
text in no decodable charset) raises `MailError`, stores nothing, and is moved
aside by `poll` while the rest of the batch goes on. Text is decoded strictly:
GB2312 and GBK labels are read as GB18030 (their superset, which is what
senders really write), but bytes that fit no declared charset are an error,
not silently replaced characters.

Sources: a Maildir folder (processed mail moves to a `done` subfolder, refused
mail to `failed` with the reason in a header) or an IMAP mailbox (processed
mail is marked seen and optionally moved, refused mail moved to `failed`).
New tickets get an acknowledgement through the outbox whose Message-ID is
stored, so the customer's answer to it threads, and whose subject carries the
ticket tag.
"""

from __future__ import annotations

import hashlib
import imaplib
import logging
import mailbox
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from email import errors as email_errors
from email import policy
from email.header import decode_header
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr
from enum import StrEnum
from html.parser import HTMLParser
from pathlib import Path
from typing import Protocol

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from shiftdesk.errors import UserError
from store import messages
from store.db import session_scope
from store.enums import Channel, TicketStatus
from store.org import queue_by_code
from store.people import Contact
from store.schema import Ticket
from tickets import intake, lifecycle
from tickets.channels.smtp import parse_address
from tickets.customer_mail import send_to_customer, ticket_tag
from tickets.notify import Message as Notice

log = logging.getLogger(__name__)

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_THREAD_IDS = 50  # a References header can be long; the newest ids are the ones that match
TAG = re.compile(r"\[#(\d{1,12})\]")
MESSAGE_ID = re.compile(r"<[^<>\s]+>")
# Senders label GBK text "gb2312"; GB18030 reads GB2312 and GBK alike. ASCII labels on 8-bit text are usually UTF-8.
CHARSET_SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "cp936": "gb18030",
                     "euc-cn": "gb18030", "us-ascii": "utf-8", "ascii": "utf-8"}
FATAL_DEFECTS = (email_errors.StartBoundaryNotFoundDefect, email_errors.NoBoundaryInMultipartDefect,
                 email_errors.InvalidBase64LengthDefect)
ROBOT_SENDERS = frozenset({"mailer-daemon", "postmaster", "noreply", "no-reply", "donotreply", "do-not-reply"})
ERROR_HEADER = "X-ShiftDesk-Intake-Error"
ACTOR_LENGTH = 80


class MailError(UserError):
    """This one message cannot be imported; the message says which part and why."""


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    content: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


@dataclass(frozen=True)
class ParsedMail:
    """What intake needs of one message, decoded. `message_id` is derived from the bytes when missing."""

    message_id: str
    in_reply_to: str | None
    references: tuple[str, ...]
    sender_name: str | None
    sender_email: str  # lower case
    recipients: tuple[str, ...]  # lower case: To, Cc, Delivered-To, X-Original-To
    subject: str
    body: str
    attachments: tuple[Attachment, ...]
    not_kept: tuple[str, ...]  # one line per attachment over the size limit
    automatic: bool  # an auto-reply, bounce or list mail: never acknowledged (mail loops)

    def thread_ids(self) -> list[str]:
        """Ids a reply may thread on: In-Reply-To first, then References newest first."""
        ordered = ([self.in_reply_to] if self.in_reply_to else []) + list(reversed(self.references))
        return list(dict.fromkeys(ordered))[:MAX_THREAD_IDS]

    @property
    def author(self) -> str:
        return f"{self.sender_name} <{self.sender_email}>" if self.sender_name else self.sender_email


@dataclass(frozen=True)
class MailSetup:
    """Where new mail goes and who answers it.

    `queues_by_address` maps a desk address (support@, vip@) to a queue code;
    mail to none of them goes to `default_queue`. `desk_address` is the From of
    acknowledgements (the SMTP sender); None sends none. `classify` may fill a
    new ticket's category/priority from subject and body (the text classifier's
    hook, e.g. `classifier_labels`); None keeps the desk defaults. Only category and priority
    are taken: the queue follows the address the mail was sent to.
    """

    default_queue: str
    queues_by_address: Mapping[str, str] = field(default_factory=dict)
    desk_address: str | None = None
    max_attachment_bytes: int = MAX_ATTACHMENT_BYTES
    classify: Callable[[Session, str, str], Mapping[str, str]] | None = None

    def queue_for(self, recipients: Sequence[str]) -> str:
        by_address = {address.lower(): queue for address, queue in self.queues_by_address.items()}
        return next((by_address[r] for r in recipients if r in by_address), self.default_queue)


class Outcome(StrEnum):
    CREATED = "created"
    REPLIED = "replied"
    DUPLICATE = "duplicate"


@dataclass(frozen=True)
class Imported:
    outcome: Outcome
    ticket_id: int
    message_id: str
    follow_up_of: int | None = None


# --- parsing ----------------------------------------------------------------------------


def parse_mail(raw: bytes, max_attachment_bytes: int = MAX_ATTACHMENT_BYTES) -> ParsedMail:
    """Decode one RFC 5322 message; raises MailError naming the header or part that cannot be read."""
    try:
        message = BytesParser(policy=policy.default).parsebytes(raw)
        assert isinstance(message, EmailMessage)
        _refuse_broken_mime(message)
        sender_name, sender_email = _sender(message)
        body_part = message.get_body(preferencelist=("plain", "html"))
        attachments, not_kept = _attachments(message, body_part, max_attachment_bytes)
        references = tuple(MESSAGE_ID.findall(_header(message, "References")))
        return ParsedMail(
            message_id=_message_id(message, raw),
            in_reply_to=next(iter(MESSAGE_ID.findall(_header(message, "In-Reply-To"))), None),
            references=references,
            sender_name=sender_name,
            sender_email=sender_email,
            recipients=_recipients(message),
            subject=_header(message, "Subject"),
            body=_body_text(body_part) if body_part is not None else "",
            attachments=attachments,
            not_kept=not_kept,
            automatic=_is_automatic(message, sender_email),
        )
    except MailError:
        raise
    except (ValueError, LookupError, TypeError, IndexError, AttributeError, email_errors.MessageError) as exc:
        raise MailError(f"unreadable message: {type(exc).__name__}: {exc}") from None


def _refuse_broken_mime(message: EmailMessage) -> None:
    for part in message.walk():
        for defect in part.defects:
            if isinstance(defect, FATAL_DEFECTS):
                what = (type(defect).__doc__ or type(defect).__name__).strip().rstrip(".")
                raise MailError(f"broken MIME in the {part.get_content_type()} part: {what}")


def _header(message: Message, name: str) -> str:
    """The first `name` header, encoded words decoded strictly ('' when absent)."""
    raw = next((value for key, value in message.raw_items() if key.lower() == name.lower()), None)
    return decode_words(str(raw), name) if raw is not None else ""


def decode_words(value: str, what: str) -> str:
    """RFC 2047 encoded words (=?UTF-8?B?...?=, =?GB2312?B?...?=) and raw 8-bit text, to str."""
    unfolded = re.sub(r"\r?\n(?=[ \t])", "", value)
    text = []
    for chunk, charset in decode_header(unfolded):
        if isinstance(chunk, str):
            text.append(_raw_8bit(chunk, what))
        elif charset is None:
            text.append(_raw_8bit(chunk.decode("raw-unicode-escape"), what))
        else:
            text.append(_decode(chunk, charset, what))
    return "".join(text).strip()


def _raw_8bit(text: str, what: str) -> str:
    """Header text the parser kept as surrogate escapes (unencoded 8-bit): UTF-8, else GB18030."""
    if not any("\udc80" <= ch <= "\udcff" for ch in text):
        return text
    data = text.encode("utf-8", "surrogateescape")
    for codec in ("utf-8", "gb18030"):
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            continue
    raise MailError(f"{what}: raw 8-bit text in no known charset")


def _decode(data: bytes, charset: str, what: str) -> str:
    declared = charset.lower()
    codec = CHARSET_SUPERSETS.get(declared, declared)
    try:
        return data.decode(codec)
    except LookupError:
        raise MailError(f"{what}: unknown charset '{charset}'") from None
    except UnicodeDecodeError as exc:
        raise MailError(f"{what}: not valid {charset} text (bytes {data[exc.start:exc.start + 4]!r} "
                        f"at offset {exc.start})") from None


def _sender(message: Message) -> tuple[str | None, str]:
    name, address = parseaddr(_header(message, "From"))
    if "@" not in address:
        raise MailError("From: no sender address")
    return (name.strip() or None), address.strip().lower()


def _recipients(message: Message) -> tuple[str, ...]:
    values = [_header(message, name) for name in ("To", "Cc", "Delivered-To", "X-Original-To")]
    return tuple(dict.fromkeys(address.lower() for _name, address in getaddresses(values) if "@" in address))


def _message_id(message: Message, raw: bytes) -> str:
    found = MESSAGE_ID.findall(_header(message, "Message-ID"))
    if found and len(found[0]) <= 300:
        return found[0]
    return f"<{hashlib.sha256(raw).hexdigest()[:40]}@intake.shiftdesk.invalid>"


def _is_automatic(message: Message, sender_email: str) -> bool:
    auto = _header(message, "Auto-Submitted").lower()
    precedence = _header(message, "Precedence").lower()
    return ((bool(auto) and auto != "no") or precedence in {"bulk", "junk", "list"}
            or sender_email.split("@")[0] in ROBOT_SENDERS)


def _body_text(part: Message) -> str:
    text = _decode(part.get_payload(decode=True) or b"", part.get_content_charset() or "us-ascii",
                   f"{part.get_content_type()} body")
    text = text.replace("\r\n", "\n")
    return html_to_text(text) if part.get_content_type() == "text/html" else text.strip()


def _attachments(message: EmailMessage, body_part: Message | None,
                 limit: int) -> tuple[tuple[Attachment, ...], tuple[str, ...]]:
    kept: list[Attachment] = []
    not_kept: list[str] = []
    for part in message.walk():
        if part.is_multipart() or part is body_part:
            continue
        filename = part.get_filename()
        if filename is None and part.get_content_maintype() == "text" and not part.is_attachment():
            continue  # the other half of a text/plain + text/html alternative
        name = _safe_filename(filename, len(kept) + len(not_kept) + 1)
        content = part.get_payload(decode=True) or b""
        if len(content) > limit:
            not_kept.append(f"[attachment '{name}' ({len(content) / 1e6:.1f} MB) not kept: "
                            f"over the {limit / 1e6:.0f} MB limit]")
            continue
        kept.append(Attachment(name, part.get_content_type()[:120], content))
    return tuple(kept), tuple(not_kept)


def _safe_filename(filename: str | None, number: int) -> str:
    """The sender's file name without any path (it names a file, never a place), or a numbered one."""
    base = re.split(r"[\\/]", filename or "")[-1].strip()
    return (base or f"attachment-{number}")[:255]


class _HtmlText(HTMLParser):
    BLOCKS = frozenset({"p", "div", "br", "li", "tr", "table", "ul", "ol", "blockquote", "pre", "hr",
                        "h1", "h2", "h3", "h4", "h5", "h6"})
    HIDDEN = frozenset({"script", "style", "head", "title"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.HIDDEN:
            self._hidden += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN:
            self._hidden = max(0, self._hidden - 1)
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """Readable text of an HTML mail: tags and scripts gone, blocks on their own lines, entities decoded."""
    parser = _HtmlText()
    parser.feed(html)
    parser.close()
    lines = [" ".join(line.split()) for line in "".join(parser.parts).splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


# --- importing --------------------------------------------------------------------------


def check_setup(session: Session, setup: MailSetup) -> None:
    """Refuse a mapping to an unknown queue up front: otherwise every message would fail on it."""
    for code in {setup.default_queue, *setup.queues_by_address.values()}:
        queue_by_code(session, code)
    if setup.desk_address is not None:
        try:
            parse_address(setup.desk_address)
        except ValueError as exc:
            raise UserError(f"desk address {setup.desk_address!r}: {exc}") from None


def import_mail(session: Session, mail: ParsedMail, setup: MailSetup, now: datetime) -> Imported:
    """Store one message on its ticket (new or threaded) in the caller's transaction."""
    seen = messages.ticket_of_message(session, mail.message_id)
    if seen is not None:
        return Imported(Outcome.DUPLICATE, seen, mail.message_id)
    actor = lifecycle.Actor(f"email:{mail.sender_email}"[:ACTOR_LENGTH])
    target = _thread_target(session, mail)
    if target is not None and target.status is not TicketStatus.CLOSED:
        lifecycle.customer_reply(session, target.id, _ticket_text(mail, reply=True), actor, now)
        _keep(session, target.id, mail, now)
        return Imported(Outcome.REPLIED, target.id, mail.message_id)
    queue = target.queue.code if target is not None else setup.queue_for(mail.recipients)
    ticket = _open_ticket(session, mail, queue, setup, actor, now)
    if target is not None:
        lifecycle.add_note(session, ticket.id, f"Follow-up of closed ticket #{target.id}: the customer replied "
                                               f"to it by e-mail.", actor, now)
    _keep(session, ticket.id, mail, now)
    _acknowledge(session, ticket, mail, setup, now)
    return Imported(Outcome.CREATED, ticket.id, mail.message_id, target.id if target is not None else None)


def _thread_target(session: Session, mail: ParsedMail) -> Ticket | None:
    by_header = messages.ticket_threaded_by(session, mail.thread_ids())
    if by_header is not None:
        return messages.find_ticket(session, by_header)
    tag = TAG.search(mail.subject)
    if tag is None:
        return None
    tagged = messages.find_ticket(session, int(tag[1]))
    if tagged is None or (tagged.customer_email or "").lower() != mail.sender_email:
        return None  # a guessed or foreign tag opens a new ticket rather than writing into someone else's
    return tagged


def classifier_labels(session: Session, subject: str, body: str) -> dict[str, str]:
    """The trained classifier's labels that it is sure of (`needs_triage` False); unsure ones are left to a person.

    Imported here, not at the top: scikit-learn takes seconds to load and only a poller that classifies needs it.
    """
    from tickets.classify_service import suggest

    return {target: p.label for target, p in suggest(session, subject, body).items() if not p.needs_triage}


def _open_ticket(session: Session, mail: ParsedMail, queue: str, setup: MailSetup, actor: lifecycle.Actor,
                 now: datetime) -> Ticket:
    subject = (mail.subject or "(no subject)")[:lifecycle.MAX_SUBJECT]
    text = _ticket_text(mail, reply=False)
    suggested = dict(setup.classify(session, subject, text)) if setup.classify is not None else {}
    new = lifecycle.NewTicket(queue=queue, subject=subject, body=text, channel=Channel.EMAIL.value,
                              customer_name=mail.sender_name, customer_email=mail.sender_email,
                              **{k: v for k, v in suggested.items() if k in {"category", "priority"}})
    return intake.open_ticket(session, new, actor, now, classify=False).ticket


def _ticket_text(mail: ParsedMail, *, reply: bool) -> str:
    """The text the ticket shows: the body (cut to the lifecycle's limit), and notes on attachments not kept."""
    notes = "\n".join(mail.not_kept)
    text = "\n\n".join(part for part in (mail.body, notes) if part)
    if not text and reply:
        names = ", ".join(a.filename for a in mail.attachments)
        text = f"(no text; attachments: {names})" if names else "(no text)"
    if len(text) > lifecycle.MAX_BODY:
        marker = "\n… (cut here; the whole message is kept with the ticket's messages)"
        text = text[:lifecycle.MAX_BODY - len(marker)] + marker
    return text


def _keep(session: Session, ticket_id: int, mail: ParsedMail, now: datetime) -> None:
    """The message as it travelled (for threading and the full text) and its attachments."""
    stored = messages.add_message(
        session, ticket_id=ticket_id, direction="in", channel=Channel.EMAIL, message_id=mail.message_id,
        in_reply_to=mail.in_reply_to, author=mail.author[:200], subject=mail.subject[:300],
        body="\n\n".join(part for part in (mail.body, *mail.not_kept) if part), now=now,
    )
    for attachment in mail.attachments:
        messages.add_attachment(session, ticket_id=ticket_id, message_id=stored.id, filename=attachment.filename,
                                content_type=attachment.content_type, content=attachment.content,
                                sha256=attachment.sha256, now=now)


def _acknowledge(session: Session, ticket: Ticket, mail: ParsedMail, setup: MailSetup,
                 now: datetime) -> None:
    """Queue a receipt to the customer; its Message-ID is stored so their answer to it threads."""
    if setup.desk_address is None or mail.automatic or mail.sender_email == setup.desk_address.lower():
        return
    subject = f"{ticket_tag(ticket.id)} {ticket.subject}"[:300]
    body = (f"We have received your message and opened ticket #{ticket.id}.\n"
            f"Reply to this e-mail to add to it, keeping {ticket_tag(ticket.id)} in the subject.")
    notice = Notice(key=f"mail-ack:{ticket.id}", subject=subject, body=body, ticket_id=ticket.id)
    contact = Contact(name=mail.sender_name or mail.sender_email, employee_id=None, user_id=None,
                      email=mail.sender_email, phone=None)
    send_to_customer(session, ticket, notice, contact, setup.desk_address, mail.message_id, now)


# --- sources and the polling loop -----------------------------------------------------------


class MailSource(Protocol):
    """Where raw messages come from, and where they go once handled."""

    def pending(self) -> Iterator[tuple[str, bytes]]: ...

    def processed(self, key: str, raw: bytes) -> None: ...

    def failed(self, key: str, raw: bytes, reason: str) -> None: ...


def annotated(raw: bytes, reason: str) -> bytes:
    """The message with the reason it was refused as its first header (one ASCII line)."""
    line = " ".join(reason.encode("ascii", "backslashreplace").decode("ascii").split())[:900]
    return f"{ERROR_HEADER}: {line}\r\n".encode("ascii") + raw


class MaildirSource:
    """A Maildir folder: handled mail moves to its `done` subfolder, refused mail to `failed`."""

    def __init__(self, path: Path, done_folder: str = "done", failed_folder: str = "failed") -> None:
        if not (path / "new").is_dir() or not (path / "cur").is_dir():
            raise UserError(f"{path} is not a Maildir (it needs new/ and cur/ folders)")
        self.box = mailbox.Maildir(path, factory=None, create=False)
        self.done_folder = done_folder
        self.failed_folder = failed_folder

    def pending(self) -> Iterator[tuple[str, bytes]]:
        """Messages in new/ and cur/, oldest first, so a reply delivered with its original comes after it."""
        for key in sorted(self.box.iterkeys(), key=_delivery_order):
            yield key, self.box.get_bytes(key)

    def processed(self, key: str, raw: bytes) -> None:
        self._move(key, raw, self.done_folder)

    def failed(self, key: str, raw: bytes, reason: str) -> None:
        self._move(key, annotated(raw, reason), self.failed_folder)

    def _move(self, key: str, raw: bytes, folder: str) -> None:
        # Copy first, then remove: a crash in between leaves a copy that the Message-ID check skips.
        self.box.add_folder(folder).add(raw)
        self.box.discard(key)


def _delivery_order(key: str) -> list[int | str]:
    """Maildir names read "<seconds>.M<microseconds>P<pid>Q<n>.<host>": compare the numbers as numbers."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", key)]


class ImapSource:
    """An IMAP mailbox: unseen mail is pending; handled mail is marked seen (and moved to `done_folder`
    when given); refused mail is moved to `failed_folder` with the reason added."""

    def __init__(self, connection: imaplib.IMAP4, done_folder: str | None, failed_folder: str) -> None:
        self.connection = connection
        self.done_folder = done_folder
        self.failed_folder = failed_folder

    @classmethod
    @contextmanager
    def connect(cls, host: str, port: int, user: str, password: str, *, use_ssl: bool = True,
                mailbox_name: str = "INBOX", done_folder: str | None = None, failed_folder: str = "failed",
                timeout_s: float = 30) -> Iterator[ImapSource]:
        try:
            connection = (imaplib.IMAP4_SSL(host, port, timeout=timeout_s) if use_ssl
                          else imaplib.IMAP4(host, port, timeout=timeout_s))
        except OSError as exc:
            raise UserError(f"cannot reach IMAP server {host}:{port}: {exc}") from None
        try:
            _ok(connection.login(user, password), f"IMAP login as {user}")
            _ok(connection.select(_quoted(mailbox_name)), f"IMAP mailbox {mailbox_name}")
            yield cls(connection, done_folder, failed_folder)
            connection.expunge()
        except imaplib.IMAP4.error as exc:
            raise UserError(f"IMAP {host}:{port}: {exc}") from None
        finally:
            try:
                connection.logout()
            except (imaplib.IMAP4.error, OSError):
                pass  # already gone; nothing left to release

    def pending(self) -> Iterator[tuple[str, bytes]]:
        answer = _ok(self.connection.uid("SEARCH", "UNSEEN"), "IMAP search")
        for uid in answer[0].split():
            fetched = _ok(self.connection.uid("FETCH", uid, "(BODY.PEEK[])"), f"IMAP fetch {uid!r}")
            raw = next((item[1] for item in fetched if isinstance(item, tuple)), None)
            if raw is not None:
                yield uid.decode(), raw

    def processed(self, key: str, raw: bytes) -> None:
        _ok(self.connection.uid("STORE", key, "+FLAGS", "(\\Seen)"), f"IMAP mark {key} seen")
        if self.done_folder:
            self._ensure(self.done_folder)
            _ok(self.connection.uid("COPY", key, _quoted(self.done_folder)), f"IMAP copy {key}")
            self._delete(key)

    def failed(self, key: str, raw: bytes, reason: str) -> None:
        self._ensure(self.failed_folder)
        _ok(self.connection.append(_quoted(self.failed_folder), None, None, annotated(raw, reason)),
            f"IMAP append to {self.failed_folder}")
        self._delete(key)

    def _ensure(self, folder: str) -> None:
        self.connection.create(_quoted(folder))  # "already exists" is a NO answer, and fine

    def _delete(self, key: str) -> None:
        _ok(self.connection.uid("STORE", key, "+FLAGS", "(\\Deleted)"), f"IMAP delete {key}")


def _ok(answer: tuple[str, list[object]], what: str) -> list[object]:
    status, data = answer
    if status != "OK":
        raise UserError(f"{what} refused: {data!r}")
    return data


def _quoted(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass
class PollReport:
    created: int = 0
    replied: int = 0
    duplicates: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)  # (source key, reason)


def poll(session_factory: sessionmaker[Session], source: MailSource, setup: MailSetup,
         clock: Callable[[], datetime], *, limit: int | None = None) -> PollReport:
    """Import pending mail one message per transaction; a refused message is moved aside, the rest go on.

    A message is moved out of the pending set only after its transaction
    committed, so a crash in between re-reads it next time, and the stored
    Message-ID makes that a no-op.
    """
    report = PollReport()
    with session_scope(session_factory) as session:
        check_setup(session, setup)
    for count, (key, raw) in enumerate(source.pending()):
        if limit is not None and count >= limit:
            break
        try:
            imported = _import_raw(session_factory, raw, setup, clock)
        except UserError as exc:
            log.warning("mail %s refused: %s", key, exc)
            source.failed(key, raw, str(exc))
            report.failed.append((key, str(exc)))
            continue
        source.processed(key, raw)
        match imported.outcome:
            case Outcome.CREATED:
                report.created += 1
            case Outcome.REPLIED:
                report.replied += 1
            case Outcome.DUPLICATE:
                report.duplicates += 1
    return report


def _import_raw(session_factory: sessionmaker[Session], raw: bytes, setup: MailSetup,
                clock: Callable[[], datetime]) -> Imported:
    mail = parse_mail(raw, setup.max_attachment_bytes)
    try:
        with session_scope(session_factory) as session:
            return import_mail(session, mail, setup, clock())
    except IntegrityError:
        # Another poller stored the same Message-ID first: this run sees it as a duplicate.
        with session_scope(session_factory) as session:
            return import_mail(session, mail, setup, clock())
