"""Build raw ``.eml`` bytes in the shapes agencies' mail clients and servers really send.

Every builder takes ``attachments`` as (filename, bytes) pairs where that makes
sense and ``headers``: overrides by header name (a string replaces every
occurrence, a list gives several, ``None`` removes it; new names are appended).
Messages are CRLF, carry a ``Received:`` chain (topmost first, see `RECEIVED_TOP`)
and use fictional people and organisations only.
"""

from __future__ import annotations

import base64
import io
import quopri
import zipfile
from typing import Mapping, Sequence
from urllib.parse import quote

from tests.builders.cfb import build_cfb
from tests.builders.tnef import build_tnef

Files = Sequence[tuple[str, bytes]]
Overrides = Mapping[str, "str | list[str] | None"] | None
Header = tuple[str, str]

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
SENDER = "Jane Whitfield <J.Whitfield@Brackenfield-Primary.sch.uk>"
FIRSTCONTACT = "firstcontact@durham.gov.uk"
CEVT = "cevt@durham.police.uk"
DATE = "Thu, 24 Dec 2026 14:58:12 +0000"
RECEIVED_TOP = "Thu, 24 Dec 2026 15:00:03 +0000"
RECEIVED = [
    "from EUR03-AM7-obe.outbound.protection.outlook.com (mail-am7eur03on2101.outbound.protection.outlook.com"
    " [40.107.105.101]) by mx.durham.gov.uk (Postfix) with ESMTPS id 4QxYz1;\r\n\t" + RECEIVED_TOP,
    "from DB9PR06MB7274.eurprd06.prod.outlook.com (2603:10a6:10:2d4::9) by\r\n\tDB9PR06MB7275.eurprd06.prod.outlook.com"
    " with HTTPS; Thu, 24 Dec 2026 14:59:50 +0000",
    "from [10.20.30.40] by DB9PR06MB7274.eurprd06.prod.outlook.com; Thu, 24 Dec 2026 14:58:13 +0000",
]
EXCHANGE_AUTH = (
    "spf=pass (sender IP is 1.2.3.4) smtp.mailfrom=brackenfield-primary.sch.uk; dkim=pass (signature was verified)"
    " header.d=brackenfield-primary.sch.uk;dmarc=pass action=none header.from=brackenfield-primary.sch.uk;"
    "compauth=pass reason=100"
)
PNG_1PX = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def tiny_docx(text: str = "Safeguarding Referral Form", pad_to: int = 0) -> bytes:
    """A minimal .docx stand-in: content types plus ``word/document.xml`` (padded with a stored member)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", (
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.wordprocessingml.document.main+xml"/></Types>'))
        zf.writestr("word/document.xml", f'<w:document xmlns:w="urn:w"><w:body><w:p><w:r><w:t>{text}'
                                         "</w:t></w:r></w:p></w:body></w:document>")
        if pad_to:
            zf.writestr(zipfile.ZipInfo("word/media/image1.bin"), bytes(range(256)) * (pad_to // 256 + 1),
                        compress_type=zipfile.ZIP_STORED)
    return buf.getvalue()


# --- assembling --------------------------------------------------------------------------------

def _apply(headers: list[Header], overrides: Overrides) -> list[Header]:
    result = list(headers)
    for name, value in (overrides or {}).items():
        values = [] if value is None else [value] if isinstance(value, str) else list(value)
        positions = [i for i, (n, _) in enumerate(result) if n.lower() == name.lower()]
        at = positions[0] if positions else len(result)
        result = [h for h in result if h[0].lower() != name.lower()]
        result[at:at] = [(name, v) for v in values]
    return result


def _top(subject: str, extra: list[Header], overrides: Overrides, *, message_id: str) -> list[Header]:
    base = [("Return-Path", "<J.Whitfield@Brackenfield-Primary.sch.uk>")]
    base += [("Received", hop) for hop in RECEIVED]
    base += [("Authentication-Results", EXCHANGE_AUTH), ("From", SENDER), ("To", FIRSTCONTACT),
             ("CC", f"CEVT Triage <{CEVT}>"), ("Subject", subject), ("Date", DATE),
             ("Message-ID", f"<{message_id}>"), ("MIME-Version", "1.0")]
    return _apply(base + extra, overrides)


def _render(headers: list[Header], body: bytes) -> bytes:
    head = "".join(f"{name}: {value}\r\n" for name, value in headers).encode("utf-8")
    return head + b"\r\n" + body


def _multipart(boundary: str, parts: Sequence[bytes]) -> bytes:
    b = boundary.encode()
    return (b"This is a multi-part message in MIME format.\r\n\r\n"
            + b"".join(b"--" + b + b"\r\n" + p + b"\r\n" for p in parts) + b"--" + b + b"--\r\n")


def _b64(data: bytes) -> bytes:
    return base64.encodebytes(data).replace(b"\n", b"\r\n")


def _qp(text: str) -> bytes:
    return quopri.encodestring(text.replace("\n", "\r\n").encode("utf-8")).replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def _text_part(text: str, subtype: str = "plain", *, qp: bool = True) -> bytes:
    cte = "quoted-printable" if qp else "7bit"
    body = _qp(text) if qp else text.replace("\n", "\r\n").encode("utf-8")
    return _render([("Content-Type", f'text/{subtype}; charset="utf-8"'), ("Content-Transfer-Encoding", cte)], body)


def _file_part(filename: str, data: bytes, ctype: str = DOCX_TYPE, *, disposition: str = "attachment",
               name_params: str | None = None) -> bytes:
    params = name_params if name_params is not None else f'filename="{filename}"'
    ctype_name = "" if name_params is not None else f'; name="{filename}"'
    return _render([("Content-Type", f"{ctype}{ctype_name}"), ("Content-Description", filename),
                    ("Content-Disposition", f"{disposition}; {params}; size={len(data)}"),
                    ("Content-Transfer-Encoding", "base64")], _b64(data))


def _alternative(text: str, boundary: str, *, logo_cid: str | None = None) -> bytes:
    img = f'<img src="cid:{logo_cid}" width="120" height="40" alt="Brackenfield Primary">' if logo_cid else ""
    html = ("<html><head><style>p{margin:0}</style></head><body><p>"
            + text.replace("\n", "<br>\n") + f"</p><p>{img}</p></body></html>")
    inner = _multipart(boundary, [_text_part(text), _text_part(html, "html")])
    return _render([("Content-Type", f'multipart/alternative; boundary="{boundary}"')], inner)


GREETING = ("Good afternoon,\n\nPlease find attached a referral for a child we are worried about.\n\n"
            "Kind regards\nJane Whitfield\nDesignated Safeguarding Lead\nBrackenfield Primary School")


# --- client shapes -----------------------------------------------------------------------------

def outlook_desktop(attachments: Files = (), headers: Overrides = None, *, signature_logo: bytes | None = None,
                    message_id: str = "DB9PR06MB72741A2B3C4D5E6F@DB9PR06MB7274.eurprd06.prod.outlook.com") -> bytes:
    """Outlook for Windows: mixed > alternative (text + HTML), base64 .docx with the Word MIME type.

    ``signature_logo`` adds an image the HTML shows by Content-ID (mixed > related > alternative).
    """
    body = _alternative(GREETING, "_000_DB9PR06MB7274alt_", logo_cid="image001.png@01DAB3C1.5F4E2D10"
                        if signature_logo is not None else None)
    if signature_logo is not None:
        logo = _render([("Content-Type", 'image/png; name="image001.png"'),
                        ("Content-Description", "image001.png"),
                        ("Content-Disposition", f'inline; filename="image001.png"; size={len(signature_logo)}'),
                        ("Content-ID", "<image001.png@01DAB3C1.5F4E2D10>"),
                        ("Content-Transfer-Encoding", "base64")], _b64(signature_logo))
        related = _multipart("_004_DB9PR06MB7274rel_", [body, logo])
        body = _render([("Content-Type", 'multipart/related; boundary="_004_DB9PR06MB7274rel_"; type="multipart/alternative"')], related)
    parts = [body] + [_file_part(name, data) for name, data in attachments]
    extra = [("Thread-Topic", "Safeguarding referral"), ("Thread-Index", "AQHa1b2c3d4e5f6g7h8i9j0kAbCdEf=="),
             ("Accept-Language", "en-GB, en-US"), ("Content-Language", "en-GB"),
             ("X-MS-Has-Attach", "yes" if attachments else ""),
             ("Content-Type", 'multipart/mixed; boundary="_005_DB9PR06MB7274mix_"')]
    return _render(_top("OFFICIAL-SENSITIVE: Safeguarding referral", extra, headers, message_id=message_id),
                   _multipart("_005_DB9PR06MB7274mix_", parts))


def outlook_tnef(attachments: Files = (), headers: Overrides = None, *, tnef: bytes | None = None) -> bytes:
    """Outlook in rich-text mode through an Exchange that keeps TNEF: text/plain + winmail.dat."""
    blob = tnef if tnef is not None else build_tnef(list(attachments))
    parts = [_text_part(GREETING, qp=False),
             _render([("Content-Type", 'application/ms-tnef; name="winmail.dat"'),
                      ("Content-Disposition", 'attachment; filename="winmail.dat"'),
                      ("Content-Transfer-Encoding", "base64")], _b64(blob))]
    extra = [("X-MS-TNEF-Correlator", "<DB9PR06MB72749F8E@DB9PR06MB7274.eurprd06.prod.outlook.com>"),
             ("Content-Type", 'multipart/mixed; boundary="----_=_NextPart_001_01DAB3C1.5F4E2D10"')]
    return _render(_top("Referral", extra, headers, message_id="TNEF01@DB9PR06MB7274.eurprd06.prod.outlook.com"),
                   _multipart("----_=_NextPart_001_01DAB3C1.5F4E2D10", parts))


def gmail(attachments: Files = (), headers: Overrides = None, *, continuations: bool = False) -> bytes:
    """Gmail: mixed > alternative, application/octet-stream with RFC 2231 ``filename*`` parameters."""
    parts = [_alternative(GREETING, "000000000000a1b2c3")]
    for name, data in attachments:
        encoded = quote(name, safe="")
        if continuations:
            cut = encoded.find("%", len(encoded) // 2)  # never split a %XX escape
            cut = cut if cut > 0 else len(encoded) // 2
            params = f"filename*0*=utf-8''{encoded[:cut]};\r\n filename*1*={encoded[cut:]}"
        else:
            params = f"filename*=utf-8''{encoded}"
        parts.append(_file_part(name, data, "application/octet-stream", name_params=params))
    extra = [("Content-Type", 'multipart/mixed; boundary="000000000000d4e5f6"')]
    over = {"From": "Sam Okafor <sam.okafor.family.support@gmail.com>", **(headers or {})}
    return _render(_top("Worried about a pupil", extra, over, message_id="CAF=gm+AbCd123@mail.gmail.com"),
                   _multipart("000000000000d4e5f6", parts))


def apple_mail(attachments: Files = (), headers: Overrides = None) -> bytes:
    """Apple Mail: quoted-printable text, each file inline with a filename, text again after."""
    parts = [_text_part("Hello,\n\nThe form is attached — thank you.\n\n")]
    for name, data in attachments:
        parts.append(_render([("Content-Disposition", f'inline;\r\n\tfilename="{name}"'),
                              ("Content-Type", f'{DOCX_TYPE};\r\n\tx-unix-mode=0644;\r\n\tname="{name}"'),
                              ("Content-Transfer-Encoding", "base64")], _b64(data)))
    parts.append(_text_part("\n\nBest wishes,\nTom Ashby\nHeadteacher"))
    extra = [("Content-Type", 'multipart/mixed;\r\n\tboundary="Apple-Mail=_5B1C2D3E-4F50-6172-8394-A5B6C7D8E9F0"'),
             ("X-Mailer", "Apple Mail (2.3774.500.171.1.1)")]
    return _render(_top("Referral form", extra, headers, message_id="9A8B7C6D-5E4F-3A2B-1C0D@hollins-academy.sch.uk"),
                   _multipart("Apple-Mail=_5B1C2D3E-4F50-6172-8394-A5B6C7D8E9F0", parts))


def encoded_filename(attachments: Files = (), headers: Overrides = None) -> bytes:
    """Thunderbird-style RFC 2047 encoded-word filenames (``=?utf-8?B?...?=``) in both parameters."""
    parts = [_text_part("Form attached.", qp=False)]
    for name, data in attachments:
        word = "=?utf-8?B?" + base64.b64encode(name.encode()).decode() + "?="
        parts.append(_render([("Content-Type", f'{DOCX_TYPE};\r\n name="{word}"'),
                              ("Content-Disposition", f'attachment;\r\n filename="{word}"'),
                              ("Content-Transfer-Encoding", "base64")], _b64(data)))
    extra = [("Content-Type", 'multipart/mixed; boundary="------------tb0123456789"')]
    return _render(_top("=?utf-8?Q?R=C3=A9ferral_form?=", extra, headers, message_id="tb-2047@riverside.nhs.uk"),
                   _multipart("------------tb0123456789", parts))


def wrong_mime_type(attachments: Files = (), headers: Overrides = None, *, declared: str = "text/plain") -> bytes:
    """A gateway that labels the .docx with the wrong type (``text/plain`` by default)."""
    parts = [_text_part("See attached.", qp=False)]
    parts += [_file_part(name, data, declared) for name, data in attachments]
    extra = [("Content-Type", 'multipart/mixed; boundary="wrongtype"')]
    return _render(_top("Referral", extra, headers, message_id="wrong-type@housing-trust.org.uk"),
                   _multipart("wrongtype", parts))


def body_only(headers: Overrides = None, *, text: str = GREETING) -> bytes:
    """A plain single-part message with no attachment."""
    extra = [("Content-Type", 'text/plain; charset="utf-8"'), ("Content-Transfer-Encoding", "quoted-printable")]
    return _render(_top("Concern about a child", extra, headers, message_id="body-only@brackenfield-primary.sch.uk"),
                   _qp(text))


# --- forwards and Outlook items ----------------------------------------------------------------

def forwarded_as_attachment(inner: bytes, headers: Overrides = None, *, filename: str | None = "Referral.eml",
                            nested: int = 1) -> bytes:
    """``inner`` forwarded as a ``message/rfc822`` part, ``nested`` times (filename optional)."""
    raw = inner
    for level in range(1, nested + 1):
        disposition = f'attachment; filename="{filename}"' if filename else "inline"
        part = _render([("Content-Type", "message/rfc822"), ("Content-Disposition", disposition)], raw)
        extra = [("Content-Type", f'multipart/mixed; boundary="fwd-{level}"')]
        raw = _render(_top(f"FW: Referral ({level})", extra, headers if level == nested else None,
                           message_id=f"fwd-{level}@durham.gov.uk"),
                      _multipart(f"fwd-{level}", [_text_part("Forwarding as requested.", qp=False), part]))
    return raw


def attached_eml(inner: bytes, headers: Overrides = None, *, filename: str = "Referral email.eml") -> bytes:
    """A saved ``.eml`` file attached as ``application/octet-stream`` (webmail and drag-and-drop do this)."""
    parts = [_text_part("Email attached.", qp=False), _file_part(filename, inner, "application/octet-stream")]
    extra = [("Content-Type", 'multipart/mixed; boundary="eml-file"')]
    return _render(_top("FW: referral email", extra, headers, message_id="eml-file@durham.gov.uk"),
                   _multipart("eml-file", parts))


def forwarded_inline(headers: Overrides = None) -> bytes:
    """A forward with the original quoted in the body and its attachment dropped."""
    text = ("FYI\n\n---------- Forwarded message ---------\nFrom: Jane Whitfield <j.whitfield@brackenfield-primary.sch.uk>\n"
            "Date: Thu, 24 Dec 2026 at 14:58\nSubject: Safeguarding referral\nTo: <firstcontact@durham.gov.uk>\n\n"
            + GREETING)
    extra = [("Content-Type", 'text/plain; charset="utf-8"'), ("Content-Transfer-Encoding", "quoted-printable")]
    return _render(_top("Fwd: Safeguarding referral", extra, headers, message_id="fwd-inline@durham.gov.uk"), _qp(text))


def build_msg(attachments: Files = (), *, subject: str = "Safeguarding referral",
              embedded: Sequence[tuple[str, Files]] = ()) -> bytes:
    """A minimal Outlook ``.msg``: properties, subject, body, attachments, embedded items."""
    return build_cfb(_msg_streams("", attachments, subject, embedded, top=True))


def _msg_streams(root: str, attachments: Files, subject: str, embedded: Sequence[tuple[str, Files]], *,
                 top: bool) -> dict[str, bytes]:
    def utf16(text: str) -> bytes:
        return text.encode("utf-16-le") + b"\x00\x00"

    count = len(attachments) + len(embedded)
    header = b"\x00" * 8 + (0).to_bytes(4, "little") + count.to_bytes(4, "little") * 2 + b"\x00" * (12 if top else 4)
    streams = {f"{root}__properties_version1.0": header[: 32 if top else 24],
               f"{root}__substg1.0_001A001F": utf16("IPM.Note"),
               f"{root}__substg1.0_0037001F": utf16(subject),
               f"{root}__substg1.0_1000001F": utf16(GREETING)}
    if top:
        streams["__nameid_version1.0/__substg1.0_00020102"] = b""
    for index, (name, data) in enumerate(attachments):
        att = f"{root}__attach_version1.0_#{index:08X}/"
        short = name.rsplit(".", 1)
        streams |= {f"{att}__properties_version1.0": b"\x00" * 8,
                    f"{att}__substg1.0_3707001F": utf16(name),
                    f"{att}__substg1.0_3704001F": utf16(f"{short[0][:6].upper()}~1.{short[-1][:3].upper()}"),
                    f"{att}__substg1.0_37010102": data}
    for offset, (inner_subject, inner_files) in enumerate(embedded, start=len(attachments)):
        att = f"{root}__attach_version1.0_#{offset:08X}/"
        streams |= {f"{att}__properties_version1.0": b"\x00" * 8, f"{att}__substg1.0_3001001F": utf16(inner_subject)}
        streams |= _msg_streams(f"{att}__substg1.0_3701000D/", inner_files, inner_subject, (), top=False)
    return streams


def msg_attached(attachments: Files = (), headers: Overrides = None, *, msg_name: str = "Safeguarding referral.msg",
                 embedded: Sequence[tuple[str, Files]] = ()) -> bytes:
    """An Outlook item dragged into a new message: a ``.msg`` attachment holding the form."""
    item = build_msg(attachments, embedded=embedded)
    parts = [_alternative(GREETING, "msg-alt"), _file_part(msg_name, item, "application/vnd.ms-outlook")]
    extra = [("Content-Type", 'multipart/mixed; boundary="msg-mixed"')]
    return _render(_top("FW: Safeguarding referral", extra, headers, message_id="msg-item@durham.gov.uk"),
                   _multipart("msg-mixed", parts))


# --- machine-generated mail ----------------------------------------------------------------------

def dsn_bounce(original_id: str, headers: Overrides = None, *, recipient: str = "j.whitfield@brackenfield-primary.sch.uk",
               envelope_id: str | None = None, returned_extra: str = "") -> bytes:
    """A Postfix RFC 3464 bounce: human text, ``message/delivery-status``, ``text/rfc822-headers``."""
    status = ("Reporting-MTA: dns; mx.durham.gov.uk\r\n"
              + (f"Original-Envelope-Id: {envelope_id}\r\n" if envelope_id else "")
              + "Arrival-Date: Thu, 24 Dec 2026 15:01:00 +0000\r\n\r\n"
              f"Final-Recipient: rfc822; {recipient}\r\nOriginal-Recipient: rfc822;{recipient}\r\n"
              "Action: failed\r\nStatus: 5.1.1\r\nDiagnostic-Code: smtp; 550 5.1.1 User unknown\r\n")
    original = (f"From: First Contact <{FIRSTCONTACT}>\r\nTo: {recipient}\r\nSubject: [HOTH-2026-000001] Received\r\n"
                f"Message-ID: <{original_id}>\r\nAuto-Submitted: auto-replied\r\n{returned_extra}")
    parts = [_render([("Content-Description", "Notification"), ("Content-Type", "text/plain; charset=us-ascii")],
                     b"This is the mail system at host mx.durham.gov.uk.\r\n\r\nI'm sorry to have to inform you"
                     b" that your message could not be delivered.\r\n"),
             _render([("Content-Description", "Delivery report"), ("Content-Type", "message/delivery-status")],
                     status.encode()),
             _render([("Content-Description", "Undelivered Message Headers"), ("Content-Type", "text/rfc822-headers")],
                     original.encode())]
    top = [("Return-Path", "<>"), ("Received", f"by mx.durham.gov.uk (Postfix) id 4QxZ; {RECEIVED_TOP}"),
           ("Date", DATE), ("From", "MAILER-DAEMON@mx.durham.gov.uk (Mail Delivery System)"),
           ("Subject", "Undelivered Mail Returned to Sender"), ("To", FIRSTCONTACT),
           ("Auto-Submitted", "auto-replied"), ("Message-Id", "<20261224150103.4QxZ@mx.durham.gov.uk>"),
           ("MIME-Version", "1.0"),
           ("Content-Type", 'multipart/report; report-type=delivery-status;\r\n\tboundary="4QxZ.1766588463/mx"')]
    return _render(_apply(top, headers), _multipart("4QxZ.1766588463/mx", parts))


def exchange_ndr(original: bytes, headers: Overrides = None) -> bytes:
    """An Exchange Online NDR: alternative text/HTML, delivery status, the whole original returned."""
    status = ("Reporting-MTA: dns;DB9PR06MB7274.eurprd06.prod.outlook.com\r\n"
              "Received-From-MTA: dns;mx.durham.gov.uk\r\nArrival-Date: Thu, 24 Dec 2026 15:01:00 +0000\r\n\r\n"
              "Final-Recipient: rfc822;nobody@brackenfield-primary.sch.uk\r\nAction: failed\r\nStatus: 5.1.10\r\n"
              "Diagnostic-Code: smtp;550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup\r\n"
              "X-Display-Name: nobody@brackenfield-primary.sch.uk\r\n")
    parts = [_alternative("Your message to nobody@brackenfield-primary.sch.uk couldn't be delivered.", "ndr-alt"),
             _render([("Content-Type", "message/delivery-status")], status.encode()),
             _render([("Content-Type", "message/rfc822")], original)]
    top = [("Return-Path", "<>"), ("Received", f"from DB9PR06MB7274.eurprd06.prod.outlook.com by mx.durham.gov.uk; {RECEIVED_TOP}"),
           ("From", "Microsoft Outlook <MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@brackenfield-primary.sch.uk>"),
           ("To", FIRSTCONTACT), ("Date", DATE), ("Subject", "Undeliverable: [HOTH-2026-000001] Received"),
           ("Message-ID", "<ndr-7f3a@DB9PR06MB7274.eurprd06.prod.outlook.com>"),
           ("X-MS-Exchange-Message-Is-Ndr", ""), ("Auto-Submitted", "auto-replied"), ("MIME-Version", "1.0"),
           ("Content-Type", 'multipart/report; report-type="delivery-status"; boundary="ndr-report"')]
    return _render(_apply(top, headers), _multipart("ndr-report", parts))


def out_of_office(headers: Overrides = None, *, rfc3834: bool = True) -> bytes:
    """An out-of-office reply: ``Auto-Submitted: auto-replied``, or only Outlook's subject and suppress header."""
    marks = ([("Auto-Submitted", "auto-replied"), ("X-Autoreply", "yes")] if rfc3834
             else [("X-Auto-Response-Suppress", "All"), ("X-MS-Exchange-Inbox-Rules-Loop", "j.whitfield@brackenfield-primary.sch.uk")])
    extra = marks + [("In-Reply-To", "<hoth-ack-1@durham.gov.uk>"), ("Content-Type", "text/plain; charset=utf-8")]
    over = {"Subject": "Automatic reply: Safeguarding referral", **(headers or {})}
    return _render(_top("", extra, over, message_id="oof-1@brackenfield-primary.sch.uk"),
                   b"I am out of the office until Monday 4 January.\r\n")


def mailing_list(headers: Overrides = None) -> bytes:
    """A newsletter from a list server: List-Id, List-Unsubscribe, Precedence: list."""
    extra = [("List-Id", "Safeguarding Partnership News <news.partnership.example.org.uk>"),
             ("List-Unsubscribe", "<mailto:leave-news@partnership.example.org.uk>"), ("Precedence", "list"),
             ("Content-Type", "text/plain; charset=utf-8")]
    over = {"From": "Partnership News <news@partnership.example.org.uk>", **(headers or {})}
    return _render(_top("December newsletter", extra, over, message_id="news-2026-12@partnership.example.org.uk"),
                   b"Training dates for the new year.\r\n")


def huge_message(size: int, headers: Overrides = None) -> bytes:
    """An Outlook message whose attachment makes the message at least ``size`` bytes."""
    return outlook_desktop([("Scan.pdf", b"%PDF-1.7\n" + b"\x00" * (size * 3 // 4))], headers,
                           message_id="huge@brackenfield-primary.sch.uk")
