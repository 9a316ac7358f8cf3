"""Random small surveys (CSV and .xlsx) against the corpus method: whatever arrives, `ddci`
answers with exit 0 or 1 and one JSON document — never exit 3, never a traceback."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from test_bad_inputs import BAD, run_cli

DECIMALS = 2  # tests/data/bad/method.toml has no [ranking]: the default

COLUMNS = ["STT", "Mã DN", "Đơn vị", "Khối", "Trọng số", "B1", "B2", "C1", "C2"]
UNITS = ["Sở Tài chính", "STC", "Sở Xây dựng", "Quận Hải An", "huyện  an lão"]
BLOCKS = ["Khối Sở, ban, ngành", "Khối quận, huyện", "district"]

# Text a spreadsheet cell may hold: any letter, digit, punctuation or space (XML forbids
# most control characters, so the workbook writer would refuse them).
text = st.text(st.characters(categories=("L", "M", "N", "P", "S", "Zs")), max_size=12)
numbers = st.one_of(st.integers(-10, 100), st.floats(allow_nan=False, allow_infinity=False),
                    st.sampled_from([0.0, -0.0, 1e308, -1e308, 5e-324, 2.5, 1e15]))
special = st.sampled_from(["", " ", "NA", "n/a", "#N/A", "NaN", "null", "Không biết", "KB",
                           "99", "99,0", "3,5", "1.234,5", "45%", "inf", "-Infinity", "=1+1",
                           "TRUE", "１２", "٣"])
cells = st.one_of(numbers, text, special, st.none(), st.booleans(),
                  st.dates(dt.date(1900, 1, 1), dt.date(2100, 1, 1)))


@st.composite
def surveys(draw):
    columns = list(COLUMNS)
    if draw(st.booleans()):
        columns = draw(st.permutations(columns))
    for _ in range(draw(st.integers(0, 2))):  # renamed, dropped or duplicated headers
        j = draw(st.integers(0, len(columns) - 1))
        action = draw(st.sampled_from(["keep"] * 4 + ["rename", "drop", "duplicate", "case"]))
        if action == "rename":
            columns[j] = draw(text)
        elif action == "drop" and len(columns) > 1:
            columns.pop(j)
        elif action == "duplicate":
            columns.append(columns[j])
        else:
            columns[j] = f"  {columns[j].upper()} "
    titles = draw(st.lists(st.lists(text, max_size=2), max_size=2))
    rows = []
    wild = draw(st.integers(0, 40))  # out of 100: how often a cell is anything at all
    for _ in range(draw(st.integers(0, 14))):
        row = []
        for name in columns:
            if draw(st.integers(0, 99)) < wild:
                row.append(draw(cells))
            elif name == "Đơn vị":
                row.append(draw(st.sampled_from(UNITS)))
            elif name == "Khối":
                row.append(draw(st.sampled_from(BLOCKS)))
            elif name in ("B1", "B2", "C1", "C2", "Trọng số"):
                row.append(draw(st.integers(1, 5)))
            else:
                row.append(draw(cells))
        rows.append(row)
    return titles, columns, rows


def _as_text(value) -> str:
    return "" if value is None else str(value)


def write_csv(path: Path, titles, columns, rows, delimiter: str, encoding: str) -> None:
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, delimiter=delimiter)
    for title in titles:
        writer.writerow(title)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_as_text(v) for v in row])
    path.write_bytes(buf.getvalue().encode(encoding, errors="replace"))


def write_xlsx(path: Path, titles, columns, rows) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    for title in titles:
        ws.append(title)
    ws.append(columns)
    for row in rows:
        ws.append([v if not isinstance(v, float) or abs(v) < 1e300 else str(v) for v in row])
    wb.save(path)


@settings(max_examples=int(__import__("os").environ.get("FUZZ_N", 60)), deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(survey=surveys(), kind=st.sampled_from(["csv", "xlsx"]),
       delimiter=st.sampled_from([",", ";", "\t"]),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1258"]),
       command=st.sampled_from(["validate", "score"]),
       flag=st.sampled_from([None, "--lenient", "--strict"]))
def test_random_surveys_get_an_answer(survey, kind, delimiter, encoding, command, flag):
    titles, columns, rows = survey
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"survey.{kind}"
        if kind == "csv":
            write_csv(path, titles, columns, rows, delimiter, encoding)
        else:
            write_xlsx(path, titles, columns, rows)
        args = [command, path, "-m", BAD / "method.toml", "--json"] + ([flag] if flag else [])
        code, out, err = run_cli(*args)
    assert code in (0, 1), f"exit {code}\n{err[-3000:]}"
    assert "Traceback" not in err and "Internal error" not in err, err[-3000:]
    doc = json.loads(out)
    assert doc["ok"] is (code == 0)
    errors = [p["code"] for p in doc["problems"] if p["severity"] == "error"]
    event(f"exit {code}" + (f" ({errors[0]})" if errors else ""))
    problems = doc["problems"]
    if code == 1:
        assert any(p["severity"] == "error" for p in problems) or flag == "--strict"
        assert problems
    for p in problems:
        assert set(p) == {"code", "severity", "file", "sheet", "row", "column", "key",
                          "value", "message"}
        assert p["message"]
    if code == 0 and command == "score":  # an answer must also be a right answer
        from test_cli import assert_ranks_follow_the_rule

        assert_ranks_follow_the_rule(doc, DECIMALS)
        for u in doc["units"]:
            assert u["responses"] >= 0
            for item in u["indicators"].values():
                # a mean within its valid range ([1, 5] or [0, 30] here) or a share in %
                assert item["value"] is None or 0 <= item["value"] <= 100
