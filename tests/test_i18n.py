"""Vietnamese first: every string translated, the compiled catalogue current, dates and times
written the Vietnamese way."""

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from flask_babel import force_locale

from app.i18n import format_date, format_datetime, format_time, format_weekday

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "app/translations/vi/LC_MESSAGES/messages.po"
MO = ROOT / "app/translations/vi/LC_MESSAGES/messages.mo"


def _extract(tmp_path) -> set[str]:
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [str(Path(sys.executable).parent / "pybabel"), "extract", "-F", "babel.cfg"]
        + ["-k", "_l", "-k", "lazy_gettext", "-k", "_plural:1,2", "-o", str(pot), "."],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as handle:
        return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}


def test_every_string_in_the_code_has_a_vietnamese_translation(tmp_path):
    extracted = _extract(tmp_path)
    with PO.open("rb") as handle:
        catalog = read_po(handle)
    translated = {
        (m.id if isinstance(m.id, str) else m.id[0])
        for m in catalog
        if m.id and (all(m.string) if isinstance(m.string, tuple) else m.string)
    }
    missing = sorted(extracted - translated)
    assert missing == [], "untranslated (run scripts/i18n.sh update, translate, compile)"


def _as_dict(catalog) -> dict:
    def key(value):
        return tuple(value) if isinstance(value, list | tuple) else value

    return {key(m.id): key(m.string) for m in catalog if m.id and not m.fuzzy}


def test_compiled_catalogue_matches_the_po_file():
    with PO.open("rb") as handle:
        po = _as_dict(read_po(handle))
    with MO.open("rb") as handle:
        mo = _as_dict(read_mo(handle))
    assert mo == po, "app/translations/vi/LC_MESSAGES/messages.mo is stale: scripts/i18n.sh compile"


def test_dates_are_day_first(app):
    assert format_date(dt.date(2024, 9, 30)) == "30/09/2024"
    assert format_date(None) == ""


@pytest.mark.parametrize(
    ("value", "vi", "en"),
    [
        (dt.time(7, 30), "7h30", "7:30"),
        (dt.time(7, 0), "7h00", "7:00"),
        (dt.time(14, 30), "14h30", "14:30"),
        (dt.time(0, 5), "0h05", "0:05"),
    ],
)
def test_times_are_written_as_the_plans_write_them(app, value, vi, en):
    with app.test_request_context("/"):
        with force_locale("vi"):
            assert format_time(value) == vi
        with force_locale("en"):
            assert format_time(value) == en


def test_aware_datetimes_show_in_vietnam_time(app):
    moment = dt.datetime(2023, 10, 2, 0, 30, tzinfo=dt.UTC)  # 7h30 in Hà Nội
    with app.test_request_context("/"), force_locale("vi"):
        assert format_datetime(moment) == "7h30 02/10/2023"


def test_weekdays_in_vietnamese(app):
    with app.test_request_context("/"), force_locale("vi"):
        assert format_weekday(dt.date(2023, 10, 2)) == "Thứ Hai"
        assert format_weekday(dt.date(2023, 10, 8)) == "Chủ nhật"
