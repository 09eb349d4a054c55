"""Checks and storage of uploaded documents, shared by every domain (kernel: imports no domain).

A file is recognised by its first bytes, never by its name or the browser's
content type; markup a browser could be tricked into running is refused even
behind a valid signature; the size is capped by MAX_UPLOAD_BYTES; the file is
stored under UPLOAD_DIR with a random name, readable by the server only.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from werkzeug.utils import secure_filename

from app.errors import ValidationFailed

# Recognised by their first bytes, never by their name.
MAGIC = ((b"%PDF-", "application/pdf", "pdf"),
         (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
         (b"\xff\xd8\xff", "image/jpeg", "jpg"))
# Markup a browser could be tricked into running, even behind a valid signature.
MARKUP = (b"<html", b"<script", b"<!doctype html", b"<body", b"<svg", b"<iframe")


def max_bytes() -> int:
    return int(current_app.config.get("MAX_UPLOAD_BYTES", 5 * 1024 * 1024))


def sniff(content: bytes) -> tuple[str, str] | None:
    """(content type, extension) from the file's first bytes, or None if not an accepted type."""
    for magic, content_type, extension in MAGIC:
        if content.startswith(magic):
            head = content[:4096].lower()
            if any(marker in head for marker in MARKUP):
                return None
            return content_type, extension
    return None


def read_limited(stream) -> bytes:
    """At most MAX_UPLOAD_BYTES + 1 bytes of `stream` (one more than allowed shows it is too large)."""
    return stream.read(max_bytes() + 1) if stream is not None else b""


def check_document(content: bytes, field: str = "document") -> tuple[str, str]:
    """(content type, extension) of an accepted PDF, PNG or JPEG file.

    Raises ValidationFailed on `field` (empty, too large, another type)."""
    limit = max_bytes()
    if not content:
        raise ValidationFailed(_("Le fichier est vide."), field=field)
    if len(content) > limit:
        raise ValidationFailed(_("Le fichier dépasse la taille maximale de %(mb)s Mo.",
                                 mb=round(limit / 1024 / 1024, 1)), field=field)
    sniffed = sniff(content)
    if sniffed is None:
        raise ValidationFailed(_("Seuls les fichiers PDF, PNG ou JPEG sont acceptés."), field=field)
    return sniffed


def original_name(filename: str | None, extension: str, default: str = "document") -> str:
    """A safe display name for the file the user sent."""
    return secure_filename(os.path.basename((filename or "").replace("\\", "/")))[:150] or f"{default}.{extension}"


def directory(subdir: str = "") -> Path:
    path = Path(current_app.config["UPLOAD_DIR"]) / subdir if subdir else Path(current_app.config["UPLOAD_DIR"])
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def store(content: bytes, extension: str, subdir: str = "") -> str:
    """Write `content` under a new random name in UPLOAD_DIR/subdir (mode 0600); returns the name."""
    stored = f"{secrets.token_hex(24)}.{extension}"
    with open(os.open(directory(subdir) / stored, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as out:
        out.write(content)
    return stored


def path_of(stored_name: str, subdir: str = "") -> Path:
    return directory(subdir) / stored_name
