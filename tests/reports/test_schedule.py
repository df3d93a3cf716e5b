"""Scheduled reports: the period from the site's calendar, written to the folder, mailed
over SMTP with STARTTLS to a real local server (aiosmtpd), once per period."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from pydantic import ValidationError

from muniops.collector.core.settings import Settings
from muniops.collector.reports.config import Calendar, Period, ReportSettings
from muniops.collector.reports.schedule import last_period, run_all
from muniops.inventory.db import Database
from muniops.lab.smtp import running_smtp
from tests.pm.conftest import add, add_sites
from tests.reports.readback import pages_text, plain

# Wednesday 2 December 2026 = Wednesday 11 Azar 1405
TODAY = date(2026, 12, 2)


def test_periods_follow_the_calendar() -> None:
    # the Iranian week runs Saturday to Friday; the ISO week Monday to Sunday
    assert last_period(Period.WEEK, TODAY, Calendar.JALALI) == (date(2026, 11, 21),
                                                               date(2026, 11, 27))
    assert last_period(Period.WEEK, TODAY, Calendar.GREGORIAN) == (date(2026, 11, 23),
                                                                  date(2026, 11, 29))
    # Aban 1405 is 23 October – 21 November 2026
    assert last_period(Period.MONTH, TODAY, Calendar.JALALI) == (date(2026, 10, 23),
                                                                date(2026, 11, 21))
    assert last_period(Period.MONTH, TODAY, Calendar.GREGORIAN) == (date(2026, 11, 1),
                                                                   date(2026, 11, 30))
    assert last_period(Period.YEAR, TODAY, Calendar.JALALI) == (date(2025, 3, 21),
                                                               date(2026, 3, 20))


def test_schedules_need_a_folder_and_a_relay() -> None:
    with pytest.raises(ValidationError, match="output_dir"):
        ReportSettings.model_validate({"schedules": [{"name": "w", "report": "activity"}]})
    with pytest.raises(ValidationError, match=r"smtp\.host"):
        ReportSettings.model_validate({"output_dir": "/tmp", "schedules": [
            {"name": "w", "report": "activity", "to": ["it@example.org"]}]})
    with pytest.raises(ValidationError, match="unknown report"):
        ReportSettings.model_validate({"output_dir": "/tmp", "schedules": [
            {"name": "w", "report": "nope"}]})


def _settings(db: Database, out: Path, port: int, ca: Path, **smtp: object) -> Settings:
    return Settings.model_validate({
        "database_url": db.url,
        "reports": {
            "output_dir": str(out), "timezone": "Asia/Tehran", "persian_digits": True,
            "organisation": {"name": "Municipality of Region 1"},
            "smtp": {"host": "127.0.0.1", "port": port, "sender": "muniops@region1.example",
                     "ca_file": str(ca), "username": "it", "password": "s3cret-pw",
                     "timeout_seconds": 10, **smtp},
            "schedules": [
                {"name": "weekly", "report": "activity", "period": "week", "lang": "fa",
                 "calendar": "jalali", "to": ["head@region1.example", "it@region1.example"]},
                {"name": "assets-month", "report": "assets", "period": "month",
                 "format": "xlsx"}]}})


def test_weekly_report_written_and_mailed_once(sqlite_db: Database, tmp_path: Path,
                                               caplog: pytest.LogCaptureFixture) -> None:
    with sqlite_db.write() as s:
        add_sites(s)
        add(s, "PC-1")
    now = datetime(2026, 12, 2, 6, 0, tzinfo=UTC)
    with running_smtp(tmp_path, username="it", password="s3cret-pw") as box:
        settings = _settings(sqlite_db, tmp_path / "out", box.port, box.ca_file)
        done = run_all(sqlite_db, settings, now)
        assert [(o.schedule, o.period, o.mailed) for o in done] == [
            ("weekly", (date(2026, 11, 21), date(2026, 11, 27)), True),
            ("assets-month", (date(2026, 11, 1), date(2026, 11, 30)), False)]
        assert run_all(sqlite_db, settings, now) == []  # once per period
        (message,) = box.messages
        assert box.sessions[0]["tls"] and box.sessions[0]["login"] == b"it"
        assert sorted(box.sessions[0]["rcpt"]) == ["head@region1.example",
                                                   "it@region1.example"]
        assert "گزارش فعالیت هفتگی" in str(message["Subject"])
        (attachment,) = [p for p in message.walk() if p.get_filename()]
        assert attachment.get_filename() == "weekly_2026-11-21_2026-11-27.pdf"
        pdf = tmp_path / "mailed.pdf"
        pdf.write_bytes(attachment.get_payload(decode=True))  # type: ignore[arg-type]
        text = plain("".join(pages_text(pdf)))
        assert "گزارش فعالیت هفتگی" in text and "۱۴۰۵" in text
        assert (tmp_path / "out" / "weekly_2026-11-21_2026-11-27.pdf").read_bytes() == \
            pdf.read_bytes()
        assert (tmp_path / "out" / "assets-month_2026-11-01_2026-11-30.xlsx").exists()
    assert "s3cret-pw" not in caplog.text


def test_a_refused_mail_is_tried_again(sqlite_db: Database, tmp_path: Path,
                                       caplog: pytest.LogCaptureFixture) -> None:
    now = datetime(2026, 12, 2, 6, 0, tzinfo=UTC)
    with running_smtp(tmp_path, username="it", password="right") as box:
        wrong = _settings(sqlite_db, tmp_path / "out", box.port, box.ca_file)
        assert [o.schedule for o in run_all(sqlite_db, wrong, now)] == ["assets-month"]
        assert box.messages == [] and "weekly failed" in caplog.text
        assert "s3cret-pw" not in caplog.text
        no_tls = _settings(sqlite_db, tmp_path / "out", box.port, box.ca_file, starttls=False,
                           username="")
        assert run_all(sqlite_db, no_tls, now) == [] and box.messages == []
        assert "STARTTLS" in caplog.text  # the server refuses mail in the clear
        right = _settings(sqlite_db, tmp_path / "out", box.port, box.ca_file,
                          password="right")
        assert [o.schedule for o in run_all(sqlite_db, right, now)] == ["weekly"]
        assert len(box.messages) == 1
