"""Line-level cleaning of scraped web documents: boilerplate and spam lines out, article body in.

Each non-blank line gets at most one reason; the removed lines are counted per reason and
(optionally) kept, with their reason, in ``web_lines__removed`` so a reviewer can see what went.
Rules, in the order they are tried:

============  ====================================================================================
reason        a line is removed when
============  ====================================================================================
spam          it holds >= 2 spam terms (adult, gambling, pharma; zh/en/ru), or it is a keyword
              list: >= 4 segments split by ``, | / 、`` averaging <= 12 characters, no sentence end
boilerplate   it is short (<= ``max_boilerplate_chars``) and names a UI action: login, register,
              share, like, bookmark, comment, follow, QR code, "open the app", byline/editor,
              image placeholder, counters; or at any length holds a call-to-follow phrase
              ("关注公众号", "subscribe to our newsletter") or is a disclaimer / copyright line
metadata      it has fewer than 2 letters once dates, times, numbers and counter words
              ("501浏览", "9次使用", "1.2k views") are removed: "2023-04-25 501浏览", "×", "20"
repeated      a short line (<= 40 chars) that occurs >= ``min_repeats`` times: image alt texts and
              template separators ("boy illustration", "图片")
related       every line after a "related articles" header ("相关推荐", "上一篇", "Related posts",
              "Читайте также") that sits in the last half of the document
context       a run of <= 4 short lines without sentence ends, with removed lines on both sides
              (jusText's context rule, Pomikálek 2011): headline lists between separators
============  ====================================================================================

It also repairs *ruby pinyin*: some Chinese sites are scraped with each character's reading
inline, ``基礎(chǔ)開(kāi)源`` -> ``基礎開源`` (counted in ``web_lines__ruby_removed``).
The rules were developed on real scraped pages (Chinese, Russian); docs/FILTERS.md has the
per-page figures. Lines are never rewritten, only kept or removed (besides the ruby repair).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

import polars as pl

from curate.core.step import Step, StepContext, register
from curate.steps.rowops import all_null_batch
from curate.steps.words import ends_with_terminal_punct, split_words

REASONS = ("spam", "boilerplate", "metadata", "repeated", "related", "context")

_PINYIN_VOWELS = "aeiouüāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
RUBY_RE = re.compile(
    rf"(?<=[\u4e00-\u9fff])\((?=[a-z{_PINYIN_VOWELS}]*[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ])[a-z{_PINYIN_VOWELS}]{{1,7}}\)"
)

SPAM_TERMS = (
    # zh adult / piracy spam
    "无码",
    "無碼",
    "内射",
    "內射",
    "人妻",
    "激情",
    "精品",
    "乱码",
    "亂碼",
    "超碰",
    "成人",
    "视频",
    "視頻",
    "国产",
    "國產",
    "欧美",
    "歐美",
    "亚洲",
    "亞洲",
    "性爱",
    "性愛",
    "裸体",
    "裸體",
    "一区二区",
    "av",
    "色情",
    "黄色",
    "偷拍",
    "自拍",
    "久久",
    "中文字幕",
    "午夜",
    "福利",
    "约炮",
    "博彩",
    "赌场",
    "彩票",
    # en
    "porn",
    "xxx",
    "sex",
    "nude",
    "casino",
    "viagra",
    "cialis",
    "escort",
    "betting",
    "slot",
    "camgirl",
    # ru
    "порно",
    "секс",
    "казино",
    "ставки",
)
_SPAM_LATIN = {t for t in SPAM_TERMS if t.isascii()}

# Short lines naming a UI action or page furniture (simplified + traditional Chinese, en, ru).
# Regex fragments; ambiguous words ("评论" can be a section title) are anchored to whole lines.
BOILERPLATE_SHORT = (
    "登录",
    "登錄",
    "注册",
    "註冊",
    "登陆",
    "分享到",
    "^分享$",
    "点赞",
    "點贊",
    "收藏",
    "^(评论|評論)$",
    "条评论",
    "條評論",
    "发表.{0,4}评论",
    "發表.{0,4}評論",
    "评论与回复",
    "評論與回復",
    "关注",
    "關注",
    "扫码",
    "掃碼",
    "二维码",
    "二維碼",
    "公众号",
    "公眾號",
    "交流群",
    "打开app",
    "打開app",
    "阅读更多",
    "閱讀更多",
    "阅读原文",
    "閱讀原文",
    "会员中心",
    "會員中心",
    "创作中心",
    "創作中心",
    "不再提示",
    "完善资料",
    "完善資料",
    "积分",
    "積分",
    "举报",
    "舉報",
    "投诉",
    "投訴",
    "责任编辑",
    "責任編輯",
    "审核编辑",
    "審核編輯",
    "来源[:：]",
    "來源[:：]",
    "^作者[:：]",
    "原文标题",
    "原文標題",
    "浏览量",
    "瀏覽量",
    "阅读数",
    "返回顶部",
    "^(首页|首頁)$",
    "^(图片|圖片)$",
    "小助手",
    "发表于",
    "發表於",
    "的头像",
    "的頭像",
    "sign in",
    "sign up",
    "log in",
    "login",
    "register",
    "share",
    "tweet",
    "subscribe",
    "comments",
    "leave a comment",
    "reply",
    "^like$",
    "follow us",
    "all rights reserved",
    "skip to content",
    "^menu$",
    "^home$",
    "next post",
    "previous post",
    "advertisement",
    "^tags:",
    "posted in",
    "read more",
    "click here",
    "newsletter",
    "cookies?",
    "^image$",
    "^photo:",
    "illustration",
    "loading",
    "войти",
    "регистрация",
    "зарегистрироваться",
    "поделиться",
    "комментари",
    "подписаться",
    "читать далее",
    "^реклама$",
    "^главная$",
    "ответить",
    "нравится",
)
_BOILER_RE = re.compile("|".join(f"(?:{t})" for t in BOILERPLATE_SHORT), re.IGNORECASE)
# Phrases that mark a line as boilerplate at any length.
BOILERPLATE_ANYWHERE = re.compile(
    r"欢迎.{0,4}关注|歡迎.{0,4}關注|^(原文标题|原文標題|文章出处|文章出處|本文来源|本文來源|转载请注明|轉載請注明)|关注.{0,12}公众号|關注.{0,12}公眾號|扫码关注|打开APP|打開APP|点击阅读原文"
    r"|如有侵权|如有問題|如有问题加微信|版权所有|版權所有|all rights reserved|subscribe to our newsletter"
    r"|sign up for our|we use cookies|uses cookies|use of cookies|cookie policy|privacy policy|terms of (?:use|service)|^(免责)?声明[:：]|^(免責)?聲明[:：]|^disclaimer\b|^copyright\b|^©|^Подписывайтесь",
    re.IGNORECASE,
)
_IMAGE_FILE = re.compile(r"^\S+\.(png|jpe?g|gif|webp|svg)$", re.IGNORECASE)
RELATED_HEADERS = re.compile(
    r"^[\s\-•*#]*(相关推荐|相關推薦|热点推荐|熱點推薦|相关文章|相關文章|推荐阅读|推薦閱讀|相关阅读|相關閱讀|猜你喜欢|猜你喜歡"
    r"|延伸阅读|延伸閱讀|上一篇|下一篇|related( articles| posts| stories| content)?|you may also like"
    r"|recommended( for you)?|more (from|stories|articles)|read next|похожие (статьи|публикации|записи)"
    r"|читайте также|рекомендуем|вам также может понравиться)[\s:：]*$",
    re.IGNORECASE,
)
_COUNTERS = re.compile(
    r"\d[\d,.]*\s*[kKwW万萬]?\s*(次(学习|學習|使用|阅读|閱讀|下载|下載|浏览|瀏覽)|浏览|瀏覽|阅读|閱讀|人收藏|条评论|條評論"
    r"|views?|reads?|comments?|likes?|просмотр\w*|комментари\w*)",
    re.IGNORECASE,
)
_DATES = re.compile(r"\d{1,4}[-/.年]\d{1,2}([-/.月]\d{1,4}日?)?|\d{1,2}:\d{2}(:\d{2})?")
_LETTER = re.compile(r"[^\W\d_]")
_URL = re.compile(r"https?://\S+|www\.\S+")
_SEPARATORS = re.compile(r"[,|/、;，；]")


@dataclass(frozen=True)
class WebLinesParams:
    max_boilerplate_chars: int = 40
    min_repeats: int = 5
    related_after_fraction: float = 0.5
    context_max_run: int = 4
    context_max_chars: int = 300
    min_separated: int = 3
    fix_ruby_pinyin: bool = True
    record_removed: bool = True


def spam_hits(line: str) -> int:
    """Number of distinct spam terms in a line (stops counting at 2).

    Example: ``spam_hits("欧美在线视频五区|国产午夜无码")`` -> 2.
    """
    low = line.lower()
    hits = 0
    for term in SPAM_TERMS:  # plain substring tests: much faster than one big alternation regex
        at = low.find(term)
        if at >= 0 and (term not in _SPAM_LATIN or _whole_word(low, at, at + len(term))):
            hits += 1
            if hits >= 2:
                break
    return hits


def is_keyword_list(line: str) -> bool:
    """>= 4 short segments split by ``, | / 、 ;`` and no sentence end: a link farm or a menu.

    Example: ``is_keyword_list("Home | News | Sport | Contact")`` -> True.
    """
    parts = [s for s in (x.strip() for x in _SEPARATORS.split(_URL.sub(" ", line))) if s]
    if len(parts) >= 4 and not _has_sentence_end(line):
        return sum(len(s) for s in parts) / len(parts) <= 12
    return False


def is_spam(line: str) -> bool:
    """Two spam terms, or a keyword list with one (a keyword list without is a menu: boilerplate).

    Example: ``is_spam("一区二区三区|欧美在线视频五区|国产午夜无码")`` -> True;
    ``is_spam("Home | News | Sport | Contact")`` -> False; ``is_spam("The model has 2T tokens.")`` -> False.
    """
    hits = spam_hits(line)
    return hits >= 2 or (hits >= 1 and is_keyword_list(line))


def _whole_word(text: str, start: int, end: int) -> bool:
    before = text[start - 1] if start else " "
    after = text[end] if end < len(text) else " "
    return not (before.isascii() and before.isalnum()) and not (after.isascii() and after.isalnum())


def _has_sentence_end(line: str) -> bool:
    return bool(re.search(r"[。！？.!?](\s|$)|[。！？]", line))


def is_boilerplate(line: str, max_chars: int) -> bool:
    """UI furniture: short lines naming an action, or call-to-follow / disclaimer lines.

    Example: ``is_boilerplate("掃碼添加小助手", 40)`` -> True; ``is_boilerplate("We share our data.", 40)``
    -> False (a sentence with a full stop is not furniture unless it is a disclaimer).
    """
    if BOILERPLATE_ANYWHERE.search(line) or _IMAGE_FILE.match(line):
        return True
    if len(line) > max_chars:
        return False
    m = _BOILER_RE.search(line)
    if not m:
        return False
    if m.group(0).isascii() and not _whole_word(line, m.start(), m.end()):
        return False
    # A short *sentence* that mentions sharing is content; furniture has no sentence end.
    return not (line.rstrip().endswith((".", "。")) and len(line.split()) > 4)


def is_metadata(line: str) -> bool:
    """Fewer than two letters once dates, counters and numbers are gone.

    Example: ``is_metadata("- 2023-04-25 501浏览")`` -> True; ``is_metadata("GPT-4 wins")`` -> False.
    """
    rest = _DATES.sub(" ", _COUNTERS.sub(" ", line))
    return len(_LETTER.findall(rest)) < 2


def classify_lines(lines: list[str], p: WebLinesParams) -> list[str | None]:
    """The removal reason of each line (None: keep; blank lines are always None).

    Example: ``classify_lines(["Good article text here.", "点赞", "收藏"], p)`` ->
    ``[None, "boilerplate", "boilerplate"]``.
    """
    stripped = [ln.strip() for ln in lines]
    reasons: list[str | None] = [None] * len(lines)
    counts = Counter(s for s in stripped if s and len(s) <= 40)
    total = sum(len(s) for s in stripped) or 1
    seen_chars = 0
    related_from = None
    for i, s in enumerate(stripped):
        if not s:
            continue
        if (
            related_from is None
            and RELATED_HEADERS.match(s)
            and seen_chars >= p.related_after_fraction * total
        ):
            related_from = i
        seen_chars += len(s)
        if related_from is not None:
            reasons[i] = "related"
        elif is_spam(s):
            reasons[i] = "spam"
        elif is_keyword_list(s) or is_boilerplate(s, p.max_boilerplate_chars):
            reasons[i] = "boilerplate"
        elif is_metadata(s):
            reasons[i] = "metadata"
        elif counts.get(s, 0) >= p.min_repeats:
            reasons[i] = "repeated"
    _context_pass(stripped, reasons, p)
    _separator_pass(stripped, reasons, p)
    return reasons


def _context_pass(stripped: list[str], reasons: list[str | None], p: WebLinesParams) -> None:
    """Remove short unpunctuated runs sandwiched between removed lines (jusText's context rule)."""
    idx = [i for i, s in enumerate(stripped) if s]
    k = 0
    while k < len(idx):
        if reasons[idx[k]] is not None:
            k += 1
            continue
        run = []
        j = k
        while j < len(idx) and reasons[idx[j]] is None:
            run.append(idx[j])
            j += 1
        # the end of the page counts as a removed neighbour (a trailing headline after the related
        # list); the start does not (the title is often the first line)
        bounded = k > 0 and (j < len(idx) or reasons[idx[k - 1]] is not None)
        short = all(
            len(stripped[i]) <= p.context_max_chars and not ends_with_terminal_punct(stripped[i])
            for i in run
        )
        if bounded and short and len(run) <= p.context_max_run:
            for i in run:
                reasons[i] = "context"
        k = j
    _restore_title(stripped, reasons, idx)


def _restore_title(stripped: list[str], reasons: list[str | None], idx: list[int]) -> None:
    """Give back the page title: the longest ``context`` line before the first kept line, when it
    has 3+ words and is no bullet item (a title sits between navigation and byline, so the context
    rule alone would remove it)."""
    candidates = []
    for i in idx:
        if reasons[i] is None:
            break
        if reasons[i] == "context" and not stripped[i].startswith(("•", "-", "*", "·")):
            candidates.append(i)
    if candidates:
        best = max(candidates, key=lambda i: len(stripped[i]))
        if len(split_words(stripped[best])) >= 3:
            reasons[best] = None


def _separator_pass(stripped: list[str], reasons: list[str | None], p: WebLinesParams) -> None:
    """Remove teasers listed between copies of one separator line (``boy illustration / teaser /
    boy illustration / teaser …``), even when they end with a full stop: a line whose neighbours
    are removed copies of the same line, in a run of ``min_separated`` or more such lines with only
    removed lines between them.
    """
    idx = [i for i, s in enumerate(stripped) if s]
    by_sep: dict[str, list[int]] = {}
    for k in range(1, len(idx) - 1):
        i, before, after = idx[k], idx[k - 1], idx[k + 1]
        if (
            reasons[i] is None
            and reasons[before] is not None
            and reasons[after] is not None
            and stripped[before] == stripped[after]
            and len(stripped[i]) <= p.context_max_chars
        ):
            by_sep.setdefault(stripped[before], []).append(i)
    for lines in by_sep.values():
        # only runs of candidates with nothing kept in between: a list, not image captions
        # scattered through an article
        run = [lines[0]]
        for i in [*lines[1:], None]:
            if i is not None and all(
                reasons[j] is not None for j in range(run[-1] + 1, i) if stripped[j]
            ):
                run.append(i)
                continue
            if len(run) >= p.min_separated:
                for j in run:
                    reasons[j] = "context"
            if i is not None:
                run = [i]


def clean_web_text(text: str, p: WebLinesParams) -> tuple[str, dict[str, object]]:
    """Remove boilerplate and spam lines; returns the cleaned text and what was removed.

    Example: ``clean_web_text("点赞\\nA long enough sentence of the article body.", p)[0]`` ->
    ``"A long enough sentence of the article body."``.
    """
    ruby = 0
    if p.fix_ruby_pinyin:
        text, ruby = RUBY_RE.subn("", text)
    lines = text.split("\n")
    reasons = classify_lines(lines, p)
    stats: dict[str, object] = dict.fromkeys(("lines_removed", "chars_removed", *REASONS), 0)
    stats["ruby_removed"] = ruby
    kept, removed = [], []
    for n, (line, reason) in enumerate(zip(lines, reasons, strict=True), start=1):
        if reason is None:
            kept.append(line)
            continue
        stats[reason] += 1  # type: ignore[operator]
        stats["lines_removed"] += 1  # type: ignore[operator]
        stats["chars_removed"] += len(line.strip())  # type: ignore[operator]
        removed.append({"line": n, "reason": reason, "text": line.strip()})
    stats["lines_kept"] = sum(1 for ln in kept if ln.strip())
    out = re.sub(r"\n{3,}", "\n\n", "\n".join(ln.rstrip() for ln in kept)).strip()
    stats["removed"] = removed if p.record_removed else None
    return out, stats


REMOVED = pl.List(pl.Struct({"line": pl.Int64, "reason": pl.String, "text": pl.String}))
COUNT_FIELDS = ("lines_kept", "lines_removed", "chars_removed", "ruby_removed", *REASONS)


@register("web_lines_v1", kind="transform", params=WebLinesParams)
def web_lines(p: WebLinesParams, ctx: StepContext) -> Step:
    """Remove web boilerplate and spam lines (navigation, share/login, link farms, related lists)."""
    dtype = pl.Struct(
        {"text": pl.String, **dict.fromkeys(COUNT_FIELDS, pl.Int64), "removed": REMOVED}
    )

    def batch(s: pl.Series) -> pl.Series:
        if (none_live := all_null_batch(s, dtype)) is not None:
            return none_live
        out = []
        for t in s.to_list():
            if t is None:
                out.append(None)
                continue
            new, stats = clean_web_text(t, p)
            out.append({"text": new, **stats})
        return pl.Series(out, dtype=dtype)

    def step(lf: pl.LazyFrame) -> pl.LazyFrame:
        live = pl.col("keep") & ctx.scope() & pl.col("messages").is_null()
        lf = lf.with_columns(
            _wl=pl.when(live)
            .then(pl.col("text"))
            .otherwise(pl.lit(None, pl.String))
            .map_batches(batch, return_dtype=dtype)
        )
        done = pl.col("_wl").is_not_null()
        cols = {ctx.column(k): pl.col("_wl").struct.field(k) for k in COUNT_FIELDS}
        if p.record_removed:
            cols[ctx.column("removed")] = pl.col("_wl").struct.field("removed")
        return lf.with_columns(
            text=pl.when(done).then(pl.col("_wl").struct.field("text")).otherwise(pl.col("text")),
            **cols,
        ).drop("_wl")

    return step
