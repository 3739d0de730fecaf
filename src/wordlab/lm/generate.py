"""Text from a trained language model: sampling with temperature and top-k from a seed text, reproducibly.

    python -m wordlab.lm.generate models/lm/lstm/model.pt --words 50 --temperature 0.8 [--top-k 40]
        [--seed-text "the company said"] [--seed 1]

The seed text is read word by word (whitespace-separated, in the corpus's own spelling: PTB is lower-case with
numbers as ``N``); a word outside the model's vocabulary is refused by name. Each next word is drawn from
``softmax(logits / temperature)`` restricted to the ``top_k`` most likely words, with a generator seeded from
``--seed`` alone, so the same command prints the same text.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from wordlab.lm.data import EOS, LMVocabulary, ids_of
from wordlab.lm.fixed_window import FixedWindowLM
from wordlab.lm.kneser_ney import KneserNeyLM
from wordlab.lm.saved import LanguageModel, load_model


@torch.no_grad()
def sample(
    network: LanguageModel,
    vocabulary: LMVocabulary,
    seed_words: Sequence[str],
    *,
    words: int = 50,
    temperature: float = 1.0,
    top_k: int | None = None,
    seed: int = 1,
) -> list[str]:
    """``words`` words drawn after ``seed_words`` (``<eos>`` shown as a line break by :func:`as_text`)."""
    if temperature <= 0.0:
        raise ValueError(f"temperature must be positive, got {temperature}")
    if top_k is not None and top_k < 1:
        raise ValueError(f"top_k must be >= 1, got {top_k}")
    context = [vocabulary.eos, *ids_of(seed_words, vocabulary, "seed text")]
    generator = torch.Generator().manual_seed(seed)
    drawn: list[int] = []
    if isinstance(network, KneserNeyLM):
        # The model reads at most its last order - 1 words of the sentence so far, and <s> before a sentence
        # shorter than that: keep just those words, so that each draw costs the same however long the text.
        keep = network.order - 1
        sentence: list[int] = []

        def read(token: int) -> list[int]:
            return [] if token == vocabulary.eos else [*sentence, token][max(0, len(sentence) + 1 - keep) :]

        for token in context[1:]:
            sentence = read(token)
        for _ in range(words):
            probabilities = network.probabilities(sentence, at_sentence_start=len(sentence) < keep)
            with np.errstate(divide="ignore"):
                drawn.append(_draw(torch.from_numpy(np.log(probabilities)), temperature, top_k, generator))
            sentence = read(drawn[-1])
        return [vocabulary.words[i] for i in drawn]
    network.eval()
    if isinstance(network, FixedWindowLM):
        history = list(context)
        for _ in range(words):
            window = ([vocabulary.eos] * network.context + history)[-network.context :]
            logits, _ = network(torch.tensor([window]))
            history.append(_draw(logits[0], temperature, top_k, generator))
            drawn.append(history[-1])
    else:
        logits, state = network(torch.tensor(context).unsqueeze(1))
        for _ in range(words):
            drawn.append(_draw(logits[-1, 0], temperature, top_k, generator))
            logits, state = network(torch.tensor([[drawn[-1]]]), state)
    return [vocabulary.words[i] for i in drawn]


def _draw(logits: torch.Tensor, temperature: float, top_k: int | None, generator: torch.Generator) -> int:
    scores = logits.double() / temperature
    if top_k is not None and top_k < len(scores):
        threshold = torch.topk(scores, top_k).values[-1]
        scores = scores.masked_fill(scores < threshold, float("-inf"))
    return int(torch.multinomial(torch.softmax(scores, dim=0), 1, generator=generator))


def as_text(seed_words: Sequence[str], drawn: Sequence[str]) -> str:
    """The seed and the drawn words, one sentence per line (``<eos>`` ends a line)."""
    lines: list[list[str]] = [[]]
    for word in [*seed_words, *drawn]:
        if word == EOS:
            lines.append([])
        else:
            lines[-1].append(word)
    return "\n".join(" ".join(line) for line in lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m wordlab.lm.generate", description=__doc__.split("\n\n")[0])
    parser.add_argument("checkpoint", type=Path, help="a trained model: model.pt, or the folder holding it")
    parser.add_argument("--words", type=int, default=50)
    parser.add_argument("--temperature", type=float, default=1.0)
    parser.add_argument("--top-k", type=int, default=None)
    parser.add_argument("--seed-text", default="the")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    try:
        network, vocabulary = load_model(args.checkpoint)
        seed_words = args.seed_text.split()
        drawn = sample(
            network, vocabulary, seed_words,
            words=args.words, temperature=args.temperature, top_k=args.top_k, seed=args.seed,
        )  # fmt: skip
    except (ValueError, FileNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(as_text(seed_words, drawn))
    return 0


if __name__ == "__main__":
    sys.exit(main())
