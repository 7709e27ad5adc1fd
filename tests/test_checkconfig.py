"""`hoth-intake check-config`: validates offline, prints the route table, and says whether `run` would start."""

from __future__ import annotations

from pathlib import Path

import pytest

from intake.cli import main
from intake.demo import ImapAccount, render_config


def _config(tmp_path: Path, env: str) -> Path:
    accounts = {box: ImapAccount("127.0.0.1", 14300, box, password_env=env) for box in ("firstcontact", "cevt")}
    path = tmp_path / "hoth.toml"
    path.write_text(render_config(accounts, smtp_host="127.0.0.1", smtp_port=14325,
                                  store_url=f"sqlite:///{tmp_path / 's.sqlite3'}"))
    return path


def test_the_packaged_default_is_valid_for_parse_and_replay(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check-config"]) == 0
    out = capsys.readouterr().out
    assert ": valid settings" in out and "route table (first match wins):" in out and "cevt-significant" in out
    assert "fine for parse and replay" in out


def test_a_secret_run_could_not_read_is_reported_now(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HOTH_TEST_UNSET_PASSWORD", raising=False)
    assert main(["check-config", "--config", str(_config(tmp_path, "HOTH_TEST_UNSET_PASSWORD"))]) == 2
    out = capsys.readouterr().out
    assert "NOT READY" in out and "HOTH_TEST_UNSET_PASSWORD" in out
    assert "imap 127.0.0.1:14300 tls none" in out and "smtp           127.0.0.1:14325 tls none" in out


def test_a_runnable_config_is_ready(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOTH_TEST_PASSWORD", "secret")
    assert main(["check-config", "--config", str(_config(tmp_path, "HOTH_TEST_PASSWORD"))]) == 0
    assert "daemon: ready" in capsys.readouterr().out


def test_an_inline_secret_or_unknown_key_is_a_configuration_error(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    path = _config(tmp_path, "X")
    path.write_text(path.read_text().replace('password = {env = "X"}', 'password = "hunter2"', 1))
    assert main(["check-config", "--config", str(path)]) == 2
    assert "never read from the TOML" in capsys.readouterr().err
    path.write_text(path.read_text() + '\n[service]\nfrom_adress = "x@y"\n')
    assert main(["check-config", "--config", str(path)]) == 2
