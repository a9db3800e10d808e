"""Hugging Face ``datasets`` in and out: hub ids, the local cache, ``save_to_disk`` folders,
``.arrow`` files, and mixtures pushed to the hub.

Reading (:func:`iter_hf_rows`), what a recipe input may name:

=========================  ============================================================
input                      read with
=========================  ============================================================
``hf: owner/name``         ``datasets.load_dataset(name, config, split=, revision=,
                           streaming=, data_files=)``; offline (``HF_HUB_OFFLINE=1``) it
                           is served from the local HF cache, as ``datasets`` does
``path: folder/``          a ``save_to_disk`` folder: ``datasets.load_from_disk`` (a
                           ``DatasetDict`` folder gives its ``split``)
``path: file.arrow``       one Arrow file written by ``datasets`` (``Dataset.from_file``)
=========================  ============================================================

Writing: mixtures are saved with ``save_to_disk`` by :func:`curate.run.export.write_hf`;
:func:`push_mixtures` pushes those folders to one hub dataset repo, one config per mixture
(``load_dataset(repo, "sft")``), when the recipe sets ``output.push_to_hub``.

Example::

    inputs:
      - {name: gsm8k, hf: openai/gsm8k, config: main, split: train,
         fields: {instruction: question, output: answer}}
      - {name: saved, path: out/hf/sft, split: train}
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from curate.core.errors import ConfigError, InputError, MissingDependencyError
from curate.io.paths import hf_offline


def _datasets() -> Any:
    try:
        import datasets
    except ImportError:  # pragma: no cover - datasets is a core dependency
        raise MissingDependencyError("the `datasets` package", "pip install datasets") from None
    return datasets


def is_saved_dataset(path: str | Path) -> bool:
    """True for a folder written by ``Dataset.save_to_disk`` or ``DatasetDict.save_to_disk``.

    Example: ``out/hf/sft`` (holding ``dataset_dict.json``) -> True; ``corpora/`` -> False.
    """
    p = Path(path)
    return p.is_dir() and (
        (p / "dataset_dict.json").is_file()
        or ((p / "state.json").is_file() and (p / "dataset_info.json").is_file())
    )


def is_arrow_file(path: str | Path) -> bool:
    """True for an existing ``.arrow`` file: ``"train/data-00000-of-00001.arrow"`` -> True."""
    return str(path).lower().endswith(".arrow") and Path(path).is_file()


def is_local_dataset(path: str | Path) -> bool:
    """A ``save_to_disk`` folder or an ``.arrow`` file (read by this module, not by the file readers)."""
    return is_saved_dataset(path) or is_arrow_file(path)


def load_local(path: str | Path, split: str = "train") -> Any:
    """A ``save_to_disk`` folder or ``.arrow`` file as a ``datasets.Dataset``.

    A ``DatasetDict`` folder gives its ``split``; an unknown split is an :class:`InputError`
    that lists the ones there are.
    """
    datasets = _datasets()
    where = str(path)
    try:
        if is_arrow_file(path):
            return datasets.Dataset.from_file(where)
        loaded = datasets.load_from_disk(where)
    except Exception as e:  # noqa: BLE001 - datasets/pyarrow raise many kinds
        raise InputError(where, None, f"cannot read the saved dataset: {e}") from None
    if isinstance(loaded, datasets.DatasetDict):
        if split not in loaded:
            raise InputError(
                where, None, f"has no split {split!r}; splits: {', '.join(sorted(loaded))}"
            )
        return loaded[split]
    return loaded


def load_hub(
    name: str,
    *,
    config: str | None = None,
    split: str = "train",
    revision: str | None = None,
    streaming: bool = False,
    data_files: str | list[str] | dict[str, Any] | None = None,
) -> Any:
    """``datasets.load_dataset`` with the recipe's options; offline, the local HF cache answers.

    Example: ``load_hub("openai/gsm8k", config="main", split="test")`` -> a Dataset of 1319 rows
    (online, or offline after one online load).
    """
    datasets = _datasets()
    dataset_id = name.removeprefix("hf://")
    kwargs: dict[str, Any] = {"split": split, "streaming": streaming}
    if revision:
        kwargs["revision"] = revision
    if data_files is not None:
        kwargs["data_files"] = data_files
    try:
        return datasets.load_dataset(dataset_id, config, **kwargs)
    except Exception as e:  # noqa: BLE001 - hub errors come in many types
        hint = (
            " (offline: HF_HUB_OFFLINE=1 reads only the local HF cache; load it once while "
            "online, or point the recipe at a local file)"
            if hf_offline()
            else ""
        )
        raise InputError(dataset_id, None, f"cannot load Hugging Face dataset: {e}{hint}") from None


def iter_rows(dataset: Any) -> Iterator[tuple[int, Mapping[str, Any]]]:
    """``(1-based index, row)`` pairs of a Dataset or IterableDataset, read in Arrow batches."""
    if hasattr(dataset, "iter"):
        i = 0
        for batch in dataset.iter(batch_size=1000):
            keys = list(batch)
            n = len(batch[keys[0]]) if keys else 0
            for j in range(n):
                i += 1
                yield i, {k: batch[k][j] for k in keys}
    else:  # pragma: no cover - every datasets version we support has .iter
        yield from enumerate(dataset, start=1)


def push_mixtures(hf_dir: str | Path, names: list[str], repo_id: str, private: bool = True) -> None:
    """Push the ``save_to_disk`` folders ``hf_dir/<name>`` to one hub dataset repo, one config per
    mixture (``load_dataset(repo_id, name)``), each with its ``train``/``validation`` splits."""
    datasets = _datasets()
    if hf_offline():
        raise ConfigError(
            f"output.push_to_hub: {repo_id!r} needs the hub, and it is offline (HF_HUB_OFFLINE=1)"
        )
    for name in names:
        folder = Path(hf_dir) / name
        dd = datasets.load_from_disk(str(folder))
        dd.push_to_hub(repo_id, config_name=name, private=private)
