"""E-mail through the configured SMTP server: messages rendered in the recipient's language.

Messages are composed while the data is at hand and sent after the transaction that caused
them has committed; a sending failure is logged and never undoes that transaction.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from flask_babel import force_locale

from wflow.org.models import User

log = logging.getLogger(__name__)

Render = Callable[[str, Mapping[str, Any]], str]  # (template name, context) -> text


@dataclass(frozen=True)
class Mail:
    """One rendered message ready to send."""

    to: str
    subject: str
    body: str
    locale: str


@dataclass(frozen=True)
class Mailer:
    """E-mail of one installation: its SMTP settings (read live) and its template renderer."""

    config: Mapping[str, Any]
    render: Render

    @property
    def enabled(self) -> bool:
        """Tell whether e-mail is switched on in the configuration (MAIL_ENABLED)."""
        return bool(self.config.get("MAIL_ENABLED"))

    def compose(self, user: User, template: str, context: Mapping[str, Any]) -> Mail | None:
        """Render `email/<template>.txt` for `user` in their language (None: no address)."""
        if not user.email or not self.enabled:
            return None
        locale = user.locale or "vi"
        with force_locale(locale):
            text = self.render(f"email/{template}.txt", {"user": user, **context})
        subject, _sep, body = text.strip().partition("\n")
        return Mail(to=user.email, subject=subject.strip(), body=body.strip() + "\n", locale=locale)

    def send(self, mails: Iterable[Mail | None]) -> int:
        """Send every message over one SMTP connection; log failures; return how many were sent."""
        batch = [m for m in mails if m is not None]
        if not batch or not self.enabled:
            return 0
        cfg = self.config
        sent = 0
        try:
            with smtplib.SMTP(cfg["MAIL_SERVER"], int(cfg["MAIL_PORT"]),
                              timeout=float(cfg.get("MAIL_TIMEOUT", 10))) as smtp:  # fmt: skip
                if cfg.get("MAIL_USE_TLS"):
                    smtp.starttls()
                if cfg.get("MAIL_USERNAME"):
                    smtp.login(cfg["MAIL_USERNAME"], cfg.get("MAIL_PASSWORD") or "")
                for mail in batch:
                    try:
                        smtp.send_message(_message(mail, cfg["MAIL_FROM"]))
                        sent += 1
                    except smtplib.SMTPException:
                        log.exception("mail to %s refused", mail.to)
        except (OSError, smtplib.SMTPException):
            log.exception("mail: cannot reach %s:%s", cfg["MAIL_SERVER"], cfg["MAIL_PORT"])
        return sent


def _message(mail: Mail, sender: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = mail.to
    msg["Subject"] = mail.subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain="wflow")
    msg.set_content(mail.body)
    msg["Content-Language"] = mail.locale  # after set_content, which clears Content-* headers
    return msg
