"""Dovecot (IMAP) and aiosmtpd (SMTP peer) on loopback for the intake tests (fixtures)."""
