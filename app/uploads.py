"""Files uploaded by families (inclusion documents, medical certificates, proofs of QF or commune):
one way to check, store and name them, for every domain that accepts a file (kernel: imports no
domain).

- The type is read from the content (never the name or the browser's type): PDF, PNG or JPEG.
- The whole file is scanned for markup a browser could be tricked into running (a PDF signature
  followed, anywhere, by HTML or SVG): refused.
- The size is capped by MAX_UPLOAD_BYTES.
- Files are written with mode 0600 in directories of mode 0700 (outside the web root), under a
  random name, never overwriting.
- They are served as `<prefix>-<id>.<ext>`, the extension from the detected type: the uploader's
  name and extension never reach the download.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Response, current_app, send_file
from flask_babel import gettext as _
from werkzeug.utils import secure_filename

from app.errors import ValidationFailed

# (leading bytes, content type, extension)
SIGNATURES = ((b"%PDF-", "application/pdf", "pdf"),
              (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
              (b"\xff\xd8\xff", "image/jpeg", "jpg"))
MAGIC = SIGNATURES
EXTENSIONS = {content_type: extension for _magic, content_type, extension in SIGNATURES}
# Markup a browser could be tricked into running, even behind a valid signature.
MARKUP = (b"<html", b"<script", b"<!doctype html", b"<body", b"<svg", b"<iframe", b"<object", b"<embed",
          b"javascript:")
FILE_MODE, DIRECTORY_MODE = 0o600, 0o700


def max_bytes() -> int:
    return int(current_app.config.get("MAX_UPLOAD_BYTES", 5 * 1024 * 1024))


def sniff(content: bytes) -> tuple[str, str] | None:
    """(content type, extension) from the file's signature, or None if not an accepted type or if
    markup appears anywhere in the file (not only in its first kilobytes)."""
    for magic, content_type, extension in SIGNATURES:
        if content.startswith(magic):
            lowered = content.lower()
            if any(marker in lowered for marker in MARKUP):
                return None
            return content_type, extension
    return None


def read_limited(stream) -> bytes:
    """At most MAX_UPLOAD_BYTES + 1 bytes of `stream` (one more than allowed shows it is too large)."""
    return stream.read(max_bytes() + 1) if stream is not None else b""


def check_document(content: bytes, field: str = "document") -> tuple[str, str]:
    """(content type, extension) of an accepted PDF, PNG or JPEG file.

    Raises ValidationFailed on `field` (empty, too large, another type or hidden markup)."""
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
    """A safe display name for the file the user sent (shown to staff, never used to serve it)."""
    return secure_filename(os.path.basename((filename or "").replace("\\", "/")))[:150] or f"{default}.{extension}"


def directory(subdir: str | None = None) -> Path:
    """UPLOAD_DIR (or a sub-directory of it), created with mode 0700 and kept at 0700."""
    root = Path(current_app.config["UPLOAD_DIR"])
    path = root / subdir if subdir else root
    for folder in ([root, path] if subdir else [root]):
        folder.mkdir(parents=True, exist_ok=True, mode=DIRECTORY_MODE)
        if folder.stat().st_mode & 0o777 != DIRECTORY_MODE:
            os.chmod(folder, DIRECTORY_MODE)
    return path


def store(content: bytes, extension: str, subdir: str | None = None) -> tuple[str, Path]:
    """Write `content` under a new random name with mode 0600; returns (name, path)."""
    name = f"{secrets.token_hex(24)}.{extension.lstrip('.')}"
    path = directory(subdir) / name
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    with open(descriptor, "wb") as out:
        out.write(content)
    return name, path


def path_of(stored_name: str, subdir: str | None = None) -> Path:
    return directory(subdir) / stored_name


def download_name(prefix: str, identifier: int, content_type: str) -> str:
    """`<prefix>-<id>.<ext>`, the extension from the type detected at upload."""
    return f"{prefix}-{identifier}.{EXTENSIONS.get(content_type, 'bin')}"


def attachment(path: Path, content_type: str, prefix: str, identifier: int) -> Response:
    """A stored upload sent back as a download (`<prefix>-<id>.<ext>`), never cached, never shown
    inline: the browser neither guesses its type nor runs anything it holds."""
    response = send_file(path, mimetype=content_type, as_attachment=True,
                         download_name=download_name(prefix, identifier, content_type), max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
