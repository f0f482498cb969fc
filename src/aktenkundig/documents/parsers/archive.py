"""ZIP containers (.docx, .odt) read with bounds, before any library sees them.

A 1 MB .odt whose ``mimetype`` entry expands to 1 GiB drove a worker to 14 GB
and came back as a 201 MB error message (issue #10, point 2). The defence is
here, once, for every parser that opens a ZIP container:

* :func:`open_zip` checks every member's *declared* sizes against a per-member
  cap, a total cap and a compression-ratio cap before anything is inflated.
  Declared sizes cannot be used to smuggle more: Python's ``zipfile`` (which
  python-docx and odfpy use underneath) stops inflating a member at its
  declared size and then fails its CRC check;
* :func:`read_member` reads one member in pieces and stops at its own cap;
* messages name the limit, never the content.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib

from aktenkundig.documents.parsers.base import ExtractionError

MIB = 1024 * 1024
#: Largest inflated member: a very long Word document's XML is a few MB.
MAX_MEMBER_BYTES = 64 * MIB
#: All members together (python-docx loads every part of the package).
MAX_TOTAL_BYTES = 256 * MIB
#: Members above ``RATIO_FLOOR`` may inflate at most this much; XML compresses
#: about 5-20:1, the 1 GiB bomb of zeros about 1000:1.
MAX_RATIO = 100
RATIO_FLOOR = 1 * MIB
MAX_MEMBERS = 10_000


def _bad(reason: str) -> ExtractionError:
    return ExtractionError(f"Die Datei wird nicht gelesen: {reason}.")


def open_zip(data: bytes) -> zipfile.ZipFile:
    """The archive, after checking what it declares. Raises :class:`ExtractionError`."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError):
        raise ExtractionError("Die Datei ist beschädigt (ZIP-Container unlesbar).") from None
    members = archive.infolist()
    if len(members) > MAX_MEMBERS:
        archive.close()
        raise _bad(f"mehr als {MAX_MEMBERS} Teile im ZIP-Container")
    total = 0
    for member in members:
        size = member.file_size
        total += size
        if size > MAX_MEMBER_BYTES:
            archive.close()
            raise _bad(f"ein Teil entpackt sich auf über {MAX_MEMBER_BYTES // MIB} MB "
                       "(mögliche ZIP-Bombe)")
        if size > RATIO_FLOOR and size > MAX_RATIO * max(member.compress_size, 1):
            archive.close()
            raise _bad(f"ein Teil ist mehr als {MAX_RATIO}-fach komprimiert "
                       "(mögliche ZIP-Bombe)")
    if total > MAX_TOTAL_BYTES:
        archive.close()
        raise _bad(f"der Inhalt entpackt sich auf über {MAX_TOTAL_BYTES // MIB} MB "
                   "(mögliche ZIP-Bombe)")
    return archive


def read_member(archive: zipfile.ZipFile, name: str, limit: int = MAX_MEMBER_BYTES) -> bytes:
    """Member ``name``, at most ``limit`` bytes (more raises). Never reads it whole first."""
    parts: list[bytes] = []
    size = 0
    try:
        with archive.open(name) as handle:
            while chunk := handle.read(64 * 1024):
                size += len(chunk)
                if size > limit:
                    raise _bad(f"ein Teil ist größer als erwartet ({name[:80]!r})")
                parts.append(chunk)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError):
        raise ExtractionError("Die Datei ist beschädigt (ZIP-Container unlesbar).") from None
    return b"".join(parts)


_MIMETYPE = re.compile(r"[a-z0-9][a-z0-9.+/-]{0,99}")


def odf_mimetype(archive: zipfile.ZipFile) -> str | None:
    """The ``mimetype`` entry of an OpenDocument file (read with a 200-byte cap), or
    None when there is none. Something that is not a MIME type comes back as ''."""
    if "mimetype" not in archive.namelist():
        return None
    try:
        raw = read_member(archive, "mimetype", limit=200)
    except ExtractionError:
        return ""
    text = raw.decode("ascii", "replace").strip()
    return text if _MIMETYPE.fullmatch(text) else ""
