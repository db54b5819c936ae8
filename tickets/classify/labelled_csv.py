"""Read labelled texts from a CSV file (a text column and a label column), refusing bad files clearly.

Every refusal is one line naming the file and, where it applies, the column
and row (row 1 is the header, row 2 the first data row, as a spreadsheet
shows it). Uses the csv module, so quoted texts with commas and line breaks
are read correctly, and imports no scikit-learn: the CLI checks its input
before paying for the model libraries.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from shiftdesk.errors import UserError


@dataclass(frozen=True)
class LabelledTexts:
    source: str
    texts: list[str]
    labels: list[str]


def read_labelled_csv(path: Path, text_column: str = "text", label_column: str = "category") -> LabelledTexts:
    """Texts and labels from a UTF-8 CSV with a header row; an empty text is allowed, an empty label is not."""
    reader = csv.reader(io.StringIO(_read_utf8(path), newline=""))
    try:
        header = next(reader, None)
        if header is None:
            raise UserError(f"{path}: empty file (expected a header row with {text_column},{label_column})")
        text_at, label_at = (_column_index(path, header, name) for name in (text_column, label_column))
        texts, labels = [], []
        for row_number, row in enumerate(reader, start=2):
            if not row:
                continue  # a blank line is no record
            if len(row) <= max(text_at, label_at):
                raise UserError(f"{path}, row {row_number}: {len(row)} field(s), but the header has {len(header)}")
            label = row[label_at].strip()
            if not label:
                raise UserError(f"{path}, row {row_number}, column {label_column}: empty label")
            texts.append(row[text_at])
            labels.append(label)
    except csv.Error as exc:
        raise UserError(f"{path}, line {reader.line_num}: not valid CSV ({exc})") from exc
    if not labels:
        raise UserError(f"{path}: no data rows under the header")
    return LabelledTexts(str(path), texts, labels)


def require_two_labels(data: LabelledTexts, label_column: str) -> None:
    """A classifier needs at least two labels to choose between."""
    if len(set(data.labels)) < 2:
        raise UserError(
            f"{data.source}, column {label_column}: every row has the label '{data.labels[0]}'; "
            "a classifier needs at least two labels"
        )


def _read_utf8(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise UserError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise UserError(f"{path}: is a directory, not a CSV file") from None
    except OSError as exc:
        raise UserError(f"{path}: cannot be read ({exc.strerror})") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise UserError(
            f"{path}, line {line}: not UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start}); save it as UTF-8"
        ) from None


def _column_index(path: Path, header: list[str], name: str) -> int:
    names = [column.strip() for column in header]
    if name not in names:
        raise UserError(f"{path}: no column '{name}' (columns: {', '.join(names) or 'none'})")
    return names.index(name)
