"""Acceptance tests of `hoth-intake replay --json` (SPEC "Interfaces": the replay JSON contract and exit codes).

Most tests call ``intake.cli.main`` in-process with capsys (document parsing
memoised through ``tests.replaykit.cached_parse``: CE Matrices are slow to
read); a few run the installed console script as a subprocess, unpatched.
Inputs are .eml files written to tmp_path from the email and form builders.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

import routing.decide
from config.settings import default_config_path
from intake.cli import main
from tests.builders import emails, hostile
from tests.replaykit import ISO_RE, REFERENCE_RE, cached_parse, mail, matrix, referral

ROW_KEYS = {"file", "mailbox", "received_at", "message_id", "sender", "disposition", "case", "queue", "due_at",
            "documents", "missing", "notifications"}
CASE_KEYS = {"reference", "child", "declared_level", "effective_level", "flags"}
NOTE_KEYS = {"kind", "reason", "to", "subject"}
DOC_KEYS = {"file", "form", "status", "problem", "child", "exploitation_types", "missing", "warnings"}
MATRIX_KEYS = {"indicators", "overall_level", "effective_level"}
REFERRAL_KEYS = {"referrer", "concerns", "categories", "parents_informed", "open_to_csc", "immediate_risk",
                 "ce_matrix_attached"}
DISPOSITIONS = {"new_case", "case_update", "copy", "duplicate", "auto_reply", "bounce", "loop"}
MATRIX = ("CE Matrix.docx", matrix("moderate"))
REFERRAL = ("Referral Form.docx", referral())


def received(when: str) -> dict[str, list[str]]:
    """Header overrides giving a message one Received hop (and Date) at ``when`` (RFC 5322 date)."""
    return {"Received": [f"from mail.example.sch.uk by mx.durham.gov.uk (Postfix) with ESMTPS id 9Z; {when}"],
            "Date": when}


@pytest.fixture
def eml(tmp_path):
    """Write .eml bytes to tmp_path under ``name``; returns the path as a string."""
    def write(name: str, raw: bytes) -> str:
        path = tmp_path / name
        path.write_bytes(raw)
        return str(path)
    return write


@pytest.fixture
def replay(monkeypatch, capsys):
    """Run `hoth-intake replay` in-process; returns (exit code, parsed stdout or None, stderr)."""
    monkeypatch.setattr(routing.decide, "parse_document", cached_parse)

    def run(*args: str, json_out: bool = True) -> tuple[int, object, str]:
        code = main(["replay", *(["--json"] if json_out else []), *args])
        out, err = capsys.readouterr()
        return code, (json.loads(out) if json_out and out.strip() else out or None), err
    return run


def rows_ok(rows) -> None:
    """Every row has exactly the SPEC keys and well-formed values."""
    for row in rows:
        assert set(row) == ROW_KEYS
        assert re.fullmatch(ISO_RE, row["received_at"]), row["received_at"]
        assert row["due_at"] is None or re.fullmatch(ISO_RE, row["due_at"]), row["due_at"]
        assert row["disposition"] in DISPOSITIONS
        assert isinstance(row["missing"], list) and isinstance(row["documents"], list)
        if row["case"] is not None:
            assert set(row["case"]) == CASE_KEYS
            assert re.fullmatch(REFERENCE_RE, row["case"]["reference"])
            assert {"name", "dob", "age"} <= set(row["case"]["child"])
        for note in row["notifications"]:
            assert set(note) == NOTE_KEYS
            assert note["kind"] in ("acknowledgement", "missing_information", "escalation")
            assert isinstance(note["to"], list) and note["to"]
        for doc in row["documents"]:
            assert DOC_KEYS <= set(doc)
            if doc["form"] == "ce_matrix":
                assert MATRIX_KEYS <= set(doc)
            if doc["form"] == "referral":
                assert REFERRAL_KEYS <= set(doc)


# --- the JSON contract --------------------------------------------------------------------------------

def test_json_shape_for_both_mailboxes(replay, eml):
    """A matrix + referral to firstcontact, Cc cevt → two rows with exactly the SPEC keys and values."""
    path = eml("both.eml", mail([MATRIX, REFERRAL], to="firstcontact", cc="cevt"))
    code, rows, _ = replay(path)
    assert code == 0
    rows_ok(rows)
    fc, cevt = rows
    assert (fc["file"], fc["mailbox"], fc["disposition"]) == ("both.eml", "firstcontact", "new_case")
    assert (cevt["file"], cevt["mailbox"], cevt["disposition"]) == ("both.eml", "cevt", "copy")
    assert fc["received_at"] == "2026-12-24T15:00:03+00:00"
    assert fc["message_id"] == "DB9PR06MB72741A2B3C4D5E6F@DB9PR06MB7274.eurprd06.prod.outlook.com"
    assert fc["sender"] == "j.whitfield@brackenfield-primary.sch.uk"
    assert fc["case"]["reference"] == cevt["case"]["reference"] == "HOTH-2026-000001"
    child = fc["case"]["child"]
    assert (child["name"], child["dob"], child["age"]) == ("Rory Williams", "2012-03-04", 14)
    assert (fc["case"]["declared_level"], fc["case"]["effective_level"]) == ("moderate", "moderate")
    assert (fc["queue"], fc["due_at"]) == ("first-contact", "2026-12-29T17:00:00+00:00")
    assert (cevt["queue"], cevt["due_at"]) == ("cevt-moderate", "2026-12-31T17:00:00+00:00")
    assert sorted(doc["form"] for doc in fc["documents"]) == ["ce_matrix", "referral"]
    assert [n["kind"] for n in fc["notifications"]] == ["acknowledgement"]
    assert fc["notifications"][0]["reason"] is None
    assert fc["notifications"][0]["to"] == ["j.whitfield@brackenfield-primary.sch.uk"]
    assert "[HOTH-2026-000001]" in fc["notifications"][0]["subject"]
    assert cevt["notifications"] == []


def test_json_screened_row_has_no_case(replay, eml):
    """An out-of-office reply → an auto_reply row with case, queue and due_at null and no notifications."""
    code, rows, _ = replay(eml("oof.eml", emails.out_of_office({"CC": None})))
    assert code == 0
    rows_ok(rows)
    (row,) = rows
    assert row["disposition"] == "auto_reply"
    assert (row["case"], row["queue"], row["due_at"], row["notifications"]) == (None, None, None, [])


def test_json_missing_and_escalation(replay, eml):
    """A significant matrix to cevt only → missing recipients.firstcontact, significant_risk escalation listed."""
    raw = mail([("CE Matrix.docx", matrix("significant"))], to="cevt")
    _, rows, _ = replay(eml("sig.eml", raw))
    rows_ok(rows)
    (row,) = rows
    assert row["queue"] == "cevt-significant"
    assert "recipients.firstcontact" in row["missing"]
    kinds = [(n["kind"], n["reason"]) for n in row["notifications"]]
    assert kinds.count(("missing_information", None)) == 1
    assert ("escalation", "significant_risk") in kinds
    assert "strategy_meeting_required" in row["case"]["flags"]


# --- times --------------------------------------------------------------------------------------------

def test_received_at_from_topmost_received_not_date(replay, eml):
    """Without --at, receipt is the topmost Received header's date (15:00:03), not Date (14:58:12)."""
    _, rows, _ = replay(eml("a.eml", mail([REFERRAL])))
    assert rows[0]["received_at"] == "2026-12-24T15:00:03+00:00"


def test_received_at_falls_back_to_date(replay, eml):
    """Without --at and without Received headers, receipt is the Date header."""
    _, rows, _ = replay(eml("a.eml", mail([REFERRAL], Received=None)))
    assert rows[0]["received_at"] == "2026-12-24T14:58:12+00:00"


def test_at_overrides_receipt_time_and_prints_bst_offset(replay, eml):
    """--at 2026-06-15T15:00:00Z → received_at 16:00+01:00 and a +01:00 due time."""
    _, rows, _ = replay("--at", "2026-06-15T15:00:00Z", eml("a.eml", mail([REFERRAL])))
    (row,) = rows
    assert row["received_at"] == "2026-06-15T16:00:00+01:00"
    assert row["due_at"] == "2026-06-16T17:00:00+01:00"


def test_at_spec_deadline_example(replay, eml):
    """--at Thu 24 Dec 2026 15:00 with a moderate matrix to cevt → due 2026-12-31T17:00:00+00:00."""
    _, rows, _ = replay("--at", "2026-12-24T15:00:00+00:00", eml("m.eml", mail([MATRIX], to="cevt")))
    (row,) = rows
    assert (row["received_at"], row["queue"], row["due_at"]) == (
        "2026-12-24T15:00:00+00:00", "cevt-moderate", "2026-12-31T17:00:00+00:00")


def test_received_header_in_summer_prints_bst(replay, eml):
    """A message received in June (topmost Received) prints received_at with +01:00."""
    raw = mail([REFERRAL], **received("Mon, 15 Jun 2026 09:00:00 +0000"))
    _, rows, _ = replay(eml("june.eml", raw))
    assert rows[0]["received_at"] == "2026-06-15T10:00:00+01:00"


# --- references and processing order -----------------------------------------------------------------

def test_references_numbered_per_year_in_processing_order(replay, eml):
    """References run from 000001 per year in the order files are given (not by name or date)."""
    files = [
        eml("z.eml", mail([REFERRAL], message_id="z@brackenfield-primary.sch.uk")),
        eml("y.eml", mail([REFERRAL], message_id="y@brackenfield-primary.sch.uk",
                          **received("Mon, 04 Jan 2027 10:00:00 +0000"))),
        eml("a.eml", mail([REFERRAL], message_id="a@brackenfield-primary.sch.uk",
                          **received("Wed, 23 Dec 2026 10:00:00 +0000"))),
    ]
    _, rows, _ = replay(*files)
    assert [(row["file"], row["case"]["reference"]) for row in rows] == [
        ("z.eml", "HOTH-2026-000001"), ("y.eml", "HOTH-2027-000001"), ("a.eml", "HOTH-2026-000002")]


def test_later_files_see_earlier_cases(replay, eml):
    """A later file quoting the first file's reference is a case_update of that case."""
    first = eml("1.eml", mail([("Referral Form.docx", referral("incomplete"))]))
    second = eml("2.eml", mail([REFERRAL], subject="RE: [HOTH-2026-000001] More information needed",
                              message_id="second@brackenfield-primary.sch.uk"))
    _, rows, _ = replay(first, second)
    assert [row["disposition"] for row in rows] == ["new_case", "case_update"]
    assert rows[1]["case"]["reference"] == "HOTH-2026-000001"
    assert rows[1]["due_at"] == rows[0]["due_at"]


def test_same_file_twice_is_duplicate(replay, eml):
    """The same message replayed twice to one mailbox → the second row is duplicate with no case."""
    path = eml("a.eml", mail([REFERRAL]))
    _, rows, _ = replay(path, path)
    assert [row["disposition"] for row in rows] == ["new_case", "duplicate"]
    assert rows[1]["case"] is None and rows[1]["notifications"] == []


# --- deliveries -------------------------------------------------------------------------------------------

def test_delivers_to_every_mailbox_in_config_order(replay, eml):
    """To cevt, Cc firstcontact → rows for firstcontact then cevt (configuration order), one sender reply."""
    raw = mail([MATRIX], to="cevt", cc="firstcontact")
    _, rows, _ = replay(eml("a.eml", raw))
    assert [(row["mailbox"], row["disposition"]) for row in rows] == [("firstcontact", "new_case"),
                                                                      ("cevt", "copy")]
    replies = [n for row in rows for n in row["notifications"] if n["kind"] != "escalation"]
    assert len(replies) == 1


def test_delivery_matches_addresses_case_insensitively(replay, eml):
    """An upper-case Cc of the cevt address still delivers to cevt, and recipients.cevt is not missing."""
    raw = mail([MATRIX], to="firstcontact", cc="CEVT Triage <CEVT@Durham.Police.UK>")
    _, rows, _ = replay(eml("a.eml", raw))
    assert [row["mailbox"] for row in rows] == ["firstcontact", "cevt"]
    assert "recipients.cevt" not in rows[0]["missing"]


def test_delivers_only_to_addressed_mailbox(replay, eml):
    """To cevt only → one row, for cevt."""
    _, rows, _ = replay(eml("a.eml", mail([MATRIX], to="cevt")))
    assert [row["mailbox"] for row in rows] == ["cevt"]


def test_mailbox_option_delivers_only_there(replay, eml):
    """--mailbox cevt on mail addressed to both → one cevt row, a new case."""
    _, rows, _ = replay("--mailbox", "cevt", eml("a.eml", mail([MATRIX], to="firstcontact", cc="cevt")))
    assert [(row["mailbox"], row["disposition"], row["queue"]) for row in rows] == [
        ("cevt", "new_case", "cevt-moderate")]


def test_config_order_follows_the_config_file(replay, eml, tmp_path):
    """With cevt configured before firstcontact, a message to both is delivered to cevt first."""
    text = default_config_path().read_text(encoding="utf-8")
    fc = '[mailboxes.firstcontact]\naddress = "firstcontact@durham.gov.uk"\n'
    cevt = '[mailboxes.cevt]\naddress = "cevt@durham.police.uk"\n'
    assert fc in text and cevt in text
    config = tmp_path / "swapped.toml"
    config.write_text(text.replace(fc, "@@").replace(cevt, fc).replace("@@", cevt), encoding="utf-8")
    _, rows, _ = replay("--config", str(config), eml("a.eml", mail([MATRIX], to="firstcontact", cc="cevt")))
    assert [(row["mailbox"], row["disposition"]) for row in rows] == [("cevt", "new_case"),
                                                                      ("firstcontact", "copy")]


def test_config_level_policy_declared(replay, eml, tmp_path):
    """--config with level_policy = "declared" routes a declared-low matrix with a significant indicator low."""
    text = default_config_path().read_text(encoding="utf-8")
    config = tmp_path / "declared.toml"
    config.write_text(re.sub(r'level_policy = "highest"', 'level_policy = "declared"', text), encoding="utf-8")
    raw = mail([("CE Matrix.docx", matrix("discrepancy"))], to="cevt")
    _, rows, _ = replay("--config", str(config), eml("a.eml", raw))
    (row,) = rows
    assert (row["case"]["effective_level"], row["queue"], row["due_at"]) == ("low", "cevt-oversight", None)
    assert "level_discrepancy" in row["case"]["flags"]


# --- exit codes -------------------------------------------------------------------------------------------

def test_exit_0_for_unreadable_attachment(replay, eml):
    """An encrypted attachment is a result, not an error: exit 0, manual-review row."""
    code, rows, _ = replay(eml("enc.eml", mail([("Form.docx", hostile.encrypted_ooxml())])))
    assert code == 0
    assert rows[0]["documents"][0]["status"] == "encrypted"
    assert rows[0]["queue"] == "manual-review"


@pytest.mark.parametrize("args", [
    pytest.param(["--mailbox", "nowhere"], id="unknown-mailbox"),
    pytest.param(["--at", "yesterday"], id="bad-at"),
    pytest.param(["--config", "/nonexistent/hoth-intake.toml"], id="missing-config"),
])
def test_exit_2_for_usage_or_config_error(replay, eml, args):
    """Usage or configuration errors exit 2 and print no JSON."""
    code, out, err = replay(*args, eml("a.eml", mail([REFERRAL])), json_out=False)
    assert code == 2
    assert not out
    assert err.strip()


def test_at_without_offset_is_london_local_time(replay, eml):
    """--at without a UTC offset is read as Europe/London local time (BST in summer)."""
    code, rows, _ = replay("--at", "2027-06-01T10:00:00", eml("a.eml", mail([REFERRAL])))
    assert code == 0
    assert rows[0]["received_at"] == "2027-06-01T10:00:00+01:00"


def test_exit_2_without_files(capsys):
    """`replay --json` with no EML argument is a usage error: exit 2."""
    with pytest.raises(SystemExit) as exc:
        main(["replay", "--json"])
    assert exc.value.code == 2


def test_exit_2_for_invalid_config(replay, eml, tmp_path):
    """A config file that fails validation exits 2."""
    config = tmp_path / "bad.toml"
    config.write_text("[service]\nlevel_policy = 5\n", encoding="utf-8")
    code, _, err = replay("--config", str(config), eml("a.eml", mail([REFERRAL])), json_out=False)
    assert code == 2
    assert "bad.toml" in err


def test_exit_1_for_unreadable_input_file(replay, eml, tmp_path):
    """A missing .eml is an error on that input (exit 1); the other files still get their rows."""
    good = eml("good.eml", mail([REFERRAL]))
    code, rows, _ = replay(str(tmp_path / "missing.eml"), good)
    assert code == 1
    assert [row["file"] for row in rows] == ["good.eml"]


# --- the real console script ------------------------------------------------------------------------------

def _script(*args: str) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).with_name("hoth-intake")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "intake.cli"]
    return subprocess.run([*cmd, *args], check=False, capture_output=True, text=True, timeout=60)


def test_console_script_replay_json(eml):
    """The installed `hoth-intake replay --json` prints the JSON array and exits 0."""
    files = [eml("ref.eml", mail([REFERRAL], to="firstcontact", cc="cevt")),
             eml("body.eml", emails.body_only({"CC": None}))]
    done = _script("replay", "--json", *files)
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    rows_ok(rows)
    assert [(row["file"], row["mailbox"], row["disposition"]) for row in rows] == [
        ("ref.eml", "firstcontact", "new_case"), ("ref.eml", "cevt", "copy"), ("body.eml", "firstcontact", "new_case")]
    assert [row["case"]["reference"] for row in rows] == ["HOTH-2026-000001", "HOTH-2026-000001", "HOTH-2026-000002"]
    assert rows[2]["queue"] == "manual-review"


def test_console_script_usage_error(eml):
    """The installed script exits 2 for an unknown --mailbox."""
    done = _script("replay", "--json", "--mailbox", "nowhere", eml("a.eml", emails.body_only()))
    assert done.returncode == 2
    assert done.stdout.strip() == ""


def test_a_file_holding_a_referral_and_a_matrix_counts_as_both(replay, eml):
    """One attachment holding both forms: its referral's immediate risk is flagged, and no referral is asked for."""
    from tests.test_forms_agency_shapes import _referral_then_matrix

    _, rows, _ = replay(eml("both.eml", mail([("Referral and CE Matrix.docx", _referral_then_matrix())],
                                             to="firstcontact", cc="cevt")), "--mailbox", "firstcontact")
    rows_ok(rows)
    (row,) = rows
    assert len(row["documents"]) == 1 and row["documents"][0]["also"][0]["form"] == "referral"
    assert "immediate_risk" in row["case"]["flags"]
    assert "documents.referral" not in row["missing"]
