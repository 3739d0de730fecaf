"""The word2vec settings: the ``embedding.<name>`` entries with ``model: word2vec``, and what the kernel runs on.

One frozen dataclass is both the schema :mod:`wordlab.config` validates the composed config against and the object
the training code reads: the stage hands it over whole, so a setting has one name from the YAML to the kernel.
Torch- and numba-free, so that validating a config imports neither.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

from wordlab.config import as_choice

T = TypeVar("T")


class Architecture(StrEnum):
    skipgram = "skipgram"
    cbow = "cbow"


class Word2VecLoss(StrEnum):
    negative_sampling = "negative_sampling"
    softmax = "softmax"
    hierarchical_softmax = "hierarchical_softmax"


class CbowUpdate(StrEnum):
    """How CBOW updates its context vectors.

    ``word2vec`` adds the whole dJ/dv_avg to each, as word2vec.c and gensim do, i.e. an n times larger learning
    rate on the input vectors; ``gradient`` adds dJ/dv_avg / n (the true gradient of the mean). The former learns
    better at one shared rate (enwiki-17m, 5 epochs, analogies: 36.2-36.4% at alpha 0.05; ``gradient`` scores
    29.3% at 0.05, 32.1% at 0.075 and peaks at 34.2% for 0.1-0.15).
    """

    word2vec = "word2vec"
    gradient = "gradient"


class SkipgramUpdate(StrEnum):
    """In which order skip-gram makes and applies the predictions of one centre position.

    ``pairwise`` (the default) is word2vec.c's and gensim's order: each context word's own input vector predicts
    the centre in turn and takes its step at once, so a position is a sequence of per-pair steps. ``window``
    predicts every context word from the centre's v_c and applies v_c's summed gradient once, so a position is one
    SGD step on the sum of its predictions (the order the kernel was first built with). With the corpus read in
    two streams, ``pairwise`` scores as gensim does on enwiki-17m (issue #14: the README's benchmark notes) and
    ``window`` does not gain from the streams. CBOW ignores it.
    """

    window = "window"
    pairwise = "pairwise"


class RateSchedule(StrEnum):
    """How the learning rate falls from ``alpha`` to ``alpha * min_alpha_ratio``.

    ``run``: linearly over the whole run, as word2vec.c does and gensim documents. ``stream``: as gensim's
    ``corpus_file`` mode applies it with one worker per stream. Each worker measures its progress as its own share
    of the corpus over the whole corpus (``get_next_alpha`` in ``word2vec_corpusfile.pyx``), so within an epoch the
    rate falls only 1/streams of the way the linear schedule does, and each epoch starts where the linear schedule
    would: a sawtooth with a higher mean, ending at ``alpha * (1 - (epochs - 1 + 1/streams) / epochs)``. With one
    stream the two are the same.
    """

    run = "run"
    stream = "stream"


class InitialVectors(StrEnum):
    """The input vectors' starting values: ``word2vec`` uniform in +-0.5/dim (word2vec.c), ``gensim`` uniform in
    +-1/dim, drawn as gensim 4's ``prep_vectors`` draws them. The output vectors start at zero either way."""

    word2vec = "word2vec"
    gensim = "gensim"


class SigmoidRule(StrEnum):
    """How a prediction's score becomes sigma in the update.

    ``exact``: 1 / (1 + exp(-f)), the score clamped to +-20. ``gensim`` and ``word2vec``: the 1,000-entry table of
    word2vec.c and gensim, sigma((i / 1000 * 2 - 1) * 6), read at ``(int)((f + 6) * (1000 / 6 / 2))``, where C's
    integer division makes the step 83, not 83.3: sigma is read at about 0.996 f - 0.03, 0.007 low on average
    for |f| < 1 (issue #14, the README's benchmark notes). Past +-6 ``gensim`` takes no step for the prediction
    (``word2vec_inner.pyx``); ``word2vec`` takes sigma as 1 or 0 for negative sampling and no step for
    hierarchical softmax (word2vec.c). Full softmax has no sigmoid and ignores the rule.
    """

    exact = "exact"
    gensim = "gensim"
    word2vec = "word2vec"


# Skip-gram: word2vec's and gensim's 0.025. CBOW: word2vec.c's 0.05 (with its update, cbow_update="word2vec"),
# which on enwiki-17m (5 epochs) scores 36.4% on the analogies against 32.1% for gensim's default 0.025, and
# what gensim itself scores at 0.05 (36.4%); see bench/word2vec_vs_gensim.py.
DEFAULT_ALPHA: dict[str, float] = {"skipgram": 0.025, "cbow": 0.05}

# Skip-gram reads the corpus in two streams, as word2vec.c's and gensim's two threads do: on enwiki-17m (5 epochs,
# seeds 1-3) its analogies rise from 37.96% to 38.89% with WS-353 and SimLex level. CBOW reads it in its own order:
# the streams leave it level on enwiki-17m (36.27% and 36.26%) and cost it 0.02 WS-353 on WikiText-2.
DEFAULT_STREAMS: dict[str, int] = {"skipgram": 2, "cbow": 1}

# How the rate falls, where the input vectors start and how sigma is read, per architecture. Skip-gram trains as
# gensim's corpus_file mode does (its sawtooth rate, +-1/dim, word2vec.c's table as compiled, no step past +-6): with
# word2vec.c's rate and starting vectors and the exact sigmoid it scored 0.005 below gensim on WS-353 over 21 seeds
# on enwiki-17m; with gensim's three it scores gensim's WS-353, SimLex and analogies (issue #14, the README's
# benchmark notes), at a SimLex cost of about 0.003 against the old settings. CBOW keeps word2vec.c's, with which it
# scores above gensim on every set.
DEFAULT_SCHEDULE: dict[str, RateSchedule] = {"skipgram": RateSchedule.stream, "cbow": RateSchedule.run}
DEFAULT_INIT: dict[str, InitialVectors] = {"skipgram": InitialVectors.gensim, "cbow": InitialVectors.word2vec}
DEFAULT_SIGMOID: dict[str, SigmoidRule] = {"skipgram": SigmoidRule.gensim, "cbow": SigmoidRule.exact}


@dataclass(frozen=True)
class Word2VecConfig:
    model: str = "word2vec"
    # What the method trains on (a DVC dependency of its stage): the prepared corpus.
    input: str = "data/prepared"
    architecture: Architecture = Architecture.skipgram
    loss: Word2VecLoss = Word2VecLoss.negative_sampling
    cbow_update: CbowUpdate = CbowUpdate.word2vec
    sg_update: SkipgramUpdate = SkipgramUpdate.pairwise
    dim: int = 100
    # The largest window; word2vec's reduced window draws the actual one from 1..window per centre word.
    window: int = 5
    negatives: int = 5
    noise_power: float = 0.75
    # Frequent-word subsampling threshold (word2vec's -sample); 0 disables.
    sample: float = 1e-3
    # Words rarer than this in the prepared vocabulary are dropped from training, as word2vec's min_count.
    min_count: int = 5
    epochs: int = 5
    # Initial learning rate (null: DEFAULT_ALPHA of the architecture), decayed to alpha * min_alpha_ratio as
    # ``schedule`` says.
    alpha: float | None = None
    min_alpha_ratio: float = 1e-4
    # run | stream (RateSchedule); null: DEFAULT_SCHEDULE of the architecture.
    schedule: RateSchedule | None = None
    init: InitialVectors | None = None  # word2vec | gensim (InitialVectors); null: DEFAULT_INIT
    sigmoid: SigmoidRule | None = None  # exact | gensim | word2vec (SigmoidRule); null: DEFAULT_SIGMOID
    # 1 is bit-for-bit reproducible; 2 uses both cores Hogwild-style (as gensim and word2vec.c), whose results
    # vary slightly from run to run.
    threads: int = 2
    seed: int = 1
    # Corpus tokens per Lightning step (one kernel call); also the checkpoint granularity.
    chunk_words: int = 1_000_000
    # Lines longer than this are cut, as word2vec.c's MAX_SENTENCE_LENGTH.
    max_sentence_len: int = 10_000
    compute_loss: bool = True
    # Tokens per block that the worker threads take in turn from a shared counter.
    block_words: int = 10_000
    # How many contiguous parts of the corpus training reads side by side, a block of each in turn (A0 B0 A1 B1
    # ...), as word2vec.c and gensim's corpus_file mode give each thread its own part of the file; 1 reads the
    # corpus in its own order (null: DEFAULT_STREAMS of the architecture). Only the order of the lines changes,
    # whatever the number of threads.
    streams: int | None = None
    dtype: str = "float32"

    def __post_init__(self) -> None:
        object.__setattr__(self, "architecture", as_choice(Architecture, self.architecture, "architecture"))
        object.__setattr__(self, "loss", as_choice(Word2VecLoss, self.loss, "loss"))
        object.__setattr__(self, "cbow_update", as_choice(CbowUpdate, self.cbow_update, "cbow_update"))
        object.__setattr__(self, "sg_update", as_choice(SkipgramUpdate, self.sg_update, "sg_update"))
        for name, choices in (("schedule", RateSchedule), ("init", InitialVectors), ("sigmoid", SigmoidRule)):
            if getattr(self, name) is not None:
                object.__setattr__(self, name, as_choice(choices, getattr(self, name), name))
        if self.dim < 1 or self.window < 1 or self.epochs < 1 or self.threads < 1 or self.max_sentence_len < 1:
            raise ValueError("dim, window, epochs, threads and max_sentence_len must be positive")
        if self.loss is Word2VecLoss.negative_sampling and self.negatives < 1:
            raise ValueError("negative sampling needs negatives >= 1")
        if self.min_count < 1 or self.chunk_words < 1 or self.block_words < 1 or self.stream_count < 1:
            raise ValueError("min_count, chunk_words, block_words and streams must be positive")

    def _or_default(self, value: T | None, defaults: dict[str, T]) -> T:
        """``value``, or the architecture's default when the config leaves it null."""
        return defaults[self.architecture] if value is None else value

    @property
    def learning_rate(self) -> float:
        return self._or_default(self.alpha, DEFAULT_ALPHA)

    @property
    def stream_count(self) -> int:
        return self._or_default(self.streams, DEFAULT_STREAMS)

    @property
    def rate_schedule(self) -> RateSchedule:
        return self._or_default(self.schedule, DEFAULT_SCHEDULE)

    @property
    def initial_vectors(self) -> InitialVectors:
        return self._or_default(self.init, DEFAULT_INIT)

    @property
    def sigmoid_rule(self) -> SigmoidRule:
        return self._or_default(self.sigmoid, DEFAULT_SIGMOID)
