"""Atomic output files and the flat formats (.csv, .json, .parquet).

Every output is written to a temporary file beside its target and renamed into place, so
an interrupted run never leaves half a report; an input file is never overwritten. Inside
:func:`all_or_nothing` (every command runs in one) the renames wait until every output has
been written, so several ``-o`` outputs appear together or not at all. A failing write is
an :class:`OutputError` (exit 4) naming the path and the system's reason.
"""

from __future__ import annotations

import csv
import errno
import io
import json
import os
import tempfile
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Callable, Iterator

from ddci_cli.errors import OutputError, UsageError

FORMATS = (".xlsx", ".csv", ".json", ".parquet", ".pdf")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

# (temporary, target) pairs written but not yet renamed; None outside all_or_nothing()
_PENDING: ContextVar[list[tuple[Path, Path]] | None] = ContextVar("ddci_pending_outputs",
                                                                  default=None)


def same_file(a: Path, b: Path) -> bool:
    """True when ``a`` and ``b`` name one file: any spelling, symlink or hard link."""
    try:
        if Path(a).resolve() == Path(b).resolve():
            return True
        return os.path.exists(a) and os.path.exists(b) and os.path.samefile(a, b)
    except (OSError, RuntimeError):  # a symlink loop names no file we could overwrite
        return False


def check_outputs(outputs: list[Path], inputs: list[Path]) -> None:
    """Refuse unknown formats, missing folders, outputs that would replace an input and an
    output given twice (usage, exit 2); a target that is a folder or in a folder that cannot
    be written is exit 4, before any work."""
    for k, out in enumerate(outputs):
        check_target(out, inputs, FORMATS, "the output")
        for earlier in outputs[:k]:
            if same_file(out, earlier):
                raise UsageError(f"-o {out} names the same file as -o {earlier}; give each "
                                 "output once")


def check_target(path: Path, inputs: list[Path], formats: tuple[str, ...], what: str) -> None:
    """Refuse (usage error) a target whose extension is not in ``formats``, whose folder
    does not exist, or that is one of the ``inputs`` (also through a link); refuse (exit 4)
    a target that is a folder or whose folder cannot be written."""
    if path.suffix.lower() not in formats:
        raise UsageError(f"cannot write {what} '{path}': the format follows the extension, "
                         f"one of {', '.join(formats)}")
    if not path.parent.is_dir():
        raise UsageError(f"folder {path.parent} does not exist; create it first or choose "
                         f"another path for {what} than {path}")
    for source in inputs:
        if same_file(path, source):
            raise UsageError(f"{what} {path} is an input file; choose another name so the "
                             "input is not overwritten")
    if path.is_dir():
        raise OutputError(f"cannot write {what} {path}: {os.strerror(errno.EISDIR)}; give "
                          "a file name, not a folder")
    if not os.access(path.parent, os.W_OK | os.X_OK):
        raise OutputError(f"cannot write {what} {path}: {os.strerror(errno.EACCES)} (folder "
                          f"{path.parent}); choose a folder you can write to")


def output_error(target: Path, exc: OSError) -> OutputError:
    """The exit-4 error for a failed write of ``target``: the path and the system's reason."""
    reason = exc.strerror or str(exc) or type(exc).__name__
    return OutputError(f"cannot write {target}: {reason}; nothing was written. Check that the "
                       "folder is writable and the disk has room, then run again")


@contextmanager
def all_or_nothing() -> Iterator[None]:
    """Outputs written inside are renamed into place only when the block ends without an
    error; otherwise every temporary is removed and no target is touched. Nested blocks
    join the outermost one."""
    if _PENDING.get() is not None:
        yield
        return
    pending: list[tuple[Path, Path]] = []
    token = _PENDING.set(pending)
    try:
        yield
    except BaseException:
        _discard(pending)
        raise
    finally:
        _PENDING.reset(token)
    _commit(pending)


def _commit(pending: list[tuple[Path, Path]]) -> None:
    """Rename every temporary over its target; on a failure remove the ones left."""
    try:
        while pending:
            tmp, target = pending[0]
            try:
                os.chmod(tmp, _file_mode(target))
                os.replace(tmp, target)
            except OSError as exc:
                raise output_error(target, exc) from None
            pending.pop(0)
    finally:
        _discard(pending)


def _discard(pending: list[tuple[Path, Path]]) -> None:
    for tmp, _ in pending:
        tmp.unlink(missing_ok=True)
    pending.clear()


@contextmanager
def atomic_path(target: Path, *, immediate: bool = False) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it over ``target`` on success (at
    the end of the enclosing :func:`all_or_nothing` unless ``immediate``)."""
    target = Path(target)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        os.close(fd)
    except OSError as exc:
        raise output_error(target, exc) from None
    tmp_path = Path(tmp)
    try:
        yield tmp_path
    except OSError as exc:
        tmp_path.unlink(missing_ok=True)
        raise output_error(target, exc) from None
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise
    pending = None if immediate else _PENDING.get()
    if pending is None:
        _commit([(tmp_path, target)])
    else:
        pending.append((tmp_path, target))


def _file_mode(target: Path) -> int:
    """The mode a newly created file would get (mkstemp's 0600 would hide shared reports);
    an existing target keeps its own."""
    if target.exists():
        return target.stat().st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def write_bytes(target: Path, data: bytes, *, immediate: bool = False) -> None:
    """Write ``data`` atomically (see :func:`atomic_path`)."""
    with atomic_path(target, immediate=immediate) as tmp:
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
                  workbook: Callable[[Path], None],
                  pdf: Callable[[Path], None] | None = None) -> None:
    """Write each output in the format of its extension: ``.json`` the document, ``.csv``
    and ``.parquet`` the flat rows (built once, only when asked for), ``.xlsx`` through
    ``workbook``, ``.pdf`` through ``pdf`` (a usage error where a command has none). The
    files appear together or not at all."""
    with all_or_nothing():
        _write_each(outputs, document, rows, workbook, pdf)


def _write_each(outputs: list[Path], document: Any, rows: Callable[[], list[dict]],
                workbook: Callable[[Path], None],
                pdf: Callable[[Path], None] | None = None) -> None:
    flat: list[dict] | None = None
    for out in outputs:
        suffix = out.suffix.lower()
        if suffix == ".pdf":
            if pdf is None:
                raise UsageError(f"cannot write {out}: a .pdf output is the one-page ranking "
                                 "of `ddci score`; this command writes .xlsx, .csv, .json "
                                 "or .parquet")
            pdf(out)
        elif suffix == ".json":
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
