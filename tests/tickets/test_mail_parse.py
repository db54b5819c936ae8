"""Decoding one message, without a database: headers, charsets, bodies, attachments, refusals."""

from __future__ import annotations

import base64
from email.message import EmailMessage

import pytest

from tickets.mail_intake import MailError, MailSetup, decode_words, html_to_text, parse_mail


def plain(subject: str = "hello", **headers: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = headers.pop("sender", "a@example.com")
    message["To"] = "support@desk.test"
    message["Subject"] = subject
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content("body")
    return message


@pytest.mark.parametrize(("encoded", "text"), [
    ("=?UTF-8?B?" + base64.b64encode("打印机无法连接".encode()).decode() + "?=", "打印机无法连接"),
    ("=?utf-8?q?caf=C3=A9?= =?utf-8?q?_au_lait?=", "café au lait"),  # the space between words is not text
    ("=?GB2312?B?" + base64.b64encode("镕".encode("gbk")).decode() + "?= ok", "镕 ok"),  # GBK under a GB2312 label
    ("=?GBK?B?" + base64.b64encode("退款".encode("gbk")).decode() + "?=", "退款"),
    ("Re: plain ASCII", "Re: plain ASCII"),
])
def test_encoded_words_decode_strictly(encoded: str, text: str) -> None:
    assert decode_words(encoded, "Subject") == text


def test_an_encoded_word_in_an_unknown_charset_or_bad_bytes_is_refused_by_name() -> None:
    with pytest.raises(MailError, match=r"^Subject: unknown charset 'x-klingon'$"):
        decode_words("=?x-klingon?B?QUJD?=", "Subject")
    with pytest.raises(MailError, match=r"^Subject: not valid utf-8 text"):
        decode_words("=?utf-8?B?" + base64.b64encode(b"\xff\xfe").decode() + "?=", "Subject")


def test_raw_utf8_in_a_header_is_read_as_utf8() -> None:
    raw = "From: a@example.com\r\nSubject: 直接发送的主题\r\n\r\nbody\r\n".encode()
    assert parse_mail(raw).subject == "直接发送的主题"


def test_a_message_without_message_id_gets_one_derived_from_its_bytes() -> None:
    raw = b"From: a@example.com\r\nSubject: no id\r\n\r\nbody\r\n"
    first, again = parse_mail(raw), parse_mail(raw)
    assert first.message_id == again.message_id and first.message_id.endswith("@intake.shiftdesk.invalid>")
    assert parse_mail(raw + b"more").message_id != first.message_id


def test_thread_ids_put_in_reply_to_first_then_the_newest_reference() -> None:
    raw = b"From: a@example.com\r\nIn-Reply-To: <c@x>\r\nReferences: <a@x> <b@x>\r\n <c@x>\r\n\r\nbody\r\n"
    assert parse_mail(raw).thread_ids() == ["<c@x>", "<b@x>", "<a@x>"]


def test_multipart_alternative_prefers_plain_text_and_keeps_only_real_attachments() -> None:
    message = plain()
    message.set_content("the plain text")
    message.add_alternative("<p>the <b>html</b> text</p>", subtype="html")
    message.add_attachment(b"x" * 10, maintype="image", subtype="png", filename="../../etc/shot.png")
    message.add_attachment(b"y" * 2048, maintype="application", subtype="zip", filename="big.zip")

    parsed = parse_mail(message.as_bytes(), max_attachment_bytes=1024)

    assert parsed.body == "the plain text"
    assert [(a.filename, a.content_type, a.content) for a in parsed.attachments] == [("shot.png", "image/png", b"x" * 10)]
    assert parsed.not_kept == ("[attachment 'big.zip' (0.0 MB) not kept: over the 0 MB limit]",)


def test_html_to_text_drops_markup_scripts_and_keeps_blocks() -> None:
    html = "<style>x{}</style><h1>Title</h1><ul><li>one &lt;1&gt;</li><li>two</li></ul><br>end&nbsp;here"
    assert html_to_text(html) == "Title\n\none <1>\n\ntwo\n\nend here"


def test_auto_replies_and_bounces_are_flagged_so_nobody_answers_them() -> None:
    assert parse_mail(plain(Auto_Submitted="auto-replied").as_bytes()).automatic
    assert parse_mail(plain(Precedence="bulk").as_bytes()).automatic
    assert parse_mail(plain(sender="MAILER-DAEMON@mx.example.com").as_bytes()).automatic
    assert not parse_mail(plain(Auto_Submitted="no").as_bytes()).automatic


def test_a_message_without_a_sender_address_is_refused() -> None:
    with pytest.raises(MailError, match=r"^From: no sender address$"):
        parse_mail(b"Subject: who?\r\n\r\nbody\r\n")


def test_queue_mapping_matches_any_recipient_case_insensitively() -> None:
    setup = MailSetup(default_queue="tech_email", queues_by_address={"VIP@Desk.test": "vip"})
    assert setup.queue_for(["cc@example.com", "vip@desk.test"]) == "vip"
    assert setup.queue_for(["other@desk.test"]) == "tech_email"
