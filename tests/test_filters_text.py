"""Web line cleaning and PII redaction: one test per reason/type, near misses, properties."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from curate.steps.lines import (
    WebLinesParams,
    classify_lines,
    clean_web_text,
    is_boilerplate,
    is_metadata,
    is_spam,
)
from curate.steps.pii import luhn_ok, redact
from tests.filter_helpers import frame_of, run_step

P = WebLinesParams()
BODY = [
    "指令调优让大模型学会遵循人类的指令，研究者收集了大量任务并改写成自然语言。",
    "在一项研究中，作者比较了多个开源模型的写作能力和解决问题的能力。",
    "结果表明，数据质量比数据数量更加重要，这一点在多个基准上都得到了验证。",
    "The authors release their code and data so that others can reproduce the results.",
]


def reasons_of(lines: list[str]) -> list[str | None]:
    return classify_lines(lines, P)


# --- web_lines: one test per reason -------------------------------------------------------------


def test_spam_keyword_list_fires_and_sentence_with_commas_does_not():
    assert is_spam("一区二区三区|欧美在线视频五区|国产午夜无码在线观看视频|亚洲国产裸体网站")
    assert is_spam("偷偷摘套内射激情视频,久久精品99国产国产精,中文字幕无线乱码人妻,中文在线中文a")
    assert is_spam("cheap viagra, casino bonus, free porn")
    # near misses: a sentence with commas, a list of links, one spam-like word in a real sentence
    assert not is_spam(
        "本研究提出了一个全新的评估套件,对它们在解决问题、写作和对齐等方面进行了全面评估。"
    )
    assert not is_spam("论文地址:https://arxiv.org/pdf/2304.03277.pdf")
    assert not is_spam("The Essex county council discussed the slot machine tax.")


def test_boilerplate_fires_on_ui_lines_and_not_on_headings():
    for line in [
        "点赞",
        "收藏",
        "掃碼添加小助手",
        "打开APP阅读更多精彩内容",
        "全部0条评论",
        "Share",
        "Log in",
        "Поделиться",
        "声明:本文内容及配图由入驻作者撰写,不代表本站立场。",
        "作者:cola",
        "圖片",
        "dc65a1cc-d2ab-11ed-bfe3-dac502259ad0.png",
    ]:
        assert is_boilerplate(line, 40), line
    for line in [
        "生成评论",
        "上下文学习",
        "We share our data with the community.",
        "评估写作能力",
        "Log analysis in practice",
    ]:
        assert not is_boilerplate(line, 40), line


def test_metadata_fires_on_dates_and_counters_only():
    for line in [
        "2020-12-07 10:52:44",
        "- 2023-04-25 501浏览",
        "- 9次使用",
        "×",
        "20",
        "3.4k views",
    ]:
        assert is_metadata(line), line
    for line in ["GPT-4 wins", "2023年发布的模型", "v2 API"]:
        assert not is_metadata(line), line


def test_repeated_short_lines_fire_at_min_repeats():
    lines = BODY[:2] + ["boy illustration", BODY[2], "boy illustration"] * 1
    assert "repeated" not in reasons_of(lines)  # twice is not enough
    many = []
    for b in BODY + BODY:
        many += [b, "LLM"]
    got = reasons_of(many)
    assert got.count("repeated") == 8 and got[0] is None


def test_related_tail_cut_only_in_second_half():
    tail = ["相关推荐", "开源安全漏洞恶意攻击", "2023-07-09 14:50:48", "模型调优"]
    got = reasons_of(BODY * 2 + tail)
    assert got[-4:] == ["related"] * 4 and got[:8] == [None] * 8
    # near miss: the same header near the top is a section title, not a tail
    early = reasons_of(["相关文章", *BODY * 3])
    assert "related" not in early


def test_context_rule_removes_headlines_between_removed_lines():
    lines = [
        *BODY,
        "boy illustration",
        "Идеальная интеграция Cursor и DeepSeek API",
        "boy illustration",
        "点赞",
    ]
    got = reasons_of(lines)
    assert got[5] == "context"
    # near miss: a heading followed by a body paragraph stays
    lines2 = [*BODY[:2], "点赞", "评估写作能力", BODY[2], BODY[3]]
    assert reasons_of(lines2)[3] is None


def test_clean_web_text_counts_and_ruby_repair():
    page = "\n".join(
        [
            "偷偷摘套内射激情视频,久久精品99国产国产精,中文字幕无线乱码人妻,中文在线中文a",
            "基礎(chǔ)開(kāi)源模型沒(méi)有真正進(jìn)步。",
            *BODY,
            "点赞",
            "收藏",
        ]
    )
    out, stats = clean_web_text(page, P)
    assert out.splitlines()[0] == "基礎開源模型沒有真正進步。"
    assert stats["ruby_removed"] == 4
    assert stats["spam"] == 1 and stats["boilerplate"] == 2 and stats["lines_removed"] == 3
    assert stats["lines_kept"] == 5
    assert [r["reason"] for r in stats["removed"]] == ["spam", "boilerplate", "boilerplate"]
    # near miss: English parentheses after Han characters that are not pinyin stay
    assert clean_web_text("模型(LLM)很大。", P)[0] == "模型(LLM)很大。"


def test_web_lines_real_page_shape_issue4():
    """A page shaped like ../shared/data/web_pages/000_*.txt: spam first line, body, related tail."""
    page = "\n\n".join(
        [
            "偷偷摘套内射激情视频,久久精品99国产国产精,中文字幕无线乱码人妻,中文在线中文a,性爽19p",
            "四年了,基础开源模型没有真正进步",
            "人工智能 新闻",
            *BODY,
            "圖片",
            *BODY[:2],
            "责任编辑:张燕妮 来源: 机器之心",
            "相关推荐",
            "2020-12-07 10:52:44",
            "开源安全漏洞恶意攻击",
            "2023-07-09 14:50:48",
            "模型调优",
            "点赞",
            "收藏",
            "51CTO技术栈公众号",
        ]
    )
    out = run_step("web_lines_v1", frame_of([page]), kinds=("document",))
    text = out["text"][0]
    assert (
        "偷偷" not in text and "相关推荐" not in text and "点赞" not in text and "圖片" not in text
    )
    for b in BODY:
        assert b in text
    assert out["web_lines__lines_removed"][0] == 11
    assert out["web_lines__lines_kept"][0] == 8
    assert {r["reason"] for r in out["web_lines__removed"][0]} == {"spam", "boilerplate", "related"}


def test_web_lines_leaves_instruction_records_alone():
    frame = frame_of(["点赞\n" + BODY[0]], instructions=[("Say hi.", "", "点赞")])
    out = run_step("web_lines_v1", frame)
    assert out["text"][0] == BODY[0]
    assert out["text"][1] == frame["text"][1]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                *BODY,
                "点赞",
                "",
                "2023-01-01",
                "boy illustration",
                "相关推荐",
                "a, b, c, d, e",
                "Home",
            ]
        ),
        max_size=25,
    )
)
def test_web_lines_only_removes_whole_lines(lines):
    text = "\n".join(lines)
    out, stats = clean_web_text(text, P)
    kept = [ln for ln in out.split("\n") if ln.strip()]
    # kept lines are input lines, in order; every non-blank line is kept or counted as removed
    it = iter([ln for ln in lines if ln.strip()])
    assert all(any(k == x for x in it) for k in kept)
    assert stats["lines_kept"] + stats["lines_removed"] == sum(1 for ln in lines if ln.strip())


# --- PII: one test per type, fires and near misses -----------------------------------------------


@pytest.mark.parametrize(
    ("kind", "text", "expected"),
    [
        ("email", "Write to jo.smith+news@example.co.uk today.", "Write to <EMAIL> today."),
        ("phone", "Call +44 20 7946 0958 now.", "Call <PHONE> now."),
        ("phone", "Call (202) 555-0243 or 202.555.0243.", "Call <PHONE> or <PHONE>."),
        ("phone", "手机 13812345678 联系", "手机 <PHONE> 联系"),
        (
            "ip",
            "Server at 8.8.8.8 and 2001:4860:4860::8888 answered.",
            "Server at <IP_ADDRESS> and <IP_ADDRESS> answered.",
        ),
        (
            "credit_card",
            "Card 4111 1111 1111 1111 expires soon.",
            "Card <CREDIT_CARD> expires soon.",
        ),
        ("credit_card", "Amex 378282246310005.", "Amex <CREDIT_CARD>."),
        ("api_key", "aws AKIAIOSFODNN7EXAMPLE key", "aws <API_KEY> key"),
        ("api_key", "token ghp_" + "a1B2" * 9 + " here", "token <API_KEY> here"),
        ("api_key", 'api_key = "abcd1234efgh5678ijkl"', 'api_key = "<API_KEY>"'),
        ("api_key", "OPENAI sk-proj-" + "Ab3d" * 8, "OPENAI <API_KEY>"),
    ],
)
def test_pii_type_redacted(kind, text, expected):
    out, counts = redact(text)
    assert out == expected
    assert counts[kind] == expected.count("<") and sum(counts.values()) == counts[kind]


@pytest.mark.parametrize(
    "text",
    [
        "Released version 1.2.3.4 on 2023-04-25 at 12:30:45.",  # version, date, time
        "pip install numpy==1.26.4 and python 3.11.7",
        "std::vector<int> v; auto x = a::b::c;",  # C++ scopes are not IPv6
        "Local 192.168.1.1, loopback 127.0.0.1, ::1 and docs 192.0.2.10 stay.",  # not public IPs
        "Card-like 4111111111111112 fails Luhn; 1234567890123 is an id.",
        "id 1668302949276356609 and pi 3.14159265358979",
        "user@localhost and @decorator and a@b.c",
        "ISBN 978-3-16-148410-0, OID 1.2.840.113549, tel: 12-34",
        'password = "hunter2"',  # too short / no digits to be a secret value
        "Validate jo@example.com and admin@site.test; call 202-555-0143 (fictional range).",
        "for (int i = 0; i < 10; i++) { x[i] = i * 2; }",
    ],
)
def test_pii_no_false_positives(text):
    out, counts = redact(text)
    assert out == text and sum(counts.values()) == 0


def test_luhn_worked_example():
    assert luhn_ok("4111111111111111") and not luhn_ok("4111111111111112")


def test_pii_step_rewrites_messages_and_counts():
    frame = frame_of(
        ["mail me at a.b@gmail.com"],
        instructions=[("Email jo@corp.com please.", "", "Sent to jo@corp.com.")],
    )
    out = run_step("pii_redact_v1", frame)
    assert out["text"][0] == "mail me at <EMAIL>"
    assert out["pii__email"].to_list() == [1, 2]
    msgs = out["messages"][1]
    assert [m["content"] for m in msgs] == ["Email <EMAIL> please.", "Sent to <EMAIL>."]
    assert "jo@corp.com" not in out["text"][1]
    strict = run_step("pii_redact_v1", frame_of(["jo@example.com"]), {"redact_examples": True})
    assert strict["text"][0] == "<EMAIL>"


@settings(max_examples=80, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab1234567890.@:- +()x_")), max_size=60))
def test_redact_is_idempotent(text):
    once, _ = redact(text)
    twice, counts = redact(once)
    assert twice == once and sum(counts.values()) == 0


def test_separator_run_removes_punctuated_teasers_but_not_captioned_body():
    sep = "boy illustration"
    teasers = [
        f"Teaser number {i} about a related article ends with a full stop." for i in range(4)
    ]
    lines = [*BODY, sep]
    for t in teasers:
        lines += [t, sep, sep]
    got = reasons_of(lines)
    assert [got[lines.index(t)] for t in teasers] == ["context"] * 4
    # near miss: body paragraphs with image placeholders between them, body lines in between
    body = [BODY[0], "圖片", BODY[1], "圖片", BODY[2], BODY[3], "圖片", BODY[0] + "。", "圖片"]
    assert reasons_of(body)[2] is None and reasons_of(body)[4] is None


def test_english_article_page_keeps_title_and_body_issue4():
    page = "\n".join(
        [
            "Skip to content",
            "Home | News | Sport | Business | Contact",
            "Sign in",
            "How the river town rebuilt its bridge",
            "By Jane Doe",
            "March 3, 2024 5 min read",
            "Share",
            "Tweet",
            "The town council voted last spring to repair the old stone bridge that crosses the river.",
            "Engineers found that the stones had cracked, and the repairs took eight months.",
            "Residents shared their memories of the bridge at a meeting in the library.",
            "We use cookies to improve your experience. By using this site you agree to our Privacy Policy.",
            "Related articles",
            "Town council approves new budget",
            "Comments (12)",
        ]
    )
    out, stats = clean_web_text(page, P)
    assert out.split("\n") == [
        "How the river town rebuilt its bridge",
        "The town council voted last spring to repair the old stone bridge that crosses the river.",
        "Engineers found that the stones had cracked, and the repairs took eight months.",
        "Residents shared their memories of the bridge at a meeting in the library.",
    ]
    reasons = {r["text"]: r["reason"] for r in stats["removed"]}
    assert reasons["Home | News | Sport | Business | Contact"] == "boilerplate"  # a menu, not spam
    assert reasons["By Jane Doe"] == "context"


def test_pii_national_numbers_and_assigned_secrets_issue4() -> None:
    """National numbers count after a phone word; NANP 555-01xx is fiction, +353 1 555 0127 is not."""
    from curate.steps.pii import redact

    assert (
        redact("call Hannah on 07700 900461 now", ("phone",), False)[0]
        == "call Hannah on <PHONE> now"
    )
    assert redact("Irish office: +353 1 555 0127", ("phone",), False)[0] == "Irish office: <PHONE>"
    assert redact("the order 0123 4567 8901 shipped", ("phone",), False)[1]["phone"] == 0
    assert redact("Released on 2024 03 15", ("phone",), False)[1]["phone"] == 0
    assert redact("call (415) 555-0198", ("phone",), False)[1]["phone"] == 0  # fictional range
    got = redact(
        "aws_secret_access_key = aAC3MS+sPML2eX+BhQY9COtxI2ooKuckIjHpLL5u", ("api_key",), False
    )
    assert got[0] == "aws_secret_access_key = <API_KEY>"
