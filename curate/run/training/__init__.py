"""Training and evaluation on a curated mixture (``cleanroom train`` / ``cleanroom eval``).

- :mod:`curate.run.training.data`: read a mixture (DuckDB, Parquet, ``save_to_disk`` folder) with its
  provenance, and encode prompt/completion pairs with the loss masked on the prompt;
- :mod:`curate.run.training.tiny`: the offline ``--model tiny`` (a tokenizer trained on the mixture and
  a small randomly initialised GPT-2 or Llama);
- :mod:`curate.run.training.trainer`: fine-tuning with ``transformers.Trainer`` and the run manifest;
- :mod:`curate.run.training.evaluate`: per-item answer log-likelihood, greedy exact match, HumanEval
  pass@1 (through :mod:`curate.run.training.sandbox`);
- :mod:`curate.run.training.report`: clean/dirty split of every score with bootstrap intervals (GPT-3
  Table C.1);
- :mod:`curate.run.training.store`: the ``training_runs`` and ``eval_results`` tables (``evals.duckdb``).
"""
