"""conf/ composes into params.yaml, every option validates, and a typo fails at start-up with file, line and key."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from wordlab import config

CONF_GROUPS = [
    "corpus",
    "trainer",
    "tracking",
    "experiment",
    "embedding",
    "evaluation",
    "cooccurrence",
    "ner",
]
# The toolkit's option files, which each task entry draws into its own optimizer, scheduler and regularization.
ENTRY_GROUPS = ["optimizer", "scheduler", "regularization"]


def test_params_yaml_is_the_composition_of_conf(project_root: Path) -> None:
    composed = config.compose(project_root / "conf")
    committed = (project_root / "params.yaml").read_text(encoding="utf-8")
    assert committed == composed, "params.yaml drifted from conf/: run `python -m wordlab.config`"


@pytest.mark.parametrize("group", CONF_GROUPS)
def test_every_group_option_composes_and_validates(project_root: Path, group: str) -> None:
    options = sorted(p.stem for p in (project_root / "conf" / group).glob("*.yaml"))
    assert options, f"conf/{group} is empty"
    for option in options:
        # the default experiment shortens the default entries, so another selection goes with the paper experiment
        overrides = [f"{group}={option}"] + (["experiment=paper"] if group != "experiment" else [])
        composed = yaml.safe_load(config.compose(project_root / "conf", overrides))
        validated = config.validate(composed, source=f"{group}={option}")
        if group != "experiment":
            assert config.to_plain(validated)[group] == composed[group]


@pytest.mark.parametrize("group", ENTRY_GROUPS)
def test_every_toolkit_option_composes_into_a_task_entry_and_validates(project_root: Path, group: str) -> None:
    options = sorted(p.stem for p in (project_root / "conf" / group).glob("*.yaml"))
    assert options, f"conf/{group} is empty"
    assert group not in yaml.safe_load(config.compose(project_root / "conf")), "not a root group"
    for option in options:
        overrides = ["experiment=paper", "ner=window", f"{group}@ner.window.{group}={option}"]
        composed = yaml.safe_load(config.compose(project_root / "conf", overrides))
        validated = config.validate(composed, source=" ".join(overrides))
        assert config.to_plain(validated)["ner"]["window"][group] == composed["ner"]["window"][group]


# the predicted-tags parser entry of params.yaml, down to its feats_dim
PREDICTED_FEATS = "    tags: predicted\n    tagger: bilstm\n    pos_dim: 50\n    label_dim: 50\n    feats_dim: 0"


def _write_params(tmp_path: Path, project_root: Path, edit: str, replacement: str) -> Path:
    text = (project_root / "params.yaml").read_text(encoding="utf-8")
    assert edit in text
    path = tmp_path / "params.yaml"
    path.write_text(text.replace(edit, replacement, 1), encoding="utf-8")
    return path


def _line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), start=1) if needle in line)


@pytest.mark.parametrize(
    ("edit", "replacement", "key", "needle"),
    [
        ("    min_count: 1", "    min_cout: 1", "corpus.vocab.min_cout", "min_cout"),
        ("    min_count: 1", "    min_count: five", "corpus.vocab.min_count", "min_count"),
        ("    punctuation: keep", "    punctuation: stripp", "corpus.tokenizer.punctuation", "punctuation"),
        ("  max_epochs: 10", "  max_epocs: 10", "trainer.max_epocs", "max_epocs"),
        ("  limit_train_batches: 0.2", "  limit_train_batches: 1.5", "trainer.limit_train_batches", "limit_train"),
        ("  limit_train_batches: 0.2", "  limit_train_batches: 0", "trainer.limit_train_batches", "limit_train"),
        # FEATS with predicted tags would read the treebank's own morphology: refused where the entry says so
        (
            PREDICTED_FEATS,
            PREDICTED_FEATS.replace("feats_dim: 0", "feats_dim: 20"),
            "parser.feats_dim",
            "feats_dim: 20",
        ),
        ("    oracle: static", "    oracle: dynamik", "parser.chen_manning.oracle", "dynamik"),
        ("    explore: 1.0", "    explore: 1.5", "parser.explore", "explore: 1.5"),
        ("    average_decay: 0.0", "    average_decay: 1.0", "parser.average_decay", "average_decay: 1.0"),
        ("  strategy: auto", "  strategy: dpp", "trainer.strategy", "strategy: dpp"),
        # Several processes need DDP (trainer=ddp): refused at start-up, not when Lightning is half set up
        ("  devices: 1", "  devices: 2", "trainer.strategy: ddp", "devices: 2"),
        ("  parallel_fits: 2", "  parallel_fits: 0", "trainer.parallel_fits", "parallel_fits: 0"),
        # DDP shares one training among its processes: side-by-side trainings on top of it are refused
        ("  strategy: auto", "  strategy: ddp", "trainer.parallel_fits", "parallel_fits: 2"),
    ],
)
def test_config_mistakes_are_reported_with_file_line_and_key(
    tmp_path: Path, project_root: Path, edit: str, replacement: str, key: str, needle: str
) -> None:
    path = _write_params(tmp_path, project_root, edit, replacement)
    with pytest.raises(config.ConfigError) as caught:
        config.load(path)
    assert f"{path}:{_line_of(path, needle)}:" in str(caught.value)
    assert key in str(caught.value)


def test_the_default_experiment_shortens_the_task_entries_and_paper_keeps_them(project_root: Path) -> None:
    """`dvc repro` runs the reduced `default` experiment; `experiment=paper` is every entry as its own file in conf/
    sets it, on enwiki-17m."""
    conf = project_root / "conf"
    default = yaml.safe_load(config.compose(conf))
    paper = yaml.safe_load(config.compose(conf, ["experiment=paper"]))
    assert (default["name"], paper["name"]) == ("default", "paper") and "reduced size" in default["description"]
    assert default["corpus"]["name"] == "wikitext2" and paper["corpus"]["name"] == "enwiki17m"
    assert default["trainer"]["limit_train_batches"] == 0.2 and paper["trainer"]["limit_train_batches"] is None
    reduced = yaml.safe_load((conf / "experiment" / "default.yaml").read_text())
    for group in ("ner", "tagger", "parser", "classify", "lm", "lm_vectors"):
        for entry, keys in reduced[group].items():
            for key, value in keys.items():
                assert default[group][entry][key] == value
                assert paper[group][entry][key] == _entry_file_value(conf, group, entry, key), (group, entry, key)


def _entry_file_value(conf: Path, group: str, entry: str, key: str) -> object:
    """``key`` as the entry's own file sets it, or the parent entry it extends (``- parent@_here_``) does."""
    own = yaml.safe_load((conf / group / f"{entry}.yaml").read_text())
    if key in own:
        return own[key]
    for item in own.get("defaults", []):
        if isinstance(item, str) and item.endswith("@_here_"):
            parent = item.removesuffix("@_here_")
            if parent.startswith("/"):
                group, parent = parent.strip("/").split("/")
            return _entry_file_value(conf, group, parent, key)
    raise KeyError(f"{group}/{entry}.yaml sets no {key}")


def test_a_selection_without_the_entries_the_experiment_shortens_is_refused_with_what_to_do(project_root: Path) -> None:
    composed = yaml.safe_load(config.compose(project_root / "conf", ["ner=[window]"]))
    assert "model" not in composed["ner"]["window_random"]  # the default experiment's epochs alone
    with pytest.raises(config.ConfigError) as caught:
        config.validate(composed, source="params.yaml")
    assert "ner.window_random.model" in str(caught.value) and "experiment=paper" in str(caught.value)
    paper = yaml.safe_load(config.compose(project_root / "conf", ["experiment=paper", "ner=[window]"]))
    assert list(config.validate(paper, source="params.yaml")["ner"]) == ["window"]


def test_config_command_prints_its_usage() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "wordlab.config", "--help"], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0 and done.stdout.startswith("usage: python -m wordlab.config")
    assert "experiment=paper" in done.stdout and not done.stderr


def test_stage_refuses_a_typo_before_doing_any_work(tmp_path: Path, project_root: Path) -> None:
    path = _write_params(tmp_path, project_root, "    min_count: 1", "    min_cout: 1")
    out = tmp_path / "prepared"
    done = subprocess.run(
        [
            sys.executable,
            str(project_root / "pipelines" / "prepare_corpus.py"),
            "--params",
            str(path),
            "--out",
            str(out),
            "--metrics",
            str(tmp_path / "stats.json"),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert done.returncode == 2
    assert f"{path}:{_line_of(path, 'min_cout')}:" in done.stderr and "min_cout" in done.stderr
    assert not out.exists() and not (tmp_path / "mlflow.db").exists()


@pytest.mark.parametrize(
    ("group", "kind"),
    [("ner", "NerConfig"), ("classify", "ClassifierConfig"), ("parser", "ParserConfig"), ("tagger", "TaggerConfig")],
)
def test_a_method_stage_gives_each_entry_its_method_and_leaves_an_entry_without_vectors_without(
    project_root: Path, tmp_path: Path, group: str, kind: str
) -> None:
    from wordlab.classify.config import ClassifierConfig
    from wordlab.ner.config import NerConfig
    from wordlab.parser.config import ParserConfig
    from wordlab.stage import StageContext, data_locator
    from wordlab.tagger.config import TaggerConfig

    schema = {"NerConfig": NerConfig, "ClassifierConfig": ClassifierConfig, "ParserConfig": ParserConfig,
              "TaggerConfig": TaggerConfig}[kind]  # fmt: skip
    composed = yaml.safe_load((project_root / "params.yaml").read_text(encoding="utf-8"))
    names = list(composed[group])
    composed[group][names[0]]["vectors"] = None  # as `-S <group>.<entry>.vectors=null` would
    assert all(composed[group][name]["vectors"] == "skipgram" for name in names[1:])
    cfg = config.validate(composed, source="params.yaml")
    stage = StageContext(cfg=cfg, plain=composed, root=tmp_path, locator=data_locator(cfg, tmp_path))
    vectors_file = tmp_path / "glove" / "vectors.bin"
    entries = list(stage.method_entries(group, schema, "glove", vectors_file))
    assert [name for name, _, _ in entries] == names
    assert (entries[0][1].vectors, entries[0][2]) == (None, None)
    for _name, entry, path in entries[1:]:  # the config named skipgram: the stage is glove's
        assert (entry.vectors, path) == ("glove", vectors_file)
    assert [entry for _, entry, _ in entries[1:]] == [
        dataclasses.replace(stage.settings(f"{group}.{name}", schema), vectors="glove") for name in names[1:]
    ]
