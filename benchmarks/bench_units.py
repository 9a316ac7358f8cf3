"""Unit look-up speed (SPEC §2 "Look-alike units", issue: every check near-linear):
N distinct unit names (default 3,000) against an N-entry ``[units]`` table, none of them
listed as typed, so every name gets an ``unknown_unit`` suggestion and the look-alike
search runs over all N.

    python benchmarks/bench_units.py [--names 3000] [--rows 3] [--repeat 3] [--seed 0]

The survey and method are generated in a temporary folder: listed names are made of random
Vietnamese syllables (``Sở Phát Triển Hòa Thuận …``); half the survey's names are those with
one letter changed or the diacritics dropped (they must find their listed name), the other
half are unlisted pairs of look-alikes (a typo, or the initials ``Sở PTHT``). Prints, best
of ``--repeat``:
- read: reading the survey's unit and block columns (the baseline, same file);
- units: the same read plus every unit check (``find_units``: suggestions, look-alike
  groups, blocks) — what ``ddci units`` and ``validate`` spend on units;
- the ratio units / read, the number of suggestions and groups found, and whether it is
  under the 5 s target.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

from bench_bootstrap import best_of  # the same best-of-N timer

from ddci_cli.errors import ProblemReport
from ddci_cli.method.load import load_method
from ddci_cli.survey.locate import load_table
from ddci_cli.survey.lookalike import initials, loose_key
from ddci_cli.survey.units import find_units

SYLLABLES = ("phát triển hòa thuận bình minh quang trung hưng long an khánh tân phú thịnh "
             "đông tây nam bắc thành công nghiệp nông lâm thủy sản dịch vụ thương mại văn "
             "hóa giáo dục y tế tài chính kế hoạch đầu tư xây dựng giao thông vận tải").split()


def _name(rng: random.Random) -> str:
    return "Sở " + " ".join(rng.choice(SYLLABLES).capitalize() for _ in range(rng.randint(3, 5)))


def _typo(name: str, rng: random.Random) -> str:
    i = rng.randrange(3, len(name))
    return name[:i] + rng.choice("xyzq") + name[i + 1:]


def _plain(name: str, rng=None) -> str:
    import unicodedata

    text = unicodedata.normalize("NFD", name.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in text if not unicodedata.combining(c))


def _initials(name: str, rng=None) -> str:
    words = name.split()
    return words[0] + " " + "".join(w[0].upper() for w in words[1:])


def build(folder: Path, n: int, rows: int, seed: int) -> tuple[Path, Path]:
    rng = random.Random(seed)
    listed: list[str] = []
    seen: set[str] = set()
    while len(listed) < 2 * n:  # n listed names, n more for the unlisted pairs
        name = _name(rng)
        if name.casefold() not in seen:
            seen.add(name.casefold())
            listed.append(name)
    table, extra = listed[:n], listed[n:]
    survey_names = [(_typo if i % 2 else _plain)(name, rng) for i, name in
                    enumerate(table[: n // 2])]
    for i, name in enumerate(extra[: n - len(survey_names)]):
        survey_names.append(name if i % 2 == 0 else
                            (_initials if i % 4 == 1 else _typo)(extra[i - 1], rng))
    survey_names = list(dict.fromkeys(survey_names))
    lines = ["Đơn vị,Khối,A1"]
    for name in survey_names:
        lines += [f'"{name}",Sở,{r % 5 + 1}' for r in range(rows)]
    survey = folder / "survey.csv"
    survey.write_text("\n".join(lines) + "\n", encoding="utf-8")
    units = "".join(f'[units."{name}"]\nblock = "department"\n' for name in table)
    method = folder / "method.toml"
    method.write_text('[input]\nunit_column = "Đơn vị"\nblock_column = "Khối"\n'
                      '[[blocks]]\nid = "department"\nlabel = "Sở"\n'
                      '[[blocks]]\nid = "district"\nlabel = "Huyện"\n'
                      '[[subindices]]\nid = "a"\n[[subindices.indicators]]\nid = "a1"\n'
                      'column = "A1"\n' + units, encoding="utf-8")
    return survey, method



def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--names", type=int, default=3000)
    parser.add_argument("--rows", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        survey, method_path = build(Path(tmp), args.names, args.rows, args.seed)
        start = time.perf_counter()
        method = load_method(method_path)
        load_seconds = time.perf_counter() - start
        wanted = {method.unit_column: "input.unit_column", method.block_column: "b"}

        def read():
            return load_table(survey, wanted, method.unit_column, report=ProblemReport())

        def units():
            loose_key.cache_clear()  # every repeat starts cold, as one run of ddci does
            initials.cache_clear()
            report = ProblemReport()
            return find_units(read(), method, report), report

        read_s, table = best_of(args.repeat, read)
        units_s, (found, report) = best_of(args.repeat, units)
    hints = sum(1 for p in report.problems if p.code == "unknown_unit" and "did you mean"
                in p.message)
    print(f"{len(found.names)} distinct names, {len(method.units)}-entry [units] table, "
          f"{len(table.row_numbers)} rows")
    print(f"method file load   {load_seconds:8.3f} s")
    print(f"read (baseline)    {read_s:8.3f} s")
    print(f"read + units       {units_s:8.3f} s   ratio {units_s / read_s:5.1f}x")
    print(f"suggestions {hints}, look-alike groups {len(found.groups)} "
          f"({sum(map(len, found.groups))} names)")
    total = units_s + load_seconds
    print(f"per name {1000 * total / len(found.names):.2f} ms; target for 3,000 names "
          f"(< 5 s, method load included): {'met' if total < 5 else 'MISSED'}"
          if args.names == 3000 else f"per name {1000 * total / len(found.names):.2f} ms")


if __name__ == "__main__":
    main()
