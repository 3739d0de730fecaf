"""UDPipe 1 (``ufal.udpipe``) as the parser benchmark's peer: train its parser on gold tags, parse, time it.

UDPipe trains from Python with ``Trainer.train("morphodita_parsito", train, heldout, tokenizer, tagger, parser)``
("none" skips a component; "default" is a component's default options). Its training takes most of an hour on
EWT, so a trained model is cached under ``~/.cache/wordlab/bench``, keyed by the sha256 of the training and
heldout files and the options; the benchmark line says whether the cache was used and how long training took
when the model was made.
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path
from typing import Any

from wordlab.io import sha256_of

CACHE = Path("~/.cache/wordlab/bench").expanduser()
PARSER_OPTIONS = "default"  # UDPipe's default parser options (Parsito, projective transition system, ...)


def _read(path: Path) -> list[Any]:
    """The file's sentences as UDPipe ``Sentence`` objects in a Python list (a SWIG ``Sentences`` vector hands out
    copies when iterated, so parsing its items would change nothing the writer sees)."""
    from ufal.udpipe import InputFormat, ProcessingError, Sentence

    reader = InputFormat.newConlluInputFormat()
    reader.setText(path.read_text(encoding="utf-8"))
    sentences: list[Any] = []
    error = ProcessingError()
    sentence = Sentence()
    while reader.nextSentence(sentence, error):
        sentences.append(sentence)
        sentence = Sentence()
    if error.occurred():
        raise RuntimeError(f"{path}: UDPipe cannot read it: {error.message}")
    return sentences


def _sentences(path: Path) -> Any:
    """The file's sentences as the ``Sentences`` vector ``Trainer.train`` takes."""
    from ufal.udpipe import Sentences

    vector = Sentences()
    for sentence in _read(path):
        vector.append(sentence)
    return vector


def trained_model(train: Path, heldout: Path) -> tuple[Path, dict[str, Any]]:
    """The path of a UDPipe parser model trained on ``train`` (gold tags), and how it was made."""
    key = hashlib.sha256(f"{sha256_of(train)}|{sha256_of(heldout)}|{PARSER_OPTIONS}".encode()).hexdigest()[:16]
    model_path = CACHE / f"udpipe-parser-{key}.model"
    info_path = model_path.with_suffix(".json")
    if model_path.is_file() and info_path.is_file():
        return model_path, {**json.loads(info_path.read_text()), "cached": True}
    from ufal.udpipe import ProcessingError, Trainer

    train_sentences, heldout_sentences = _sentences(train), _sentences(heldout)
    error = ProcessingError()
    began = time.perf_counter()
    model = Trainer.train("morphodita_parsito", train_sentences, heldout_sentences, "none", "none", PARSER_OPTIONS,
                          error)  # fmt: skip
    seconds = time.perf_counter() - began
    if error.occurred():
        raise RuntimeError(f"UDPipe training failed: {error.message}")
    CACHE.mkdir(parents=True, exist_ok=True)
    tmp = model_path.with_suffix(".tmp")
    with open(tmp, "wb") as handle:  # the model is binary; SWIG hands it over as a latin-1 str
        handle.write(model.encode("latin-1") if isinstance(model, str) else model)
    tmp.replace(model_path)
    info = {"train_seconds": round(seconds, 1), "options": PARSER_OPTIONS, "train": str(train)}
    info_path.write_text(json.dumps(info))
    return model_path, {**info, "cached": False}


def parse_file(model_path: Path, gold: Path, out: Path) -> tuple[float, int]:
    """Parse ``gold`` (its words and UPOS as given; heads and relations replaced) on one thread; returns the
    parsing seconds (reading and writing excluded) and the sentence count."""
    from ufal.udpipe import Model, OutputFormat

    model = Model.load(str(model_path))
    if model is None:
        raise RuntimeError(f"{model_path}: UDPipe cannot load the model")
    sentences = _read(gold)
    for sentence in sentences:
        sentence.unlinkAllNodes()  # UDPipe keeps a tree it is given: the gold heads must go before parsing
    began = time.perf_counter()
    for sentence in sentences:
        model.parse(sentence, Model.DEFAULT)
    seconds = time.perf_counter() - began
    writer = OutputFormat.newConlluOutputFormat()
    with open(out, "w", encoding="utf-8") as handle:
        for sentence in sentences:
            handle.write(writer.writeSentence(sentence))
        handle.write(writer.finishDocument())
    return seconds, len(sentences)


if __name__ == "__main__":
    import sys

    path, made = trained_model(Path(sys.argv[1]), Path(sys.argv[2]))
    print(json.dumps({"model": str(path), **made}))
