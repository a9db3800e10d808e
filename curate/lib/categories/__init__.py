"""Task categories of instruction records: InstructGPT's use-case taxonomy plus ``code`` and ``math``.

:mod:`.taxonomy` holds the categories and the paper's distribution, :mod:`.rules` the few
rules that beat the embedding classifier, :mod:`.classifier` the MiniLM + softmax head that
labels everything else (the step is ``task_category_v1`` in :mod:`curate.steps.task_category`).
"""
