"""Files uploaded by families (inclusion documents, medical certificates): one way to check, store
and name them, for every domain that accepts a file.

- The type is read from the content (never the name or the browser's type): PDF, PNG or JPEG.
- The whole file is scanned for markup a browser could be tricked into running (a PDF signature
  followed, anywhere, by HTML or SVG): refused.
- Files are written with mode 0600 in directories of mode 0700 (outside the web root), under a
  random name, never overwriting.
- They are served as `<prefix>-<id>.<ext>`, the extension from the detected type: the uploader's
  name and extension never reach the download.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import current_app

# (leading bytes, content type, extension)
SIGNATURES = ((b"%PDF-", "application/pdf", "pdf"),
              (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
              (b"\xff\xd8\xff", "image/jpeg", "jpg"))
EXTENSIONS = {content_type: extension for _magic, content_type, extension in SIGNATURES}
# Markup a browser could be tricked into running, even behind a valid signature.
MARKUP = (b"<html", b"<script", b"<!doctype html", b"<body", b"<svg", b"<iframe", b"<object", b"<embed",
          b"javascript:")
FILE_MODE, DIRECTORY_MODE = 0o600, 0o700


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


def download_name(prefix: str, identifier: int, content_type: str) -> str:
    """`<prefix>-<id>.<ext>`, the extension from the type detected at upload."""
    return f"{prefix}-{identifier}.{EXTENSIONS.get(content_type, 'bin')}"
