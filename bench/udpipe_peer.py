"""UDPipe 1 (``ufal.udpipe``) as the parser benchmarks' peer: train its parser (and tagger), tag, parse, time it.

UDPipe trains from Python with ``Trainer.train("morphodita_parsito", train, heldout, tokenizer, tagger, parser)``
("none" skips a component; "default" is a component's default options). Its training takes most of an hour on
EWT, so a trained model is cached under ``~/.cache/wordlab/bench``, keyed by the sha256 of the training and
heldout files and the options; the benchmark line says whether the cache was used and how long training took
when the model was made.

Two kinds of model are made: the parser alone on gold tags (``tagger="none"``), and UDPipe's tagger plus parser
(``tagger=TAGGER_OPTIONS``), whose parser UDPipe trains on the tags its own tagger gives the training data (its
default; no jackknife).
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path
from typing import Any

from wordlab.io import sha256_of

CACHE = Path("~/.cache/wordlab/bench").expanduser()
PARSER_OPTIONS = "default"  # UDPipe's default parser options (Parsito, projective transition system, ...)
TAGGER_OPTIONS = "default"  # UDPipe's default tagger (MorphoDiTa: UPOS, XPOS, FEATS and lemmas)


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


def model_file(train: Path, heldout: Path, tagger: str = "none") -> tuple[Path, str]:
    """Where the cache keeps the model of these files and options (made or not), and the options' text."""
    options = PARSER_OPTIONS if tagger == "none" else f"tagger={tagger}|parser={PARSER_OPTIONS}"
    key = hashlib.sha256(f"{sha256_of(train)}|{sha256_of(heldout)}|{options}".encode()).hexdigest()[:16]
    kind = "parser" if tagger == "none" else "tagger-parser"
    return CACHE / f"udpipe-{kind}-{key}.model", options


def training_process(model_path: Path) -> int | None:
    """The process id of a training of this model still running (another benchmark's), or None."""
    try:
        pid = int(model_path.with_suffix(".training").read_text())
        os.kill(pid, 0)
    except (OSError, ValueError):
        return None
    return pid


def trained_model(train: Path, heldout: Path, tagger: str = "none") -> tuple[Path, dict[str, Any]]:
    """The path of a UDPipe model trained on ``train``, and how it was made: the parser alone on gold tags
    (``tagger="none"``, the key of the parser-only cache as before), or with a tagger of the given options."""
    model_path, options = model_file(train, heldout, tagger)
    info_path = model_path.with_suffix(".json")
    if model_path.is_file() and info_path.is_file():
        return model_path, {**json.loads(info_path.read_text()), "cached": True}
    from ufal.udpipe import ProcessingError, Trainer

    train_sentences, heldout_sentences = _sentences(train), _sentences(heldout)
    error = ProcessingError()
    CACHE.mkdir(parents=True, exist_ok=True)
    marker = model_path.with_suffix(".training")
    marker.write_text(str(os.getpid()))
    began = time.perf_counter()
    try:
        model = Trainer.train("morphodita_parsito", train_sentences, heldout_sentences, "none", tagger,
                              PARSER_OPTIONS, error)  # fmt: skip
    finally:
        marker.unlink(missing_ok=True)
    seconds = time.perf_counter() - began
    if error.occurred():
        raise RuntimeError(f"UDPipe training failed: {error.message}")
    tmp = model_path.with_suffix(".tmp")
    with open(tmp, "wb") as handle:  # the model is binary; SWIG hands it over as a latin-1 str
        handle.write(model.encode("latin-1") if isinstance(model, str) else model)
    tmp.replace(model_path)
    info = {"train_seconds": round(seconds, 1), "options": options, "train": str(train)}
    info_path.write_text(json.dumps(info))
    return model_path, {**info, "cached": False}


def parse_file(model_path: Path, gold: Path, out: Path, *, tag: bool = False) -> tuple[float, int]:
    """Parse ``gold`` on one thread (heads and relations replaced) and write ``out``. With ``tag`` the model's
    tagger first gives every word its UPOS, XPOS, FEATS and lemma (cleared beforehand, so nothing gold reaches
    the parser); without it the file's own tags are parsed. Returns the seconds of tagging and parsing (reading
    and writing excluded) and the sentence count."""
    from ufal.udpipe import Model, OutputFormat

    model = Model.load(str(model_path))
    if model is None:
        raise RuntimeError(f"{model_path}: UDPipe cannot load the model")
    sentences = _read(gold)
    for sentence in sentences:
        sentence.unlinkAllNodes()  # UDPipe keeps a tree it is given: the gold heads must go before parsing
        if tag:
            for index in range(1, len(sentence.words)):  # words[0] is the technical root
                word = sentence.words[index]
                word.lemma = word.upostag = word.xpostag = word.feats = ""
                sentence.words[index] = word  # SWIG hands out a copy: write it back
    began = time.perf_counter()
    for sentence in sentences:
        if tag:
            model.tag(sentence, Model.DEFAULT)
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

    path, made = trained_model(Path(sys.argv[1]), Path(sys.argv[2]), *sys.argv[3:4])
    print(json.dumps({"model": str(path), **made}))
