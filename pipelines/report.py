"""DVC stage ``report``: every method's metrics -> the cross-task overview and per-task sections for people
(``reports/comparison.md``), the full table (CSV, JSON), the overview as a DVC metric, plots, and one MLflow child
run per row so that the compare view shows the methods side by side across tasks."""

from __future__ import annotations

import json
from pathlib import Path

from wordlab.embeddings.outputs import VECTORS_BINARY
from wordlab.nn.curve_files import read_curve
from wordlab.report.classify import classify_section, write_classify_section
from wordlab.report.document import write_document
from wordlab.report.embeddings import comparison_table, vectors_section, write_tables
from wordlab.report.lm import lm_section, write_lm_section
from wordlab.report.ner import ner_section
from wordlab.report.overview import headlines, overview_markdown, overview_note, overview_table, write_overview
from wordlab.report.parser import parser_section, write_parser_section
from wordlab.report.plots import plot_learning_curves, plot_word_groups
from wordlab.report.runs import log_method_runs
from wordlab.report.tagger import tagger_section, write_tagger_section
from wordlab.report.techniques import read_technique_runs, techniques_section
from wordlab.stage import argument_parser, is_number, run_stage
from wordlab.text.vectors import Vectors
from wordlab.tracking import flatten


def _metrics_of(method: str, metrics_dirs: list[Path]) -> dict[str, float]:
    merged: dict[str, float] = {}
    for directory in metrics_dirs:
        path = directory / f"{method}.json"
        if path.is_file():
            payload = json.loads(path.read_text(encoding="utf-8"))
            # numbers only: a metrics file may also say in words what a figure means (lm.<name>.perplexity)
            merged.update({k: float(v) for k, v in flatten(payload).items() if k != "method" and is_number(v)})
    return merged


def main() -> None:
    parser = argument_parser(__doc__ or "")
    parser.add_argument("--metrics-dirs", type=Path, nargs="+", required=True)
    parser.add_argument("--models", type=Path, default=Path("models/embeddings"))
    parser.add_argument("--curves", type=Path, default=Path("curves/embeddings"))
    parser.add_argument("--lm-metrics", type=Path, default=Path("metrics/lm"), help="<lm entry>.json files")
    parser.add_argument(
        "--techniques", type=Path, help="bench/classify_techniques.py's results (JSON lines), tabulated in the report"
    )
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    inputs = [*args.metrics_dirs, args.models, args.curves, args.lm_metrics, *filter(None, [args.techniques])]
    with run_stage("report", args.params, inputs=inputs, outputs=[args.out]) as stage:
        methods = list(stage.cfg.embedding)
        table = comparison_table({m: _metrics_of(m, args.metrics_dirs) for m in methods})
        techniques = (
            techniques_section(read_technique_runs(args.techniques), args.techniques.as_posix())
            if args.techniques is not None
            else ""
        )
        write_tables(table, args.out)
        write_parser_section(table, args.out)
        write_classify_section(table, args.out, techniques=techniques)
        write_tagger_section(table, args.out)
        models = {name: _metrics_of(name, [args.lm_metrics]) for name in stage.cfg.get("lm") or {}}
        write_lm_section(table, models, args.out)
        groups = {g: stage.plain.get(g) or {} for g in ("ner", "tagger", "parser", "lm_vectors", "classify")}
        columns = headlines(groups, models)
        overview = overview_table(table, columns)
        write_overview(overview, args.out)
        sections = [
            vectors_section(table),
            ner_section(table),
            tagger_section(table),
            parser_section(table),
            lm_section(table, models),
            classify_section(table, techniques=techniques),
        ]
        write_document(
            args.out,
            str(stage.cfg.name),
            str(stage.cfg.description),
            overview_markdown(overview, columns),
            overview_note(columns, methods[0] if methods else None),
            sections,
        )
        curves = {m: read_curve(args.curves / m / "train.tsv") for m in methods}
        plot_learning_curves(curves, args.out / "plots" / "learning_curves.png", "embedding training loss")
        for method in methods:
            vectors = Vectors.load_word2vec_format(args.models / method / VECTORS_BINARY, binary=True)
            plot_word_groups(vectors.words, vectors.matrix, args.out / "plots" / f"pca_{method}.png", method)
        for path in sorted(args.out.rglob("*")):
            if path.is_file():
                stage.log_artifact(path, str(path.parent.relative_to(args.out)) if path.parent != args.out else None)
        if stage.run is not None:
            log_method_runs(stage.run, table, overview, stage.plain["embedding"], stage.tags)


if __name__ == "__main__":
    main()
