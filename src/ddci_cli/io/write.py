"""Atomic output files and the flat formats (.csv, .json, .parquet).

Every output is written to a temporary file beside its target and renamed into place, so
an interrupted run never leaves half a report; an input file is never overwritten.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

from ddci_cli.errors import UsageError

FORMATS = (".xlsx", ".csv", ".json", ".parquet")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def check_outputs(outputs: list[Path], inputs: list[Path]) -> None:
    """Refuse unknown formats, missing folders and outputs that would replace an input."""
    for out in outputs:
        check_target(out, inputs, FORMATS, "the output")


def check_target(path: Path, inputs: list[Path], formats: tuple[str, ...], what: str) -> None:
    """Refuse (usage error) a target whose extension is not in ``formats``, whose folder
    does not exist, or that is one of the ``inputs`` (also through a link)."""
    if path.suffix.lower() not in formats:
        raise UsageError(f"cannot write {what} '{path}': the format follows the extension, "
                         f"one of {', '.join(formats)}")
    if not path.parent.is_dir():
        raise UsageError(f"folder {path.parent} does not exist; create it first or choose "
                         f"another path for {what} than {path}")
    for source in inputs:
        if path.resolve() == source.resolve() or (path.exists() and source.exists()
                                                  and os.path.samefile(path, source)):
            raise UsageError(f"{what} {path} is an input file; choose another name so the "
                             "input is not overwritten")


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it over ``target`` on success."""
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.chmod(tmp_path, _file_mode(target))
        os.replace(tmp_path, target)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise


def _file_mode(target: Path) -> int:
    """The mode a newly created file would get (mkstemp's 0600 would hide shared reports);
    an existing target keeps its own."""
    if target.exists():
        return target.stat().st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def write_bytes(target: Path, data: bytes) -> None:
    with atomic_path(target) as tmp:
        with tmp.open("wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())


def write_with(target: Path, writer: Callable[[Path], None]) -> None:
    with atomic_path(target) as tmp:
        writer(tmp)


def inert_csv_text(value: Any) -> Any:
    """A text that a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_bytes(rows: list[dict[str, Any]]) -> bytes:
    """UTF-8 with a BOM (Excel then shows the diacritics), formula-like texts made inert."""
    buf = io.StringIO(newline="")
    columns = list(rows[0]) if rows else []
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([inert_csv_text(c) for c in columns])
    for row in rows:
        writer.writerow(["" if row[c] is None else inert_csv_text(row[c]) for c in columns])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def json_bytes(document: Any) -> bytes:
    return (json.dumps(document, ensure_ascii=False, indent=2, allow_nan=False) + "\n").encode()


def write_formats(outputs: list[Path], document: Any, rows: Callable[[], list[dict]],
                  workbook: Callable[[Path], None]) -> None:
    """Write each output in the format of its extension: ``.json`` the document, ``.csv``
    and ``.parquet`` the flat rows (built once, only when asked for), ``.xlsx`` through
    ``workbook``. Each file is written atomically."""
    flat: list[dict] | None = None
    for out in outputs:
        suffix = out.suffix.lower()
        if suffix == ".json":
            write_bytes(out, json_bytes(document))
        elif suffix in (".csv", ".parquet"):
            flat = rows() if flat is None else flat
            if suffix == ".csv":
                write_bytes(out, csv_bytes(flat))
            else:
                write_parquet(out, flat)
        else:
            workbook(out)


def write_parquet(target: Path, rows: list[dict[str, Any]]) -> None:
    import pandas as pd

    frame = pd.DataFrame(rows)
    write_with(target, lambda tmp: frame.to_parquet(tmp, index=False))
