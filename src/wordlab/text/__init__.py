"""What every text model shares, whatever its task (NER, tagging, parsing, classification, language models).

- :mod:`.vocab`: a word vocabulary and its initial table from pretrained vectors (lookup by form, lower case and
  digits as 0), training words with rows of their own, special rows (PAD, UNK, BOUNDARY).
- :mod:`.embedding`: the token embedding (pretrained rows frozen or fine-tuned at a learning-rate scale, own rows,
  casing and character features); :mod:`.casing`, :mod:`.characters`: those features (Ma & Hovy's CNN).
- :mod:`.encoders`: recurrent encoders over padded batches (torch's fused LSTM, GRU, RNN).
- :mod:`.crf`, :mod:`.heads`: the linear-chain CRF and the per-token output layers (softmax or CRF);
  :mod:`.bilstm_tagger`: the BiLSTM that gives per-token scores; :mod:`.pooling`: one vector per sentence.
- :mod:`.batching`: sentences as padded, length-bucketed tensor batches.
"""
