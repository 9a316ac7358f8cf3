"""Starter method files for `ddci init`: a DDCI template and a PCI template, or a draft
made from a survey export (`ddci init --from SURVEY`, :mod:`ddci_cli.sample.draft`).

The templates ship as package data (`ddci_cli/templates/*.toml`): commented TOML with an
explicit value for every key, meant to be copied and edited.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from ddci_cli.io.write import write_bytes

TEMPLATES = ("ddci", "pci")
METHOD_FILENAME = "method.toml"


def template_text(template: str = "ddci") -> str:
    """The text (UTF-8 TOML) of a starter method file; `template` is one of TEMPLATES."""
    if template not in TEMPLATES:
        raise ValueError(f"unknown template {template!r}; choose one of: {', '.join(TEMPLATES)}")
    return resources.files("ddci_cli").joinpath("templates", f"{template}.toml") \
        .read_text(encoding="utf-8")


def write_template(directory: Path, template: str = "ddci", force: bool = False) -> Path:
    """Write the starter method file `template` as `directory/method.toml` and return its
    path. The directory is created if missing. An existing method.toml is replaced only
    with force=True; otherwise FileExistsError(path). The file appears whole or not at all."""
    text = template_text(template)
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / METHOD_FILENAME
    if target.exists() and not force:
        raise FileExistsError(str(target))  # args[0] is the path, as the CLI reports it
    write_bytes(target, text.encode("utf-8"))
    return target


def write_draft(directory: Path, survey: Path, force: bool = False, **read) -> tuple[Path, object]:
    """Draft a method file from the export ``survey`` and write it as
    ``directory/method.toml``, as :func:`write_template` does; ``read``: sheet,
    header_row, encoding, delimiter. Returns the path and the
    :class:`ddci_cli.sample.draft.Draft`."""
    from ddci_cli.sample.draft import draft_method

    directory = Path(directory)
    target = directory / METHOD_FILENAME
    if target.exists() and not force:
        raise FileExistsError(str(target))
    draft = draft_method(Path(survey), **read)  # read before anything is written
    directory.mkdir(parents=True, exist_ok=True)
    write_bytes(target, draft.text.encode("utf-8"))
    return target, draft
