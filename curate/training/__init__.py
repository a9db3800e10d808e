"""Training and evaluation on a curated mixture (``cleanroom train`` / ``cleanroom eval``).

- :mod:`curate.training.data`: read a mixture (DuckDB, Parquet, ``save_to_disk`` folder) with its
  provenance, and encode prompt/completion pairs with the loss masked on the prompt;
- :mod:`curate.training.tiny`: the offline ``--model tiny`` (a tokenizer trained on the mixture and
  a small randomly initialised GPT-2 or Llama);
- :mod:`curate.training.trainer`: fine-tuning with ``transformers.Trainer`` and the run manifest;
- :mod:`curate.training.evaluate`: per-item answer log-likelihood, greedy exact match, HumanEval
  pass@1 (through :mod:`curate.training.sandbox`);
- :mod:`curate.training.report`: clean/dirty split of every score with bootstrap intervals (GPT-3
  Table C.1);
- :mod:`curate.training.store`: the ``training_runs`` and ``eval_results`` tables (``evals.duckdb``).
"""
