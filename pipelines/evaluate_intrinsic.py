"""DVC stage ``evaluate_intrinsic@<method>``: one method's vectors -> analogy and similarity metrics."""

from __future__ import annotations

from pathlib import Path

from wordlab.embeddings.outputs import VECTORS_BINARY
from wordlab.evaluation.config import EvaluationConfig
from wordlab.evaluation.intrinsic import evaluate_intrinsic
from wordlab.io import write_json_atomic
from wordlab.stage import argument_parser, run_stage
from wordlab.text.vectors import Vectors


def main() -> None:
    parser = argument_parser(__doc__ or "")
    parser.add_argument("--method", required=True)
    parser.add_argument("--vectors", type=Path, required=True, help="the method's output directory")
    parser.add_argument("--metrics", type=Path, required=True)
    args = parser.parse_args()
    with run_stage(
        f"evaluate_intrinsic@{args.method}", args.params, inputs=[args.vectors], outputs=[args.metrics]
    ) as stage:
        evaluation = stage.settings("evaluation", EvaluationConfig)
        vectors = Vectors.load_word2vec_format(args.vectors / VECTORS_BINARY, binary=True)
        metrics = evaluate_intrinsic(
            vectors.words,
            vectors.matrix,
            questions=stage.dataset_file(evaluation.analogy.questions),
            similarity_sets={Path(name).stem: stage.dataset_file(name) for name in evaluation.similarity.datasets},
            restrict_vocab=evaluation.analogy.restrict_vocab,
            methods=list(evaluation.analogy.methods),
            epsilon=evaluation.analogy.epsilon,
            similarity_restrict_vocab=evaluation.similarity.restrict_vocab,
        )
        stage.set_tags({"embedding.method": args.method})
        write_json_atomic(args.metrics, {"method": args.method, **metrics})
        stage.log_metrics(metrics)


if __name__ == "__main__":
    main()
