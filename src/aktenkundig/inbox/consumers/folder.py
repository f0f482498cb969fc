"""The hot folder for network scanners (``aktenkundig inbox watch DIR``).

A scanner writes a file over seconds; reading it half would make an item of half a
letter and then lose the rest. A file is therefore taken only once it is *settled*:
its size and modification time were the same at two scans, and it was last modified
at least ``settle_seconds`` ago. After its item is committed, the file is moved to the
archive folder (never before: a crash in between leaves it in place and the next run
takes it again — the item is found by its source key, so it is not doubled).
"""

from __future__ import annotations

import logging
import shutil
import time
from pathlib import Path

from aktenkundig.inbox.consumers.base import Consumer
from aktenkundig.inbox.models import Channel, Item

logger = logging.getLogger(__name__)

SUFFIXES = {".pdf", ".png", ".jpg", ".jpeg", ".tif", ".tiff", ".eml"}


class FolderConsumer(Consumer):
    channel = Channel.FOLDER
    split_batches = True

    def __init__(self, tenant, directory: str | Path, *, archive: str | Path | None = None,
                 settle_seconds: float = 2.0, user=None):
        super().__init__(tenant, user=user)
        self.directory = Path(directory)
        self.archive = Path(archive) if archive else self.directory / "archiv"
        self.settle_seconds = settle_seconds
        self._seen: dict[Path, tuple[int, int]] = {}

    def candidates(self) -> list[Path]:
        return sorted(p for p in self.directory.iterdir()
                      if p.is_file() and not p.is_symlink()
                      and p.suffix.lower() in SUFFIXES and not p.name.startswith("."))

    def settled(self, path: Path, now: float | None = None) -> bool:
        """Unchanged since the previous scan and quiet for ``settle_seconds``."""
        stat = path.stat()
        signature = (stat.st_size, stat.st_mtime_ns)
        previous = self._seen.get(path)
        self._seen[path] = signature
        now = time.time() if now is None else now
        return (previous == signature and stat.st_size > 0
                and now - stat.st_mtime >= self.settle_seconds)

    def scan(self) -> list[Item]:
        """One pass: take every settled file, archive it after its item is committed."""
        items = []
        for path in self.candidates():
            try:
                if not self.settled(path):
                    continue
                stat = path.stat()
                key = f"{path.name}:{stat.st_size}:{stat.st_mtime_ns}"
                taken = self.consume_batch(self._read(path), path.name, source=str(path),
                                           source_key=key)
            except OSError:
                logger.warning("hot folder: cannot read %s", path, exc_info=True)
                continue
            self._archive(path)
            self._seen.pop(path, None)
            items.extend(taken)
        return items

    @staticmethod
    def _read(path: Path) -> bytes:
        """At most one byte more than the upload limit: a huge file becomes an item
        "nicht lesbar: zu groß" without filling the memory."""
        from aktenkundig.documents.services import max_bytes

        with path.open("rb") as handle:
            return handle.read(max_bytes() + 1)

    def _archive(self, path: Path) -> None:
        self.archive.mkdir(parents=True, exist_ok=True)
        target = self.archive / path.name
        counter = 1
        while target.exists():
            target = self.archive / f"{path.stem}-{counter}{path.suffix}"
            counter += 1
        shutil.move(str(path), target)

    def watch(self, *, interval: float = 1.0, once: bool = False) -> None:
        while True:
            self.scan()
            if once:
                return
            time.sleep(interval)
