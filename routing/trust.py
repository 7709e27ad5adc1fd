"""Sender trust: is this mail from a verified partner, and where may we reply?

A sender is *verified* when our own receiving server says the message passed
DMARC and the From domain is one of ``partner_domains``. Only the topmost
``Authentication-Results`` header is read: it is the one our server added on
receipt. Anything below it arrived with the message and could be forged by
the sender (RFC 8601 §5). Exchange Online writes its header without an
authserv-id, so an absent authserv-id is always accepted. When
``service.authserv_ids`` lists our servers, a present authserv-id must be one
of them; when it is empty (the default), the topmost header is trusted
whatever its authserv-id. Listing the ids is the stronger setting: it also
protects a mailbox whose server adds no header of its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from config.settings import Settings
from parsers.message import ParsedMail

# A result-info starts "method[/version] = result"; an authserv-id never has "=".
_RESINFO_START = re.compile(r"^[A-Za-z0-9_.\-]+(?:/[0-9]+)?\s*=")
_PAIR = re.compile(r'([A-Za-z0-9_.\-/]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^\s;"]+)')


@dataclass(frozen=True)
class AuthResults:
    """The parts of one ``Authentication-Results`` header that trust depends on."""

    authserv_id: str | None  # None when absent (Exchange Online style)
    dmarc: str | None  # "pass", "fail", "none", "bestguesspass", ... or None if not reported
    header_from: str | None  # the domain DMARC evaluated, lower-cased


def strip_comments(value: str) -> str:
    """``value`` unfolded, with RFC 5322 comments removed and whitespace collapsed.

    Parentheses inside quoted strings are kept; comments may nest.
    """
    out: list[str] = []
    depth = 0
    quoted = False
    escaped = False
    for char in value:
        if escaped:
            escaped = False
            if depth == 0:
                out.append(char)
            continue
        if char == "\\" and (quoted or depth):
            escaped = True
            if depth == 0:
                out.append(char)
            continue
        if depth == 0 and char == '"':
            quoted = not quoted
        elif not quoted and char == "(":
            depth += 1
            continue
        elif not quoted and depth and char == ")":
            depth -= 1
            continue
        if depth == 0:
            out.append(char)
    return " ".join("".join(out).split())


def normalise_domain(domain: str) -> str:
    """Lower-cased, without surrounding space, brackets or a trailing root dot."""
    return domain.strip().strip("<>").strip().rstrip(".").lower()


def domain_matches(domain: str, patterns: list[str]) -> bool:
    """True if ``domain`` equals a pattern, or is strictly below a ``*.`` pattern.

    ``*.police.uk`` matches ``durham.police.uk`` and ``a.b.police.uk`` but not
    ``police.uk`` itself (list that separately). Case and trailing dots are ignored.
    """
    name = normalise_domain(domain)
    if not name:
        return False
    for pattern in patterns:
        wanted = normalise_domain(pattern)
        if wanted.startswith("*."):
            suffix = wanted[1:]  # ".police.uk"
            if name.endswith(suffix) and len(name) > len(suffix):
                return True
        elif wanted and name == wanted:
            return True
    return False


def parse_authentication_results(value: str) -> AuthResults:
    """Read one ``Authentication-Results`` value leniently (RFC 8601 and Exchange Online).

    A value that opens with a ``method=result`` pair has no authserv-id. When
    several ``dmarc`` results are present, anything but unanimous ``pass``
    reports the first result that is not a pass.
    """
    segments = _split_outside_quotes(strip_comments(value))
    authserv_id: str | None = None
    first = segments[0].strip() if segments else ""
    if first and not _RESINFO_START.match(first):
        authserv_id = normalise_domain(first.split()[0].strip('"')) or None
        segments = segments[1:]
    dmarc_results: list[str] = []
    header_from: str | None = None
    for segment in segments:
        pairs = _PAIR.findall(segment.strip())
        if not pairs or not _RESINFO_START.match(segment.strip()):
            continue  # "none" or junk
        method = pairs[0][0].split("/")[0].lower()
        if method != "dmarc":
            continue
        dmarc_results.append(_unquote(pairs[0][1]).lower())
        for key, raw in pairs[1:]:
            if key.lower() == "header.from" and header_from is None:
                header_from = normalise_domain(_unquote(raw).rpartition("@")[2]) or None
    dmarc = None
    if dmarc_results:
        failing = [r for r in dmarc_results if r != "pass"]
        dmarc = failing[0] if failing else "pass"
    return AuthResults(authserv_id=authserv_id, dmarc=dmarc, header_from=header_from)


def sender_verified(mail: ParsedMail, settings: Settings) -> bool:
    """True only for DMARC-passing mail from a partner domain, as our own server saw it."""
    values = mail.headers.get("authentication-results") or []
    if not values:
        return False
    results = parse_authentication_results(values[0])
    trusted = {normalise_domain(a) for a in settings.service.authserv_ids}
    # The topmost header is the one our own receiving server prepended; when
    # authserv_ids is configured, its id must also be one of them.
    if trusted and results.authserv_id is not None and results.authserv_id not in trusted:
        return False
    if results.dmarc != "pass":
        return False
    from_domain = normalise_domain(mail.from_addr.rpartition("@")[2]) if "@" in mail.from_addr else ""
    if not from_domain:
        return False
    if results.header_from is not None and results.header_from != from_domain:
        return False
    return domain_matches(from_domain, settings.partner_domains)


def reply_address(mail: ParsedMail, settings: Settings | None = None) -> str:
    """The address sender-facing replies go to: always the From address.

    Never a Reply-To: DMARC authenticates the From domain only, and Reply-To is
    whatever the sender typed. Honouring it would let anyone who can put a
    partner's address in From (or a compromised partner account) redirect
    our replies, which carry a case reference, a child's initials and a risk
    level, to an arbitrary address. ``settings`` is accepted so callers can
    pass it uniformly; the rule itself does not depend on configuration.
    """
    return mail.from_addr


def _split_outside_quotes(text: str) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    escaped = False
    for char in text:
        if escaped:
            escaped = False
        elif char == "\\" and quoted:
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char == ";" and not quoted:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return parts


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return re.sub(r"\\(.)", r"\1", value[1:-1])
    return value
