"""E-mail notifications over SMTP (optional: LIFEBOAT_SMTP_HOST and LIFEBOAT_NOTIFY_EMAILS)."""

import json
import smtplib
from email.message import EmailMessage

from app.settings import Settings


def compose(settings: Settings, to: str, event: str, body: str) -> EmailMessage:
    document = json.loads(body)
    subject = document.get("backup") or document.get("restore") or {}
    name = subject.get("backupId") if "backup" in document else subject.get("id")
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = to
    message["Subject"] = f"[Lifeboat] {event}: {name}"
    drill = subject.get("verification") or {}
    summary = drill.get("error") or subject.get("errorMessage") or subject.get("errorLog")
    summary = summary or "no error"
    message.set_content(
        f"Lifeboat event {event} for {name}.\n\n{summary}\n\n"
        + json.dumps(document, indent=2, sort_keys=True)
        + "\n"
    )
    return message


def send_email(settings: Settings, to: str, event: str, body: str) -> None:
    """Blocking send (run it in a thread); raises OSError/smtplib errors on failure."""
    message = compose(settings, to, event, body)
    timeout = settings.notification_timeout_seconds
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=timeout) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_username:
            smtp.login(settings.smtp_username, settings.smtp_password.get_secret_value())
        smtp.send_message(message)
