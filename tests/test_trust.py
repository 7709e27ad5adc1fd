"""Sender trust: partner domains, Authentication-Results parsing, verification, reply address."""

from __future__ import annotations

from typing import Any

import pytest

from config.settings import Settings, load_settings
from parsers.message import ParsedMail
from routing.trust import AuthResults, domain_matches, parse_authentication_results, reply_address, sender_verified

DEFAULTS = ["gov.uk", "*.gov.uk", "nhs.net", "nhs.uk", "*.nhs.uk", "police.uk", "*.police.uk", "*.sch.uk"]
EXCHANGE_PASS = (
    "spf=pass (sender IP is 52.100.1.1) smtp.mailfrom=durham.gov.uk; dkim=pass (signature was verified) "
    "header.d=durham.gov.uk;dmarc=pass action=none header.from=durham.gov.uk;compauth=pass reason=100"
)


@pytest.fixture(scope="module")
def settings() -> Settings:
    """The default settings with our receiving servers' authserv-ids listed."""
    base = load_settings()
    service = base.service.model_copy(update={"authserv_ids": ["mx.durham.gov.uk", "mx.durham.police.uk"]})
    return base.model_copy(update={"service": service})


def _mail(from_addr: str = "worker@durham.gov.uk", auth: list[str] | None = None, **over: Any) -> ParsedMail:
    fields: dict[str, Any] = dict(
        message_id="m1@durham.gov.uk", subject="Referral", from_addr=from_addr, from_display="",
        reply_to=[], to=["firstcontact@durham.gov.uk"], cc=[], date=None, received_at=None,
        in_reply_to=[], references=[], return_path=from_addr,
        headers={"authentication-results": auth} if auth is not None else {}, body_text="",
    )
    fields.update(over)
    return ParsedMail(**fields)


@pytest.mark.parametrize(
    ("domain", "patterns", "expected"),
    [
        ("durham.police.uk", ["*.police.uk"], True),
        ("a.b.police.uk", ["*.police.uk"], True),
        ("police.uk", ["*.police.uk"], False),
        ("police.uk", ["police.uk"], True),
        ("durham.police.uk", ["police.uk"], False),
        ("DURHAM.Police.UK.", ["*.police.uk"], True),
        ("durham.police.uk", ["*.POLICE.UK."], True),
        ("evilpolice.uk", ["*.police.uk"], False),
        ("police.uk.evil.example", ["*.police.uk"], False),
        ("nhs.net", DEFAULTS, True),
        ("x.nhs.net", DEFAULTS, False),
        ("stmarys.durham.sch.uk", DEFAULTS, True),
        ("sch.uk", DEFAULTS, False),
        ("gmail.com", DEFAULTS, False),
        ("", ["*.gov.uk"], False),
        ("gov.uk", [], False),
    ],
)
def test_domain_matches(domain: str, patterns: list[str], expected: bool) -> None:
    """Wildcards match strictly below their suffix, exact patterns match exactly, case and dots ignored."""
    assert domain_matches(domain, patterns) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (EXCHANGE_PASS, AuthResults(None, "pass", "durham.gov.uk")),
        ("mx.durham.gov.uk; spf=pass smtp.mailfrom=nhs.net; dkim=pass header.d=nhs.net; "
         "dmarc=pass (p=reject dis=none) header.from=nhs.net", AuthResults("mx.durham.gov.uk", "pass", "nhs.net")),
        ("mx.durham.gov.uk 1; dmarc=fail header.from=example.com", AuthResults("mx.durham.gov.uk", "fail", "example.com")),
        ("MX.Durham.Gov.UK. (a; b); dmarc=pass (policy; x) header.from=Nhs.Net.",
         AuthResults("mx.durham.gov.uk", "pass", "nhs.net")),
        ("mx.durham.gov.uk; none", AuthResults("mx.durham.gov.uk", None, None)),
        ("mx.durham.gov.uk; dmarc = pass header.from = nhs.net", AuthResults("mx.durham.gov.uk", "pass", "nhs.net")),
        ('mx.durham.gov.uk; dmarc=pass header.from="nurse@nhs.net"', AuthResults("mx.durham.gov.uk", "pass", "nhs.net")),
        ("mx.durham.gov.uk;\r\n\tdmarc=pass\r\n header.from=nhs.net", AuthResults("mx.durham.gov.uk", "pass", "nhs.net")),
        ("mx; dmarc=pass header.from=a.gov.uk; dmarc=fail header.from=a.gov.uk", AuthResults("mx", "fail", "a.gov.uk")),
        ("dmarc/1=pass header.from=x.gov.uk", AuthResults(None, "pass", "x.gov.uk")),
        ("spf=none smtp.mailfrom=x.org; dmarc=bestguesspass action=none header.from=x.org",
         AuthResults(None, "bestguesspass", "x.org")),
        ("mx.durham.gov.uk; spf=pass smtp.mailfrom=nhs.net", AuthResults("mx.durham.gov.uk", None, None)),
        ("", AuthResults(None, None, None)),
    ],
)
def test_parse_authentication_results(value: str, expected: AuthResults) -> None:
    """Authentication-Results are read leniently: no authserv-id, comments, folding, spacing, quoting."""
    assert parse_authentication_results(value) == expected


@pytest.mark.parametrize(
    ("auth", "from_addr", "expected"),
    [
        pytest.param([EXCHANGE_PASS], "worker@durham.gov.uk", True, id="exchange-online-no-authserv-id"),
        pytest.param(["mx.durham.gov.uk; dmarc=pass header.from=nhs.net"], "nurse@nhs.net", True, id="trusted-authserv"),
        pytest.param(["MX.DURHAM.POLICE.UK; dmarc=pass header.from=durham.police.uk"], "pc@durham.police.uk", True,
                     id="trusted-authserv-case-insensitive"),
        pytest.param(["mx.evil.example; dmarc=pass header.from=nhs.net"], "nurse@nhs.net", False, id="untrusted-authserv"),
        pytest.param(["mx.evil.example; dmarc=fail header.from=nhs.net",
                      "mx.durham.gov.uk; dmarc=pass header.from=nhs.net"], "nurse@nhs.net", False,
                     id="only-topmost-counts-forged-below"),
        pytest.param(["mx.durham.gov.uk; dmarc=pass header.from=nhs.net",
                      "mx.durham.gov.uk; dmarc=fail header.from=nhs.net"], "nurse@nhs.net", True,
                     id="only-topmost-counts-pass-on-top"),
        pytest.param(["mx.durham.gov.uk; dmarc=fail header.from=nhs.net"], "nurse@nhs.net", False, id="dmarc-fail"),
        pytest.param(["mx.durham.gov.uk; dmarc=none header.from=nhs.net"], "nurse@nhs.net", False, id="dmarc-none"),
        pytest.param(["dmarc=bestguesspass action=none header.from=school.sch.uk"], "head@school.sch.uk", False,
                     id="dmarc-bestguesspass"),
        pytest.param(["mx.durham.gov.uk; spf=pass smtp.mailfrom=nhs.net"], "nurse@nhs.net", False, id="no-dmarc"),
        pytest.param(["mx.durham.gov.uk; dmarc=pass header.from=gmail.com"], "nurse@nhs.net", False,
                     id="header-from-mismatch"),
        pytest.param(["mx.durham.gov.uk; dmarc=pass"], "nurse@nhs.net", True, id="header-from-absent"),
        pytest.param(["mx.durham.gov.uk; dmarc=pass header.from=gmail.com"], "someone@gmail.com", False,
                     id="not-a-partner"),
        pytest.param(["mx.durham.gov.uk; dmarc=pass header.from=police.uk"], "x@police.uk", True, id="exact-partner"),
        pytest.param([], "nurse@nhs.net", False, id="no-header"),
        pytest.param(["mx.durham.gov.uk; dmarc=pass header.from=nhs.net"], "", False, id="no-from-address"),
    ],
)
def test_sender_verified(settings: Settings, auth: list[str], from_addr: str, expected: bool) -> None:
    """Verified needs our own topmost header, dmarc=pass, an agreeing header.from and a partner domain."""
    assert sender_verified(_mail(from_addr, auth), settings) is expected


@pytest.mark.parametrize(
    ("auth", "expected"),
    [
        ([EXCHANGE_PASS], True),
        (["mx.anywhere.example; dmarc=pass header.from=durham.gov.uk"], True),
        (["mx.anywhere.example; dmarc=fail header.from=durham.gov.uk",
          "mx.durham.gov.uk; dmarc=pass header.from=durham.gov.uk"], False),
    ],
    ids=["exchange-online", "any-authserv-id", "still-only-topmost"],
)
def test_sender_verified_with_no_authserv_ids_configured(auth: list[str], expected: bool) -> None:
    """With authserv_ids empty (the default config) the topmost header is trusted whatever its authserv-id."""
    bare = load_settings()
    bare = bare.model_copy(update={"service": bare.service.model_copy(update={"authserv_ids": []})})
    assert sender_verified(_mail(auth=auth), bare) is expected


def test_reply_address_ignores_reply_to(settings: Settings) -> None:
    """Replies go to the From address even when a Reply-To points elsewhere."""
    mail = _mail("worker@durham.gov.uk", reply_to=["collector@evil.example"])
    assert reply_address(mail, settings) == "worker@durham.gov.uk"
    assert reply_address(mail) == "worker@durham.gov.uk"
