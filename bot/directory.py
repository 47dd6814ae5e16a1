"""The organization directory of this process: loaded from the database into routing's
in-memory index, reloaded when the directory changes (import, generate, edit)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from routing.directory import Directory, OrgInfo
from storage import queries

CHECK_SECONDS = 30.0  # how often a process looks whether the directory changed


@dataclass
class DirectoryCache:
    directory: Directory | None = None
    version: tuple[int, str] | None = None
    checked: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, session: Session, *, force: bool = False) -> Directory:
        """The current directory (a cheap version query at most every CHECK_SECONDS)."""
        now = time.monotonic()
        if self.directory is not None and not force and now - self.checked < CHECK_SECONDS:
            return self.directory
        with self.lock:
            version = queries.directory_version(session)
            if self.directory is None or version != self.version or force:
                self.directory = load(session)
                self.version = version
            self.checked = now
            return self.directory


def load(session: Session) -> Directory:
    return Directory.build(
        OrgInfo(
            id=row.id,
            name=row.name,
            type=row.type,
            region_code=row.region_code,
            admin_codes=tuple(row.admin_codes or ()),
            lat=row.lat,
            lng=row.lng,
            capacity=row.capacity,
            active=True,
            employer_name=row.employer_name,
        )
        for row in queries.directory_rows(session)
    )
