"""Part-of-speech tagging on UD English EWT: a BiLSTM over word vectors and a character CNN, UPOS per word.

The same file roles as the other tasks: :mod:`.config` (the ``tagger`` group's schema), :mod:`.data` (CoNLL-U
sentences as encoded datasets, and the jackknife's folds), :mod:`.module` (Lightning training), :mod:`.output`
(CoNLL-U with the predicted UPOS), :mod:`.run` (the stage's one call) and :mod:`.tag` (a trained tagger applied to
a user's CoNLL-U file). Its tagged files are what the parser reads with ``parser.<entry>.tags: predicted``.
"""
