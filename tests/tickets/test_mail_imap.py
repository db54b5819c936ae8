"""The IMAP source through the standard library's imaplib over a real loopback socket.

No IMAP server package is installed on these machines (Dovecot would need
system set-up), so `ImapTestServer` speaks the small part of IMAP4rev1 that
intake uses, byte-exactly as RFC 3501 writes it: LOGIN, SELECT, UID
SEARCH/FETCH/STORE/COPY, CREATE, APPEND with a literal, EXPUNGE, LOGOUT.
It keeps its mailboxes in memory so a test can see what was moved where.
"""

from __future__ import annotations

import re
import socketserver
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from shiftdesk.errors import UserError
from store.db import make_engine, make_session_factory, session_scope
from store.schema import Ticket
from tests.desk_factory import build_small_desk, local
from tickets.mail_intake import ERROR_HEADER, ImapSource, MailSetup, poll

NOW = local(2026, 11, 26, 10, 0)
USER, PASSWORD = "desk@desk.test", "s3cret pass"


@dataclass
class StoredMail:
    uid: int
    raw: bytes
    flags: set[str] = field(default_factory=set)


class ImapTestServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _ImapHandler)
        self.port = self.server_address[1]
        self.boxes: dict[str, list[StoredMail]] = {"INBOX": []}
        self.next_uid = 1
        self.lock = threading.Lock()

    def deliver(self, raw: bytes, box: str = "INBOX", flags: set[str] | None = None) -> None:
        with self.lock:
            self.boxes.setdefault(box, []).append(StoredMail(self.next_uid, raw, set(flags or ())))
            self.next_uid += 1


class _ImapHandler(socketserver.StreamRequestHandler):
    server: ImapTestServer

    def handle(self) -> None:
        self.selected: str | None = None
        self.send(b"* OK [CAPABILITY IMAP4rev1] test server ready")
        while line := self.rfile.readline():
            tag, _, rest = line.rstrip(b"\r\n").partition(b" ")
            literal = re.search(rb"\{(\d+)\}$", rest)
            if literal:  # APPEND: ask for the message, then read exactly that many bytes and the line's end
                self.send(b"+ go ahead")
                data = self.rfile.read(int(literal[1]))
                self.rfile.readline()
                rest = rest[:literal.start()].rstrip()
            else:
                data = b""
            words = _words(rest.decode())
            if not self.answer(tag, words, data):
                return

    def send(self, line: bytes) -> None:
        self.wfile.write(line + b"\r\n")

    def answer(self, tag: bytes, words: list[str], data: bytes) -> bool:
        command = words[0].upper()
        done = tag + b" OK " + command.encode() + b" completed"
        with self.server.lock:
            boxes = self.server.boxes
            match command:
                case "CAPABILITY":
                    self.send(b"* CAPABILITY IMAP4rev1")
                case "LOGIN":
                    if words[1:] != [USER, PASSWORD]:
                        self.send(tag + b" NO [AUTHENTICATIONFAILED] wrong user or password")
                        return True
                case "SELECT":
                    self.selected = words[1]
                    self.send(f"* {len(boxes.get(self.selected, []))} EXISTS".encode())
                    self.send(b"* OK [UIDVALIDITY 1] ok")
                case "CREATE":
                    if words[1] in boxes:
                        self.send(tag + b" NO [ALREADYEXISTS] mailbox exists")
                        return True
                    boxes[words[1]] = []
                case "APPEND":
                    boxes[words[1]].append(StoredMail(self.server.next_uid, data))
                    self.server.next_uid += 1
                case "UID":
                    self.uid_command(words[1].upper(), words[2:], boxes[self.selected or "INBOX"])
                case "EXPUNGE":
                    box = boxes[self.selected or "INBOX"]
                    box[:] = [m for m in box if "\\Deleted" not in m.flags]
                case "LOGOUT":
                    self.send(b"* BYE see you")
                    self.send(done)
                    return False
                case _:
                    self.send(tag + b" BAD unknown command")
                    return True
        self.send(done)
        return True

    def uid_command(self, command: str, args: list[str], box: list[StoredMail]) -> None:
        by_uid = {str(m.uid): m for m in box}
        match command:
            case "SEARCH":
                unseen = [str(m.uid) for m in box if "\\Seen" not in m.flags]
                self.send(("* SEARCH " + " ".join(unseen)).rstrip().encode())
            case "FETCH":
                mail = by_uid[args[0]]
                self.wfile.write(f"* 1 FETCH (UID {mail.uid} BODY[] {{{len(mail.raw)}}}\r\n".encode() + mail.raw
                                 + b")\r\n")
            case "STORE":
                by_uid[args[0]].flags |= set(args[2].strip("()").split())
            case "COPY":
                mail = by_uid[args[0]]
                self.server.boxes[args[1]].append(StoredMail(self.server.next_uid, mail.raw))
                self.server.next_uid += 1


def _words(text: str) -> list[str]:
    """Atoms, "quoted strings" (unescaped) and (parenthesised lists) as single words."""
    return [q.replace('\\"', '"').replace("\\\\", "\\") if q else other
            for q, other in re.findall(r'"((?:[^"\\]|\\.)*)"|(\([^)]*\)|[^\s()]+)', text)]


@pytest.fixture
def imap_server() -> Iterator[ImapTestServer]:
    server = ImapTestServer()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def sqlite_factory(sqlite_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(sqlite_url)
    yield make_session_factory(engine)
    engine.dispose()


def message(subject: str, msgid: str) -> bytes:
    mail = EmailMessage()
    mail["From"] = "Zhao Lei <zhao.lei@example.com>"
    mail["To"] = "support@desk.test"
    mail["Subject"] = subject
    mail["Message-ID"] = msgid
    mail.set_content("请帮忙看看。")
    return mail.as_bytes()


def test_imap_mail_is_imported_marked_seen_moved_and_a_broken_one_set_aside(
    imap_server: ImapTestServer, sqlite_factory
) -> None:
    with session_scope(sqlite_factory) as session:
        build_small_desk(session, NOW)
    imap_server.deliver(message("发票抬头错误", "<i1@example.com>"))
    imap_server.deliver(message("already read by a person", "<i0@example.com>"), flags={"\\Seen"})
    imap_server.deliver(b"From: x@example.com\r\nContent-Type: multipart/mixed; boundary=gone\r\n\r\nno parts\r\n")
    setup = MailSetup(default_queue="tech_email")

    with ImapSource.connect("127.0.0.1", imap_server.port, USER, PASSWORD, use_ssl=False,
                            done_folder="done") as source:
        report = poll(sqlite_factory, source, setup, lambda: NOW)

    assert (report.created, len(report.failed)) == (1, 1)
    with sqlite_factory() as session:
        assert session.scalars(select(Ticket.subject)).all() == ["发票抬头错误"]
    boxes = imap_server.boxes
    assert [m.raw for m in boxes["INBOX"]] == [message("already read by a person", "<i0@example.com>")]
    assert len(boxes["done"]) == 1 and b"<i1@example.com>" in boxes["done"][0].raw
    (failed,) = boxes["failed"]
    assert failed.raw.startswith(f"{ERROR_HEADER}: broken MIME in the multipart/mixed part".encode())

    with ImapSource.connect("127.0.0.1", imap_server.port, USER, PASSWORD, use_ssl=False) as source:
        assert poll(sqlite_factory, source, setup, lambda: NOW).created == 0  # nothing unseen is left


def test_a_wrong_imap_password_is_one_clear_error(imap_server: ImapTestServer) -> None:
    with pytest.raises(UserError, match=r"^IMAP 127\.0\.0\.1:\d+: .*wrong user or password"):
        with ImapSource.connect("127.0.0.1", imap_server.port, USER, "nope", use_ssl=False):
            pass
