"""The cross-task comparison report: one section per task (:mod:`.embeddings` so far), its plots (:mod:`.plots`)
and the MLflow child runs that put the compared rows side by side in the dashboard (:mod:`.runs`)."""
