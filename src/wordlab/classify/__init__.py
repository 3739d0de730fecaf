"""Sentence classification on the Stanford Sentiment Treebank: a recurrent encoder over word vectors, a softmax.

The same file roles as the other tasks: :mod:`.config` (the ``classify`` group's schema), :mod:`.data` (phrases and
sentences from the trees, as padded batches), :mod:`.network` (the encoder-pooling-softmax model), :mod:`.module`
(its Lightning training), :mod:`.scoring` (accuracy and confusion), :mod:`.run` (the stage's one call) and
:mod:`.predict` (a trained classifier applied to a user's own sentences).
"""
