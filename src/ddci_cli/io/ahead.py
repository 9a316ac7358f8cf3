"""Work on a file started on a second thread, before the code that will ask for it has
even been imported, and handed over when it asks.

python-calamine releases the GIL while it parses a sheet, so on a machine with two cores a
workbook read overlaps the command's start-up (typer, numpy, the method file). This module
imports nothing heavy (the job brings its own imports, on its thread) so that the read can
start a few milliseconds after the interpreter does.

:func:`start` runs ``job(opened)`` on a thread for a file; :func:`take` returns what it returned,
or raises what it raised, to the first caller that asks for the same file unchanged (same
absolute path, inode, size and modification time). A job nobody asks for is dropped. The
thread is not a daemon: the interpreter waits for it at exit rather than stopping it inside
the reader. So only files up to MAX_BYTES are read ahead, and a command that stops early (a
bad method file) waits at most that read before it exits.
"""

from __future__ import annotations

import os
import stat
import threading
from collections.abc import Callable  # not typing: 10 ms to import, before the read starts

MAX_BYTES = 8 * 1024**2
_STARTED: dict[tuple, "Job"] = {}
_DIGESTS: dict[tuple, "Job"] = {}
HASH_THREAD_FROM = 1 << 20  # bytes from which a file's content is hashed on a thread


def file_key(path: str | os.PathLike) -> tuple | None:
    """The file as it is now: absolute path, inode, size, modification time (None if it
    cannot be looked at)."""
    try:
        return _key(path, os.stat(path))
    except (OSError, ValueError):
        return None


def _key(path: str | os.PathLike, st: os.stat_result) -> tuple:
    return (os.path.abspath(path), st.st_ino, st.st_size, st.st_mtime_ns)


def start(path: str | os.PathLike,
          job: Callable[[Callable[[], None]], object]) -> "Job | None":
    """Run ``job(opened)`` on a thread for the regular file ``path`` (up to MAX_BYTES);
    the job calls ``opened()`` when the part that needs the GIL is done (the thread's
    ``opened`` event, set at the end in any case). None if not started."""
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    key = _key(path, st)
    if key in _STARTED or not stat.S_ISREG(st.st_mode) or st.st_size > MAX_BYTES:
        return None
    _STARTED[key] = Job(job)
    return _STARTED[key]


def take(path: str | os.PathLike) -> tuple[bool, object]:
    """(True, what the job for ``path`` returned) once it is done, raising what it
    raised; (False, None) when no job was started for the file as it is now."""
    job = _STARTED.pop(file_key(path), None) if _STARTED else None
    if job is None:
        return False, None
    return True, job.result()


def digest_later(key: tuple | None, raw: bytes) -> None:
    """Hash ``raw``, the whole content of the file that was ``key`` (:func:`file_key`)
    while it was read, on a thread when it is big (the GIL is released while SHA-256
    runs), for :func:`digest`. The file is then not read a second time to be hashed, and
    the hash is of the bytes that were parsed."""
    if key is None:
        return
    import hashlib

    if len(raw) < HASH_THREAD_FROM:
        done = hashlib.sha256(raw).hexdigest()
        _DIGESTS[key] = Job(lambda opened: done, thread=False)
    else:
        _DIGESTS[key] = Job(lambda opened: hashlib.sha256(raw).hexdigest())


def digest(path: str | os.PathLike) -> str | None:
    """The SHA-256 (hex) that :func:`digest_later` took of the file as it is now, or None
    when its content was not hashed as it is now."""
    job = _DIGESTS.pop(file_key(path), None) if _DIGESTS else None
    return None if job is None else job.result()


class Job:
    """``job(opened)`` run on a thread (or here and now, not ``thread``); :meth:`result`
    waits for it and returns what it returned, or raises what it raised. A daemon thread
    is not waited for at exit."""

    def __init__(self, job: Callable[[Callable[[], None]], object], thread: bool = True,
                 name: str = "ddci-ahead", daemon: bool = False):
        self._value: object = None
        self._error: BaseException | None = None
        self.opened = threading.Event()
        self._thread: threading.Thread | None = None
        if thread:
            self._thread = threading.Thread(target=self._run, args=(job,), name=name,
                                            daemon=daemon)
            self._thread.start()
        else:  # done here and now
            self._run(job)

    def _run(self, job: Callable[[Callable[[], None]], object]) -> None:
        try:
            self._value = job(self.opened.set)
        except BaseException as exc:  # raised again in the thread that takes the result
            self._error = exc
        finally:
            self.opened.set()

    def result(self) -> object:
        if self._thread is not None:
            self._thread.join()
        if self._error is not None:
            raise self._error
        return self._value
