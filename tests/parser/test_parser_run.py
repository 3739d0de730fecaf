"""A parser trained briefly on the real EWT: outputs, scores against udapi's CoNLL 2018 scorer, the command,
bad input, unseen symbols, and the decoder's pre-computation."""

from __future__ import annotations

import json
import logging
import re
import sys
from pathlib import Path

import lightning.pytorch as pl
import numpy as np
import pytest
import torch

from wordlab.config import TrainerConfig
from wordlab.data.errors import DataFormatError
from wordlab.data.readers.conllu_reader import read_conllu
from wordlab.parser import decoding
from wordlab.parser import parse as parse_command
from wordlab.parser.config import ParserConfig
from wordlab.parser.decoding import GreedyDecoder
from wordlab.parser.run import MODEL_FILE, TrainedParser, run_parser
from wordlab.parser.scoring import attachment_scores

BENCH = Path(__file__).resolve().parents[2] / "bench"


@pytest.fixture(scope="module")
def ewt(data_dir: Path) -> dict[str, Path]:
    folder = data_dir / "ud-english-ewt"
    return {split: folder / f"en_ewt-ud-{split}.conllu" for split in ("train", "dev", "test")}


def _train_tiny(
    name: str, ewt: dict[str, Path], out: Path, batches: int, **settings: int | str
) -> tuple[Path, dict[str, float]]:
    """A parser trained on ``batches`` batches of EWT train per epoch (one epoch unless ``settings`` say), on one
    thread, without vectors."""
    cfg = ParserConfig(**{"vectors": None, "epochs": 1, "batch_size": 500, "precomputed": 2000, "seed": 3, **settings})
    trainer = TrainerConfig(num_threads=1, enable_progress_bar=False)
    metrics = run_parser(
        name, cfg, vectors_path=None, files=ewt, trainer_cfg=trainer, out_dir=out, curves_dir=out / "curves",
        run=None, limit_train_batches=batches,
    )  # fmt: skip
    return out, metrics


@pytest.fixture(scope="module")
def trained(ewt: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, float]]:
    # with the FEATS features, so that every test below also runs that path (the pipeline runs the default 48)
    return _train_tiny("tiny", ewt, tmp_path_factory.mktemp("parser"), 120, feats_dim=20)


def test_scores_equal_udapi_conll18(trained: tuple[Path, dict[str, float]], ewt: dict[str, Path]) -> None:
    sys.path.insert(0, str(BENCH))
    from conll18 import conll18_scores  # bench/conll18.py: udapi's eval.Conll18

    out, metrics = trained
    assert metrics["parser.tiny.test.las"] > 0.3  # it learnt something: the comparison is on real parses
    for split in ("dev", "test"):
        reference = conll18_scores(ewt[split], out / f"predictions.{split}.conllu")
        assert metrics[f"parser.tiny.{split}.uas"] == pytest.approx(reference["uas"], abs=1e-9)
        assert metrics[f"parser.tiny.{split}.las"] == pytest.approx(reference["las"], abs=1e-9)
    assert json.loads((out / "metrics.json").read_text()) == metrics
    timings = json.loads((out / "timings.json").read_text())
    assert timings["parser.tiny.test.sentences_per_second"] > 0 and not set(timings) & set(metrics)


def test_predictions_read_back_with_the_input_words(trained: tuple[Path, dict[str, float]], ewt: dict) -> None:
    out, metrics = trained
    gold = read_conllu(ewt["test"])
    parsed = read_conllu(out / "predictions.test.conllu")  # also checks every output is a single-rooted tree
    assert [s.sent_id for s in parsed] == [s.sent_id for s in gold]
    assert [[(w.form, w.upos) for w in s.words] for s in parsed] == [[(w.form, w.upos) for w in s.words] for s in gold]
    rescored = attachment_scores(gold, [([w.head for w in s.words], [w.deprel for w in s.words]) for s in parsed])
    assert rescored["las"] == pytest.approx(metrics["parser.tiny.test.las"], abs=1e-12)
    assert metrics["parser.tiny.test.las_nopunct"] != metrics["parser.tiny.test.las"]
    lengths = [k for k in metrics if k.startswith("parser.tiny.test.las.length_")]
    assert len(lengths) == 5
    assert (out / "curves" / "dev.tsv").read_text().splitlines()[0] == "step\tepoch\tuas\tlas"


@pytest.mark.parametrize("spare_rows", [decoding.SPARE_ROWS, 16])
def test_precomputation_changes_no_parse(
    trained: tuple[Path, dict[str, float]], ewt: dict[str, Path], spare_rows: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Parses with the pre-computed tables equal the network's own (also when a batch's word rows outgrow the
    room left after the fixed rows: 16 rows), and so do the looked-up scores."""
    monkeypatch.setattr(decoding, "SPARE_ROWS", spare_rows)
    out, _ = trained
    parser = TrainedParser.load(out / MODEL_FILE)
    encoded = parser.encode(read_conllu(ewt["dev"])[:300])
    with_tables = parser.decoder().parse(encoded, 64)
    without = GreedyDecoder(parser.network, parser.system, len(parser.symbols.labels), None).parse(encoded, 300)
    np.testing.assert_array_equal(with_tables[0], without[0])
    np.testing.assert_array_equal(with_tables[1], without[1])
    # and the looked-up rows give the network's own scores, for features drawn at random within each table
    rng = np.random.default_rng(0)
    n_pos, n_labels = parser.network.pos.weight.shape[0], parser.network.labels.weight.shape[0]
    columns = [
        rng.choice(encoded.words, (50, 18)),
        rng.integers(0, n_pos, (50, 18)),
        rng.integers(0, n_labels, (50, 12)),
    ]
    if parser.network.feats is not None:
        columns.append(rng.integers(0, parser.network.feats.weight.shape[0], (50, 18)))
    features = np.concatenate(columns, axis=1).astype(np.int64)
    with torch.no_grad():
        direct = parser.network.eval()(torch.from_numpy(features)).numpy()
    decoder = parser.decoder()
    decoder.prepare(encoded.words)
    np.testing.assert_allclose(decoder.scores(features), direct, rtol=1e-4, atol=1e-5)


def test_the_network_reads_the_treebank_feats(trained: tuple[Path, dict[str, float]], ewt: dict[str, Path]) -> None:
    """The FEATS ids of a configuration are those of the FEATS column of the tokens at its 18 positions."""
    out, _ = trained
    parser = TrainedParser.load(out / MODEL_FILE)
    assert parser.network.n_features == 66 and parser.symbols.with_feats
    sentence = read_conllu(ewt["dev"])[0]
    encoded = parser.encode([sentence])
    written = ["|".join(f"{k}={v}" for k, v in w.feats) or "_" for w in sentence.words]
    assert [parser.symbols.feats[i - 3] if i >= 3 else None for i in encoded.feats] == [
        value if value in parser.symbols.feats else None for value in written
    ]


@pytest.fixture(scope="module")
def ensemble(ewt: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, float]]:
    return _train_tiny("pair", ewt, tmp_path_factory.mktemp("ensemble"), 40, ensemble=2)


def test_an_ensemble_averages_its_members_probabilities(
    ensemble: tuple[Path, dict[str, float]], ewt: dict[str, Path], tmp_path: Path
) -> None:
    out, metrics = ensemble
    parser = TrainedParser.load(out / MODEL_FILE)
    first, second = parser.networks
    assert not torch.equal(first.hidden.weight, second.hidden.weight)  # seeds 3 and 4
    assert (out / "curves" / "member1").is_dir() and "parser.pair.member1.best_epoch" in metrics
    encoded = parser.encode(read_conllu(ewt["dev"])[:50])
    rng = np.random.default_rng(1)
    n_pos, n_labels = first.pos.weight.shape[0], first.labels.weight.shape[0]
    features = np.concatenate(
        [rng.choice(encoded.words, (40, 18)), rng.integers(0, n_pos, (40, 18)), rng.integers(0, n_labels, (40, 12))],
        axis=1,
    ).astype(np.int64)
    with torch.no_grad():
        direct = [torch.softmax(net.eval()(torch.from_numpy(features)), dim=1).numpy() for net in parser.networks]
    decoder = parser.decoder()
    decoder.prepare(encoded.words)
    np.testing.assert_allclose(decoder.scores(features), (direct[0] + direct[1]) / 2, rtol=1e-4, atol=1e-6)
    # the command applies the whole ensemble: the stage's own test predictions come back
    assert parse_command.main([str(out / MODEL_FILE), str(ewt["test"]), str(tmp_path / "out.conllu")]) == 0
    assert (tmp_path / "out.conllu").read_bytes() == (out / "predictions.test.conllu").read_bytes()


def test_parse_command(trained: tuple[Path, dict[str, float]], ewt: dict[str, Path], tmp_path: Path) -> None:
    out, _ = trained
    assert parse_command.main([str(out / MODEL_FILE), str(ewt["test"]), str(tmp_path / "out.conllu")]) == 0
    assert (tmp_path / "out.conllu").read_bytes() == (out / "predictions.test.conllu").read_bytes()


BAD_TREES = {
    "cycle": (
        "1\tA\ta\tDET\t_\t_\t2\tdet\t_\t_\n2\tdog\tdog\tNOUN\t_\t_\t1\tnsubj\t_\t_\n"
        "3\truns\trun\tVERB\t_\t_\t0\troot\t_\t_\n",
        r":2: word 1 is on a head cycle",
    ),
    "two roots": ("1\tA\ta\tDET\t_\t_\t0\troot\t_\t_\n2\tdog\tdog\tNOUN\t_\t_\t0\troot\t_\t_\n", r":3: second root"),
    "head out of range": (
        "1\tA\ta\tDET\t_\t_\t7\tdet\t_\t_\n2\tdog\tdog\tNOUN\t_\t_\t0\troot\t_\t_\n",
        r":2: word 1 has head 7",
    ),
}


@pytest.mark.parametrize("problem", sorted(BAD_TREES))
def test_bad_input_names_file_and_line(
    problem: str, trained: tuple[Path, dict], tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    out, _ = trained
    words, expected = BAD_TREES[problem]
    source = tmp_path / "bad.conllu"
    source.write_text("# sent_id = 1\n" + words + "\n")
    with pytest.raises(DataFormatError, match="bad.conllu" + expected):
        read_conllu(source)
    target = tmp_path / "out.conllu"
    assert parse_command.main([str(out / MODEL_FILE), str(source), str(target)]) == 4
    assert re.search("bad.conllu" + expected, capsys.readouterr().err)
    assert not target.exists()


def test_unseen_relation_and_tag_are_parsed(trained: tuple[Path, dict], tmp_path: Path) -> None:
    out, _ = trained
    text = (
        "# sent_id = x\n1\tZorbs\tzorb\tXYZ\t_\t_\t2\tnsubj:weird\t_\t_\n2\tfly\tfly\tVERB\t_\t_\t0\troot\t_\t_\n"
        "3\tfar\tfar\tADV\t_\t_\t2\tbrandnew\t_\t_\n\n"
    )
    source = tmp_path / "new.conllu"
    source.write_text(text)
    assert parse_command.main([str(out / MODEL_FILE), str(source), str(tmp_path / "parsed.conllu")]) == 0
    (parsed,) = read_conllu(tmp_path / "parsed.conllu")
    assert sum(w.head == 0 for w in parsed.words) == 1


class _InterruptAfter(pl.Callback):
    """Kills a training after ``batches`` training batches in all, counted across the Trainers it is given to
    (an ensemble trains each member with a Trainer of its own)."""

    def __init__(self, batches: int) -> None:
        self.left = batches

    def on_train_batch_end(self, *args: object) -> None:
        self.left -= 1
        if self.left <= 0:
            raise RuntimeError("simulated interruption")


def test_dynamic_oracle_training_explores_and_improves(
    ewt: dict[str, Path], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Trained with the dynamic oracle, the second epoch (only) learns from an exploring parse of the whole
    training set, 2n configurations per sentence in arc-standard, and the parser it leaves is scored like any
    other: dev LAS rises over the first, static, epoch."""
    with caplog.at_level(logging.INFO, logger="wordlab.parser.exploration"):
        out, metrics = _train_tiny("dyn", ewt, tmp_path, 60, oracle="dynamic", epochs=2)
    passes = [r.getMessage() for r in caplog.records if "explored configurations" in r.getMessage()]
    words = sum(len(s.words) for s in read_conllu(ewt["train"]))
    assert len(passes) == 1 and passes[0].startswith(f"epoch 1: {2 * words} explored configurations")
    rows = (out / "curves" / "dev.tsv").read_text().splitlines()[1:]
    first, second = (float(row.split("\t")[3]) for row in rows)
    assert second > first
    assert metrics["parser.dyn.dev.las"] == pytest.approx(max(first, second))


class _WeightsAverage(pl.Callback):
    """The reference average, float64 numpy over the network's weights after every optimiser step:
    a <- decay * a + (1 - decay) * w, from the first step's weights; kept at each epoch's end."""

    def __init__(self, decay: float) -> None:
        self.decay = decay
        self.last: dict[str, np.ndarray] = {}
        self.average: dict[str, np.ndarray] = {}
        self.at_epoch_end: list[dict[str, np.ndarray]] = []

    def on_train_batch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule, *args: object) -> None:
        self.last = {k: v.detach().double().numpy().copy() for k, v in pl_module.network.named_parameters()}
        self.average = {k: self.decay * self.average.get(k, w) + (1 - self.decay) * w for k, w in self.last.items()}

    def on_train_epoch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self.at_epoch_end.append(dict(self.average))


def test_weight_averaging_scores_and_keeps_the_moving_average(ewt: dict[str, Path], tmp_path: Path) -> None:
    """With average_decay, the saved parser is the exponential moving average of the weights at the best dev
    epoch (as a numpy reference averages the weights after each step), the dev scores are its parses', and the
    weights themselves train exactly as without averaging."""
    trainer = TrainerConfig(num_threads=1, enable_progress_bar=False, limit_train_batches=12)

    def train(tag: str, decay: float) -> tuple[_WeightsAverage, dict[str, float]]:
        reference = _WeightsAverage(decay)
        cfg = ParserConfig(vectors=None, epochs=3, batch_size=500, precomputed=500, seed=5, average_decay=decay)
        metrics = run_parser(
            tag, cfg, vectors_path=None, files=ewt, trainer_cfg=trainer, out_dir=tmp_path / tag,
            curves_dir=tmp_path / tag / "c", run=None, callbacks=[reference],
        )  # fmt: skip
        return reference, metrics

    averaged, metrics = train("avg", 0.9)
    best = int(metrics["parser.avg.best_epoch"])
    assert len(averaged.at_epoch_end) == 3
    saved = TrainedParser.load(tmp_path / "avg" / MODEL_FILE).network
    for name, value in saved.named_parameters():
        np.testing.assert_allclose(value.detach().double().numpy(), averaged.at_epoch_end[best][name], atol=1e-6)
    assert not np.allclose(saved.hidden.weight.detach().numpy(), averaged.last["hidden.weight"], atol=1e-4)
    rows = [line.split("\t") for line in (tmp_path / "avg" / "c" / "dev.tsv").read_text().splitlines()[1:]]
    assert metrics["parser.avg.dev.las"] == pytest.approx(float(rows[best][3]), abs=1e-6)
    plain, _ = train("plain", 0.0)
    for name, value in plain.last.items():
        np.testing.assert_array_equal(value, averaged.last[name])


# Half a minute of three parser trainings each: under the slow marker to keep the default suite inside 10 minutes.
@pytest.mark.slow
@pytest.mark.parametrize(
    ("members", "oracle", "decay"), [(1, "static", 0.0), (2, "static", 0.0), (1, "dynamic", 0.0), (1, "static", 0.9)]
)
def test_interrupted_training_resumes_to_the_same_parser(
    ewt: dict[str, Path], tmp_path: Path, members: int, oracle: str, decay: float
) -> None:
    """Killed in its (last member's) second epoch, the run resumes from the first epoch's checkpoint (an ensemble
    also from its finished members; the dynamic oracle explores again from the restored network; the weights'
    moving average goes on from the checkpoint's) and ends as an uninterrupted run does: same metrics,
    byte-identical predictions."""
    cfg = ParserConfig(vectors=None, epochs=2, batch_size=500, precomputed=500, ensemble=members, seed=5, oracle=oracle,
                       average_decay=decay)  # fmt: skip
    trainer = TrainerConfig(num_threads=1, enable_progress_bar=False, limit_train_batches=15, limit_val_batches=1)

    def run(tag: str, **extra: object) -> dict[str, float]:
        return run_parser(
            "r", cfg, vectors_path=None, files=ewt, trainer_cfg=trainer, out_dir=tmp_path / tag,
            curves_dir=tmp_path / tag / "curves", run=None, checkpoint_dir=tmp_path / f"{tag}-checkpoints", **extra,
        )  # fmt: skip

    whole = run("a")
    with pytest.raises(RuntimeError, match="simulated interruption"):
        run("b", callbacks=[_InterruptAfter(30 * (members - 1) + 20)])
    assert list((tmp_path / "b-checkpoints").rglob("last.ckpt"))
    assert len(list((tmp_path / "b-checkpoints").rglob("member*.pt"))) == (1 if members == 2 else 0)
    resumed = run("b")
    assert resumed == whole
    for name in ("predictions.test.conllu", "curves/dev.tsv"):
        assert (tmp_path / "b" / name).read_bytes() == (tmp_path / "a" / name).read_bytes()
    assert not list((tmp_path / "b-checkpoints").rglob("*.ckpt"))  # a completed run leaves no checkpoint behind
