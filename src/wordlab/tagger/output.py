"""A CoNLL-U file with its UPOS column replaced by predicted tags, everything else byte for byte as it was.

The parser reads these files in place of the treebank's (``parser.<entry>.tags: predicted``), so they must keep
the gold heads and relations, the comments, multiword-token lines and empty nodes. Written line by line from the
original rather than through ``conllu``'s serialiser, which would normalise what it does not model.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from wordlab.data.errors import DataFormatError
from wordlab.data.readers.lines import iter_lines
from wordlab.io import atomic_path


def write_tagged(source: Path, target: Path, tags: Sequence[Sequence[str]]) -> None:
    """``source`` with the UPOS of its integer-id words, in order, set to ``tags`` (a list per sentence)."""
    lines: list[str] = []
    sentence, word = 0, 0
    for line_number, line in iter_lines(Path(source)):
        columns = line.split("\t")
        if line and not line.startswith("#") and len(columns) == 10 and columns[0].isdigit():
            if sentence >= len(tags):
                raise DataFormatError(source, line_number, f"more sentences than the {len(tags)} tagged")
            if word >= len(tags[sentence]):
                raise DataFormatError(source, line_number, f"sentence {sentence + 1} has more words than the "
                                      f"{len(tags[sentence])} tags given for it")  # fmt: skip
            columns[3] = tags[sentence][word]
            word += 1
            line = "\t".join(columns)
        elif not line.strip() and word:
            if word != len(tags[sentence]):
                raise DataFormatError(source, line_number, f"sentence {sentence + 1} has {word} words, "
                                      f"{len(tags[sentence])} tags were given")  # fmt: skip
            sentence, word = sentence + 1, 0
        lines.append(line)
    if word:
        sentence += 1
    if sentence != len(tags):
        raise ValueError(f"{source}: {sentence} sentences, but tags for {len(tags)}")
    with atomic_path(target) as tmp:
        tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
