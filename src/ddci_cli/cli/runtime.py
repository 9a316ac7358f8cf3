"""What every command shares at run time: error handling and exit codes (SPEC §5), signals,
the JSON document on stdout, and the common read options. Commands import these from here;
``application`` declares the commands."""

from __future__ import annotations

import errno
import json
import os
import signal
import sys
from typing import Callable

from ddci_cli.cli.values import sheet_option
from ddci_cli.errors import (EXIT_HANGUP, EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_OUTPUT,
                             EXIT_PIPE, EXIT_TERMINATED, EXIT_USAGE, DdciError, InputError,
                             UsageError)


class _Render:
    """``render`` imported when first used: it brings rich, numpy and pandas, which printing
    the help or the version does not need (SPEC: ``ddci --help`` answers at once)."""

    def __getattr__(self, name: str):
        from ddci_cli.cli import render as module

        return getattr(module, name)


render = _Render()


class Terminated(BaseException):
    """SIGTERM or SIGHUP arrived: unwinds like Ctrl-C, so temporaries are removed."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.exit_code = EXIT_TERMINATED if signum == signal.SIGTERM else EXIT_HANGUP


def _on_signal(signum, frame) -> None:
    # the first one wins: a second SIGTERM must not interrupt the removal of temporaries
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_IGN)
    if signum == signal.SIGINT:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        raise KeyboardInterrupt
    raise Terminated(signum)


def install_signal_handlers(interrupt: bool = False) -> None:
    """SIGTERM and SIGHUP raise :class:`Terminated` (exit 143/129 after clean-up); with
    ``interrupt`` (a batch job's process) SIGINT too is taken once, then ignored."""
    for sig in (signal.SIGTERM, signal.SIGHUP, *([signal.SIGINT] if interrupt else [])):
        signal.signal(sig, _on_signal)


class Run:
    """Common behaviour of every command: error handling, JSON errors, quiet mode, and
    outputs that appear together at the end or not at all."""

    def __init__(self, json_out: bool = False, quiet: bool = False, debug: bool = False):
        self.json_out, self.quiet, self.debug = json_out, quiet, debug

    def __call__(self, body: Callable[[], int | None]) -> None:
        """Run ``body`` inside a typer command: its exit code leaves as ``typer.Exit``."""
        import typer

        raise typer.Exit(self.code(body))

    def code(self, body: Callable[[], int | None]) -> int:
        """Run ``body``; its exit code, every error turned into a message and a code."""
        from ddci_cli.io.write import all_or_nothing

        try:
            with all_or_nothing():
                code = body() or 0
        except InputError as exc:
            code = self._input_error(exc)
        except DdciError as exc:
            render.message(f"Error: {exc.message}")
            code = exc.exit_code
        except KeyboardInterrupt:  # typer would turn it into a silent exit 130
            render.message("Interrupted; no output was written.")
            code = EXIT_INTERRUPTED
        except Terminated as exc:
            render.message("Terminated; no output was written.")
            code = exc.exit_code
        except OSError as exc:  # typer would exit 1 on a closed pipe; SPEC §5 says 141
            code = stream_error(exc)
        return code

    def _input_error(self, exc: InputError) -> int:
        from ddci_cli.results import error_document

        problems = exc.report.problems
        if self.json_out:
            emit_json(error_document(problems))
        render.problems(problems)
        errors = exc.report.errors
        render.message(f"Error: the input has {render.summary_line(len(errors), len(problems) - len(errors))};"
                       " nothing was written.")
        return exc.exit_code


def guarded(call: Callable[[], int | None], debug: bool,
            exits: tuple[type[BaseException], ...] = ()) -> int:
    """The process's exit code for ``call()`` (a whole command line): signals handled, every
    failure one message and a code (SPEC §5), never a stray traceback, stdout flushed.
    ``exits``: exception types that carry the code in ``exit_code`` (typer's ``Exit``)."""
    install_signal_handlers()
    try:
        code = call()
    except KeyboardInterrupt:
        render.message("Interrupted; no output was written.")
        code = EXIT_INTERRUPTED
    except Terminated as exc:
        render.message("Terminated; no output was written.")
        code = exc.exit_code
    except OSError as exc:
        code = stream_error(exc)
    except exits as exc:  # raised inside commands
        code = exc.exit_code
    except SystemExit as exc:
        # click exits 1 when stdout's reader has gone (`ddci --help | true`): that is 141
        pipe = isinstance(exc.__context__, OSError) and exc.__context__.errno == errno.EPIPE
        code = EXIT_PIPE if pipe else exc.code
        if pipe:
            _silence_stdout()
    except Exception as exc:  # click usage errors and genuine bugs
        code = _unexpected(exc, debug)
    try:
        sys.stdout.flush()
    except OSError as exc:
        code = stream_error(exc)
    return code or 0


def _unexpected(exc: Exception, debug: bool) -> int:
    # typer vendors click in recent releases, so recognise its exceptions by shape
    if type(exc).__name__ == "Abort":
        render.message("Interrupted; no output was written.")
        return EXIT_INTERRUPTED
    if callable(getattr(exc, "show", None)) and isinstance(getattr(exc, "exit_code", None), int):
        exc.show()
        return exc.exit_code or EXIT_USAGE
    if debug:
        import traceback

        traceback.print_exception(exc, file=sys.stderr)
    render.message(f"Internal error: {type(exc).__name__}: {exc}. This is a bug in ddci; "
                   "rerun with --debug for the traceback and report it.")
    return EXIT_INTERNAL


def stream_error(exc: OSError) -> int:
    """The exit code of a failed write outside an output file: 141 quietly when the reader
    of stdout went away, else 4 with the system's reason (stdout on a full disk, /dev/full)."""
    _silence_stdout()
    if isinstance(exc, BrokenPipeError) or exc.errno == errno.EPIPE:
        return EXIT_PIPE
    reason = exc.strerror or str(exc)
    if exc.filename:
        render.message(f"Error: {exc.filename}: {reason}")
    else:
        render.message(f"Error: cannot write to standard output: {reason}; check the disk or "
                       "the place the output is redirected to")
    return EXIT_OUTPUT


def emit_json(document) -> None:
    """One JSON document on stdout; C1 controls and bidi overrides from the data are written
    as \\uXXXX escapes (the same JSON value) so a terminal showing it interprets none."""
    text = json.dumps(document, ensure_ascii=False, indent=2, allow_nan=False)
    sys.stdout.write(render.json_safe(text))
    sys.stdout.write("\n")
    sys.stdout.flush()


def read_options(sheet, header_row, encoding, delimiter, lenient, strict):
    from ddci_cli.pipeline import ReadOptions

    if lenient and strict:
        raise UsageError("--lenient and --strict cannot be used together")
    return ReadOptions(sheet=sheet_option(sheet), header_row=header_row, encoding=encoding,
                       delimiter=_delimiter(delimiter), lenient=lenient, strict=strict)


def _delimiter(text: str | None) -> str | None:
    if text is None:
        return None
    text = {"\\t": "\t", "tab": "\t", "TAB": "\t"}.get(text, text)
    if len(text) != 1:
        raise UsageError("--delimiter must be one character (e.g. ',', ';' or 'tab')")
    return text


def _lang(lang: str | None) -> str | None:
    if lang is not None and lang not in ("vi", "en"):
        raise UsageError("--lang must be 'vi' or 'en'")
    return lang


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the flush at exit fails no second time."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout is not a real file (tests capture it)
        pass
