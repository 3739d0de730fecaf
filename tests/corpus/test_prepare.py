"""Corpus preparation against the published counts of real corpora and a brute-force reference."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wordlab.corpus.config import OovMode, VocabConfig
from wordlab.corpus.format import PreparedCorpus
from wordlab.corpus.prepare import prepare_corpus
from wordlab.corpus.tokenize import PunctuationMode, Tokenizer
from wordlab.data.errors import DataFormatError
from wordlab.data.registry import DATASETS


def _sources(data_dir: Path, dataset: str) -> dict[str, Path]:
    return {role: data_dir / f.relpath for role, f in DATASETS[dataset].files.items()}


@pytest.fixture(scope="module")
def wikitext2(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[PreparedCorpus, object]:
    out = tmp_path_factory.mktemp("wt2") / "prepared"
    stats = prepare_corpus(_sources(data_dir, "wikitext2"), out, Tokenizer(eos="<eos>"), VocabConfig())
    return PreparedCorpus.load(out), stats


def test_wikitext2_matches_published_counts(wikitext2: tuple[PreparedCorpus, object]) -> None:
    corpus, stats = wikitext2
    published = DATASETS["wikitext2"].counts
    assert corpus.vocab_size == published["train"]["vocabulary"]
    for split in ("train", "valid", "test"):
        assert stats.splits[split].tokens == published[split]["tokens_with_eos"]
        assert len(corpus.tokens(split)) == published[split]["tokens_with_eos"]
        assert stats.splits[split].coverage == 1.0  # WikiText-2's vocabulary is closed


def test_wikitext2_ids_decode_back_to_the_text(wikitext2: tuple[PreparedCorpus, object], data_dir: Path) -> None:
    corpus, _ = wikitext2
    raw = (data_dir / DATASETS["wikitext2"].files["valid"].relpath).read_text(encoding="utf-8").splitlines()
    offsets = corpus.line_offsets("valid")
    tokens = corpus.tokens("valid")
    assert len(offsets) == len(raw) + 1
    for i in (0, 1, 7, 100, len(raw) - 1):
        decoded = [corpus.words[t] for t in tokens[offsets[i] : offsets[i + 1]]]
        assert decoded == [*raw[i].split(), "<eos>"]


def test_vocab_is_sorted_by_count_and_counts_match_the_tokens(
    wikitext2: tuple[PreparedCorpus, object],
) -> None:
    corpus, _ = wikitext2
    assert np.all(np.diff(corpus.counts) <= 0)
    assert np.array_equal(np.bincount(corpus.tokens("train"), minlength=corpus.vocab_size), corpus.counts)


def test_ptb_matches_published_counts(data_dir: Path, tmp_path: Path) -> None:
    stats = prepare_corpus(_sources(data_dir, "ptb"), tmp_path / "ptb", Tokenizer(eos="<eos>"), VocabConfig())
    published = DATASETS["ptb"].counts
    assert stats.vocab_size == published["train"]["vocabulary"]
    for split in ("train", "valid", "test"):
        assert stats.splits[split].tokens == published[split]["tokens_with_eos"]


def _reference(lines: list[list[str]], spec: VocabConfig) -> tuple[list[str], list[int], list[list[str]]]:
    """Brute force: Counter, sort, cut, then rewrite every line."""
    counts = Counter(token for line in lines for token in line)
    kept = sorted(
        (w for w, c in counts.items() if c >= spec.min_count and w != spec.unk), key=lambda w: (-counts[w], w)
    )
    kept = kept[: spec.max_size] if spec.max_size is not None else kept
    entries = [(w, counts[w]) for w in kept]
    keep = set(kept)
    if spec.oov is OovMode.unk:
        entries.append((spec.unk, sum(c for w, c in counts.items() if w not in keep)))
        entries.sort(key=lambda e: (-e[1], e[0]))
        rewritten = [[t if t in keep else spec.unk for t in line] for line in lines]
    else:
        rewritten = [[t for t in line if t in keep] for line in lines]
    return [e[0] for e in entries], [e[1] for e in entries], rewritten


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    lines=st.lists(st.lists(st.sampled_from([*list("abcdefgh"), "<unk>"]), max_size=12), min_size=1, max_size=30),
    min_count=st.integers(1, 4),
    max_size=st.one_of(st.none(), st.integers(1, 6)),
    oov=st.sampled_from(list(OovMode)),
)
def test_vocabulary_and_ids_match_brute_force(
    tmp_path: Path, lines: list[list[str]], min_count: int, max_size: int | None, oov: OovMode
) -> None:
    source = tmp_path / "corpus.txt"
    source.write_text("".join(" ".join(line) + "\n" for line in lines), encoding="utf-8")
    spec = VocabConfig(min_count=min_count, max_size=max_size, oov=oov)
    out = tmp_path / "out"
    prepare_corpus({"train": source}, out, Tokenizer(), spec)
    corpus = PreparedCorpus.load(out)
    words, counts, rewritten = _reference(lines, spec)
    assert corpus.words == words
    assert corpus.counts.tolist() == counts
    offsets, tokens = corpus.line_offsets(), corpus.tokens()
    decoded = [[corpus.words[t] for t in tokens[offsets[i] : offsets[i + 1]]] for i in range(len(lines))]
    assert decoded == rewritten


def test_held_out_split_uses_the_train_vocabulary(tmp_path: Path) -> None:
    (tmp_path / "train.txt").write_text("a a b\nb c\n", encoding="utf-8")
    (tmp_path / "valid.txt").write_text("a z z\n", encoding="utf-8")
    stats = prepare_corpus(
        {"train": tmp_path / "train.txt", "valid": tmp_path / "valid.txt"},
        tmp_path / "out",
        Tokenizer(),
        VocabConfig(),
    )
    corpus = PreparedCorpus.load(tmp_path / "out")
    assert [corpus.words[t] for t in corpus.tokens("valid")] == ["a", "<unk>", "<unk>"]
    assert stats.splits["valid"].coverage == pytest.approx(1 / 3)
    assert stats.splits["train"].coverage == 1.0


def test_bad_input_names_file_and_line_and_leaves_no_output(tmp_path: Path) -> None:
    (tmp_path / "train.txt").write_text("fine line\n", encoding="utf-8")
    (tmp_path / "test.txt").write_bytes(b"ok\nstill ok\nbroken \xff byte\n")
    out = tmp_path / "out"
    with pytest.raises(DataFormatError, match=r"test\.txt:3: not valid UTF-8"):
        prepare_corpus(
            {"train": tmp_path / "train.txt", "test": tmp_path / "test.txt"},
            out,
            Tokenizer(punctuation=PunctuationMode.split),
            VocabConfig(),
        )
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["test.txt", "train.txt"]


@pytest.mark.slow
def test_enwiki17m_whitespace_tokens_match_published_count(data_dir: Path, tmp_path: Path) -> None:
    stats = prepare_corpus(_sources(data_dir, "enwiki17m"), tmp_path / "enwiki", Tokenizer(), VocabConfig())
    published = DATASETS["enwiki17m"].counts["train"]
    assert stats.splits["train"].tokens == published["tokens"]
    assert stats.splits["train"].lines == published["lines"]
