"""The lines of a data file, decoded one at a time, for every reader of the package.

Text mode decodes a file in blocks of kilobytes: a byte that is not UTF-8 then surfaces as ``UnicodeDecodeError:
... position 297`` of some block, naming neither file nor line, and the lines before it in that block never reach
the reader. Reading bytes and decoding line by line keeps both the line number and the streaming. A file with no
bytes at all is refused here too, so that no reader returns zero records for a truncated download.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from wordlab.data.errors import DataFormatError


def iter_lines(path: Path, *, universal_newlines: bool = True) -> Iterator[tuple[int, str]]:
    """``(line number, line)`` for each line of ``path``, 1-based, the line without its line end.

    ``universal_newlines`` ends lines where text mode does (``\\r\\n``, a lone ``\\r``, ``\\n``), so readers that
    used text mode keep their line numbers; without it only ``\\n`` ends a line and a ``\\r`` stays in the line
    (the corpora's convention, where ``split`` drops it as whitespace).

    Raises DataFormatError at the first line that is not UTF-8, and for an empty file (line 1).
    """
    path = Path(path)
    line_number = 0
    with open(path, "rb") as handle:
        for raw in handle:
            body = raw[:-1] if raw.endswith(b"\n") else raw
            if universal_newlines and b"\r" in body:
                pieces = body.split(b"\r")
                if not pieces[-1]:
                    pieces.pop()  # a final \r ended the last piece (as \r or as \r\n): no line follows it
            else:
                pieces = [body]
            for piece in pieces:
                line_number += 1
                yield line_number, decode_line(path, line_number, piece)
    if line_number == 0:
        raise DataFormatError(path, 1, "empty file")


def decode_line(path: Path, line_number: int, raw: bytes) -> str:
    """``raw`` as UTF-8; a DataFormatError naming the bytes and where they are in the line if it is not."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        bad = " ".join(f"0x{byte:02x}" for byte in raw[error.start : error.end])
        raise DataFormatError(
            path,
            line_number,
            f"not UTF-8: {bad} at byte {error.start + 1} of the line ({error.reason}); the file must be UTF-8",
        ) from None
