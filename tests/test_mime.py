"""parsers.mime: headers, bodies and attachments flattened from every shape of .eml we build."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parsers.forms import parse_document
from parsers.message import ParsedMail
from parsers.mime import MAX_ATTACHMENTS, parse_message
from parsers.results import Status
from tests.builders import emails as E
from tests.builders.tnef import EmbeddedItem, build_tnef

DOCX = E.tiny_docx("Safeguarding Referral Form")
MATRIX = E.tiny_docx("Child Exploitation Risk Assessment Information Form")
SCAN = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 800  # a ~200 KB "photographed form"
RECEIVED_TOP = datetime(2026, 12, 24, 15, 0, 3, tzinfo=timezone.utc)
WORD = E.DOCX_TYPE


@dataclass(frozen=True)
class Shape:
    build: Callable[[], bytes]
    files: list[tuple[str, str, str, str]]  # (filename, declared type, sniffed type, path)


SHAPES: dict[str, Shape] = {
    "outlook_desktop": Shape(lambda: E.outlook_desktop([("Referral.docx", DOCX), ("CE Matrix.docx", MATRIX)]),
                             [("Referral.docx", WORD, "docx", "Referral.docx"),
                              ("CE Matrix.docx", WORD, "docx", "CE Matrix.docx")]),
    "outlook_signature_logo": Shape(lambda: E.outlook_desktop([("Referral.docx", DOCX)], signature_logo=E.PNG_1PX),
                                    [("Referral.docx", WORD, "docx", "Referral.docx")]),
    "outlook_winmail_dat": Shape(lambda: E.outlook_tnef([("Safeguarding Referral Form (Brackenfield).docx", DOCX)]),
                                 [("Safeguarding Referral Form (Brackenfield).docx", "", "docx",
                                   "winmail.dat/Safeguarding Referral Form (Brackenfield).docx")]),
    "tnef_embedded_item": Shape(lambda: E.outlook_tnef(tnef=build_tnef([
                                    ("Referral.docx", DOCX), EmbeddedItem("FW Matrix", [("CE Matrix.docx", MATRIX)])])),
                                [("Referral.docx", "", "docx", "winmail.dat/Referral.docx"),
                                 ("CE Matrix.docx", "", "docx", "winmail.dat/FW Matrix/CE Matrix.docx")]),
    "gmail_rfc2231": Shape(lambda: E.gmail([("Référral – Année 7.docx", DOCX)]),
                           [("Référral – Année 7.docx", "application/octet-stream", "docx", "Référral – Année 7.docx")]),
    "gmail_rfc2231_continuations": Shape(lambda: E.gmail([("Child Exploitation Matrix – Review – Ünal.docx", MATRIX)],
                                                         continuations=True),
                                         [("Child Exploitation Matrix – Review – Ünal.docx", "application/octet-stream",
                                           "docx", "Child Exploitation Matrix – Review – Ünal.docx")]),
    "apple_mail_inline": Shape(lambda: E.apple_mail([("CE Matrix.docx", MATRIX)]),
                               [("CE Matrix.docx", WORD, "docx", "CE Matrix.docx")]),
    "rfc2047_filename": Shape(lambda: E.encoded_filename([("Référral forms – Zoë.docx", DOCX)]),
                              [("Référral forms – Zoë.docx", WORD, "docx", "Référral forms – Zoë.docx")]),
    "wrong_type_text_plain": Shape(lambda: E.wrong_mime_type([("Referral.docx", DOCX)]),
                                   [("Referral.docx", "text/plain", "docx", "Referral.docx")]),
    "wrong_type_octet_no_ext": Shape(lambda: E.wrong_mime_type([("Referral", DOCX)], declared="application/octet-stream"),
                                     [("Referral", "application/octet-stream", "docx", "Referral")]),
    "forward_rfc822_named": Shape(lambda: E.forwarded_as_attachment(E.outlook_desktop([("Referral.docx", DOCX)])),
                                  [("Referral.docx", WORD, "docx", "forward[1]/Referral.docx")]),
    "forward_rfc822_unnamed": Shape(lambda: E.forwarded_as_attachment(E.gmail([("Referral.docx", DOCX)]), filename=None),
                                    [("Referral.docx", "application/octet-stream", "docx", "forward[1]/Referral.docx")]),
    "forward_nested_twice_tnef": Shape(lambda: E.forwarded_as_attachment(
                                           E.outlook_tnef([("Referral.docx", DOCX)]), filename=None, nested=2),
                                       [("Referral.docx", "", "docx", "forward[1]/forward[1]/winmail.dat/Referral.docx")]),
    "attached_eml_octet_stream": Shape(lambda: E.attached_eml(E.apple_mail([("CE Matrix.docx", MATRIX)])),
                                       [("CE Matrix.docx", WORD, "docx", "forward[1]/CE Matrix.docx")]),
    "attached_msg": Shape(lambda: E.msg_attached([("Safeguarding Referral Form.docx", DOCX)]),
                          [("Safeguarding Referral Form.docx", "", "docx",
                            "Safeguarding referral.msg/Safeguarding Referral Form.docx")]),
    "attached_msg_embedded_item": Shape(lambda: E.msg_attached([("Referral.docx", DOCX)],
                                                               embedded=[("FW CE Matrix", [("CE Matrix.docx", MATRIX)])]),
                                        [("Referral.docx", "", "docx", "Safeguarding referral.msg/Referral.docx"),
                                         ("CE Matrix.docx", "", "docx",
                                          "Safeguarding referral.msg/FW CE Matrix/CE Matrix.docx")]),
    "attached_scan_image": Shape(lambda: E.gmail([("scan0001.jpg", SCAN)]),
                                 [("scan0001.jpg", "application/octet-stream", "jpeg", "scan0001.jpg")]),
    "forwarded_inline": Shape(E.forwarded_inline, []),
    "body_only": Shape(E.body_only, []),
    "out_of_office": Shape(E.out_of_office, []),
    "out_of_office_subject_only": Shape(lambda: E.out_of_office(rfc3834=False), []),
    "mailing_list": Shape(E.mailing_list, []),
}


@pytest.mark.parametrize("shape", SHAPES.values(), ids=SHAPES.keys())
def test_attachments_are_flattened_with_types_and_paths(shape: Shape) -> None:
    """Each client shape yields exactly its documents, typed from their bytes, with where they were found."""
    mail = parse_message(shape.build())
    assert [(a.filename, a.declared_type, a.sniffed_type, a.path) for a in mail.attachments] == shape.files
    assert mail.problems == []


@pytest.mark.parametrize("shape", SHAPES.values(), ids=SHAPES.keys())
def test_attachment_bytes_survive_intact(shape: Shape) -> None:
    """Every flattened document's bytes are exactly what the sender attached."""
    known = {DOCX, MATRIX, SCAN}
    assert all(a.data in known for a in parse_message(shape.build()).attachments)


@pytest.mark.parametrize("name", ["outlook_desktop", "outlook_winmail_dat", "gmail_rfc2231", "apple_mail_inline",
                                  "attached_msg", "body_only", "out_of_office", "mailing_list"])
def test_received_at_is_the_topmost_received_date(name: str) -> None:
    """received_at comes from the topmost Received header, not the Date header or a lower hop."""
    mail = parse_message(SHAPES[name].build())
    assert mail.received_at == RECEIVED_TOP
    assert mail.date == datetime(2026, 12, 24, 14, 58, 12, tzinfo=timezone.utc)


def test_outlook_headers() -> None:
    """An Outlook message gives bare lower-cased addresses, the id without <>, and all header values in order."""
    mail = parse_message(E.outlook_desktop([("Referral.docx", DOCX)]))
    assert mail.message_id == "DB9PR06MB72741A2B3C4D5E6F@DB9PR06MB7274.eurprd06.prod.outlook.com"
    assert (mail.from_addr, mail.from_display) == ("j.whitfield@brackenfield-primary.sch.uk", "Jane Whitfield")
    assert mail.to == ["firstcontact@durham.gov.uk"] and mail.cc == ["cevt@durham.police.uk"]
    assert mail.subject == "OFFICIAL-SENSITIVE: Safeguarding referral"
    assert mail.return_path == "j.whitfield@brackenfield-primary.sch.uk"
    assert len(mail.headers["received"]) == 3 and mail.headers["received"][0].endswith(E.RECEIVED_TOP)
    assert mail.header("Authentication-Results") == " ".join(E.EXCHANGE_AUTH.split())
    assert mail.header("thread-index") == "AQHa1b2c3d4e5f6g7h8i9j0kAbCdEf=="
    assert mail.body_text.startswith("Good afternoon,\n\nPlease find attached")


def test_sha256_and_size_are_of_the_raw_bytes() -> None:
    """sha256 and size describe the raw message exactly as received."""
    raw = E.body_only()
    mail = parse_message(raw)
    assert (mail.sha256, mail.size) == (hashlib.sha256(raw).hexdigest(), len(raw))


ADDRESS_CASES = {
    "quoted comma": ('"Smith, Anna" <Anna.Smith@Durham.gov.uk>', ["anna.smith@durham.gov.uk"]),
    "encoded word with comma": ("=?utf-8?q?Smith=2C_J?= <j.smith@x.nhs.uk>, Bob <BOB@y.police.uk>",
                                ["j.smith@x.nhs.uk", "bob@y.police.uk"]),
    "group": ("Duty Team: a@durham.gov.uk, B <b@durham.gov.uk>;, c@x.sch.uk",
              ["a@durham.gov.uk", "b@durham.gov.uk", "c@x.sch.uk"]),
    "empty group": ("undisclosed-recipients:;", []),
    "semicolon separated": ("Anna <anna@x.gov.uk>; Bob <bob@y.gov.uk>", ["anna@x.gov.uk", "bob@y.gov.uk"]),
    "address as name": ('"anna@x.gov.uk" <anna@x.gov.uk>', ["anna@x.gov.uk"]),
    "single quotes": ("'anna@x.gov.uk'", ["anna@x.gov.uk"]),
    "unclosed angle": ("Anna <anna@x.gov.uk", ["anna@x.gov.uk"]),
    "comment name": ("anna@x.gov.uk (Anna)", ["anna@x.gov.uk"]),
}


@pytest.mark.parametrize("value,expected", ADDRESS_CASES.values(), ids=ADDRESS_CASES.keys())
def test_address_lists(value: str, expected: list[str]) -> None:
    """To/Cc/Reply-To become bare lower-cased addresses whatever the quoting, groups or encoding."""
    mail = parse_message(E.body_only(headers={"To": value, "Cc": value, "Reply-To": value}))
    assert mail.to == expected and mail.cc == expected and mail.reply_to == expected


def test_encoded_from_display_and_subject() -> None:
    """RFC 2047 display names and subjects are decoded; the address is lower-cased."""
    mail = parse_message(E.body_only(headers={
        "From": "=?iso-8859-1?q?Ren=E9e_O=27Neil?= <Renee.ONeil@Hollins-Academy.sch.uk>",
        "Subject": "=?utf-8?B?T0ZGSUNJQUwtU0VOU0lUSVZFOiByw6lmw6lycmFs?=\r\n =?utf-8?Q?_form?="}))
    assert (mail.from_addr, mail.from_display) == ("renee.oneil@hollins-academy.sch.uk", "Renée O'Neil")
    assert mail.subject == "OFFICIAL-SENSITIVE: référral form"


def test_missing_message_id_is_synthesised_stably() -> None:
    """Without a Message-ID one is derived from the message, the same for every delivery of it."""
    first = parse_message(E.body_only(headers={"Message-ID": None}))
    relayed = parse_message(E.body_only(headers={"Message-ID": None, "Received": ["from elsewhere; " + E.DATE]}))
    other = parse_message(E.body_only(headers={"Message-ID": None, "Subject": "Another child"}))
    assert first.message_id.endswith("@hoth-intake.invalid")
    assert first.message_id == relayed.message_id != other.message_id


@pytest.mark.parametrize("first, second", [
    (b"\r\nChild at risk, Casey Brown.\r\n\r\nPlease call.\r\n", b"\r\nChild at risk, Riley Green.\r\n\r\nPlease call.\r\n"),
    (b"garbage one", b"garbage two"),
    (b"Received: from a\r\n\r\nfirst body\r\n", b"Received: from a\r\n\r\nsecond body\r\n"),
])
def test_messages_without_author_headers_never_share_an_id(first: bytes, second: bytes) -> None:
    """Headerless or garbage input has no author headers to tell messages apart: the body does, so a second
    such message is never taken for a duplicate of the first (and dropped)."""
    assert parse_message(first).message_id != parse_message(second).message_id
    assert parse_message(first).message_id == parse_message(first).message_id


def test_reply_threading_and_return_path() -> None:
    """In-Reply-To/References become id lists without <>; a null Return-Path is the empty string."""
    mail = parse_message(E.body_only(headers={
        "In-Reply-To": "<hoth-ack-1@durham.gov.uk>",
        "References": "<a1@x.sch.uk>\r\n <hoth-ack-1@durham.gov.uk>", "Return-Path": "<>"}))
    assert mail.in_reply_to == ["hoth-ack-1@durham.gov.uk"]
    assert mail.references == ["a1@x.sch.uk", "hoth-ack-1@durham.gov.uk"]
    assert mail.return_path == ""
    assert parse_message(E.body_only(headers={"Return-Path": None})).return_path is None


def test_dates_without_zone_or_unparseable() -> None:
    """A '-0000' date is read as UTC, a garbage date is None, a Received with a zone comment still parses."""
    mail = parse_message(E.body_only(headers={
        "Date": "24 Dec 2026 14:58:12 -0000",
        "Received": ["from a by b; Thu, 24 Dec 2026 16:00:03 +0100 (CET)", "from c by a; garbage"]}))
    assert mail.date == datetime(2026, 12, 24, 14, 58, 12, tzinfo=timezone.utc)
    assert mail.received_at == RECEIVED_TOP
    assert mail.received_at.utcoffset() == timedelta(hours=1)
    assert parse_message(E.body_only(headers={"Date": "someday soon"})).date is None


def test_postfix_dsn_reports_the_original_ids() -> None:
    """A Postfix DSN is a delivery report naming the bounced message's id and envelope id."""
    mail = parse_message(E.dsn_bounce("hoth-ack-1@durham.gov.uk", envelope_id="HOTH-ENV-1"))
    assert mail.is_delivery_report
    assert mail.reported_message_ids == ["hoth-ack-1@durham.gov.uk", "HOTH-ENV-1"]
    assert (mail.return_path, mail.from_addr) == ("", "mailer-daemon@mx.durham.gov.uk")
    assert mail.attachments == [] and "could not be delivered" in mail.body_text


def test_exchange_ndr_reports_the_returned_message_id() -> None:
    """An Exchange NDR returning the whole original names its Message-ID."""
    original = E.outlook_desktop(headers={"Message-ID": "<hoth-ack-2@durham.gov.uk>"})
    mail = parse_message(E.exchange_ndr(original, headers={"X-Original-Message-ID": "<hoth-ack-2@durham.gov.uk>"}))
    assert mail.is_delivery_report
    assert mail.reported_message_ids == ["hoth-ack-2@durham.gov.uk"]
    assert "couldn't be delivered" in mail.body_text


def test_ordinary_mail_is_not_a_delivery_report() -> None:
    """A referral, even one forwarding a message, is not a delivery report and reports no ids."""
    mail = parse_message(E.forwarded_as_attachment(E.body_only()))
    assert not mail.is_delivery_report and mail.reported_message_ids == []
    assert not mail.is_read_receipt


READ_RECEIPT = b"""From: DSL <dsl@school.sch.uk>
To: firstcontact@durham.gov.uk
Subject: Read: [HOTH-2026-000001] Referral received
Message-ID: <mdn-1@school.sch.uk>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=disposition-notification; boundary="b"

--b
Content-Type: text/plain

Your message was read on 24 December 2026 10:00.
--b
Content-Type: message/disposition-notification

Reporting-UA: school.sch.uk; Microsoft Outlook
Final-Recipient: rfc822;dsl@school.sch.uk
Original-Message-ID: <hoth-ack-1@durham.gov.uk>
Disposition: manual-action/MDN-sent-manually; displayed
--b--
"""


def test_a_disposition_notification_is_a_read_receipt_not_a_bounce() -> None:
    mail = parse_message(READ_RECEIPT.replace(b"\n", b"\r\n"))
    assert mail.is_read_receipt and not mail.is_delivery_report


def test_html_only_body_is_converted_safely() -> None:
    """An HTML-only body becomes text: scripts, styles and remote images dropped, entities decoded."""
    html = ('<html><head><title>t</title><style>p{}</style></head><body><p>Dear team &amp; duty</p>'
            '<script>alert(1)</script><img src="https://tracker.example/x.png"><div>Child at risk</div></body></html>')
    mail = parse_message(E.body_only(headers={"Content-Type": "text/html; charset=utf-8"}, text=html))
    assert mail.body_text == "Dear team & duty\n\nChild at risk"


def test_oversize_message_keeps_headers_only() -> None:
    """A message over max_bytes still gives its headers, but no attachments and a problem."""
    raw = E.huge_message(300_000)
    mail = parse_message(raw, max_bytes=200_000)
    assert mail.message_id == "huge@brackenfield-primary.sch.uk" and mail.received_at == RECEIVED_TOP
    assert mail.attachments == [] and mail.size == len(raw)
    assert mail.problems and mail.problems[0].startswith("message_too_large")
    assert [a.filename for a in parse_message(raw).attachments] == ["Scan.pdf"]


def test_large_image_shown_inline_is_kept() -> None:
    """An image the HTML shows by cid: but too big for a logo (Apple Mail shows attached photos so) is a document."""
    mail = parse_message(E.outlook_desktop(signature_logo=SCAN))
    assert [(a.filename, a.declared_type, a.sniffed_type) for a in mail.attachments] == [
        ("image001.png", "image/png", "jpeg")]


def test_forward_nesting_is_bounded() -> None:
    """Forwards nested deeper than max_depth are not followed and are noted as a problem."""
    raw = E.forwarded_as_attachment(E.outlook_desktop([("Referral.docx", DOCX)]), nested=4)
    assert parse_message(raw, max_depth=3).attachments == []
    assert any(p.startswith("nesting_too_deep") for p in parse_message(raw, max_depth=3).problems)
    assert parse_message(raw, max_depth=4).attachments[0].path == "forward[1]/" * 4 + "Referral.docx"


def test_base64_encoded_forward_is_decoded() -> None:
    """A message/rfc822 part wrongly sent base64-encoded is still opened."""
    inner = E.outlook_desktop([("Referral.docx", DOCX)])
    raw = E.body_only(headers={"Content-Type": 'multipart/mixed; boundary="b"', "Content-Transfer-Encoding": None},
                      text="")
    raw = raw + (b"--b\r\nContent-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n"
                 + base64.encodebytes(inner).replace(b"\n", b"\r\n") + b"--b--\r\n")
    assert [a.path for a in parse_message(raw).attachments] == ["forward[1]/Referral.docx"]


def test_corrupt_winmail_dat_is_kept_whole() -> None:
    """An unreadable winmail.dat is kept as one attachment (so a human sees it) and noted."""
    mail = parse_message(E.outlook_tnef(tnef=b"\x78\x9f\x3e\x22" + b"\xff" * 40))
    assert [a.path for a in mail.attachments] == ["winmail.dat"]
    assert any(p.startswith("container_unreadable") for p in mail.problems)


def test_bad_base64_and_unknown_charset_do_not_fail() -> None:
    """Broken base64 and an unknown charset give best-effort text and a noted defect, not an error."""
    raw = E.body_only(headers={"Content-Type": "text/plain; charset=x-klingon", "Content-Transfer-Encoding": "base64"},
                      text="")
    mail = parse_message(raw + b"R29vZCBhZnRlcm5vb24s!!!\r\nbm90IHZhbGlk=\r\n")
    assert mail.body_text.startswith("Good afternoon,")
    assert any(p.startswith("mime_defect") for p in mail.problems)


@pytest.mark.parametrize("raw", [b"", b"\r\n\r\n", b"garbage", b"From: \r\n\r\n", b"\xff\xfe\x00" * 50,
                                 b"Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n"])
def test_degenerate_input_gives_a_result(raw: bytes) -> None:
    """Empty, headerless or truncated bytes still give a ParsedMail with a synthetic id."""
    mail = parse_message(raw)
    assert isinstance(mail, ParsedMail) and mail.message_id.endswith("@hoth-intake.invalid")


def test_attachment_count_is_capped() -> None:
    """A message with more files than the cap keeps the first MAX_ATTACHMENTS and says so."""
    files = [(f"form{i}.pdf", b"%PDF-1.4 " + str(i).encode()) for i in range(MAX_ATTACHMENTS + 5)]
    mail = parse_message(E.outlook_desktop(files))
    assert len(mail.attachments) == MAX_ATTACHMENTS
    assert any(p.startswith("too_many_attachments") for p in mail.problems)


# --- properties: never raise, never grow ---------------------------------------------------------

def _check_bounded(raw: bytes) -> None:
    mail = parse_message(raw, max_depth=3)
    assert isinstance(mail, ParsedMail) and mail.message_id
    assert len(mail.attachments) <= MAX_ATTACHMENTS
    assert all(len(a.data) <= len(raw) for a in mail.attachments)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=4000))
def test_random_bytes_never_raise(raw: bytes) -> None:
    """Arbitrary bytes never make parse_message raise."""
    _check_bounded(raw)


SEEDS = [shape.build() for shape in SHAPES.values()] + [E.dsn_bounce("a@b"), E.exchange_ndr(E.body_only())]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(SEEDS), st.lists(st.tuples(st.floats(0, 1), st.integers(0, 4), st.binary(max_size=12)),
                                        max_size=8))
def test_mutated_messages_never_raise(seed: bytes, edits: list[tuple[float, int, bytes]]) -> None:
    """Real shapes with bytes cut, overwritten or inserted anywhere never make parse_message raise."""
    raw = bytearray(seed)
    for where, kind, chunk in edits:
        at = int(where * len(raw))
        if kind == 0:
            del raw[at:at + 64]
        elif kind == 1:
            raw[at:at + len(chunk)] = chunk
        elif kind == 2:
            raw[at:at] = chunk
        elif kind == 3:
            raw = raw[:at]  # truncated download
        else:
            raw[at:at] = b"\r\n--" + chunk + b"\r\n"
    _check_bounded(bytes(raw))


def _leaf() -> st.SearchStrategy[bytes]:
    files = st.sampled_from([("Referral.docx", DOCX), ("x.bin", b"\x00\x01"), ("s.jpg", SCAN[:300])])
    return st.one_of(
        st.builds(lambda t: b"Content-Type: text/plain\r\n\r\n" + t.encode(), st.text(max_size=40)),
        files.map(lambda f: E._file_part(*f)),
        files.map(lambda f: E._file_part("winmail.dat", build_tnef([f]), "application/ms-tnef")),
        files.map(lambda f: E._file_part("item.msg", E.build_msg([f]), "application/vnd.ms-outlook")),
        st.binary(max_size=30).map(lambda b: b"Content-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n"
                                   + base64.b64encode(b)[:-1] + b"*"),
    )


def _multipart(subtype: str, parts: list[bytes]) -> bytes:
    boundary = "b" + hashlib.sha1(b"".join(parts)).hexdigest()[:12]
    return f'Content-Type: multipart/{subtype}; boundary="{boundary}"\r\n\r\n'.encode() + E._multipart(boundary, parts)


def _tree(children: st.SearchStrategy[bytes]) -> st.SearchStrategy[bytes]:
    subtypes = st.sampled_from(["mixed", "alternative", "related", "report"])
    multipart = st.builds(_multipart, subtypes, st.lists(children, max_size=4))
    forward = children.map(lambda inner: b"Content-Type: message/rfc822\r\n\r\nSubject: fwd\r\n" + inner)
    return st.one_of(multipart, forward)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.recursive(_leaf(), _tree, max_leaves=12))
def test_random_mime_trees_never_raise(body: bytes) -> None:
    """Random trees of multiparts, forwards, TNEF, .msg and broken base64 parse without raising, bounded."""
    _check_bounded(b"From: a@b.sch.uk\r\nMessage-ID: <t@x>\r\nMIME-Version: 1.0\r\n" + body)


# -- shapes an independent acceptance corpus found ----------------------------------------------

_CMS_ENVELOPED = bytes.fromhex("3080" "06092a864886f70d010703" "a0800201003100") + b"\x00" * 64


def _raw(headers: str, body: str) -> bytes:
    return (headers.strip().replace("\n", "\r\n") + "\r\n\r\n" + body.replace("\n", "\r\n")).encode()


def test_encoded_words_split_across_a_folded_line_join_up() -> None:
    """A client folds a long non-ASCII subject between two encoded words: the case reference and the
    marking inside it must survive (RFC 2047: white space between adjacent encoded words is dropped)."""
    mail = parse_message(_raw("From: a@school.sch.uk\nSubject: RE: =?utf-8?Q?[OFFICIAL-SEN?=\n"
                              " =?utf-8?Q?SITIVE]_[HOTH-2026-?=\n =?utf-8?Q?000001]_Zo=C3=AB?=", "x"))
    assert mail.subject == "RE: [OFFICIAL-SENSITIVE] [HOTH-2026-000001] Zoë"


def test_an_smime_encrypted_message_is_an_encrypted_document_and_its_signature_none() -> None:
    """smime.p7m is kept (so the sender is asked for an unprotected form); a detached signature is not a form."""
    p7m = base64.b64encode(_CMS_ENVELOPED).decode()
    enveloped = parse_message(_raw(
        'From: a@school.sch.uk\nSubject: form\nContent-Type: application/pkcs7-mime; smime-type=enveloped-data; '
        'name="smime.p7m"\nContent-Transfer-Encoding: base64\nContent-Disposition: attachment; filename="smime.p7m"',
        p7m))
    [sealed] = enveloped.attachments
    result = parse_document(sealed.data, sealed.filename)
    assert result.status is Status.ENCRYPTED and "S/MIME" in result.problem
    signed = parse_message(_raw(
        'From: a@school.sch.uk\nSubject: form\nContent-Type: multipart/signed; protocol="application/pkcs7-signature";'
        ' micalg=sha-256; boundary="s"',
        '--s\nContent-Type: text/plain\n\nPlease see attached.\n--s\nContent-Type: application/pkcs7-signature; '
        f'name="smime.p7s"\nContent-Transfer-Encoding: base64\nContent-Disposition: attachment; filename="smime.p7s"'
        f'\n\n{p7m}\n--s--\n'))
    assert signed.attachments == []


def test_a_mac_resource_fork_is_not_a_document() -> None:
    docx_b64 = base64.b64encode(E.tiny_docx()).decode()
    mail = parse_message(_raw(
        'From: a@school.sch.uk\nSubject: form\nContent-Type: multipart/appledouble; boundary="a"',
        '--a\nContent-Type: application/applefile; name="Form.docx"\nContent-Transfer-Encoding: base64\n\n'
        'AAUWBwACAAA=\n--a\nContent-Type: application/vnd.openxmlformats-officedocument.wordprocessingml.document;'
        f' name="Form.docx"\nContent-Transfer-Encoding: base64\n\n{docx_b64}\n--a--\n'))
    assert [a.filename for a in mail.attachments] == ["Form.docx"]
    assert mail.attachments[0].sniffed_type == "docx"


@pytest.mark.parametrize("value, expected", [
    ("Mon, 15 Jun 2026 16:45:30 BST", "2026-06-15T16:45:30+01:00"),
    ("Mon, 15 Jun 2026 16:45 bst", "2026-06-15T16:45:00+01:00"),
    ("Mon, 15 Jun 2026 16:45:00 +0000 (BST)", "2026-06-15T16:45:00+00:00"),
])
def test_british_summer_time_is_utc_plus_one(value: str, expected: str) -> None:
    mail = parse_message(_raw(f"From: a@school.sch.uk\nSubject: s\nDate: {value}", "x"))
    assert mail.date is not None and mail.date.isoformat() == expected


@pytest.mark.parametrize("encoded", ["utf-8", "cp1252"])
def test_a_raw_8_bit_filename_is_decoded(encoded: str) -> None:
    """Some clients put the name's bytes straight into the header, unencoded: UTF-8, else Windows-1252."""
    name = "Référence CE Matrix.docx"
    raw = (b"From: dsl@school.sch.uk\r\nTo: cevt@durham.police.uk\r\nSubject: CE Matrix\r\n"
           b"Message-ID: <raw8@school.sch.uk>\r\nMIME-Version: 1.0\r\n"
           b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nAttached.\r\n'
           b'--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename="'
           + name.encode(encoded) + b'"\r\nContent-Transfer-Encoding: base64\r\n\r\n'
           + base64.encodebytes(b"PK\x03\x04 not really a docx").replace(b"\n", b"\r\n") + b"--b--\r\n")
    [attachment] = parse_message(raw).attachments
    assert attachment.filename == name
