"""Word analogies a : b :: c : ? over the most frequent words, answered by 3CosAdd and 3CosMul.

Where the course (word2vec's ``compute-accuracy``), Levy & Goldberg (2014) and gensim differ, wordlab follows
gensim's ``KeyedVectors.evaluate_word_analogies(path, restrict_vocab=N, case_insensitive=True)``, so that a number
in ``metrics.json`` is the number a gensim user gets from the same vectors:

* Candidates are the first ``N`` rows (vocabulary order is descending frequency); ``N`` defaults to 30,000, the
  threshold of ``compute-accuracy`` and of the course (gensim's own default is 300,000).
* Case: question and vocabulary words are compared upper-cased (``str.upper``), as both gensim and
  ``compute-accuracy`` do. A folded word stands for its first, most frequent, row among the first ``N``; a question
  is *seen* only when its four folded words all have one, else it is skipped (gensim's ``dummy4unknown=False``) and
  lowers ``coverage`` = seen / questions (gensim logs 1 - coverage as its OOV ratio).
* Every one of the ``N`` rows is a candidate, rarer case variants included; the answer is right when its folded form
  is the folded expected word. Question words are excluded in every case variant (gensim skips variants of a, b, c
  among its five best rows; if all five are variants it counts the question wrong, and wordlab replays that too).
  Here the course differs: ``compute-accuracy`` excludes only the three rows, so a rarer variant of a question word
  (``King`` for ``king``) can win there and count as a miss.
* 3CosAdd is the course's ``argmax_d cos(d, b - a + c)`` on unit vectors, i.e. Levy & Goldberg's
  ``cos(d, b) - cos(d, a) + cos(d, c)``: the same ranking as gensim's ``most_similar(positive=[b, c], negative=[a])``.
* 3CosMul is Levy & Goldberg's ``cos'(d, b) cos'(d, c) / (cos'(d, a) + eps)`` with cosines shifted to [0, 1],
  ``cos' = (1 + cos) / 2``, as in gensim's ``most_similar_cosmul``. ``eps`` defaults to the paper's 0.001; gensim
  hard-codes 1e-6 (pass ``epsilon=GENSIM_COSMUL_EPSILON`` to reproduce its scores) and, unlike wordlab, searches
  all words whatever ``restrict_vocab`` says. gensim 4.4 has no 3CosMul accuracy (``similarity_function`` is unused).
* Arithmetic is float32 on unit vectors, like gensim's. Scores come from batched BLAS products whose last bits differ
  from gensim's one-query products; a question whose best two candidates lie closer than twice a generous bound on
  that difference (4 sqrt(dim) float32 ulps per cosine, per side; exact ties included) is replayed with gensim's own
  float32 operations (``most_similar``, or ``most_similar_cosmul`` for 3CosMul) and its partial sort. Ties therefore
  go where gensim sends them (not always to the lowest row), and answers do not hinge on BLAS blocking or chunking.
* A section without a seen question scores 0.0 (gensim's convention); ``total`` pools every section, ``semantic``
  the sections not named ``gram*``, ``syntactic`` the others (``compute-accuracy``'s split).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.linalg.blas import dnrm2

from wordlab.data.readers.analogy import AnalogyQuestion, read_analogies

METHODS = ("3cosadd", "3cosmul")
DEFAULT_RESTRICT_VOCAB = 30_000
DEFAULT_CHUNK_WORDS = 1024
LEVY_GOLDBERG_EPSILON = 1e-3
GENSIM_COSMUL_EPSILON = 1e-6

_UNIT_ROUNDOFF = 2.0**-24  # float32
_ERROR_SAFETY = 4.0  # 4 sqrt(dim) ulps: ~10x the largest difference from gensim measured (300-d, random)
_GENSIM_TOPN = 5  # evaluate_word_analogies looks at the five best answers...
_GENSIM_WINDOW = _GENSIM_TOPN + 3  # ...of the eight best rows, before dropping the three question rows
_BLOCK = 32  # questions whose score rows are combined and arg-maxed together


def check_embeddings(words: Sequence[str], vectors: np.ndarray) -> tuple[list[str], np.ndarray]:
    """The rows as a C-contiguous float32 matrix (the dtype gensim stores), after refusing what has no answer."""
    words = list(words)
    matrix = np.asarray(vectors)
    if matrix.ndim != 2:
        raise ValueError(f"vectors must be a 2-D array (words x dimensions), got shape {matrix.shape}")
    if not np.issubdtype(matrix.dtype, np.floating):
        raise ValueError(f"vectors must hold floating-point numbers, got dtype {matrix.dtype}")
    if matrix.shape[0] != len(words):
        raise ValueError(f"{len(words)} words but {matrix.shape[0]} vector rows")
    if not words or matrix.shape[1] == 0:
        raise ValueError(f"no embeddings to evaluate (shape {matrix.shape})")
    if not all(isinstance(word, str) and word for word in words):
        raise ValueError("every word must be a non-empty string")
    if len(set(words)) != len(words):
        seen: set[str] = set()
        for word in words:
            if word in seen:
                raise ValueError(f"word {word!r} has more than one row")
            seen.add(word)
    matrix = np.ascontiguousarray(matrix, dtype=np.float32)
    finite = np.isfinite(matrix).all(axis=1)
    if not finite.all():
        raise ValueError(f"vector of {words[int(np.argmin(finite))]!r} has a non-finite value")
    return words, matrix


def restricted_size(vocabulary_size: int, restrict_vocab: int | None) -> int:
    """How many leading rows are searched: ``restrict_vocab`` capped by the vocabulary, ``None`` for all."""
    if restrict_vocab is None:
        return vocabulary_size
    if isinstance(restrict_vocab, bool) or not isinstance(restrict_vocab, int | np.integer) or restrict_vocab < 1:
        raise ValueError(f"restrict_vocab must be a positive integer or None, got {restrict_vocab!r}")
    return min(int(restrict_vocab), vocabulary_size)


def folded_index(words: Sequence[str]) -> dict[str, int]:
    """Upper-cased word -> its first row: gensim's case-insensitive vocabulary, where the most frequent variant wins."""
    index: dict[str, int] = {}
    for row, word in enumerate(words):
        index.setdefault(word.upper(), row)
    return index


@dataclass(frozen=True, slots=True)
class SectionAccuracy:
    section: str
    semantic: bool
    questions: int
    correct: int
    incorrect: int

    @property
    def seen(self) -> int:
        return self.correct + self.incorrect

    @property
    def accuracy(self) -> float:
        return _ratio(self.correct, self.seen)


@dataclass(frozen=True, slots=True)
class MethodAccuracy:
    """One method's answers, per section in file order."""

    method: str
    sections: tuple[SectionAccuracy, ...]

    @property
    def total(self) -> float:
        return _pooled(self.sections)

    @property
    def semantic(self) -> float:
        return _pooled(s for s in self.sections if s.semantic)

    @property
    def syntactic(self) -> float:
        return _pooled(s for s in self.sections if not s.semantic)

    def section(self, name: str) -> SectionAccuracy:
        for section in self.sections:
            if section.section == name:
                return section
        raise KeyError(f"no section {name!r}; sections are {[s.section for s in self.sections]}")


@dataclass(frozen=True, slots=True)
class AnalogyResult:
    restrict_vocab: int
    questions: int
    seen: int
    methods: tuple[MethodAccuracy, ...]

    @property
    def coverage(self) -> float:
        return _ratio(self.seen, self.questions)

    def method(self, name: str) -> MethodAccuracy:
        for method in self.methods:
            if method.method == name:
                return method
        raise KeyError(f"method {name!r} was not evaluated; evaluated: {[m.method for m in self.methods]}")

    def as_metrics(self) -> dict[str, float]:
        """Flat ``analogy.<method>.<scope>`` keys, as DVC's metrics.json and MLflow's log_metrics take them."""
        metrics = {"analogy.coverage": self.coverage}
        for method in self.methods:
            prefix = f"analogy.{method.method}"
            metrics[f"{prefix}.total"] = method.total
            metrics[f"{prefix}.semantic"] = method.semantic
            metrics[f"{prefix}.syntactic"] = method.syntactic
            for section in method.sections:
                metrics[f"{prefix}.section.{section.section}"] = section.accuracy
        return metrics


def _ratio(numerator: int, denominator: int) -> float:
    return numerator / denominator if denominator else 0.0


def _pooled(sections: Iterable[SectionAccuracy]) -> float:
    sections = list(sections)
    return _ratio(sum(s.correct for s in sections), sum(s.seen for s in sections))


@dataclass(frozen=True, slots=True)
class _Encoded:
    """Questions as rows of the folded vocabulary; -1 where a word is outside it."""

    a: np.ndarray
    b: np.ndarray
    c: np.ndarray
    d: np.ndarray

    @property
    def seen(self) -> np.ndarray:
        return (self.a >= 0) & (self.b >= 0) & (self.c >= 0) & (self.d >= 0)


class AnalogySolver:
    """The unit vectors of the ``N`` most frequent words, prepared once for many questions and both methods.

    Consecutive questions are answered in chunks: the cosines of a chunk's distinct question words (at most
    ``chunk_words``) to all ``N`` candidates come from one float32 BLAS product, ``chunk_words x N x 4`` bytes
    (120 MiB at the defaults), from which every question's score row is a sum or ratio of three rows.
    """

    def __init__(
        self,
        words: Sequence[str],
        vectors: np.ndarray,
        *,
        restrict_vocab: int | None = DEFAULT_RESTRICT_VOCAB,
        chunk_words: int = DEFAULT_CHUNK_WORDS,
    ) -> None:
        words, matrix = check_embeddings(words, vectors)
        if isinstance(chunk_words, bool) or not isinstance(chunk_words, int) or chunk_words < 3:
            raise ValueError(f"chunk_words must be an integer >= 3 (the words of one question), got {chunk_words!r}")
        self.size = restricted_size(len(words), restrict_vocab)
        self.chunk_words = chunk_words
        self._words = words[: self.size]
        self._head = matrix[: self.size]
        # gensim's fill_norms and get_vector(norm=True), bit for bit: the replay depends on it.
        self._norms = np.linalg.norm(self._head, axis=1)
        if not (self._norms > 0).all():
            raise ValueError(f"vector of {self._words[int(np.argmin(self._norms))]!r} is zero: its cosine is undefined")
        self._unit = self._head / self._norms[:, None]
        self._index = folded_index(self._words)
        self._folded = [word.upper() for word in self._words]
        self._representative = np.fromiter((self._index[k] for k in self._folded), dtype=np.int64, count=self.size)
        self._variants: dict[int, list[int]] = {}  # first row -> its rarer case variants
        for row in np.flatnonzero(self._representative != np.arange(self.size)):
            self._variants.setdefault(int(self._representative[row]), []).append(int(row))
        self._has_variants = np.zeros(self.size, dtype=bool)
        self._has_variants[list(self._variants)] = True

    @property
    def words(self) -> list[str]:
        return list(self._words)

    def row(self, word: str) -> int | None:
        """The row a question word stands for (its most frequent case variant), or None when outside the N."""
        return self._index.get(word.upper())

    def scores(
        self, a: str, b: str, c: str, *, method: str = "3cosadd", epsilon: float = LEVY_GOLDBERG_EPSILON
    ) -> np.ndarray:
        """Score of every candidate row for a : b :: c : ?, question words not excluded.

        3CosAdd scores are cosines to b - a + c (gensim's ``most_similar(..., topn=None)``), 3CosMul scores
        Levy & Goldberg's ratio (gensim's ``most_similar_cosmul(..., topn=None)`` with ``epsilon=1e-6``).
        """
        _check_method(method, epsilon)
        rows = [self.row(word) for word in (a, b, c)]
        missing = [word for word, row in zip((a, b, c), rows, strict=True) if row is None]
        if missing:
            raise KeyError(f"{missing} not among the {self.size} most frequent words")
        cosines = self._unit[rows] @ self._unit.T
        if method == "3cosadd":
            query = self._unit[rows[1]].astype(np.float64) + self._unit[rows[2]] - self._unit[rows[0]]
            return (cosines[1] + cosines[2] - cosines[0]) / np.float32(np.linalg.norm(query))
        shifted = (1 + cosines) / 2
        return shifted[1] * shifted[2] / (shifted[0] + np.float32(epsilon))

    def predict(
        self,
        questions: Sequence[AnalogyQuestion],
        *,
        method: str = "3cosadd",
        epsilon: float = LEVY_GOLDBERG_EPSILON,
    ) -> list[str | None]:
        """The vocabulary word answered to each question.

        None where the question is not seen, or where (as in gensim) no candidate but question words is left.
        """
        _check_method(method, epsilon)
        encoded = self._encode(questions)
        answers = self._answer(encoded, method, float(epsilon))
        return [self._words[row] if row >= 0 else None for row in answers]

    def evaluate(
        self,
        questions: Sequence[AnalogyQuestion],
        *,
        methods: Sequence[str] = METHODS,
        epsilon: float = LEVY_GOLDBERG_EPSILON,
    ) -> AnalogyResult:
        """Counts per section for each method, in the order sections first appear among ``questions``."""
        methods = tuple(methods)
        if not methods or len(set(methods)) != len(methods):
            raise ValueError(f"methods must name each of {METHODS} at most once, got {methods!r}")
        for method in methods:
            _check_method(method, epsilon)
        if not questions:
            raise ValueError("no analogy questions to evaluate")
        encoded = self._encode(questions)
        seen = encoded.seen
        sections = list(dict.fromkeys(q.section for q in questions))
        number = {name: i for i, name in enumerate(sections)}
        section_of = np.array([number[q.section] for q in questions], dtype=np.int64)
        semantic = {q.section: q.semantic for q in questions}
        totals = np.bincount(section_of, minlength=len(sections))
        seen_counts = np.bincount(section_of[seen], minlength=len(sections))
        scored = []
        for method in methods:
            answers = self._answer(encoded, method, float(epsilon))
            right = seen & (answers >= 0)
            right[right] = self._representative[answers[right]] == encoded.d[right]
            correct = np.bincount(section_of[right], minlength=len(sections))
            accuracies = tuple(
                SectionAccuracy(name, semantic[name], int(totals[i]), int(correct[i]), int(seen_counts[i] - correct[i]))
                for i, name in enumerate(sections)
            )
            scored.append(MethodAccuracy(method, accuracies))
        return AnalogyResult(self.size, len(questions), int(seen.sum()), tuple(scored))

    def _encode(self, questions: Sequence[AnalogyQuestion]) -> _Encoded:
        distinct = {word for question in questions for word in question.words}
        rows = {word: self._index.get(word.upper(), -1) for word in distinct}
        columns = zip(*((rows[q.a], rows[q.b], rows[q.c], rows[q.d]) for q in questions), strict=True)
        return _Encoded(*(np.fromiter(column, dtype=np.int64, count=len(questions)) for column in columns))

    def _answer(self, encoded: _Encoded, method: str, epsilon: float) -> np.ndarray:
        """Row answered per question, -1 where unseen or where gensim's selection finds nothing."""
        answers = np.full(encoded.a.shape, -1, dtype=np.int64)
        scores = np.empty((_BLOCK, self.size), dtype=np.float32)
        for chunk in self._chunks(encoded):
            a, b, c = encoded.a[chunk], encoded.b[chunk], encoded.c[chunk]
            needed, position = np.unique(np.concatenate([a, b, c]), return_inverse=True)
            table = self._unit[needed] @ self._unit.T
            if method == "3cosmul":
                table += 1
                table /= 2
            pa, pb, pc = np.split(position, 3)
            for start in range(0, chunk.size, _BLOCK):
                block = slice(start, start + _BLOCK)
                best, replay = self._best_in_block(
                    table, pa[block], pb[block], pc[block], a[block], b[block], c[block], method, epsilon, scores
                )
                for i in np.flatnonzero(replay):
                    best[i] = self._replay(int(a[block][i]), int(b[block][i]), int(c[block][i]), method, epsilon)
                answers[chunk[block]] = best
        return answers

    def _chunks(self, encoded: _Encoded) -> Iterator[np.ndarray]:
        """Consecutive seen questions, cut where they would bring more than ``chunk_words`` distinct words."""
        seen = np.flatnonzero(encoded.seen)
        words: set[int] = set()
        start = 0
        for end, question in enumerate(seen.tolist()):
            question_words = {int(encoded.a[question]), int(encoded.b[question]), int(encoded.c[question])}
            if len(words | question_words) > self.chunk_words:
                yield seen[start:end]
                words, start = set(), end
            words |= question_words
        if start < seen.size:
            yield seen[start:]

    def _best_in_block(
        self,
        table: np.ndarray,
        pa: np.ndarray,
        pb: np.ndarray,
        pc: np.ndarray,
        a: np.ndarray,
        b: np.ndarray,
        c: np.ndarray,
        method: str,
        epsilon: float,
        buffer: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Best row per question of a block, and which questions are too close to call in float32.

        Each question's scores combine three rows of the chunk's cosine table. Rows are combined one question at a
        time into a block small enough to stay in cache: on this machine that is 3-5x faster than gathering the
        three rows of every question into large temporaries, which is bound by memory bandwidth.
        """
        scores = buffer[: a.size]
        if method == "3cosadd":
            for row, (x, y, z) in enumerate(zip(pa.tolist(), pb.tolist(), pc.tolist(), strict=True)):
                np.add(table[y], table[z], out=scores[row])
                np.subtract(scores[row], table[x], out=scores[row])
        else:
            denominator = np.empty(self.size, dtype=np.float32)
            shift = np.float32(epsilon)
            for row, (x, y, z) in enumerate(zip(pa.tolist(), pb.tolist(), pc.tolist(), strict=True)):
                np.multiply(table[y], table[z], out=scores[row])
                np.add(table[x], shift, out=denominator)
                np.divide(scores[row], denominator, out=scores[row])

        excluded_rows, excluded_cols, variant_rows, variant_cols = self._exclusions(a, b, c)
        variant_scores = scores[variant_rows, variant_cols]
        scores[excluded_rows, excluded_cols] = -np.inf
        rows = np.arange(a.size)
        best = scores.argmax(axis=1)
        top = scores[rows, best]
        scores[rows, best] = -np.inf
        runner_up = scores.argmax(axis=1)
        second = scores[rows, runner_up]

        error = self._score_error(method, epsilon, table, (pa, pb, pc), best, runner_up, a, b, c)
        close = top - second <= 2 * error
        close |= ~np.isfinite(top)
        # gensim only looks at its five best rows: enough rare variants of the question words above the best
        # answer would make it fall through, so such questions are replayed as well.
        above = variant_scores >= top[variant_rows] - 2 * error[variant_rows]
        close |= np.bincount(variant_rows[above], minlength=a.size) >= _GENSIM_TOPN
        return best, close

    def _exclusions(self, a: np.ndarray, b: np.ndarray, c: np.ndarray) -> tuple[np.ndarray, ...]:
        """(question, row) pairs of the question words in every case, and of their rarer variants alone."""
        words = np.concatenate([a, b, c])
        questions = np.tile(np.arange(a.size), 3)
        variant_rows: list[int] = []
        variant_cols: list[int] = []
        for i in np.flatnonzero(self._has_variants[words]):
            for variant in self._variants[int(words[i])]:
                variant_rows.append(int(questions[i]))
                variant_cols.append(variant)
        rows = np.array(variant_rows, dtype=np.int64)
        cols = np.array(variant_cols, dtype=np.int64)
        return np.concatenate([questions, rows]), np.concatenate([words, cols]), rows, cols

    def _score_error(
        self,
        method: str,
        epsilon: float,
        cosines: np.ndarray,
        positions: tuple[np.ndarray, np.ndarray, np.ndarray],
        best: np.ndarray,
        runner_up: np.ndarray,
        a: np.ndarray,
        b: np.ndarray,
        c: np.ndarray,
    ) -> np.ndarray:
        """Per question, a bound on how far a score here may be from gensim's float32 score of the same row.

        Rounding errors of float32 dot products grow like sqrt(dim) ulps in practice; both sides err, and the
        3CosAdd query b - a + c is normalised, which divides its error by its length.
        """
        cosine_error = 2 * _ERROR_SAFETY * math.sqrt(self._unit.shape[1]) * _UNIT_ROUNDOFF
        if method == "3cosadd":
            # Scores here are cos(d, b) + cos(d, c) - cos(d, a); gensim's are that divided by |b + c - a|.
            query = self._unit[b].astype(np.float64) + self._unit[c] - self._unit[a]
            length = np.linalg.norm(query, axis=1)
            bound = cosine_error * (length + 3) + 4 * _UNIT_ROUNDOFF * length
            return np.where(length > 1e-3, bound, np.inf)
        pa, pb, pc = positions
        bound = np.zeros(best.shape)
        with np.errstate(divide="ignore", invalid="ignore"):
            for column in (best, runner_up):
                shifted_a, shifted_b, shifted_c = (cosines[p, column].astype(np.float64) for p in (pa, pb, pc))
                score = shifted_b * shifted_c / (shifted_a + epsilon)
                relative = cosine_error / 2 * (1 / shifted_b + 1 / shifted_c + 1 / (shifted_a + epsilon))
                error = np.abs(score) * (relative + 4 * _UNIT_ROUNDOFF)
                bound = np.maximum(bound, np.nan_to_num(error, nan=np.inf))
        return bound

    def _replay(self, a: int, b: int, c: int, method: str, epsilon: float) -> int:
        """gensim's float32 arithmetic and partial sort for one question (``most_similar`` / ``_cosmul``)."""
        if method == "3cosadd":
            # KeyedVectors.get_mean_vector(pre_normalize=True, post_normalize=True) with weights [1, 1, -1]
            mean = np.zeros(self._unit.shape[1], dtype=np.float32)
            for weight, row in ((1.0, b), (1.0, c), (-1.0, a)):
                mean += np.float64(weight) * self._unit[row]
            mean = mean / np.float64(3.0)
            length = dnrm2(mean)
            if length > 0.0:
                mean = mean * (1.0 / length)
            dists = np.dot(self._head, mean.astype(np.float32)) / self._norms
        else:
            positive = [(1 + np.dot(self._head, self._unit[row]) / self._norms) / 2 for row in (b, c)]
            negative = [(1 + np.dot(self._head, self._unit[a]) / self._norms) / 2]
            dists = np.prod(positive, axis=0) / (np.prod(negative, axis=0) + epsilon)
        # gensim.matutils.argsort(dists, topn=8, reverse=True)
        flipped = -dists
        if flipped.size <= _GENSIM_WINDOW:
            order = np.argsort(flipped)[:_GENSIM_WINDOW]
        else:
            extreme = np.argpartition(flipped, _GENSIM_WINDOW)[:_GENSIM_WINDOW]
            order = extreme.take(np.argsort(flipped.take(extreme)))
        question_rows = {a, b, c}
        question_words = {self._folded[row] for row in question_rows}
        answer = -1
        for row in [int(r) for r in order if r not in question_rows][:_GENSIM_TOPN]:
            answer = row
            if self._folded[row] not in question_words:
                break
        return answer


def _check_method(method: str, epsilon: float) -> None:
    if method not in METHODS:
        raise ValueError(f"unknown analogy method {method!r}; choose from {METHODS}")
    if not (isinstance(epsilon, int | float) and math.isfinite(epsilon) and epsilon > 0):
        raise ValueError(f"epsilon must be a positive finite number, got {epsilon!r}")


def evaluate_analogies(
    words: Sequence[str],
    vectors: np.ndarray,
    questions: str | Path | Sequence[AnalogyQuestion],
    *,
    restrict_vocab: int | None = DEFAULT_RESTRICT_VOCAB,
    methods: Sequence[str] = METHODS,
    epsilon: float = LEVY_GOLDBERG_EPSILON,
    chunk_words: int = DEFAULT_CHUNK_WORDS,
) -> AnalogyResult:
    """Accuracy of each method per section, semantic, syntactic and total, and coverage, on a question file."""
    if isinstance(questions, str | Path):
        questions = read_analogies(Path(questions))
    solver = AnalogySolver(words, vectors, restrict_vocab=restrict_vocab, chunk_words=chunk_words)
    return solver.evaluate(questions, methods=methods, epsilon=epsilon)
