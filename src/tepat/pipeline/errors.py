"""The two kinds of failure of an import: a file that cannot be read, and a row that is wrong."""

from __future__ import annotations

from dataclasses import dataclass

from tepat.pipeline.messages import render, safe_value


class ReadError(Exception):
    """The file cannot be read at all (missing, empty, not a spreadsheet, encrypted, a zip bomb…).

    `code` is stable (see messages.READ_ERRORS); `message_id` / `message_en` say what to do.
    """

    def __init__(self, code: str, file: str, **context: object) -> None:
        self.code = code
        self.file = file
        self.context = context
        self.message_id, self.message_en = render(code, file=file, **context)
        super().__init__(f"{code}: {self.message_en}")


@dataclass(frozen=True)
class RowError:
    """One cell or row that blocks the import until it is fixed in the source file."""

    file: str
    row: int | None  # 1-based spreadsheet row; None when the error is about the whole file
    column: str  # the column header as written in the file (or the expected header)
    value: str  # already masked: never a full NIK or KK
    code: str
    message_id: str
    message_en: str

    @classmethod
    def make(
        cls,
        code: str,
        *,
        file: str,
        row: int | None,
        column: str,
        value: object = None,
        **context: object,
    ) -> RowError:
        message_id, message_en = render(
            code,
            file=file,
            row=row if row is not None else "-",
            column=column,
            value=value,
            **context,
        )
        return cls(file, row, column, safe_value(value), code, message_id, message_en)
