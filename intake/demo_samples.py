"""Sample traffic for `hoth-intake demo`: fictional forms (raw WordprocessingML) and the emails carrying them.

Self-contained on purpose (the test builders are not shipped): paragraphs and
tables with ticks typed as glyphs, in the shape of the real templates, plus an
encrypted Office file (a minimal compound file holding ``EncryptedPackage``).
All people, schools and addresses are invented.
"""

from __future__ import annotations

import io
import struct
import zipfile
from dataclasses import dataclass
from datetime import datetime
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from email.utils import format_datetime, make_msgid
from xml.sax.saxutils import escape

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PARTNER_AUTH = ("mx.durham.gov.uk; spf=pass smtp.mailfrom={domain}; dkim=pass header.d={domain}; "
                "dmarc=pass action=none header.from={domain}")
INDICATORS = ("Family and peer relationships", "Accommodation", "Education", "Emotional Health",
              "Experience of Violence", "Running away / going missing",
              "Contact with abusive adults and / or unsafe environments", "Controlled Substances",
              "Coercion / control", "Rewards (Including online reward)", "Sexual health & relationships",
              "Social Networking", "Physical risks", "Engagement with services")
LEVELS = ("No risk identified", "Low", "Moderate", "Significant")
OVERALL = ("No exploitation concerns", "Low Risk", "Moderate Risk", "Significant Risk")

Row = list[str]


def _para(text: str) -> str:
    return f'<w:p><w:r><w:t xml:space="preserve">{escape(text)}</w:t></w:r></w:p>'


def _table(rows: list[Row]) -> str:
    cells = "".join("<w:tr>" + "".join(f"<w:tc>{_para(c)}</w:tc>" for c in row) + "</w:tr>" for row in rows)
    return f"<w:tbl>{cells}</w:tbl>"


def docx(blocks: list[str]) -> bytes:
    """A minimal .docx whose body is the given paragraphs and tables."""
    ns = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    document = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document {ns}><w:body>' \
               f'{"".join(blocks)}</w:body></w:document>'
    types = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
             'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
             'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName='
             '"/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.'
             'document.main+xml"/></Types>')
    rels = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
            '2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>')
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", types)
        zf.writestr("_rels/.rels", rels)
        zf.writestr("word/document.xml", document)
    return buf.getvalue()


def _tick(on: bool) -> str:
    return "\u2612" if on else "\u2610"


def _yes_no(value: bool) -> str:
    return f"Yes {_tick(value)}     No {_tick(not value)}"


def referral_form(*, child: str, dob: str, address: str | None, concerns: str | None,
                  exploitation: bool = False) -> bytes:
    """A Safeguarding Referral Form; ``None`` leaves a field empty."""
    categories = ["Physical abuse", "Emotional abuse", "Sexual abuse", "Neglect", "Domestic abuse",
                  "Child exploitation / harm outside the home", "Other"]
    ticked = {"Child exploitation / harm outside the home" if exploitation else "Neglect"}
    return docx([
        _para("Safeguarding Referral Form"),
        _para("Referrer details"),
        _table([["Name of referrer", "Helen Marsh", "Role / job title", "Designated Safeguarding Lead"],
                ["Agency / organisation", "Oakfield Academy", "Telephone number", "01632 960100"],
                ["Email address", "h.marsh@oakfield-academy.sch.uk", "Date of referral", "02/11/2026"]]),
        _para("Child details"),
        _table([["Child\u2019s name", child, "Date of birth", dob],
                ["Gender", "Female", "Address", address or ""],
                ["School / setting", "Oakfield Academy", "GP", "Riverside Surgery"]]),
        _table([[c, _tick(c in ticked)] for c in categories]),
        _table([["What has happened / what are you worried about?"], [concerns or ""]]),
        _table([["Are parents/carers aware of this referral?", _yes_no(True)],
                ["Has consent been given for this referral?", _yes_no(True)],
                ["Is the child open to Children\u2019s Social Care?", _yes_no(False)],
                ["Is a CE Matrix attached?", _yes_no(False)],
                ["Is the child at immediate risk of harm?", _yes_no(False)]]),
    ])


def ce_matrix(*, child: str, dob: str, level: int, open_to_csc: bool = True) -> bytes:
    """A complete CE Matrix with every indicator and the overall level at ``level`` (0 none … 3 significant)."""
    blocks = [
        _para("Child Exploitation Risk Assessment Information Form"),
        _para(f"Referral {_tick(True)}     Review {_tick(False)}     Final {_tick(False)}"),
        _table([["Named worker leading on the Risk Assessment", "Sam Okoro", "Contact Details & Agency",
                 "01632 960200, Northgate Youth Service", "Date", "02/11/2026"]]),
        _table([["Child\u2019s full name (+ aliases)", "D.O.B.", "Age", "Home Address and contact number"],
                [child, dob, "15", "4 Elm Row, Newtown"],
                ["Disability", "Gender Identity", "Ethnicity", "Open to Children\u2019s Social Care"],
                ["None known", "Male", "White British", "Yes" if open_to_csc else "No"]]),
        _para("Professional Assessment of Safeguarding Risk Indicators"),
    ]
    for n, name in enumerate(INDICATORS, 1):
        blocks.append(_para(f"{n}.  Risk Indicator - {name}"))
        blocks.append(_table([[label, "", _tick(i == level)] for i, label in enumerate(LEVELS)]))
        blocks.append(_table([["PROVIDE EVIDENCE (Mandatory)", f"Worker's evidence for {name.lower()}."]]))
    blocks.append(_table([["Exploitation types suspected"], ["Child Criminal Exploitation (CCE)", _tick(True)]]))
    blocks.append(_table([["Overall Assessed Level of exploitation Risk"],
                          *[[label, "", _tick(i == level)] for i, label in enumerate(OVERALL)]]))
    blocks.append(_table([["Line Manager/ Designated Child Protection lead verification", "Priya Shah",
                           "Date agreed", "02/11/2026"]]))
    return docx(blocks)


def encrypted_office_file() -> bytes:
    """A password-protected Office document as Word saves it: a compound file with ``EncryptedPackage``."""
    end, free, fat_sector, no_stream = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
    header = (bytes.fromhex("D0CF11E0A1B11AE1") + bytes(16)
              + struct.pack("<HHHHH6xIIIIIIIII", 0x3E, 3, 0xFFFE, 9, 6, 0, 1, 1, 0, 4096, end, 0, end, 0)
              + struct.pack("<I", 0) + struct.pack("<I", free) * 108)
    fat = [fat_sector, end] + [3, 4, 5, 6, 7, 8, 9, end]
    fat_bytes = struct.pack(f"<{len(fat)}I", *fat) + struct.pack("<I", free) * (128 - len(fat))

    def entry(name: str, kind: int, child: int, start: int, size: int) -> bytes:
        encoded = (name + "\0").encode("utf-16-le") if name else b""
        return (encoded.ljust(64, b"\0") + struct.pack("<HBB", len(encoded), kind, 1)
                + struct.pack("<III", no_stream, no_stream, child) + bytes(16 + 4 + 16)
                + struct.pack("<IQ", start, size))

    directory = (entry("Root Entry", 5, 1, end, 0) + entry("EncryptedPackage", 2, no_stream, 2, 4096)
                 + entry("", 0, no_stream, 0, 0) * 2)
    return header + fat_bytes + directory + b"\xa5" * 4096


@dataclass(frozen=True)
class Sample:
    label: str
    mailboxes: tuple[str, ...]  # the configured mailboxes it is delivered to
    raw: bytes
    message_id: str


def email(*, sender: str, to: list[str], subject: str, body: str, received: datetime,
          attachments: list[tuple[str, bytes]] = (), headers: dict[str, str] | None = None,
          verified: bool = True) -> tuple[bytes, str]:
    """An inbound message as our receiving server stores it (Received + Authentication-Results on top)."""
    domain = sender.rsplit("@", 1)[-1]
    msg = EmailMessage()
    stamp = format_datetime(received)
    msg["Received"] = f"from mail.{domain} by mx.durham.gov.uk with ESMTPS; {stamp}"
    if verified:
        msg["Authentication-Results"] = PARTNER_AUTH.format(domain=domain)
    msg["From"] = sender
    msg["To"] = ", ".join(to)
    msg["Subject"] = subject
    msg["Date"] = stamp
    message_id = make_msgid(domain=domain)
    msg["Message-ID"] = message_id
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(body)
    for filename, data in attachments:
        maintype, subtype = (DOCX if filename.endswith(".docx") else "application/octet-stream").split("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return msg.as_bytes(), message_id.strip("<>")


def forwarded(outer_sender: str, to: list[str], inner: bytes, received: datetime) -> tuple[bytes, str]:
    """``inner`` forwarded as an attachment (message/rfc822), as a duty officer would pass a referral on."""
    raw, message_id = email(sender=outer_sender, to=to, subject="FW: Safeguarding referral",
                            body="Forwarding the referral below, sent to me in error.", received=received)
    msg = message_from_bytes(raw, policy=default_policy)
    assert isinstance(msg, EmailMessage)
    msg.add_attachment(message_from_bytes(inner, policy=default_policy))
    return msg.as_bytes(), message_id
