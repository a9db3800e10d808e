"""Quality scoring: keep the best data, not just the clean data.

LIMA (Zhou et al. 2023, 1k curated examples) and AlpaGasus (Chen et al. 2023, 9k of Alpaca's 52k
chosen by a grader) showed that a small, well-chosen instruction set beats the raw one. The tools
the field uses to choose, all available here behind one batch function ``score_batch(texts)``:

- :mod:`curate.lib.quality.fasttext_model`: a fastText classifier trained on high-quality vs random
  text (GPT-3 Appendix A, DCLM's ``fasttext_oh_eli5``), trained with ``cleanroom quality train``;
- :mod:`curate.lib.quality.transformer`: any Hugging Face sequence-classification model (FineWeb-Edu's
  regression classifier, NVIDIA's DeBERTa quality classifier), batched by length, bf16 on CUDA,
  CPU fallback;
- :mod:`curate.lib.quality.static_head`: the fast default (``static_quality_v1``), static token
  vectors distilled from MiniLM with model2vec plus four answer statistics, through a shipped
  logistic-regression head (about 3,000 records per CPU-second, no torch);
- :mod:`curate.lib.quality.minilm_head`: the accurate option (``minilm_quality_v1``), a
  logistic-regression head shipped in ``curate/lib/quality/assets/`` over MiniLM sentence
  embeddings (no download, no training; a GPU makes it fast).

Scores land in ``quality__score`` (float, higher = better): the column dedup uses to pick cluster
representatives and the app draws histograms of; ``quality_filter_v1`` filters on it.
"""
