"""Compose a notification e-mail (composed, never sent)."""
import smtplib
from email.mime.text import MIMEText


def handle(event):
    msg = MIMEText(event.get("text", ""))
    msg["Subject"] = event.get("subject", "notice")
    return {"bytes": len(msg.as_string()), "port": smtplib.SMTP_PORT}
