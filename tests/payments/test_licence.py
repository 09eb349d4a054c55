"""Pitchoun's LICENSE is the official AGPL-3.0 text, byte for byte (as the FSF publishes agpl-3.0.txt)."""
from __future__ import annotations

import hashlib
from pathlib import Path

LICENSE = Path(__file__).resolve().parents[2] / "LICENSE"
# SHA-256 of the FSF's agpl-3.0.txt (661 lines, 34 523 bytes), the same words as SPDX's AGPL-3.0.
OFFICIAL_SHA256 = "8486a10c4393cee1c25392769ddd3b2d6c242d6ec7928e1414efff7dfb2f07ef"


def test_license_is_the_official_agpl_text():
    data = LICENSE.read_bytes()
    assert data.splitlines()[0].strip() == b"GNU AFFERO GENERAL PUBLIC LICENSE"
    assert len(data) == 34523 and len(data.splitlines()) == 661
    assert hashlib.sha256(data).hexdigest() == OFFICIAL_SHA256
