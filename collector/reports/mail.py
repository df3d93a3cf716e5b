"""Sending a report by e-mail: SMTP with STARTTLS (certificate checked, against the
system's CAs or ``smtp.ca_file``), then login when a username is configured. The
password is a ``SecretStr`` and is never logged."""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage

from muniops.collector.reports.config import SmtpSettings

log = logging.getLogger(__name__)


class MailFailed(Exception):
    """The relay refused or could not be reached; the message says which and why."""


def build_message(smtp: SmtpSettings, to: list[str], subject: str, body: str,
                  attachment: bytes, filename: str, mime: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = smtp.sender, ", ".join(to), subject
    msg.set_content(body)
    maintype, _, subtype = mime.partition("/")
    msg.add_attachment(attachment, maintype=maintype, subtype=subtype.split(";")[0],
                       filename=filename)
    return msg


def send(smtp: SmtpSettings, msg: EmailMessage) -> None:
    recipients = [a.strip() for a in str(msg["To"]).split(",") if a.strip()]
    try:
        with smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout_seconds) as client:
            if smtp.starttls:
                context = ssl.create_default_context(
                    cafile=str(smtp.ca_file) if smtp.ca_file else None)
                client.starttls(context=context)
            if smtp.username:
                client.login(smtp.username, smtp.password.get_secret_value())
            client.send_message(msg, to_addrs=recipients)
    except (OSError, smtplib.SMTPException) as exc:  # ssl.SSLError is an OSError
        reason = str(exc) or type(exc).__name__
        if isinstance(exc, smtplib.SMTPResponseException):
            err = exc.smtp_error
            reason = err.decode("utf-8", "replace") if isinstance(err, bytes) else str(err)
        raise MailFailed(f"mail to {', '.join(recipients)} via {smtp.host}:{smtp.port} "
                         f"failed: {reason}") from None
    log.info("mailed %r to %d recipient(s) via %s:%d", msg["Subject"], len(recipients),
             smtp.host, smtp.port)
