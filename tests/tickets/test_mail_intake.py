"""E-mail intake from a real Maildir with real MIME messages, on SQLite and PostgreSQL.

The messages are built with the `email` package as mail clients send them:
a Chinese subject in encoded words with a PDF attached, GBK text labelled
GB2312, an HTML-only newsletter-style mail, a broken multipart, an
undecodable body; then replies threaded by In-Reply-To, by the desk's own
acknowledgement (delivered through a real SMTP server, so the threaded id is
the one that really went out), by a subject tag, and a foreign tag.
"""

from __future__ import annotations

import base64
import hashlib
import mailbox
import os
import subprocess
from email.message import EmailMessage
from email.utils import make_msgid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from shiftdesk.auth import CurrentUser
from store.db import make_engine, make_session_factory, session_scope
from store.enums import Role
from store.messages import attachments_of
from store.schema import Notification, Ticket, TicketMessage
from tests.conftest import REPO_ROOT
from tests.desk_factory import build_small_desk, local
from tests.tickets.conftest import SmtpTestServer
from tickets import desk_view, lifecycle
from tickets.channels import ChannelRouter
from tickets.delivery import deliver_due
from tickets.mail_intake import ERROR_HEADER, MaildirSource, MailSetup, poll

NOW = local(2026, 11, 26, 10, 0)
DESK = "desk@shiftdesk.example"  # the SMTP sender of the `channel_router` fixture
SETUP = MailSetup(default_queue="tech_email", queues_by_address={"vip@desk.test": "vip"}, desk_address=DESK)
PDF = b"%PDF-1.4\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"
GBK_SUBJECT = "朱镕基同志的账单有误"  # 镕 is in GBK but not in GB2312: a strict GB2312 decoder fails on it
GBK_BODY = "您好：\n我上个月的账单多扣了 30 元，请核实。镕\n谢谢"


def mail(subject: str, body: str = "", *, sender: str = "张三 <zhang.san@example.com>",
         to: str = "support@desk.test", msgid: str | None = None, in_reply_to: str | None = None,
         references: str | None = None) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = msgid or make_msgid(domain="example.com")
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
    if references:
        message["References"] = references
    message.set_content(body or "(see subject)")
    return message


def chinese_with_attachment() -> EmailMessage:
    message = mail("无法登录账户，提示密码错误", "我从昨天开始无法登录，已经重置过密码。", msgid="<m1@example.com>")
    message.add_attachment(PDF, maintype="application", subtype="pdf", filename="截图说明.pdf")
    return message


def gbk_labelled_gb2312() -> bytes:
    """What older Chinese mail clients send: GBK bytes under a GB2312 label, in the subject and the body."""
    subject = "=?GB2312?B?" + base64.b64encode(GBK_SUBJECT.encode("gbk")).decode() + "?="
    body = base64.encodebytes(GBK_BODY.encode("gbk")).decode()
    return ("From: =?GB2312?B?" + base64.b64encode("李四".encode("gbk")).decode() + "?= <li.si@example.cn>\r\n"
            "To: VIP@desk.test\r\n"
            f"Subject: {subject}\r\n"
            "Message-ID: <m2@example.cn>\r\n"
            "MIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=gb2312\r\n"
            "Content-Transfer-Encoding: base64\r\n\r\n" + body).encode("ascii")


def html_only() -> EmailMessage:
    message = EmailMessage()
    message["From"] = "Wang Fang <wang.fang@example.org>"
    message["To"] = "support@desk.test"
    message["Subject"] = "Order 4711 & the refund"
    message["Message-ID"] = "<m3@example.org>"
    message.set_content("<html><head><style>p{color:red}</style></head><body><p>Hello,</p>"
                        "<p>Order&nbsp;4711 was refunded <b>twice</b> &amp; I want to return one.</p>"
                        "<script>track()</script><div>Thanks</div></body></html>", subtype="html")
    return message


def broken_multipart() -> bytes:
    return (b"From: broken@example.com\r\nTo: support@desk.test\r\nSubject: broken\r\n"
            b"Message-ID: <m4@example.com>\r\nMIME-Version: 1.0\r\n"
            b"Content-Type: multipart/mixed; boundary=\"never-there\"\r\n\r\nplain text, no parts\r\n")


def undecodable() -> bytes:
    return (b"From: bad@example.com\r\nTo: support@desk.test\r\nSubject: bad bytes\r\n"
            b"Message-ID: <m5@example.com>\r\nMIME-Version: 1.0\r\n"
            b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
            b"caf\xe9 \xff\xfe\r\n")


@pytest.fixture
def sqlite_factory(sqlite_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(sqlite_url)
    yield make_session_factory(engine)
    engine.dispose()


def maildir(path: Path, *messages: EmailMessage | bytes) -> mailbox.Maildir:
    box = mailbox.Maildir(path, create=True)
    for message in messages:
        box.add(message if isinstance(message, bytes) else message.as_bytes())
    return box


def ticket_of(factory, message_id: str) -> Ticket:
    with factory() as session:
        ticket_id = session.scalar(select(TicketMessage.ticket_id).where(TicketMessage.message_id == message_id))
        assert ticket_id is not None, f"no ticket holds {message_id}"
        ticket = session.get_one(Ticket, ticket_id)
        ticket.events, ticket.queue  # noqa: B018 - loaded while the session is open
        return ticket


def count(factory, model) -> int:
    with factory() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_new_mail_replies_and_refusals_through_a_real_maildir(
    factory, tmp_path: Path, smtp_server: SmtpTestServer, channel_router: ChannelRouter
) -> None:
    with session_scope(factory) as session:
        build_small_desk(session, NOW)
    inbox = tmp_path / "inbox"
    box = maildir(inbox, chinese_with_attachment(), gbk_labelled_gb2312(), html_only(), broken_multipart(),
                  undecodable())

    first = poll(factory, MaildirSource(inbox), SETUP, lambda: NOW)

    assert (first.created, first.replied, first.duplicates) == (3, 0, 0)
    reasons = sorted(reason for _key, reason in first.failed)
    assert len(reasons) == 2
    assert reasons[0].startswith("broken MIME in the multipart/mixed part: The claimed start boundary was never found")
    assert reasons[1] == r"text/plain body: not valid utf-8 text (bytes b'\xe9 \xff\xfe' at offset 3)"
    assert len(box) == 0 and len(box.get_folder("done")) == 3
    refused = [m.as_bytes() for m in box.get_folder("failed")]
    assert len(refused) == 2 and all(raw.startswith(ERROR_HEADER.encode()) for raw in refused)

    chinese = ticket_of(factory, "<m1@example.com>")
    assert chinese.subject == "无法登录账户，提示密码错误" and chinese.body == "我从昨天开始无法登录，已经重置过密码。"
    assert (chinese.queue.code, chinese.channel.value) == ("tech_email", "email")
    assert (chinese.customer_name, chinese.customer_email) == ("张三", "zhang.san@example.com")
    with factory() as session:
        (pdf,) = attachments_of(session, chinese.id)
        assert (pdf.filename, pdf.content_type, pdf.size_bytes) == ("截图说明.pdf", "application/pdf", len(PDF))
        assert pdf.sha256 == hashlib.sha256(PDF).hexdigest() and pdf.content == PDF

    gbk = ticket_of(factory, "<m2@example.cn>")
    assert gbk.subject == GBK_SUBJECT and gbk.body == GBK_BODY and gbk.customer_name == "李四"
    assert gbk.queue.code == "vip"  # routed by the address it was sent to, whatever its case

    html = ticket_of(factory, "<m3@example.org>")
    assert html.subject == "Order 4711 & the refund"
    assert html.body == "Hello,\n\nOrder 4711 was refunded twice & I want to return one.\n\nThanks"

    # The acknowledgements really go out over SMTP, tagged, with the Message-IDs the desk stored.
    assert deliver_due(factory, channel_router, "mail-test", lambda: NOW).delivered == 3
    sent = {m["To"]: m for m in smtp_server.wait_for(3)}
    ack = sent["li.si@example.cn"]
    assert ack["Subject"] == f"[#{gbk.id}] {GBK_SUBJECT}"
    with factory() as session:
        outgoing = session.scalars(select(TicketMessage.message_id).where(
            TicketMessage.ticket_id == gbk.id, TicketMessage.direction == "out")).all()
    assert outgoing == [ack["Message-ID"]]

    with session_scope(factory) as session:
        lifecycle.set_status(session, chinese.id, "solved", lifecycle.Actor("user:li.na"), NOW)
    stranger_tag = mail(f"Re: [#{html.id}] your order", "let me in", sender="mallory@evil.example")
    maildir(inbox,
            mail("Re: 无法登录账户", "可以了，谢谢", in_reply_to="<m1@example.com>", references="<m1@example.com>"),
            mail(f"Re: [#{gbk.id}] {GBK_SUBJECT}", "补充：账号是 8848", sender="li.si@example.cn",
                 in_reply_to=ack["Message-ID"]),
            mail(f"Re: [#{html.id}] Order 4711 & the refund", "Any news?", sender="wang.fang@example.org"),
            stranger_tag,
            chinese_with_attachment())  # delivered twice: the stored Message-ID makes it a no-op

    second = poll(factory, MaildirSource(inbox), SETUP, lambda: NOW)

    assert (second.created, second.replied, second.duplicates, second.failed) == (1, 3, 1, [])
    with factory() as session:
        replies = {ticket_id: [e.data["body"] for e in session.get_one(Ticket, ticket_id).events
                               if e.kind == "customer_reply"] for ticket_id in (chinese.id, gbk.id, html.id)}
        reopened = session.get_one(Ticket, chinese.id).status.value
    assert replies == {chinese.id: ["可以了，谢谢"], gbk.id: ["补充：账号是 8848"], html.id: ["Any news?"]}
    assert reopened == "open"  # a solved ticket opens again when the customer writes
    foreign = ticket_of(factory, stranger_tag["Message-ID"])
    assert foreign.id not in (chinese.id, gbk.id, html.id) and foreign.customer_email == "mallory@evil.example"

    assert poll(factory, MaildirSource(inbox), SETUP, lambda: NOW).created == 0  # nothing left to read
    assert count(factory, Ticket) == 4 and count(factory, Notification) == 4


def test_an_agents_reply_is_mailed_to_the_customer_and_their_answer_threads_back(
    factory, tmp_path: Path, smtp_server: SmtpTestServer, channel_router: ChannelRouter, monkeypatch
) -> None:
    monkeypatch.setenv("SHIFTDESK_SMTP_SENDER", DESK)
    with session_scope(factory) as session:
        desk = build_small_desk(session, NOW)
        phone = lifecycle.create_ticket(session, lifecycle.NewTicket(
            queue="vip", subject="Call back please", channel="phone", customer_email="caller@example.org"),
            lifecycle.Actor("customer"), NOW)[0].id
    inbox = tmp_path / "inbox"
    maildir(inbox, mail("Order 4711", "Where is it?", sender="Wang Fang <wang.fang@example.org>",
                        msgid="<q1@example.org>"))
    poll(factory, MaildirSource(inbox), SETUP, lambda: NOW)
    question = ticket_of(factory, "<q1@example.org>")
    li_na = CurrentUser(desk.users["li.na"], "li.na", "Li Na", Role.AGENT, desk.employees["Li Na"])
    with session_scope(factory) as session:
        desk_view.reply(session, li_na, question.id, "It left the warehouse today.", NOW)
        desk_view.reply(session, li_na, phone, "We called you back.", NOW)  # answered on the phone, not mailed

    assert deliver_due(factory, channel_router, "mail-test", lambda: NOW).delivered == 2  # the receipt, the reply
    sent = [m for m in smtp_server.wait_for(2) if "warehouse" in m.get_content()]
    assert len(sent) == 1 and sent[0]["To"] == "wang.fang@example.org"
    assert sent[0]["Subject"] == f"[#{question.id}] Order 4711"
    with factory() as session:
        out = session.scalars(select(TicketMessage).where(TicketMessage.direction == "out")
                              .order_by(TicketMessage.id)).all()
    assert [(m.ticket_id, m.in_reply_to) for m in out] == [(question.id, "<q1@example.org>")] * 2
    assert out[-1].message_id == sent[0]["Message-ID"]

    maildir(inbox, mail("Re: thanks", "Got it", sender="wang.fang@example.org", in_reply_to=sent[0]["Message-ID"]))
    assert poll(factory, MaildirSource(inbox), SETUP, lambda: NOW).replied == 1
    with factory() as session:
        assert [e.data["body"] for e in session.get_one(Ticket, question.id).events
                if e.kind == "customer_reply"] == ["Got it"]


def test_a_reply_to_a_closed_ticket_opens_a_follow_up_in_its_queue(sqlite_factory, tmp_path: Path) -> None:
    with session_scope(sqlite_factory) as session:
        build_small_desk(session, NOW)
    inbox = tmp_path / "inbox"
    maildir(inbox, mail("VIP outage", "down", to="vip@desk.test", msgid="<v1@example.com>"))
    setup = MailSetup(default_queue="tech_email", queues_by_address={"vip@desk.test": "vip"})
    poll(sqlite_factory, MaildirSource(inbox), setup, lambda: NOW)
    original = ticket_of(sqlite_factory, "<v1@example.com>")
    actor = lifecycle.Actor("user:li.na")
    with session_scope(sqlite_factory) as session:
        lifecycle.set_status(session, original.id, "solved", actor, NOW)
        lifecycle.set_status(session, original.id, "closed", actor, NOW)
    maildir(inbox, mail("Re: VIP outage", "down again", msgid="<v2@example.com>", in_reply_to="<v1@example.com>"))

    report = poll(sqlite_factory, MaildirSource(inbox), setup, lambda: NOW)

    follow_up = ticket_of(sqlite_factory, "<v2@example.com>")
    assert report.created == 1 and follow_up.id != original.id and follow_up.queue.code == "vip"
    assert [e.data["body"] for e in follow_up.events if e.kind == "note"] == [
        f"Follow-up of closed ticket #{original.id}: the customer replied to it by e-mail."]
    assert count(sqlite_factory, Notification) == 0  # no desk address: no acknowledgements


def test_a_message_imported_but_not_moved_is_skipped_the_next_time(sqlite_factory, tmp_path: Path) -> None:
    """A crash between commit and move leaves the mail in new/: the next run must not import it twice."""
    with session_scope(sqlite_factory) as session:
        build_small_desk(session, NOW)
    inbox = tmp_path / "inbox"
    maildir(inbox, chinese_with_attachment())

    class CrashAfterCommit(MaildirSource):
        def processed(self, key: str, raw: bytes) -> None:
            raise RuntimeError("power cut")

    with pytest.raises(RuntimeError):
        poll(sqlite_factory, CrashAfterCommit(inbox), SETUP, lambda: NOW)
    again = poll(sqlite_factory, MaildirSource(inbox), SETUP, lambda: NOW)

    assert (again.created, again.duplicates) == (0, 1)
    assert count(sqlite_factory, Ticket) == 1 and count(sqlite_factory, TicketMessage) == 2  # mail in + receipt out


def test_unknown_queue_in_the_mapping_is_refused_before_any_mail_is_touched(sqlite_factory, tmp_path: Path) -> None:
    with session_scope(sqlite_factory) as session:
        build_small_desk(session, NOW)
    inbox = tmp_path / "inbox"
    box = maildir(inbox, html_only())
    with pytest.raises(Exception, match=r"unknown queue 'billing' \(known queues: escalations, tech_email, vip\)"):
        poll(sqlite_factory, MaildirSource(inbox), MailSetup(default_queue="billing"), lambda: NOW)
    assert len(box) == 1 and count(sqlite_factory, Ticket) == 0


def test_mail_poll_command_imports_a_maildir(demo_db, tmp_path: Path) -> None:
    url, _report = demo_db
    inbox = tmp_path / "inbox"
    maildir(inbox, chinese_with_attachment(), broken_multipart())
    command = [str(Path(os.environ.get("VIRTUAL_ENV", REPO_ROOT / ".venv")) / "bin" / "shiftdesk"),
               "mail-poll", "--maildir", str(inbox), "--queue", "tech_email", "--no-acknowledge"]
    env = {**os.environ, "SHIFTDESK_DATABASE_URL": url}

    out = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120, cwd=REPO_ROOT)

    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "mail: 1 new ticket(s), 0 repl(ies), 0 already imported, 1 refused"
    assert "refused" in out.stderr and "broken MIME" in out.stderr
    again = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120, cwd=REPO_ROOT)
    assert again.stdout.strip() == "mail: 0 new ticket(s), 0 repl(ies), 0 already imported, 0 refused"


def test_the_classifier_hook_sets_category_and_priority_but_not_the_queue(sqlite_factory, tmp_path: Path) -> None:
    with session_scope(sqlite_factory) as session:
        build_small_desk(session, NOW)
    inbox = tmp_path / "inbox"
    maildir(inbox, mail("密码重置邮件收不到", "点了忘记密码，一直没有邮件", msgid="<c1@example.com>"))
    asked = []

    def classify(_session, subject: str, body: str) -> dict[str, str]:
        asked.append((subject, body))
        return {"category": "login", "priority": "high", "queue": "vip"}

    poll(sqlite_factory, MaildirSource(inbox), MailSetup(default_queue="tech_email", classify=classify), lambda: NOW)

    ticket = ticket_of(sqlite_factory, "<c1@example.com>")
    assert asked == [("密码重置邮件收不到", "点了忘记密码，一直没有邮件")]
    assert (ticket.category, ticket.priority.value, ticket.queue.code) == ("login", "high", "tech_email")
