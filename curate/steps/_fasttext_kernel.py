"""fastText's top-1 prediction in one compiled pass over many lines (issue 19).

fastText (Joulin et al. 2016, *Bag of Tricks for Efficient Text Classification*) spends most of a
short line's prediction building ``std::string`` n-grams and looking them up in hash maps: on
Alpaca's 7,026 distinct prompt lines its ``multilinePredict`` takes ~0.085 s. :func:`predict_lines`
reads the model file itself (:func:`read_model`: the dictionary, the prune map of the n-gram
buckets, the product-quantised input rows decoded, the output rows of the hierarchical softmax)
and predicts with numba, doing what fastText 0.9's ``FastText::predictLine`` does with ``k=1``
and ``threshold=0`` in the same float32 operations in the same order:

- tokens split on ``' ' \\n \\r \\t \\v \\f \\0``; the end of the line is ``</s>``, and a
  ``</s>`` ends the line; tokens that start with ``__label__`` are skipped;
- a token in the vocabulary adds its row, then (unless it is ``</s>``) the rows of the character
  n-grams (``minn``..``maxn`` UTF-8 characters) of ``<token>`` whose bucket (32-bit FNV-1a over
  signed bytes, modulo ``bucket``) survived pruning (models with word n-grams are not covered);
- the hidden vector is the float32 sum of those rows in that order times ``float32(1 / count)``;
- the hierarchical softmax's depth-first search (left child first, pruned below
  ``log(1e-5)`` and below the best leaf so far, a leaf replacing the best on a tie), with
  ``expf`` for the sigmoid and ``log(x + 1e-5)`` in double precision, as ``loss.cc`` does.

The labels and float32 probabilities are identical to ``multilinePredict(lines + "\\n", 1, 0.0)``
(``tests/test_langid_kernel_issue19.py`` compares them bit for bit, on Hypothesis text and on
every line of the fixtures). Models this reader does not cover (softmax or one-vs-all loss, a
quantised output matrix, another file version) raise :class:`UnsupportedModel`, and the caller
keeps fastText; so does ``CLEANROOM_NO_NUMBA=1``.

numba is imported on the first prediction, not at import time (``cleanroom --help`` stays light).

Example: ``predict_lines(load(path), ["The cat sat on the mat.", "猫坐在垫子上。"])`` ->
``(["__label__en", "__label__ja"], ...)`` (lid.176 calls short Chinese ``ja``; the identifier relabels it).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from curate.core.jit import numba_or_none

_MAGIC = 793712314
_FNV_OFFSET = 2166136261
_FNV_PRIME = 16777619
_KSUB = 256  # centroids per sub-quantiser (fastText's ProductQuantizer::ksub_)
_LOSS_HS = 1  # fastText's loss_name::hs
_MODEL_SUP = 3  # model_name::sup


class UnsupportedModel(ValueError):
    """The model file is not one this reader reproduces exactly (use fastText itself)."""


@dataclass(frozen=True)
class Model:
    """What :func:`predict_lines` needs from a fastText supervised model with hs loss."""

    nwords: int
    minn: int
    maxn: int
    bucket: int
    word_ngrams: int
    vocab_bytes: np.ndarray  # uint8, every entry's bytes (words then labels)
    vocab_off: np.ndarray  # int64, entry i is vocab_bytes[vocab_off[i]:vocab_off[i+1]]
    slots: np.ndarray  # int32 open-addressing table of entry ids (-1 empty), size a power of 2
    prune: np.ndarray  # int32 bucket -> row offset, -1 pruned; one element -1 + pruned_all
    pruned: int  # fastText's pruneidx_size_: -1 not pruned, 0 every n-gram dropped, > 0 mapped
    rows: np.ndarray  # float32 (m, dim): the input rows, decoded
    out: np.ndarray  # float32 (osz, dim): the output rows (internal node i uses row i - osz)
    left: np.ndarray  # int32 per tree node, -1 for leaves
    right: np.ndarray
    labels: tuple[str, ...]


def _fnv(data: bytes) -> int:
    """fastText's ``Dictionary::hash``: FNV-1a over *signed* bytes. ``_fnv(b"a") == 3826002220``."""
    h = _FNV_OFFSET
    for b in data:
        h = ((h ^ (b | 0xFFFFFF00 if b >= 128 else b)) * _FNV_PRIME) & 0xFFFFFFFF
    return h


def read_model(path: str) -> Model:
    """Parse a fastText ``.bin``/``.ftz`` file (format version 12) into a :class:`Model`."""
    with open(path, "rb") as fh:
        data = fh.read()
    pos = 0

    def take(fmt: str) -> tuple:
        nonlocal pos
        vals = struct.unpack_from("<" + fmt, data, pos)
        pos += struct.calcsize("<" + fmt)
        return vals

    magic, version = take("ii")
    if magic != _MAGIC or version != 12:
        raise UnsupportedModel(f"{path}: not a fastText version-12 model")
    dim, _ws, _epoch, _min_count, _neg, word_ngrams, loss, model, bucket, minn, maxn, _lru = take(
        "12i"
    )
    take("d")  # t
    if loss != _LOSS_HS or model != _MODEL_SUP or word_ngrams > 1:
        raise UnsupportedModel(
            f"{path}: only supervised models with hierarchical softmax and no word n-grams"
        )
    size, nwords, nlabels = take("3i")
    take("q")  # ntokens
    (pruned,) = take("q")
    words: list[bytes] = []
    counts: list[int] = []
    for _ in range(size):
        end = data.index(b"\0", pos)
        words.append(data[pos:end])
        pos = end + 1
        count, _type = take("qb")
        counts.append(count)
    prune = np.full(1, -1, dtype=np.int32)
    if pruned > 0:
        pairs = np.frombuffer(data, dtype="<i4", count=2 * pruned, offset=pos).reshape(-1, 2)
        pos += 8 * pruned
        prune = np.full(bucket, -1, dtype=np.int32)
        prune[pairs[:, 0]] = pairs[:, 1]
    (quant,) = take("?")
    if quant:
        qnorm, m, n, codesize = take("?qqi")
        codes = np.frombuffer(data, dtype=np.uint8, count=codesize, offset=pos)
        pos += codesize
        pq_dim, nsubq, dsub, lastdsub = take("4i")
        cents = np.frombuffer(data, dtype="<f4", count=pq_dim * _KSUB, offset=pos)
        pos += 4 * pq_dim * _KSUB
        norms = np.ones(m, dtype=np.float32)
        if qnorm:
            norm_codes = np.frombuffer(data, dtype=np.uint8, count=m, offset=pos)
            pos += m
            npq_dim = take("4i")[0]
            ncents = np.frombuffer(data, dtype="<f4", count=npq_dim * _KSUB, offset=pos)
            pos += 4 * npq_dim * _KSUB
            norms = ncents[norm_codes].astype(np.float32)
        codes = codes.reshape(m, nsubq)
        rows = np.zeros((m, n), dtype=np.float32)
        for q in range(nsubq):
            d = lastdsub if q == nsubq - 1 else dsub
            if q == nsubq - 1:
                c = cents[q * _KSUB * dsub : q * _KSUB * dsub + _KSUB * d].reshape(_KSUB, d)
            else:
                c = cents[q * _KSUB * dsub : (q + 1) * _KSUB * dsub].reshape(_KSUB, d)
            # addcode: x += alpha * c (alpha = the row's norm, 1 without qnorm), from zero: exact
            rows[:, q * dsub : q * dsub + d] = norms[:, None] * c[codes[:, q]]
    else:
        m, n = take("qq")
        rows = np.frombuffer(data, dtype="<f4", count=m * n, offset=pos).reshape(m, n).copy()
        pos += 4 * m * n
    (qout,) = take("?")
    if quant and qout:
        raise UnsupportedModel(f"{path}: quantised output matrix")
    om, on = take("qq")
    out = np.frombuffer(data, dtype="<f4", count=om * on, offset=pos).reshape(om, on).copy()
    if n != dim or on != dim or om != nlabels:
        raise UnsupportedModel(f"{path}: matrix shapes do not match the arguments")
    left, right = _hs_tree(counts[nwords:])
    off = np.zeros(size + 1, dtype=np.int64)
    np.cumsum([len(w) for w in words], out=off[1:])
    n_slots = 1 << max(4, (2 * size).bit_length())
    slots = np.full(n_slots, -1, dtype=np.int32)
    for i, w in enumerate(words):
        k = _fnv(w) & (n_slots - 1)
        while slots[k] != -1:
            k = (k + 1) & (n_slots - 1)
        slots[k] = i
    return Model(
        nwords=nwords,
        minn=minn,
        maxn=maxn,
        bucket=bucket,
        word_ngrams=word_ngrams,
        vocab_bytes=np.frombuffer(b"".join(words), dtype=np.uint8).copy(),
        vocab_off=off,
        slots=slots,
        prune=prune,
        pruned=int(pruned),
        rows=rows,
        out=out,
        left=left,
        right=right,
        labels=tuple(w.decode("utf-8") for w in words[nwords:]),
    )


def _hs_tree(counts: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """fastText's ``HierarchicalSoftmaxLoss::buildTree`` (a Huffman tree over the label counts,
    sorted by count, highest first): left and right child of each of the ``2 * osz - 1`` nodes."""
    osz = len(counts)
    count = [10**15] * (2 * osz - 1)
    count[:osz] = counts
    left = np.full(2 * osz - 1, -1, dtype=np.int32)
    right = np.full(2 * osz - 1, -1, dtype=np.int32)
    leaf, node = osz - 1, osz
    for i in range(osz, 2 * osz - 1):
        mini = [0, 0]
        for j in range(2):
            if leaf >= 0 and count[leaf] < count[node]:
                mini[j] = leaf
                leaf -= 1
            else:
                mini[j] = node
                node += 1
        left[i], right[i] = mini
        count[i] = count[mini[0]] + count[mini[1]]
    return left, right


def _predict_py(
    buf: np.ndarray,
    offs: np.ndarray,
    nwords: int,
    minn: int,
    maxn: int,
    bucket: int,
    vocab_bytes: np.ndarray,
    vocab_off: np.ndarray,
    slots: np.ndarray,
    prune: np.ndarray,
    pruned: int,
    rows: np.ndarray,
    out: np.ndarray,
    left: np.ndarray,
    right: np.ndarray,
    out_label: np.ndarray,
    out_prob: np.ndarray,
) -> None:
    """Line ``k`` is ``buf[offs[k]:offs[k+1]]`` followed by a newline; writes its top label index
    (-1: no prediction) and float32 probability. Compiled by numba (see the module docstring)."""
    dim = rows.shape[1]
    osz = out.shape[0]
    mask = np.uint64(slots.shape[0] - 1)
    imask = np.int64(slots.shape[0] - 1)
    prime = np.uint64(_FNV_PRIME)
    low32 = np.uint64(0xFFFFFFFF)
    high24 = np.uint64(0xFFFFFF00)  # a byte >= 128 is sign-extended (fastText hashes int8_t)
    ubucket = np.uint64(bucket)
    floor = np.float32(np.log(np.float64(np.float32(0.0)) + 1e-5))  # std_log(threshold = 0)
    hidden = np.zeros(dim, dtype=np.float32)
    word = np.zeros(0, dtype=np.uint8)
    stack_node = np.zeros(2 * osz + 2, dtype=np.int64)
    stack_score = np.zeros(2 * osz + 2, dtype=np.float32)
    label_prefix = np.array([95, 95, 108, 97, 98, 101, 108, 95, 95], dtype=np.uint8)  # __label__
    eos = np.array([60, 47, 115, 62], dtype=np.uint8)  # </s>
    for line in range(offs.shape[0] - 1):
        lo, hi = offs[line], offs[line + 1]
        if word.shape[0] < hi - lo + 8:
            word = np.zeros(2 * (hi - lo) + 8, dtype=np.uint8)
        hidden[:] = 0
        count = 0
        pos = lo
        done = False
        while not done:
            # readWord: bytes up to a separator; a newline (the line's end) with no word is </s>
            wlen = 1  # word[0] is "<" for the n-grams
            word[0] = 60
            is_eos = False
            while True:
                c = buf[pos] if pos < hi else 10  # past the end: the line's newline
                pos += 1
                if c == 32 or c == 10 or c == 13 or c == 9 or c == 11 or c == 12 or c == 0:
                    if wlen == 1:
                        if c == 10:
                            is_eos = True
                            break
                        continue
                    if c == 10:
                        pos -= 1
                    break
                word[wlen] = c
                wlen += 1
            if is_eos:
                word[1:5] = eos
                wlen = 5
            tlen = wlen - 1  # the token is word[1:wlen]
            if tlen == 4 and word[1] == 60 and word[2] == 47 and word[3] == 115 and word[4] == 62:
                is_eos = True
            # the token's id: the vocabulary entry with the same bytes, else -1
            h = np.uint64(_FNV_OFFSET)
            for i in range(1, wlen):
                b = np.uint64(word[i])
                if b >= 128:
                    b = b | high24
                h = ((h ^ b) * prime) & low32
            wid = -1
            k = np.int64(h & mask)
            while slots[k] != -1:
                e = slots[k]
                elo, ehi = vocab_off[e], vocab_off[e + 1]
                if ehi - elo == tlen:
                    same = True
                    for i in range(tlen):
                        if vocab_bytes[elo + i] != word[1 + i]:
                            same = False
                            break
                    if same:
                        wid = e
                        break
                k = (k + 1) & imask
            is_label = False
            if wid >= nwords:
                is_label = True
            elif wid < 0 and tlen >= 9:
                is_label = True
                for i in range(9):
                    if word[1 + i] != label_prefix[i]:
                        is_label = False
                        break
            if not is_label:
                if wid >= 0:
                    for j in range(dim):
                        hidden[j] += rows[wid, j]
                    count += 1
                if not is_eos:
                    # computeSubwords over "<token>": each n-gram of minn..maxn UTF-8 characters
                    word[wlen] = 62
                    wl = wlen + 1
                    for i in range(wl):
                        if (word[i] & 0xC0) == 0x80:
                            continue
                        g = np.uint64(_FNV_OFFSET)
                        j = i
                        n = 1
                        while j < wl and n <= maxn:
                            b = np.uint64(word[j])
                            if b >= 128:
                                b = b | high24
                            g = ((g ^ b) * prime) & low32
                            j += 1
                            while j < wl and (word[j] & 0xC0) == 0x80:
                                g = ((g ^ (np.uint64(word[j]) | high24)) * prime) & low32
                                j += 1
                            if n >= minn and not (n == 1 and (i == 0 or j == wl)):
                                r = np.int64(g % ubucket)
                                if pruned != 0:
                                    if pruned > 0:
                                        r = prune[r]
                                    if r >= 0:
                                        row = nwords + r
                                        for d in range(dim):
                                            hidden[d] += rows[row, d]
                                        count += 1
                            n += 1
            if is_eos or pos >= hi + 1:
                done = True
        out_label[line] = -1
        out_prob[line] = 0.0
        if count == 0:
            continue
        scale = np.float32(1.0 / count)
        for j in range(dim):
            hidden[j] *= scale
        # hierarchical softmax, depth first, left child first (loss.cc's dfs with k = 1)
        best = np.float32(0.0)
        best_node = -1
        top = 0
        stack_node[0] = 2 * osz - 2
        stack_score[0] = 0.0
        top = 1
        while top > 0:
            top -= 1
            node = stack_node[top]
            score = stack_score[top]
            if score < floor:
                continue
            if best_node >= 0 and score < best:
                continue
            if left[node] == -1 and right[node] == -1:
                best = score
                best_node = node
                continue
            f = np.float32(0.0)
            for j in range(dim):
                f += out[node - osz, j] * hidden[j]
            f = np.float32(1.0 / np.float64(np.float32(1.0) + np.exp(-f)))
            p_right = np.float32(np.log(np.float64(f) + 1e-5))
            p_left = np.float32(np.log(np.float64(np.float32(1.0 - np.float64(f))) + 1e-5))
            stack_node[top] = right[node]
            stack_score[top] = score + p_right
            stack_node[top + 1] = left[node]
            stack_score[top + 1] = score + p_left
            top += 2
        if best_node >= 0:
            out_label[line] = best_node
            out_prob[line] = np.exp(best)


def _letters_py(raw: np.ndarray, off: np.ndarray, out: np.ndarray) -> None:
    """``out[k]``: the ``A-Z``/``a-z`` bytes of ``raw[off[k]:off[k+1]]`` (compiled by numba)."""
    for k in range(off.shape[0] - 1):
        n = 0
        for i in range(off[k], off[k + 1]):
            c = raw[i] | 0x20  # a-z after folding case
            if c >= 97 and c <= 122:
                n += 1
        out[k] = n


@lru_cache(maxsize=1)
def _letters_kernel():
    """The compiled letter count (numba, cached on disk)."""
    numba = numba_or_none()
    assert numba is not None, "callers check available() first"
    return numba.njit(cache=True, nogil=True, boundscheck=False)(_letters_py)


def ascii_letters(raw: np.ndarray, off: np.ndarray) -> np.ndarray:
    """Number of ``A-Z``/``a-z`` bytes in each slice ``raw[off[k]:off[k+1]]`` (uint8 bytes, int64
    offsets), in one compiled pass. Example: bytes ``b"ab c1"``, offsets ``[0, 2, 5]`` -> ``[2, 1]``.
    """
    out = np.zeros(max(off.shape[0] - 1, 0), dtype=np.int64)
    _letters_kernel()(raw, off, out)
    return out


@lru_cache(maxsize=1)
def _kernel():
    """The compiled kernel (numba, cached on disk)."""
    numba = numba_or_none()
    assert numba is not None, "callers check available() first"
    return numba.njit(cache=True, nogil=True, boundscheck=False)(_predict_py)


@lru_cache(maxsize=2)
def load(path: str) -> Model:
    """:func:`read_model`, once per process and path."""
    return read_model(path)


def available() -> bool:
    """Whether the compiled path may be used (numba importable, not switched off)."""
    return numba_or_none() is not None


def _utf8_buffers(lines: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """The UTF-8 bytes of ``lines`` and the int64 offsets of each (line ``k`` is
    ``buf[offs[k]:offs[k+1]]``; the bytes never empty, for the kernel). Example: ``["ab", "é"]``
    -> bytes ``b"ab\xc3\xa9"``, offsets ``[0, 2, 4]``."""
    import polars as pl

    from curate.io.ingest_arrow import utf8_buffers

    buf, offs = utf8_buffers(pl.Series(lines, dtype=pl.String))
    if not buf.shape[0]:
        buf = np.zeros(1, dtype=np.uint8)
    return buf, offs


def predict_lines(model: Model, lines: list[str]) -> tuple[list[str], np.ndarray]:
    """Top label (``"__label__und"`` when fastText predicts nothing) and float32 probability
    (0 then) of each line, as ``multilinePredict([l + "\\n" for l in lines], 1, 0.0)`` gives.
    """
    return predict_buffer(model, *_utf8_buffers(lines))


def predict_buffer(model: Model, buf: np.ndarray, offs: np.ndarray) -> tuple[list[str], np.ndarray]:
    """:func:`predict_lines` of lines given as UTF-8 bytes (never empty) and int64 offsets
    (line ``k`` is ``buf[offs[k]:offs[k+1]]``), with no Python string made. Example: bytes
    ``b"The cat sat."``, offsets ``[0, 12]`` -> ``(["__label__en"], array([0.9...]))``.
    """
    n = offs.shape[0] - 1
    out_label = np.empty(n, dtype=np.int64)
    out_prob = np.empty(n, dtype=np.float32)
    fn = _kernel()
    with np.errstate(over="ignore"):
        fn(
            buf,
            offs,
            model.nwords,
            model.minn,
            model.maxn,
            model.bucket,
            model.vocab_bytes,
            model.vocab_off,
            model.slots,
            model.prune,
            model.pruned,
            model.rows,
            model.out,
            model.left,
            model.right,
            out_label,
            out_prob,
        )
    names = model.labels
    labels = [names[k] if k >= 0 else "__label__und" for k in out_label.tolist()]
    return labels, out_prob
