"""Ticket classification: category, priority and queue suggested from subject and body.

A TF-IDF of word and character n-grams (character n-grams read Chinese without
a tokenizer) feeds a linear SVM; a fitted temperature turns its margins into
calibrated confidences, and a threshold chosen on held-out folds sends the
predictions that are too unsure to a person (triage) instead of guessing.

Modules, lightest first (the CLI reads and checks input files before it pays
for importing scikit-learn):

- `labelled_csv`: read a text,label CSV, refusing bad files in one line;
- `calibration`: temperature scaling and the triage threshold (numpy/scipy);
- `model`: `train_classifier`, `TicketClassifier.predict -> Prediction`;
- `evaluation`: macro-F1, accuracy, per-label report, confusion, latency;
- `blob`: model <-> bytes, refusing a blob from another scikit-learn version.
"""
