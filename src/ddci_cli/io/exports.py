"""Zip archives of CSV files, as online-survey tools export them (SPEC §2 "Layouts").

Google Forms downloads its responses as a zip holding one CSV; ODK Central and SurveyCTO
export a zip of the main CSV and one CSV per repeat group. :func:`unpacked` checks the
archive (its declared sizes, so a zip bomb is refused before anything is expanded), writes
the CSV members to a private temporary folder and gives back where each one is and the
name the user knows it by (``export.zip/form-danh_gia.csv``). Problems found in a member
name that shown name, never the temporary path.
"""

from __future__ import annotations

import dataclasses
import tempfile
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Iterator

from ddci_cli.errors import InputError, ProblemReport
from ddci_cli.io.read import DELIMITED, MAX_TEXT_BYTES

MAX_RATIO = 200  # expanded ÷ compressed size above this (and above 1 MB) is a zip bomb
MAX_MEMBERS = 10_000


@dataclass(frozen=True)
class Member:
    """One CSV of the archive: ``name`` inside it, ``path`` on disk, ``shown`` in messages."""

    name: str
    path: Path
    shown: str

    @property
    def stem(self) -> str:
        return PurePosixPath(self.name).stem


def is_zip(path: Path) -> bool:
    return path.suffix.lower() == ".zip"


@contextmanager
def unpacked(path: Path) -> Iterator[list[Member]]:
    """The CSV members of the zip ``path``, written to a temporary folder removed on exit.
    Raises ``no_survey_in_zip`` when it holds none, ``too_large`` for a bomb."""
    if not path.exists():
        raise InputError(f"survey file {path} does not exist; check the path",
                         code="file_not_found", file=str(path))
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(f"{path.name} is not a readable zip archive ({exc}); download the "
                         "export again", code="not_a_workbook", file=str(path)) from None
    with archive, tempfile.TemporaryDirectory(prefix="ddci-zip-") as folder:
        infos = _csv_members(archive, path)
        members = []
        for n, info in enumerate(infos):
            target = Path(folder) / str(n) / PurePosixPath(info.filename).name
            target.parent.mkdir()
            with archive.open(info) as src, target.open("wb") as dst:
                _copy(src, dst, info, path)
            members.append(Member(info.filename, target, f"{path}/{info.filename}"))
        yield members


def _csv_members(archive: zipfile.ZipFile, path: Path) -> list[zipfile.ZipInfo]:
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS:
        raise InputError(f"{path.name} holds {len(infos):,} files; a survey export holds a "
                         "few", code="too_large", file=str(path), value=len(infos))
    found = [i for i in infos if not i.is_dir() and _is_survey_name(i.filename)]
    if not found:
        names = ", ".join(i.filename for i in infos[:10]) or "nothing"
        raise InputError(f"{path.name} holds no survey: no .csv file inside it (it holds "
                         f"{names}). Export the responses as CSV, or unzip the archive and "
                         "give ddci the survey file itself", code="no_survey_in_zip",
                         file=str(path))
    total = sum(i.file_size for i in found)
    packed = sum(i.compress_size for i in found)
    if total > MAX_TEXT_BYTES or (total > 1 << 20 and total > MAX_RATIO * max(packed, 1)):
        raise InputError(f"{path.name} would expand to {total:,} bytes from {packed:,}; that "
                         "is not a survey export (or too large: save it as Parquet)",
                         code="too_large", file=str(path), value=total)
    return found


def _is_survey_name(name: str) -> bool:
    pure = PurePosixPath(name)
    hidden = any(part.startswith(".") or part == "__MACOSX" for part in pure.parts)
    return not hidden and pure.suffix.lower() in DELIMITED


def _copy(src, dst, info: zipfile.ZipInfo, path: Path) -> None:
    """Copy one member, refusing it when it expands beyond its declared size."""
    written = 0
    for block in iter(lambda: src.read(1 << 20), b""):
        written += len(block)
        if written > info.file_size:
            raise InputError(f"{info.filename} in {path.name} expands beyond the size the "
                             "archive declares; the zip is damaged", code="too_large",
                             file=str(path))
        dst.write(block)


def rename_files(report: ProblemReport, members: list[Member]) -> None:
    """Problems that name a member's temporary path name its shown name instead."""
    shown = {str(m.path): m.shown for m in members}
    report.problems[:] = [dataclasses.replace(p, file=shown[p.file]) if p.file in shown
                          else p for p in report.problems]
