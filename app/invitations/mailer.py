"""Invitations by e-mail: the message (text, HTML with the QR code inline, an .ics calendar
file) and its sending over SMTP.

The mail server is configured through the environment, read when sending (tests set the app's
config instead): MAIL_SERVER, MAIL_PORT (25; 465 with MAIL_USE_SSL), MAIL_USE_TLS (STARTTLS),
MAIL_USE_SSL, MAIL_USERNAME, MAIL_PASSWORD, MAIL_FROM ("Ban tổ chức <noreply@…>"), MAIL_TIMEOUT
(seconds, 10). E-mail addresses are personal data: they are never logged.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import smtplib
import ssl
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext
from markupsafe import Markup

from app.i18n import format_date, format_time, format_weekday
from app.invitations.models import Invitation, Invitee
from app.invitations.qr import qr_png

log = logging.getLogger(__name__)

#: Longest reason kept for a failed sending: the server's reply, not a traceback.
MAX_REASON = 300


class MailError(Exception):
    """A message was not sent; `str(exc)` is the short reason shown to the organiser."""


# --- settings ---------------------------------------------------------------------------------


def _setting(name: str, default: str = "") -> str:
    value = current_app.config.get(name)
    if value is None:
        value = os.environ.get(name, default)
    return str(value).strip() if value is not None else default


def _flag(name: str) -> bool:
    value = current_app.config.get(name)
    if isinstance(value, bool):
        return value
    return _setting(name).lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class MailSettings:
    server: str
    port: int
    use_tls: bool
    use_ssl: bool
    username: str
    password: str
    sender: str
    timeout: float

    @property
    def sender_address(self) -> str:
        return parseaddr(self.sender)[1]


def mail_settings() -> MailSettings:
    """The SMTP settings, from the app's config or else the environment, read now."""
    use_ssl = _flag("MAIL_USE_SSL")
    username = _setting("MAIL_USERNAME")
    return MailSettings(
        server=_setting("MAIL_SERVER"),
        port=int(_setting("MAIL_PORT") or (465 if use_ssl else 25)),
        use_tls=_flag("MAIL_USE_TLS"),
        use_ssl=use_ssl,
        username=username,
        password=_setting("MAIL_PASSWORD"),
        sender=_setting("MAIL_FROM") or (username if "@" in username else "noreply@localhost"),
        timeout=float(_setting("MAIL_TIMEOUT") or 10),
    )


def mail_configured() -> bool:
    return bool(mail_settings().server)


# --- the calendar file ------------------------------------------------------------------------


def ics_escape(text: str) -> str:
    """TEXT as RFC 5545 (3.3.11) writes it: backslash, semicolon, comma and newline escaped."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    for plain, escaped in (("\\", "\\\\"), (";", "\\;"), (",", "\\,"), ("\n", "\\n")):
        text = text.replace(plain, escaped)
    return text


def ics_fold(line: str) -> str:
    """A content line folded at 75 octets (RFC 5545 3.1): CRLF and a space before each
    continuation, never inside a UTF-8 character."""
    parts: list[str] = []
    current, size, limit = [], 0, 75
    for char in line:
        octets = len(char.encode())
        if size + octets > limit:
            parts.append("".join(current))
            current, size, limit = [], 0, 74  # the leading space takes one octet
        current.append(char)
        size += octets
    parts.append("".join(current))
    return "\r\n ".join(parts)


def _utc(date: dt.date, time: dt.time, zone: ZoneInfo) -> str:
    moment = dt.datetime.combine(date, time, tzinfo=zone).astimezone(dt.UTC)
    return moment.strftime("%Y%m%dT%H%M%SZ")


def calendar(invitations: list[Invitation], url: str) -> bytes:
    """An iCalendar file (METHOD:PUBLISH) with one VEVENT per event, times in UTC."""
    zone = ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "Asia/Ho_Chi_Minh")
    host = urlsplit(url).hostname or "localhost"
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Lifelong Learning Week//Invitations//VI",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
    ]
    for invitation in invitations:
        event = invitation.event
        lines += ["BEGIN:VEVENT", f"UID:invitation-{invitation.id}@{host}", f"DTSTAMP:{stamp}"]
        if event.start_time is None:  # a day, without a time
            lines.append(f"DTSTART;VALUE=DATE:{event.date:%Y%m%d}")
            lines.append(f"DTEND;VALUE=DATE:{event.date + dt.timedelta(days=1):%Y%m%d}")
        else:
            lines.append(f"DTSTART:{_utc(event.date, event.start_time, zone)}")
            if event.end_time is not None:
                lines.append(f"DTEND:{_utc(event.date, event.end_time, zone)}")
        lines.append(f"SUMMARY:{ics_escape(event.title)}")
        if _where(event):
            lines.append(f"LOCATION:{ics_escape(_where(event))}")
        description = _("Your invitation: %(url)s", url=url)  # not in the f-string: extracted
        lines.append(f"DESCRIPTION:{ics_escape(description)}")
        lines += [f"URL:{url}", "STATUS:CONFIRMED", "TRANSP:OPAQUE", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return ("\r\n".join(ics_fold(line) for line in lines) + "\r\n").encode()


# --- the message ------------------------------------------------------------------------------


def _when(event) -> str:
    day = f"{format_weekday(event.date)}, {format_date(event.date)}"
    if event.start_time is None:
        return day
    time = format_time(event.start_time)
    if event.end_time is not None:
        time = f"{time} – {format_time(event.end_time)}"
    return f"{time}, {day}"


def _where(event) -> str:
    return ", ".join(p for p in (event.venue_name, event.venue_address) if p.strip())


def _addressee(invitee: Invitee) -> str:
    return f"{invitee.full_name}, {invitee.title}" if invitee.title else invitee.full_name


def _one_line(text: str) -> str:
    """For a header: a title imported from a cell may hold line breaks."""
    return " ".join(text.split())


def _subject(invitations: list[Invitation], unit_name: str) -> str:
    first, unit_name = _one_line(invitations[0].event.title), _one_line(unit_name)
    if len(invitations) == 1:
        return _("Invitation from %(unit)s: %(event)s", unit=unit_name, event=first)
    return ngettext(
        "Invitation from %(unit)s: %(event)s and %(num)d other event",
        "Invitation from %(unit)s: %(event)s and %(num)d other events",
        len(invitations) - 1,
        unit=unit_name,
        event=first,
    )


def _text_body(invitee: Invitee, invitations: list[Invitation], url: str, unit_name: str) -> str:
    lines = [
        _("Dear %(name)s,", name=_addressee(invitee)),
        "",
        _("%(unit)s has the honour to invite you to:", unit=unit_name),
        "",
    ]
    for invitation in invitations:
        event = invitation.event
        lines.append(f"• {event.title}")
        lines.append("  " + _("When: %(when)s", when=_when(event)))
        if _where(event):
            lines.append("  " + _("Where: %(where)s", where=_where(event)))
        lines.append("")
    lines += [
        _("Your personal invitation, with the QR code to show at the entrance:"),
        url,
        "",
        _("Please let us know on that page whether you will attend."),
        "",
        unit_name,
    ]
    return "\n".join(lines) + "\n"


def _html_body(
    invitee: Invitee, invitations: list[Invitation], url: str, unit_name: str, cid: str
) -> str:
    events = Markup("").join(
        Markup("<li><strong>{}</strong><br>{}{}</li>").format(
            invitation.event.title,
            _("When: %(when)s", when=_when(invitation.event)),
            Markup("<br>{}").format(_("Where: %(where)s", where=_where(invitation.event)))
            if _where(invitation.event)
            else "",
        )
        for invitation in invitations
    )
    html = Markup(
        '<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"></head>'
        '<body style="font-family: Arial, sans-serif; line-height: 1.5">'
        "<p>{dear}</p><p>{invite}</p><ul>{events}</ul>"
        "<p>{show}</p>"
        '<p><img src="cid:{cid}" alt="{alt}" width="240" height="240"></p>'
        '<p><a href="{url}">{url}</a></p><p>{answer}</p><p>{unit}</p></body></html>'
    ).format(
        dear=_("Dear %(name)s,", name=_addressee(invitee)),
        invite=_("%(unit)s has the honour to invite you to:", unit=unit_name),
        events=events,
        show=_("Your personal invitation, with the QR code to show at the entrance:"),
        cid=cid,
        alt=_("QR code of your invitation"),
        url=url,
        answer=_("Please let us know on that page whether you will attend."),
        unit=unit_name,
    )
    return str(html)


def build_message(
    invitee: Invitee, invitations: list[Invitation], url: str, unit_name: str
) -> EmailMessage:
    """The invitation e-mail: text and HTML (the QR code inline, as a related image) and an
    .ics file with the events. `invitations` are the invitee's, in the order to list them."""
    if not invitations:
        raise ValueError("an invitation e-mail needs at least one event")
    settings = mail_settings()
    domain = settings.sender_address.rpartition("@")[2] or "localhost"
    message = EmailMessage()
    message["Subject"] = _subject(invitations, unit_name)
    message["From"] = settings.sender
    message["To"] = Address(display_name=_one_line(invitee.full_name), addr_spec=invitee.email)
    message["Date"] = format_datetime(dt.datetime.now(dt.UTC))
    message["Message-ID"] = make_msgid("invitation", domain=domain)
    cid = make_msgid("qr", domain=domain)  # "<…@domain>"
    message.set_content(_text_body(invitee, invitations, url, unit_name))
    message.add_alternative(
        _html_body(invitee, invitations, url, unit_name, cid[1:-1]), subtype="html"
    )
    html_part = message.get_payload()[1]
    html_part.add_related(
        qr_png(url, box_size=8), "image", "png", cid=cid, filename="qr.png", disposition="inline"
    )
    message.add_attachment(
        calendar(invitations, url),
        "text",
        "calendar",
        filename=_("invitation.ics"),
        params={"method": "PUBLISH", "charset": "utf-8"},
    )
    return message


# --- sending ----------------------------------------------------------------------------------


def _reply(code: int, text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return _short(f"{code} {' '.join(text.split())}")


def _short(text: str) -> str:
    return text if len(text) <= MAX_REASON else text[: MAX_REASON - 1] + "…"


class Mailer:
    """One SMTP connection for many messages, opened on the first one.

    `send` raises MailError with a short reason. When the server cannot be reached, every
    later message fails at once with the same reason instead of waiting again; when it drops
    the connection, the next message reconnects.
    """

    def __init__(self, settings: MailSettings | None = None) -> None:
        self.settings = settings or mail_settings()
        self._smtp: smtplib.SMTP | None = None
        self._unreachable: str | None = None

    def __enter__(self) -> Mailer:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        if not s.server:
            raise MailError(_("No mail server is configured (MAIL_SERVER)."))
        where = f"{s.server}:{s.port}"
        smtp = None
        try:
            if s.use_ssl:
                smtp = smtplib.SMTP_SSL(
                    s.server, s.port, timeout=s.timeout, context=ssl.create_default_context()
                )
            else:
                smtp = smtplib.SMTP(s.server, s.port, timeout=s.timeout)
                if s.use_tls:
                    smtp.starttls(context=ssl.create_default_context())
            if s.username:
                smtp.login(s.username, s.password)
        except smtplib.SMTPResponseException as exc:
            reason = _reply(exc.smtp_code, exc.smtp_error)
        except (OSError, smtplib.SMTPException) as exc:
            reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        else:
            return smtp
        if smtp is not None:
            smtp.close()
        log.warning("mail server %s unusable: %s", where, reason)
        raise MailError(
            _short(
                _(
                    "The mail server %(server)s cannot be used: %(reason)s",
                    server=where,
                    reason=reason,
                )
            )
        )

    def send(self, message: EmailMessage) -> None:
        if self._unreachable is not None:
            raise MailError(self._unreachable)
        if self._smtp is None:
            try:
                self._smtp = self._connect()
            except MailError as exc:
                self._unreachable = str(exc)
                raise
        try:
            refused = self._smtp.send_message(message, from_addr=self.settings.sender_address)
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = next(iter(exc.recipients.values()))
            raise MailError(_reply(code, text)) from None
        except smtplib.SMTPResponseException as exc:  # sender refused, data refused …
            raise MailError(_reply(exc.smtp_code, exc.smtp_error)) from None
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            self.close()  # the next message reconnects
            reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
            raise MailError(
                _short(_("The mail server closed the connection: %(reason)s", reason=reason))
            ) from None
        if refused:  # several recipients, some refused (not the case of one invitee each)
            code, text = next(iter(refused.values()))
            raise MailError(_reply(code, text))

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (OSError, smtplib.SMTPException):
                self._smtp.close()
            self._smtp = None


def send_messages(messages) -> list[str | None]:
    """Send the messages over one connection; for each, None when sent, else why not."""
    results: list[str | None] = []
    with Mailer() as mailer:
        for message in messages:
            try:
                mailer.send(message)
            except MailError as exc:
                results.append(str(exc))
            else:
                results.append(None)
    return results
