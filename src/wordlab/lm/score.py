"""A trained language model's perplexity on a user's own text file.

    python -m wordlab.lm.score models/lm/lstm/model.pt text.txt [--strict]

The file is read as the model's corpus was: whitespace-separated words, every line ending in ``<eos>``, in the
corpus's own spelling (PTB is lower-case with numbers as ``N``). A word outside the model's vocabulary is read as
``<unk>``, as the corpus itself did for its rare words, and the share of such words is printed beside the
perplexity, since a text scored mostly as ``<unk>`` scores deceptively well; ``--strict`` refuses the first one by
file and line instead. The text is scored as one stream in one column, the recurrent state carried from each
``bptt`` chunk to the next, so every word is predicted from everything before it (the fixed-window model from its
window); the Kneser-Ney baseline reads each line as a sentence from its start, as its stage scored it.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from torch.utils.data import DataLoader, Subset
from tqdm import tqdm

from wordlab.data.errors import DataFormatError
from wordlab.data.readers.text import iter_token_lines
from wordlab.lm.data import EOS, LMVocabulary, StreamChunks, batchify, windows_dataset
from wordlab.lm.fixed_window import FixedWindowLM
from wordlab.lm.kneser_ney import KneserNeyLM
from wordlab.lm.module import stream_perplexity
from wordlab.lm.saved import LanguageModel, load_model

UNK = "<unk>"
BPTT = 70


@dataclass(frozen=True)
class Score:
    perplexity: float
    tokens: int  # predicted tokens, <eos> included
    unknown: int  # words read as <unk> that the file spelled otherwise


def text_stream(path: Path, vocabulary: LMVocabulary, *, strict: bool) -> tuple[np.ndarray, int]:
    """The file's ids (``<eos>`` after every line) and how many words were read as ``<unk>``."""
    unk = vocabulary.id(UNK) if UNK in vocabulary else None
    ids: list[int] = [vocabulary.eos]  # the first word is predicted from a sentence start, as in training
    unknown = 0
    for line_number, words in enumerate(iter_token_lines(Path(path), eos=EOS), start=1):
        for word in words:
            if word in vocabulary:
                ids.append(vocabulary.id(word))
                continue
            if strict or unk is None:
                why = "--strict" if strict else f"the vocabulary has no {UNK}"
                raise DataFormatError(path, line_number, f"{word!r} is not in the model's vocabulary ({why})")
            ids.append(unk)
            unknown += 1
    return np.asarray(ids, dtype=np.int64), unknown


def score(network: LanguageModel, vocabulary: LMVocabulary, path: Path, *, strict: bool = False) -> Score:
    stream, unknown = text_stream(path, vocabulary, strict=strict)
    if isinstance(network, KneserNeyLM):
        # The n-gram model reads each line as a sentence from <s>, as it was counted and scored in its stage.
        body = stream[1:]  # every line, each ending in <eos>
        lines = np.split(body, np.flatnonzero(body == vocabulary.eos)[:-1] + 1)
        log_probs = network.log_probs(lines)  # vectorised over the whole text: no bar needed
        return Score(math.exp(-float(np.mean(log_probs))), len(log_probs), unknown)
    if isinstance(network, FixedWindowLM):
        # Every token after the leading <eos>, each from its window (the <eos> padding stands before the start).
        windows = windows_dataset(stream, network.context, vocabulary.eos)
        batches = DataLoader(Subset(windows, range(1, len(windows))), batch_size=1024)
    else:
        batches = DataLoader(StreamChunks(batchify(stream, 1), BPTT), batch_size=None)
    shown = tqdm(batches, desc="scoring", unit="batch")
    mean, tokens = stream_perplexity(network, shown)
    return Score(math.exp(mean), tokens, unknown)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m wordlab.lm.score", description=__doc__.split("\n\n")[0])
    parser.add_argument("checkpoint", type=Path, help="a trained model: model.pt, or the folder holding it")
    parser.add_argument("text", type=Path, help="the text file to score")
    parser.add_argument("--strict", action="store_true", help="refuse a word outside the vocabulary")
    args = parser.parse_args(argv)
    try:
        network, vocabulary = load_model(args.checkpoint)
        result = score(network, vocabulary, args.text, strict=args.strict)
    except (OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    share = 100 * result.unknown / result.tokens
    print(f"perplexity {result.perplexity:.2f} over {result.tokens} tokens ({share:.2f}% read as {UNK})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
