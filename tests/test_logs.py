"""The JSON log configuration and its redaction of child data."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import structlog

from intake.logs import configure_logging, redact, scrub_text

CHILD_NAME = "Jayden Oakes-Whitfield"
DOB = "14/03/2012"


@pytest.fixture
def log_stream() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    configure_logging("debug", stream=stream)
    yield stream
    configure_logging("info")


def _lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_child_fields_are_masked(log_stream: io.StringIO) -> None:
    """A log call carrying child fields prints none of their values."""
    log = structlog.get_logger("intake.test")
    log.info(
        "document_parsed",
        mailbox="cevt", uid=42, case="HOTH-2026-000001",
        name=CHILD_NAME, child={"name": CHILD_NAME, "dob": DOB},
        dob=DOB, address="12 Elm Row, Durham DH1 3HP",
        evidence="Seen with older males at the bus station", body="Please see attached",
        subject=f"[OFFICIAL-SENSITIVE] CE Matrix {CHILD_NAME}",
        filename=f"{CHILD_NAME} CE Matrix.docx", child_name=CHILD_NAME,
    )
    text = log_stream.getvalue()
    for secret in (CHILD_NAME, "Jayden", DOB, "Elm Row", "DH1 3HP", "older males", "Please see", "CE Matrix"):
        assert secret not in text
    [line] = _lines(log_stream)
    assert line["event"] == "document_parsed"
    assert line["mailbox"] == "cevt" and line["uid"] == 42 and line["case"] == "HOTH-2026-000001"
    assert line["filename"] == "*.docx"
    assert line["level"] == "info" and "timestamp" in line


def test_dates_and_postcodes_masked_in_any_string(log_stream: io.StringIO) -> None:
    """DOB- and postcode-shaped text is masked even under innocent keys."""
    log = structlog.get_logger("intake.test")
    log.warning("parse_warning", detail="dob 2012-03-14 and 14 March 2012 at sr7 0ab", note="born 14.03.12")
    [line] = _lines(log_stream)
    assert "2012" not in json.dumps(line) and "sr7" not in json.dumps(line)
    assert "[date]" in str(line["detail"]) and "[postcode]" in str(line["detail"])


def test_operational_datetimes_are_kept(log_stream: io.StringIO) -> None:
    """Due and retry times (datetimes with a clock time) survive redaction."""
    due = datetime(2026, 12, 31, 17, 0, tzinfo=UTC)
    structlog.get_logger("intake.test").info("queue_entry_opened", due_at=due, next_attempt_at=due.isoformat())
    [line] = _lines(log_stream)
    assert line["due_at"] == "2026-12-31 17:00:00+00:00"
    assert line["next_attempt_at"] == "2026-12-31T17:00:00+00:00"


def test_stdlib_records_are_json_and_redacted(log_stream: io.StringIO) -> None:
    """A library logging through stdlib gets the same JSON and redaction."""
    logging.getLogger("some.library").warning("failed on %s born %s", "file.docx", DOB)
    [line] = _lines(log_stream)
    assert line["logger"] == "some.library" and DOB not in str(line["event"])


def test_exception_text_is_scrubbed(log_stream: io.StringIO) -> None:
    """A traceback whose message quotes a DOB is masked."""
    log = structlog.get_logger("intake.test")
    try:
        raise ValueError(f"unparseable date {DOB}")
    except ValueError:
        log.exception("parse_failed", mailbox="firstcontact")
    [line] = _lines(log_stream)
    assert "ValueError" in str(line["exception"]) and DOB not in str(line["exception"])


def test_chatty_protocol_loggers_stay_quiet(log_stream: io.StringIO) -> None:
    """imapclient's protocol trace is not printed even at debug level."""
    logging.getLogger("imapclient.imaplib").debug("> FETCH 1 BODY[] %s", CHILD_NAME)
    assert log_stream.getvalue() == ""


def test_redact_processor_alone() -> None:
    """The processor masks nested lists and keeps structural keys."""
    out = redact(None, "info", {
        "event": "x", "level": "info", "attachments": [{"filename": "a b.DOCM", "size": 3}],
        "aliases": ["JJ"], "raw": b"abc",
    })
    assert out["attachments"] == [{"filename": "*.docm", "size": 3}]
    assert out["aliases"] == "[redacted]" and out["raw"] == "[redacted]"
    assert scrub_text("seen 3rd Jan 2013, Jan 3, 2013") == "seen [date], [date]"


def test_unknown_level_rejected() -> None:
    """A misspelt level is a clear error, not silent defaults."""
    with pytest.raises(ValueError, match="unknown log level"):
        configure_logging("loud")
