"""WordSim-353 and SimLex-999 against the published pair counts; tabs and spaces read alike; bad scores."""

from __future__ import annotations

from pathlib import Path

import pytest

from wordlab.data.errors import DataFormatError
from wordlab.data.readers.similarity import SimilarityPair, read_similarity
from wordlab.data.registry import DATASETS

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "data"


@pytest.mark.parametrize("dataset", ["wordsim353", "simlex999"])
def test_pair_counts_match_published(data_dir: Path, dataset: str) -> None:
    pairs = read_similarity(data_dir / DATASETS[dataset].files["pairs"].relpath)

    assert len(pairs) == DATASETS[dataset].counts["pairs"]["pairs"]
    assert all(0 <= p.score <= 10 for p in pairs)  # both sets are rated on a 0-10 scale


def test_first_wordsim_pairs_as_published(data_dir: Path) -> None:
    # Finkelstein et al. (2002) combined set: the first rows of combined.tab.
    pairs = read_similarity(data_dir / DATASETS["wordsim353"].files["pairs"].relpath)

    assert pairs[:3] == [
        SimilarityPair("love", "sex", 6.77),
        SimilarityPair("tiger", "cat", 7.35),
        SimilarityPair("tiger", "tiger", 10.0),
    ]


def test_spaces_parse_like_tabs() -> None:
    spaced = read_similarity(FIXTURES / "similarity_spaces.txt")

    assert spaced == read_similarity(FIXTURES / "similarity_tabs.tsv")
    assert [p.word1 for p in spaced] == ["love", "tiger", "tiger", "book"]


def test_a_space_separated_copy_of_wordsim_reads_the_same(data_dir: Path, tmp_path: Path) -> None:
    original = data_dir / DATASETS["wordsim353"].files["pairs"].relpath
    spaced = tmp_path / "wordsim353.txt"
    spaced.write_text(original.read_text(encoding="utf-8").replace("\t", "  "), encoding="utf-8")

    assert read_similarity(spaced) == read_similarity(original)


def test_bad_score_names_file_and_line() -> None:
    path = FIXTURES / "similarity_bad_score.tsv"
    expected_line = 1 + path.read_text().splitlines().index("tiger\tcat\tseven")

    with pytest.raises(DataFormatError) as caught:
        read_similarity(path)

    assert (caught.value.path, caught.value.line) == (path, expected_line)
    assert "'seven'" in str(caught.value)
