"""Teaching the assistant the site: training pairs, fine-tuning, evaluation.

- ``config``: the recipe's defaults (the seed card's hyperparameters), read by
  the command, the admin's task and the trainer.
- ``pairs``: (question, passage) pairs from the current passages, split by
  section (a package: one module per kind of question, the split, the files).
- ``finetune``: SentenceTransformerTrainer on those pairs, the activation guard.
- ``evaluate``: retrieval metrics for dense, BM25 and hybrid on a dev set,
  a BEIR folder or the natural questions.
- ``tasks``: the Celery task behind the admin's "Train on site content".
"""
