"""The one writer of every spreadsheet export (CSV and .xlsx).

A service builds `Table`s (French column headers, typed cells); views hand them to
`respond()`. What French spreadsheet programs expect, in one place:

- CSV: `;` separator, UTF-8 with a BOM, CRLF line ends, decimal comma, one table per file
  (no title line, no total among the data rows: totals are a table of their own);
- .xlsx (openpyxl): one sheet per table, numbers and dates as typed cells;
- formula-safe: a text cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage return is
  prefixed with an apostrophe, so that a child named `=cmd|' /C calc'!A0` is shown, never run
  (OWASP "CSV injection"). Numbers are written as numbers and are not touched.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import Response, abort

from app import clock

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
CSV_MIMETYPE = "text/csv"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class Table:
    """One table: `slug` names it in URLs (?tableau=) and file names, `title` is the sheet name."""
    slug: str
    title: str
    columns: Sequence[Any]
    rows: list[Sequence[Any]] = field(default_factory=list)

    def add(self, *cells: Any) -> None:
        if len(cells) != len(self.columns):
            raise ValueError(f"row of {len(cells)} cells for {len(self.columns)} columns in table {self.slug}")
        self.rows.append(cells)


def safe_text(value: Any) -> str:
    """Text that no spreadsheet evaluates as a formula."""
    text = str(value)
    if text.startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text


def _decimal_comma(value: Decimal | float) -> str:
    text = format(value, "f") if isinstance(value, Decimal) else repr(float(value))
    return text.replace(".", ",")


def csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, (Decimal, float)):
        return _decimal_comma(value)
    if isinstance(value, datetime):
        return clock.local(value).strftime("%Y-%m-%d %H:%M:%S")  # stored instants are UTC
    if isinstance(value, date):
        return value.isoformat()
    return safe_text(value)


def to_csv(table: Table) -> bytes:
    """The table as CSV bytes, BOM first."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([safe_text(c) for c in table.columns])
    for row in table.rows:
        writer.writerow([csv_cell(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _xlsx_cell(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, (int, Decimal, float)):
        return value
    if isinstance(value, datetime):
        return clock.local(value).replace(tzinfo=None)
    if isinstance(value, date):
        return value
    return safe_text(value)


def sheet_title(title: str) -> str:
    """Excel's limits on sheet names: 31 characters, none of []:*?/\\ ."""
    cleaned = "".join(" " if ch in "[]:*?/\\" else ch for ch in str(title)).strip("' ")
    return cleaned[:31] or "Feuille"


def to_xlsx(tables: Iterable[Table]) -> bytes:
    """A workbook with one sheet per table (header row in bold, frozen)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    for table in tables:
        sheet = book.create_sheet(sheet_title(table.title))
        sheet.append([safe_text(c) for c in table.columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
        for row in table.rows:
            sheet.append([_xlsx_cell(v) for v in row])
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # never a formula, whatever the text
                elif isinstance(cell.value, datetime):
                    cell.number_format = "dd/mm/yyyy hh:mm"
                elif isinstance(cell.value, date):
                    cell.number_format = "dd/mm/yyyy"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _attachment(body: bytes, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    if mimetype == CSV_MIMETYPE:
        response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def csv_response(table: Table, basename: str) -> Response:
    return _attachment(to_csv(table), CSV_MIMETYPE, f"{basename}.csv")


def xlsx_response(tables: Sequence[Table], basename: str) -> Response:
    return _attachment(to_xlsx(tables), XLSX_MIMETYPE, f"{basename}.xlsx")


def respond(tables: Sequence[Table], basename: str, fmt: str = "csv", table: str | None = None) -> Response:
    """The export in `fmt`: the workbook of every table, or one table as CSV (the first, or
    the one whose slug is `table`; its slug joins the file name when it is not the first)."""
    if fmt == "xlsx":
        return xlsx_response(tables, basename)
    if not table:
        return csv_response(tables[0], basename)
    for index, candidate in enumerate(tables):
        if candidate.slug == table:
            return csv_response(candidate, basename if index == 0 else f"{basename}-{candidate.slug}")
    abort(404)
