"""wordlab's LSTM language model against PyTorch's ``word_language_model`` example: same model, data, threads, run.

The peer is the example's program rebuilt here as it is written (pytorch/examples, ``word_language_model/main.py``
and ``model.py``; read, not copied): its ``Corpus`` reading (words of each line plus ``<eos>``), ``batchify`` into
20 training and 10 evaluation columns, ``get_batch`` chunks of ``bptt`` rows, the ``RNNModel`` (embedding, dropout,
``nn.LSTM`` with dropout between layers, dropout, a linear decoder tied to the embedding, uniform +-0.1 init, a
log-softmax output and the negative log-likelihood), and its ``train`` loop: hidden state detached per batch,
``model.zero_grad``, backward, ``clip_grad_norm_`` at 0.25, then SGD applied by hand to every parameter, the
learning rate divided by 4 after an epoch whose validation loss is not the best. ``evaluate`` is the example's too:
the state carried through the split, the loss of each chunk weighted by its length.

wordlab trains its own LSTM LM (:class:`wordlab.lm.recurrent.RecurrentLM` under
:class:`wordlab.lm.module.LanguageModelModule`, the real Lightning Trainer) with the same configuration: the
example's headline one, 2 x 200 LSTM, tied, dropout 0.2, bptt 35, batch 20, lr 20, clip 0.25. Both run one after
the other in this process with the same number of torch threads. Training throughput is the tokens of the
training epochs over their wall time (the training loop alone, validation excluded, Lightning's own overhead
included); validation perplexity is measured by the example's ``evaluate`` for both, after the same epochs.
``--output-bf16`` turns on wordlab's ``output_bf16`` (the softmax layer's products in bfloat16 during training, see
:mod:`wordlab.nn.low_precision`; the example stays float32 throughout): the line records it, and the perplexity
ratio shows what it costs.

Prints one JSON line: each side's tokens per second, valid perplexity and epoch seconds; the speed ratio
(wordlab / example) and the perplexity ratio; the machine's load average, the threads, and the CPU with its
bfloat16 support.

    python bench/lm_vs_pytorch_example.py [--epochs 1] [--threads 2] [--output-bf16] [--precision bf16-mixed]
        [--max-batches N]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import time
from pathlib import Path
from typing import Any

import lightning.pytorch as pl
import torch
from torch import nn
from torch.nn import functional as F
from torch.utils.data import DataLoader

from data_folder import data_dir
from wordlab.config import TrainerConfig
from wordlab.lm.data import StreamChunks, build_vocabulary, read_stream
from wordlab.lm.module import LanguageModelModule
from wordlab.lm.recurrent import RecurrentLM
from wordlab.trainer import build_trainer

EMSIZE = NHID = 200
NLAYERS, DROPOUT, BPTT, BATCH, EVAL_BATCH, LR, CLIP, SEED = 2, 0.2, 35, 20, 10, 20.0, 0.25, 1111


# --- the example, as it is written ---------------------------------------------------------------------------


class Dictionary:
    def __init__(self) -> None:
        self.word2idx: dict[str, int] = {}
        self.idx2word: list[str] = []

    def add_word(self, word: str) -> int:
        if word not in self.word2idx:
            self.idx2word.append(word)
            self.word2idx[word] = len(self.idx2word) - 1
        return self.word2idx[word]


def tokenize(path: Path, dictionary: Dictionary) -> torch.Tensor:
    """The example's Corpus.tokenize: every line's words plus <eos>, added to the dictionary, as int64 ids."""
    with open(path, encoding="utf8") as f:
        for line in f:
            for word in [*line.split(), "<eos>"]:
                dictionary.add_word(word)
    ids = []
    with open(path, encoding="utf8") as f:
        for line in f:
            ids.append(torch.tensor([dictionary.word2idx[w] for w in [*line.split(), "<eos>"]], dtype=torch.int64))
    return torch.cat(ids)


def batchify(data: torch.Tensor, bsz: int) -> torch.Tensor:
    nbatch = data.size(0) // bsz
    data = data.narrow(0, 0, nbatch * bsz)
    return data.view(bsz, -1).t().contiguous()


def get_batch(source: torch.Tensor, i: int) -> tuple[torch.Tensor, torch.Tensor]:
    seq_len = min(BPTT, len(source) - 1 - i)
    return source[i : i + seq_len], source[i + 1 : i + 1 + seq_len].view(-1)


class RNNModel(nn.Module):
    def __init__(self, ntoken: int) -> None:
        super().__init__()
        self.ntoken = ntoken
        self.drop = nn.Dropout(DROPOUT)
        self.encoder = nn.Embedding(ntoken, EMSIZE)
        self.rnn = nn.LSTM(EMSIZE, NHID, NLAYERS, dropout=DROPOUT)
        self.decoder = nn.Linear(NHID, ntoken)
        self.decoder.weight = self.encoder.weight  # --tied
        nn.init.uniform_(self.encoder.weight, -0.1, 0.1)
        nn.init.zeros_(self.decoder.bias)
        nn.init.uniform_(self.decoder.weight, -0.1, 0.1)

    def forward(self, input: torch.Tensor, hidden: Any) -> tuple[torch.Tensor, Any]:
        emb = self.drop(self.encoder(input))
        output, hidden = self.rnn(emb, hidden)
        output = self.drop(output)
        decoded = self.decoder(output).view(-1, self.ntoken)
        return F.log_softmax(decoded, dim=1), hidden

    def init_hidden(self, bsz: int) -> tuple[torch.Tensor, torch.Tensor]:
        weight = next(self.parameters())
        return (weight.new_zeros(NLAYERS, bsz, NHID), weight.new_zeros(NLAYERS, bsz, NHID))


def repackage_hidden(h: Any) -> Any:
    return h.detach() if isinstance(h, torch.Tensor) else tuple(repackage_hidden(v) for v in h)


def evaluate(model: nn.Module, data_source: torch.Tensor, ntokens: int, criterion: nn.Module) -> float:
    model.eval()
    total_loss = 0.0
    hidden = model.init_hidden(EVAL_BATCH)  # type: ignore[operator]
    with torch.no_grad():
        for i in range(0, data_source.size(0) - 1, BPTT):
            data, targets = get_batch(data_source, i)
            output, hidden = model(data, hidden)
            hidden = repackage_hidden(hidden)
            total_loss += len(data) * criterion(output, targets).item()
    return total_loss / (len(data_source) - 1)


def train_epoch(
    model: nn.Module, train_data: torch.Tensor, ntokens: int, criterion: nn.Module, lr: float, max_batches: int | None
) -> tuple[float, int]:
    """One epoch of the example's train(); returns its seconds and the tokens it trained on."""
    model.train()
    start = time.perf_counter()
    tokens = 0
    hidden = model.init_hidden(BATCH)  # type: ignore[operator]
    for batch, i in enumerate(range(0, train_data.size(0) - 1, BPTT)):
        if max_batches is not None and batch >= max_batches:
            break
        data, targets = get_batch(train_data, i)
        model.zero_grad()
        hidden = repackage_hidden(hidden)
        output, hidden = model(data, hidden)
        loss = criterion(output, targets)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), CLIP)
        for p in model.parameters():
            p.data.add_(p.grad, alpha=-lr)
        tokens += targets.numel()
    return time.perf_counter() - start, tokens


def run_example(data: Path, epochs: int, max_batches: int | None) -> dict[str, Any]:
    torch.manual_seed(SEED)
    dictionary = Dictionary()
    train = tokenize(data / "ptb.train.txt", dictionary)
    valid = tokenize(data / "ptb.valid.txt", dictionary)
    ntokens = len(dictionary.idx2word)
    train_data, val_data = batchify(train, BATCH), batchify(valid, EVAL_BATCH)
    model = RNNModel(ntokens)
    criterion = nn.NLLLoss()
    lr, best_val_loss = LR, None
    seconds, tokens, valid_ppl = [], 0, []
    for _ in range(epochs):
        spent, seen = train_epoch(model, train_data, ntokens, criterion, lr, max_batches)
        seconds.append(spent)
        tokens += seen
        val_loss = evaluate(model, val_data, ntokens, criterion)
        valid_ppl.append(math.exp(val_loss))
        if not best_val_loss or val_loss < best_val_loss:
            best_val_loss = val_loss
        else:
            lr /= 4.0
    return {
        "tokens_per_second": tokens / sum(seconds),
        "epoch_seconds": [round(s, 1) for s in seconds],
        "valid_ppl": valid_ppl,
        "vocabulary": ntokens,
        "_stream": train,
    }


# --- wordlab ---------------------------------------------------------------------------------------------------


class _TrainingClock(pl.Callback):
    """Wall time of each epoch's training loop: from the epoch's start to the start of its validation."""

    def __init__(self) -> None:
        self.seconds: list[float] = []
        self.started = 0.0

    def on_train_epoch_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self.started = time.perf_counter()

    def on_validation_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if not trainer.sanity_checking:
            self.seconds.append(time.perf_counter() - self.started)


def run_wordlab(
    data: Path, epochs: int, max_batches: int | None, threads: int, precision: str, output_bf16: bool
) -> dict[str, Any]:
    vocabulary = build_vocabulary(data / "ptb.train.txt")
    train, valid = (read_stream(data / f"ptb.{split}.txt", vocabulary) for split in ("train", "valid"))
    pl.seed_everything(SEED, verbose=False)
    network = RecurrentLM(len(vocabulary), cell="lstm", embedding_dim=EMSIZE, hidden=NHID, layers=NLAYERS,
                          dropout=DROPOUT, tied=True, output_bf16=output_bf16)  # fmt: skip
    module = LanguageModelModule(network, optimizer={"_target_": "torch.optim.SGD", "lr": LR}, grad_clip=CLIP,
                                 lr_decay=4.0, seed=SEED)  # fmt: skip
    clock = _TrainingClock()
    trainer_cfg = TrainerConfig(num_threads=threads, enable_progress_bar=False, precision=precision)
    if max_batches is not None:
        trainer_cfg.limit_train_batches = max_batches
    trainer = build_trainer(trainer_cfg, max_epochs=epochs, checkpoint_dir=None, run=None, callbacks=[clock])
    train_batches = DataLoader(StreamChunks(batchify(torch.from_numpy(train), BATCH), BPTT), batch_size=None)
    valid_columns = batchify(torch.from_numpy(valid), EVAL_BATCH)
    valid_batches = DataLoader(StreamChunks(valid_columns, BPTT), batch_size=None)
    trainer.fit(module, train_batches, valid_batches)
    valid_ppl = math.exp(evaluate(_Adapter(network), valid_columns, len(vocabulary), nn.NLLLoss()))
    return {
        "tokens_per_second": module.train_tokens / sum(clock.seconds),
        "epoch_seconds": [round(s, 1) for s in clock.seconds],
        "valid_ppl": [valid_ppl],
        "precision": precision,
        "output_bf16": output_bf16,
        "_stream": torch.from_numpy(train),
    }


class _Adapter(nn.Module):
    """wordlab's network behind the example's model interface, so that one ``evaluate`` scores both."""

    def __init__(self, network: RecurrentLM) -> None:
        super().__init__()
        self.network = network

    def forward(self, input: torch.Tensor, hidden: Any) -> tuple[torch.Tensor, Any]:
        logits, hidden = self.network(input, hidden)
        return F.log_softmax(logits.reshape(-1, logits.shape[-1]).float(), dim=1), hidden

    def init_hidden(self, bsz: int) -> Any:
        return self.network.initial_state(bsz)


def cpu_description() -> dict[str, Any]:
    """The processor and its bfloat16 support: ``--output-bf16`` pays only where the products run natively in
    bfloat16 (AVX-512 BF16 or AMX), and emulated it is slower than float32, so a line means little without it."""
    model = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for text in cpuinfo.read_text().splitlines():
            if text.startswith("model name"):
                model = text.split(":", 1)[1].strip()
                break
    return {
        "model": model,
        "capability": torch.backends.cpu.get_cpu_capability(),
        "avx512_bf16": torch.cpu._is_avx512_bf16_supported(),
        "amx": torch.cpu._is_amx_tile_supported(),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    data = data_dir() / "ptb"
    parser.add_argument("--data", type=Path, default=data, help="folder of ptb.{train,valid}.txt")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--precision", default="32-true", help="wordlab's Lightning precision (bf16-mixed: AMX)")
    parser.add_argument("--output-bf16", action="store_true", help="wordlab's lm.<model>.output_bf16 (AMX)")
    parser.add_argument("--max-batches", type=int, default=None, help="a quick trial: batches per epoch")
    parser.add_argument("--skip-example", action="store_true")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    load_before = os.getloadavg()
    ours = run_wordlab(args.data, args.epochs, args.max_batches, args.threads, args.precision, args.output_bf16)
    line: dict[str, Any] = {"epochs": args.epochs, "threads": args.threads, "max_batches": args.max_batches}
    if not args.skip_example:
        torch.set_num_threads(args.threads)
        peer = run_example(args.data, args.epochs, args.max_batches)
        if not torch.equal(peer.pop("_stream"), ours["_stream"]):
            raise SystemExit("the example's and wordlab's training streams differ: not the same data")
        line["example"] = peer
        line["ratio_tokens_per_second"] = round(ours["tokens_per_second"] / peer["tokens_per_second"], 3)
        line["ratio_valid_ppl"] = round(ours["valid_ppl"][-1] / peer["valid_ppl"][-1], 4)
    ours.pop("_stream")
    line["wordlab"] = ours
    line["load_average"] = {"before": [round(x, 2) for x in load_before], "after": list(os.getloadavg())}
    line["cpu"] = cpu_description()
    print(json.dumps(line, default=lambda v: round(v, 2) if isinstance(v, float) else str(v)))


if __name__ == "__main__":
    main()
