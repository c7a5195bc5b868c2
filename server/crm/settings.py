"""Run-time settings of one CRM process (limits, paths, test mode)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

MIB = 1024 * 1024

DEFAULT_MAX_FILE_BYTES = 25 * MIB
DEFAULT_MAX_MESSAGE_BYTES = 50 * MIB
DEFAULT_CHUNK_BYTES = 4 * MIB
DEFAULT_TOKEN_TTL_SECONDS = 30 * 24 * 3600
UPLOAD_TTL_SECONDS = 24 * 3600
# Mail bodies travel inside the mclink request, so the request limit cannot be the chunk size alone.
MIN_REQUEST_BYTES = 16 * MIB
REQUEST_OVERHEAD_BYTES = 256 * 1024


@dataclass(frozen=True)
class Settings:
    db_path: Path
    test_mode: bool = False
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES
    chunk_bytes: int = DEFAULT_CHUNK_BYTES
    token_ttl_seconds: int = DEFAULT_TOKEN_TTL_SECONDS  # 0 = tokens do not expire

    @property
    def files_dir(self) -> Path:
        """Uploaded chunks and stored document bytes live next to the database file."""
        return self.db_path.with_name(self.db_path.name + ".files")

    @property
    def max_request_bytes(self) -> int:
        # A chunk may arrive base64-encoded in JSON (4/3 larger).
        return max(self.chunk_bytes * 4 // 3, MIN_REQUEST_BYTES) + REQUEST_OVERHEAD_BYTES
