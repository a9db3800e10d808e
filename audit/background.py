"""Commonness evidence: how common a matched span is in a reference background (issue 15).

A prime loop, Euclid's gcd or ``if n == 0: return 0`` match HumanEval answers at 100 %, yet they
are textbook code, not a leaked item. The corpus-frequency filter (``max_record_df``) cannot tell:
on a small corpus such a span is rare. This module keeps a **background frequency table** of
word n-grams (``n = 5`` tokens of the audit normaliser, hashed exactly like the index:
:meth:`audit.index.Tokenised.windows`; one-letter names read as ``v`` and digits as ``0`` in both
the background and the item, :func:`abstract_text`, so ``for i in range(2, n)`` and ``for j in
range(3, m)`` are the same idiom) built from real code and text available offline:

- **code**: every ``.py`` file of the Python standard library of the running interpreter (1,790
  files, 31.5 MB for CPython 3.11: library code *and* its test suite);
- **text**: the standard library's docstrings and comments come with it, plus every ``.txt`` and
  ``.rst`` file shipped there and ``pydoc_data/topics.py`` (the Python documentation's reference
  topics: ~0.7 MB of English prose).

A *document* is one file. The table holds, for every n-gram found in at least ``min_keep`` (2)
files, its 64-bit hash (sorted) and its document frequency: a hashed count table, exact up to
64-bit hash collisions. Built once, deterministically (files sorted by path), on first use, and
cached as ``background_stdlib_py<version>_n5_v2.npz`` (``$CLEANROOM_CACHE`` or
``~/.cache/cleanroom``); ``cleanroom audit background`` builds it ahead of time.

Rule (``common_only``): for a pair the preset calls contaminated, the item tokens inside its
matched spans give windows of ``n`` tokens; ``common_share`` is the share of those windows with
document frequency >= ``min_df`` (3 files) in the background. When every window is common
(``common_share >= share``, default 1.0) the pair's verdict becomes ``common_only``: it stays in
the report as evidence, but no longer makes the item dirty or drops the record. Matches shorter
than ``n`` tokens have no window and are never demoted (``common_share`` null).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import sys
import sysconfig
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from audit.index import Tokenised
from audit.normalise import token_spans, tokenize_series
from curate.core.errors import ConfigError

BACKGROUND_N = 5
DEMOTABLE = ("dirty", "not_clean")
_ONE_LETTER = re.compile(r"(?<![A-Za-z0-9_])[A-Za-z](?![A-Za-z0-9_])")
_DIGIT = re.compile(r"\d")


def abstract_text(text: str) -> str:
    """One-letter names -> ``v``, digits -> ``0``; same length, so character spans still hold.

    Loop variables and constants differ between copies of the same idiom (``for i in range(2,
    n)`` / ``for j in range(3, m)``); the background counts the idiom, not the names.
    Example: ``"for i in range(2, n):"`` -> ``"for v in range(0, v):"``.
    """
    return _DIGIT.sub("0", _ONE_LETTER.sub("v", text))


@dataclass(frozen=True)
class Background:
    """A hashed n-gram document-frequency table.

    Attributes:
        n: n-gram length (tokens).
        hashes: sorted unique 64-bit hashes of the n-grams kept.
        df: documents (files) holding each n-gram.
        docs: documents read.
        min_df: an n-gram is *common* in at least this many documents.
        share: a pair is ``common_only`` when at least this share of its windows is common.
        meta: how it was built (source, files, digest, seconds).
    """

    n: int
    hashes: np.ndarray
    df: np.ndarray
    docs: int
    min_df: int = 3
    share: float = 1.0
    meta: dict | None = None
    _prepared: dict = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def build(
        cls,
        documents: Iterable[str],
        *,
        n: int = BACKGROUND_N,
        min_keep: int = 2,
        min_df: int = 3,
        chunk: int = 200,
        meta: dict | None = None,
    ) -> Background:
        """Count, per n-gram, the documents holding it (kept when in >= ``min_keep`` documents).

        Example: ``Background.build(["aa bb cc dd ee ff", "xx aa bb cc dd ee"], n=5, min_keep=2)``
        keeps one n-gram (``aa bb cc dd ee``) with ``df = 2``.
        """
        parts: list[np.ndarray] = []
        docs = 0
        batch: list[str] = []

        def flush() -> None:
            if not batch:
                return
            tok = Tokenised.of_texts(pl.Series(batch, dtype=pl.String))
            h, doc, _ = tok.windows(n)
            if len(h):
                # unique (document, hash): a document counts once per n-gram
                key = np.unique(np.stack([doc.astype(np.uint64), h]).T, axis=0)
                parts.append(key[:, 1].copy())
            batch.clear()

        for text in documents:
            batch.append(abstract_text(text))
            docs += 1
            if len(batch) >= chunk:
                flush()
        flush()
        allh = np.concatenate(parts) if parts else np.zeros(0, np.uint64)
        uniq, counts = np.unique(allh, return_counts=True)
        keep = counts >= min_keep
        return cls(
            n,
            uniq[keep],
            counts[keep].astype(np.uint32),
            docs,
            min_df=min_df,
            meta=meta or {},
        )

    def doc_freq(self, hashes: np.ndarray) -> np.ndarray:
        """Document frequency of each hash (0 when absent or kept below ``min_keep``)."""
        if not len(self.hashes):
            return np.zeros(len(hashes), np.uint32)
        at = np.searchsorted(self.hashes, hashes)
        at = np.minimum(at, len(self.hashes) - 1)
        return np.where(self.hashes[at] == hashes, self.df[at], 0).astype(np.uint32)

    def save(self, path: str | Path) -> Path:
        """Write the table as ``.npz`` (atomic rename)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp.npz")
        np.savez_compressed(
            tmp,
            hashes=self.hashes,
            df=self.df,
            info=np.array(
                json.dumps(
                    {"n": self.n, "docs": self.docs, "min_df": self.min_df, **(self.meta or {})}
                )
            ),
        )
        tmp.replace(path)
        return path

    @classmethod
    def load(cls, path: str | Path, *, min_df: int | None = None) -> Background:
        """Read a table written by :meth:`save`."""
        try:
            with np.load(path) as z:
                info = json.loads(str(z["info"]))
                return cls(
                    int(info.pop("n")),
                    z["hashes"],
                    z["df"],
                    int(info.pop("docs")),
                    min_df=int(min_df if min_df is not None else info.pop("min_df", 3)),
                    meta=info,
                )
        except (OSError, KeyError, ValueError) as e:
            raise ConfigError(f"background {path}: not a background table ({e})") from None

    def common_share(self, text: str, char_spans: list[list[int]]) -> float | None:
        """Share of the n-token windows inside the matched spans of ``text`` that are common.

        ``None`` when the spans hold no window of ``n`` tokens. Example: spans covering
        ``for i in range 2 n`` in a text, background with that 5-gram in 10 files -> 1.0.
        """
        prep = self._text_windows(text)
        if prep is None or not char_spans:
            return None
        starts, ends, pos, is_common = prep
        inside = np.zeros(len(starts), bool)
        for a, b in char_spans:
            inside |= (a <= starts) & (ends <= b)
        inside &= ends > starts
        csum = np.concatenate([[0], np.cumsum(inside)])
        full = (csum[pos + self.n] - csum[pos]) == self.n
        if not full.any():
            return None
        return float(is_common[full].mean())

    def _text_windows(
        self, text: str
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
        """Per item text (cached: pairs repeat items): token character spans (starts, ends), the
        windows' positions and whether each window is common; None when the text has fewer
        than ``n`` tokens or the tokenisers disagree."""
        key = (text, self.min_df)
        if key not in self._prepared:
            self.prepare_texts([text])
        return self._prepared[key]

    def prepare_texts(self, texts: list[str]) -> None:
        """Tokenise and look up the windows of many item texts at once (one Polars call, one
        compiled pass, one ``doc_freq``) for :meth:`common_share`; texts already done are
        skipped. Same values as one text at a time (the tokeniser is per text)."""
        todo = [t for t in dict.fromkeys(texts) if (t, self.min_df) not in self._prepared]
        if not todo:
            return
        abstracts = [abstract_text(t) for t in todo]
        series = pl.Series(abstracts, dtype=pl.String)
        all_toks = tokenize_series(series).to_list()
        h, owner, pos = Tokenised.of_texts(series).windows(self.n)
        common = self.doc_freq(h) >= self.min_df
        bounds = np.searchsorted(owner, np.arange(len(todo) + 1))
        for k, (text, abstract, toks) in enumerate(zip(todo, abstracts, all_toks, strict=True)):
            a, b = int(bounds[k]), int(bounds[k + 1])
            out = None
            if len(toks) >= self.n and b - a == len(toks) - self.n + 1:  # else tokenisers
                spans = np.array(token_spans(abstract, toks), np.int64).reshape(-1, 2)  # disagree
                out = (spans[:, 0].copy(), spans[:, 1].copy(), pos[a:b], common[a:b])
            self._prepared[(text, self.min_df)] = out


def stdlib_documents() -> tuple[list[Path], str]:
    """The files of the background: stdlib ``.py``, ``.txt``, ``.rst`` (sorted), and a digest."""
    root = Path(sysconfig.get_paths()["stdlib"])
    # one scandir walk (``rglob`` per extension walked the tree three times, then ``stat`` and
    # ``Path`` sorting cost more than the walk): the same files (symlinked directories not
    # followed, names matched case-sensitively, a symlink counted when it points at a file),
    # sorted like ``Path`` objects (by their parts)
    skip = {"site-packages", "dist-packages"}
    found: list[tuple[tuple[str, ...], int]] = []
    if not skip & set(root.parts):
        stack: list[tuple[str, tuple[str, ...]]] = [(str(root), ())]
        while stack:
            folder, parts = stack.pop()
            try:
                entries = list(os.scandir(folder))
            except OSError:
                continue
            for e in entries:
                try:
                    if e.is_dir(follow_symlinks=False):
                        if e.name not in skip:
                            stack.append((e.path, (*parts, e.name)))
                    elif e.name.endswith((".py", ".txt", ".rst")) and e.is_file():
                        found.append(((*parts, e.name), e.stat().st_size))
                except OSError:
                    continue
    found.sort()
    files = [root.joinpath(*parts) for parts, _ in found]
    digest = hashlib.sha256()
    for parts, size in found:
        digest.update(f"{'/'.join(parts)}\0{size}\n".encode())
    return files, digest.hexdigest()[:16]


def _read(paths: list[Path]) -> Iterable[str]:
    for p in paths:
        try:
            yield p.read_text(encoding="utf-8", errors="replace")
        except OSError:
            yield ""


def cache_dir() -> Path:
    """``$CLEANROOM_CACHE`` or ``~/.cache/cleanroom``."""
    return Path(os.environ.get("CLEANROOM_CACHE") or Path.home() / ".cache" / "cleanroom")


def stdlib_background(*, rebuild: bool = False, min_df: int = 3) -> Background:
    """The standard-library background: loaded from the cache, else built and cached."""
    ver = f"{sys.version_info.major}{sys.version_info.minor}"
    path = cache_dir() / f"background_stdlib_py{ver}_n{BACKGROUND_N}_v2.npz"
    files, digest = stdlib_documents()
    if path.is_file() and not rebuild:
        bg = Background.load(path, min_df=min_df)
        if (bg.meta or {}).get("digest") == digest:
            return bg
    t0 = time.perf_counter()
    bg = Background.build(_read(files), min_df=min_df)
    meta = {
        "source": f"python{sys.version.split()[0]} stdlib",
        "files": len(files),
        "digest": digest,
        "bytes": int(sum(p.stat().st_size for p in files)),
        "build_seconds": round(time.perf_counter() - t0, 2),
    }
    bg = Background(bg.n, bg.hashes, bg.df, bg.docs, min_df=min_df, meta=meta)
    with contextlib.suppress(OSError):  # read-only home: use it without caching
        bg.save(path)
    return bg


def get_background(spec: str | None) -> Background | None:
    """``"stdlib"`` (default table), ``"none"``/``None`` (no demotion), or a saved ``.npz`` path."""
    if spec is None or spec == "none":
        return None
    if spec == "stdlib":
        return stdlib_background()
    if not Path(spec).is_file():
        raise ConfigError(f"--background must be stdlib, none or a .npz table; {spec!r} not found")
    return Background.load(spec)


def demote_common(
    pairs: pl.DataFrame, unit_texts: dict[tuple[str, str], str], bg: Background
) -> pl.DataFrame:
    """Set ``common_share`` on contaminated pairs; ``common_only`` where every window is common.

    ``unit_texts``: ``(item_id, part) -> text`` (the text ``spans["item"]`` index).
    """
    if not pairs.height:
        return pairs
    shares: list[float | None] = []
    verdicts: list[str] = []
    bg.prepare_texts(
        [
            t
            for i, p, v in zip(pairs["item_id"], pairs["part"], pairs["verdict"], strict=True)
            if v in DEMOTABLE and (t := unit_texts.get((i, p))) is not None
        ]
    )
    for item_id, part, spans, verdict in zip(
        pairs["item_id"], pairs["part"], pairs["spans"], pairs["verdict"], strict=True
    ):
        share = None
        if verdict in DEMOTABLE:
            text = unit_texts.get((item_id, part))
            if text is not None:
                share = bg.common_share(text, json.loads(spans).get("item", []))
        shares.append(share)
        verdicts.append("common_only" if share is not None and share >= bg.share else verdict)
    return pairs.with_columns(
        common_share=pl.Series(shares, dtype=pl.Float64),
        verdict=pl.Series(verdicts, dtype=pl.String),
    )
