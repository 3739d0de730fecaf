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
        composed = yaml.safe_load(config.compose(project_root / "conf", [f"{group}={option}"]))
        validated = config.validate(composed, source=f"{group}={option}")
        if group != "experiment":
            assert config.to_plain(validated)[group] == composed[group]


@pytest.mark.parametrize("group", ENTRY_GROUPS)
def test_every_toolkit_option_composes_into_a_task_entry_and_validates(project_root: Path, group: str) -> None:
    options = sorted(p.stem for p in (project_root / "conf" / group).glob("*.yaml"))
    assert options, f"conf/{group} is empty"
    assert group not in yaml.safe_load(config.compose(project_root / "conf")), "not a root group"
    for option in options:
        overrides = ["ner=window", f"{group}@ner.window.{group}={option}"]
        composed = yaml.safe_load(config.compose(project_root / "conf", overrides))
        validated = config.validate(composed, source=" ".join(overrides))
        assert config.to_plain(validated)["ner"]["window"][group] == composed["ner"]["window"][group]


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
