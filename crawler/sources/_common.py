"""Shared, pure helpers for the board parsers in `crawler.sources` (DESIGN.md §6).

Everything here works on text already taken from a saved or fetched list page; nothing touches the
network or global state. The conventions handled (price, shipping, shop, counts, times) are the ones
listed per board in `../shared/fixtures/deals/SOURCES.md`. Money is always KRW as an `int`; times are
timezone-aware `datetime`s in Asia/Seoul (`KST`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit
from zoneinfo import ZoneInfo

from bs4 import BeautifulSoup, Comment, FeatureNotFound, Tag

from chatbot.services.deals import ScrapedDeal

KST = ZoneInfo("Asia/Seoul")

T = TypeVar("T")

# --------------------------------------------------------------------------------------------------
# Decoding and soup
# --------------------------------------------------------------------------------------------------

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
# EUC-KR pages are written in its Microsoft superset in practice (ppomppu: SOURCES.md, "Encoding").
_CHARSET_ALIASES = {
    "euc-kr": "cp949",
    "euc_kr": "cp949",
    "euckr": "cp949",
    "ks_c_5601-1987": "cp949",
    "ks_c_5601": "cp949",
    "ksc5601": "cp949",
    "x-windows-949": "cp949",
    "windows-949": "cp949",
    "uhc": "cp949",
}


def charset_of(data: bytes) -> str | None:
    """Return the charset a page declares in its first 4 KB of bytes (`<meta charset>` or
    `http-equiv` content), mapped to a Python codec name (EUC-KR aliases -> "cp949"), or None."""
    match = _META_CHARSET.search(data[:4096])
    if not match:
        return None
    name = match.group(1).decode("ascii", "replace").strip().lower()
    return _CHARSET_ALIASES.get(name, name)


def decode_html(html: str | bytes, default_encoding: str = "utf-8") -> str:
    """Return `html` as text.

    Takes a `str` (returned unchanged) or the raw `bytes` of a page. Bytes are decoded by a BOM, else
    the page's declared charset (EUC-KR declarations decode as CP949, which ppomppu needs), else
    `default_encoding`; undecodable bytes become U+FFFD instead of raising.
    """
    if isinstance(html, str):
        return html
    data = bytes(html)
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", "replace")
    for encoding in (charset_of(data), default_encoding, "utf-8"):
        if not encoding:
            continue
        try:
            return data.decode(encoding, "replace")
        except LookupError:  # unknown codec name in the page
            continue
    return data.decode("utf-8", "replace")


def make_soup(html: str | bytes, default_encoding: str = "utf-8") -> BeautifulSoup:
    """Parse a list page (`str` or `bytes`, see `decode_html`) with lxml, falling back to html.parser."""
    text = decode_html(html, default_encoding)
    try:
        return BeautifulSoup(text, "lxml")
    except FeatureNotFound:  # pragma: no cover - lxml not installed
        return BeautifulSoup(text, "html.parser")


def collect(rows: Iterable[Tag], parse_row: Callable[[Tag], T | None]) -> list[T]:
    """Apply `parse_row` to each row element, in page order, and return the non-None results.

    A row whose markup is broken (the parser raises AttributeError, TypeError, ValueError, KeyError or
    IndexError) is skipped, so one odd row never loses the whole page. Rows yielding the same
    `post_id` as an earlier row are dropped (BEST/popular repeats that slip through).
    """
    out: list[T] = []
    seen: set[str] = set()
    for row in rows:
        try:
            item = parse_row(row)
        except (AttributeError, TypeError, ValueError, KeyError, IndexError):
            continue
        if item is None:
            continue
        key = getattr(item, "post_id", None)
        if key is not None:
            if key in seen:
                continue
            seen.add(key)
        out.append(item)
    return out


# --------------------------------------------------------------------------------------------------
# Text
# --------------------------------------------------------------------------------------------------

_SPACE = re.compile(r"[\s\u00a0\u200b\u200c\u200d\u2060\ufeff\u3000]+")


def clean_text(text: str | None) -> str:
    """Collapse all whitespace (incl. NBSP, zero-width and ideographic spaces) to single spaces and
    strip the ends. `None` gives ""."""
    if not text:
        return ""
    return _SPACE.sub(" ", text).strip()


def node_text(node: Tag | None, exclude: Iterable[str] = ()) -> str:
    """Return the visible text of `node`, whitespace collapsed, leaving out the text inside any
    descendant matching one of the CSS selectors in `exclude` (comment counts, icons, labels) and
    HTML comments/scripts. Does not modify the tree. `None` gives ""."""
    if node is None:
        return ""
    skipped = {id(el) for sel in exclude for el in node.select(sel)}
    parts: list[str] = []
    for string in node.find_all(string=True):
        if isinstance(string, Comment):
            continue
        parent = string.parent
        hidden = False
        while parent is not None and parent is not node:
            if id(parent) in skipped or parent.name in ("script", "style"):
                hidden = True
                break
            parent = parent.parent
        if not hidden:
            parts.append(str(string))
    return clean_text("".join(parts))


def own_text(node: Tag | None) -> str:
    """Return only the text nodes that are direct children of `node`, joined and collapsed."""
    if node is None:
        return ""
    return clean_text(
        " ".join(str(s) for s in node.find_all(string=True, recursive=False) if not isinstance(s, Comment))
    )


def has_class(node: Tag | None, name: str) -> bool:
    """True when element `node` carries CSS class `name`."""
    return node is not None and name in (node.get("class") or [])


def strip_brackets(text: str | None) -> str | None:
    """ "[의류/잡화]" -> "의류/잡화"; empty results give None."""
    value = clean_text(text).strip("[]()【】 ")
    return clean_text(value) or None


_SHOP = re.compile(r"^\s*[\[【]\s*([^\]】]{1,40}?)\s*[\]】]")


def shop_from_title(title: str | None) -> str | None:
    """Return the shop named by a leading bracket of a deal title ("[옥션]1+1 …" -> "옥션",
    "[G마켓][스마일배송] …" -> "G마켓"), else None."""
    match = _SHOP.match(title or "")
    return clean_text(match.group(1)) or None if match else None


# --------------------------------------------------------------------------------------------------
# Numbers: counts and prices
# --------------------------------------------------------------------------------------------------

_COUNT = re.compile(r"(\d[\d,]*(?:\.\d+)?)\s*([kK천만mM]?)")
_COUNT_UNIT = {"": 1, "k": 1_000, "K": 1_000, "천": 1_000, "만": 10_000, "m": 1_000_000, "M": 1_000_000}


def parse_count(text: str | None) -> int | None:
    """Parse a displayed count: "85", "12,113", "2.9k" (2900), "11.9k", "2.9천", "11k", "1.2만",
    "(5)", "[27]", "추천 3", "3 - 0" (first number: 3). Returns an int, or None when the text holds no
    number."""
    match = _COUNT.search(clean_text(text))
    if not match:
        return None
    number = float(match.group(1).replace(",", ""))
    return round(number * _COUNT_UNIT[match.group(2)])


_FOREIGN = re.compile(r"\$|US\s*D|USD|달러|€|EUR|유로|£|GBP|¥|JPY|엔(?![가-힣])|위안|CNY|RMB", re.IGNORECASE)
_AMOUNT = r"\d{1,3}(?:,\d{3})+(?![\d,]*\d)|\d+(?![\d,.]*\d)"
_WON_SIGN = re.compile(r"(-?)\s*[￦₩]\s*(" + _AMOUNT + r")")
_WON_SUFFIX = re.compile(r"(?<![\d.,])(-?)(" + _AMOUNT + r")\s*원")
_KOREAN_UNITS = re.compile(
    r"(?<![\d.,])(\d+(?:\.\d+)?)\s*만(?:\s*(\d+)\s*천)?\s*원?|(?<![\d.,])(\d+)\s*천\s*원",
)
_BARE = re.compile(r"^\s*(?:약\s*)?(-?)(" + _AMOUNT + r")\s*[~+]?\s*(?:\.\.\.|…)?\s*$")


def _to_int(sign: str, digits: str) -> int:
    value = int(digits.replace(",", ""))
    return -value if sign else value


def parse_price_krw(text: str | None) -> int | None:
    """Parse a KRW price as shown on a board, returning whole won as an int, or None.

    Handles "11,800원", "(11,800원/무료)" (first amount), "/ 730900원", "727,725원",
    "￦ 2,046,670 (KRW)", "￦9,900", "1,200원~", "(쿠폰23,400원)", "스마일클럽 18,420원",
    "-10,000원" (-10000: coolenjoy phone deals can be negative), "약145만" (1,450,000),
    "1만5천원" (15,000), bare "47,250"/"390000" when that is the whole price field, and "무료" (0).
    A foreign price ("$4.64", "19.99달러", "$ 12 (USD)") with no won amount gives None, as do
    "본문참고", "" and None. Amounts with a decimal point or broken digit grouping ("19,86...") are
    not read as won.
    """
    value = clean_text(text)
    if not value:
        return None
    # the ppomppu convention "(price/shipping)": only the part before the first "/" is the price
    inner = value.strip("()[] ")
    head = inner.split("/", 1)[0].strip() if "/" in inner else inner
    for candidate in (head, value) if head != value else (value,):
        for pattern in (_WON_SIGN, _WON_SUFFIX):
            match = pattern.search(candidate)
            if match:
                return _to_int(match.group(1), match.group(2))
        match = _KOREAN_UNITS.search(candidate)
        if match:
            if match.group(3):
                return int(match.group(3)) * 1_000
            man = float(match.group(1)) * 10_000
            return round(man + int(match.group(2) or 0) * 1_000)
    if _FOREIGN.search(value):
        return None
    match = _BARE.match(head)
    if match:
        return _to_int(match.group(1), match.group(2))
    if head in ("무료", "공짜", "0"):
        return 0
    return None


_SHIP_LABEL = re.compile(r"^\s*(?:배송비|배송|택배비|택배)\s*[:：]?\s*")


def parse_shipping(text: str | None) -> str | None:
    """Return shipping as the page states it, label removed and whitespace collapsed:
    "배송비 무료" -> "무료", "배송: 3,000원" -> "3,000원", "와우무배" -> "와우무배", "무배" -> "무배".
    Empty, "-", "..." and None give None."""
    value = _SHIP_LABEL.sub("", clean_text(text))
    value = value.strip(" )(/").rstrip(".…").strip()
    return value or None


@dataclass(frozen=True, slots=True)
class TitlePrice:
    """Price facts read from a deal title: `price` (KRW int or None), `price_text` (the price part as
    written, e.g. "11,800원" or "$129.99", or None) and `shipping` (e.g. "무료", "3,000원", or None)."""

    price: int | None = None
    price_text: str | None = None
    shipping: str | None = None


_PAREN = re.compile(r"\(([^()]*)\)|\(([^()]*)$")
_PRICEISH = re.compile(
    r"\d\s*원|[￦₩$]\s*\d|\d\s*달러|^\s*무료\s*/"
    r"|^\s*(?:약\s*)?-?(?:\d{1,3}(?:,\d{3})+|\d{3,})\s*[~+]?\s*(?:/|,\s*[가-힣A-Za-z]|$)"
)
_MAN_WON = re.compile(r"\d\s*만\s*원")
_SPLIT = re.compile(r"/|,(?=\s*[가-힣A-Za-z])")
_SHIP_TAIL = re.compile(r"무료|무배|유배|유료|배송|착불|별도|조건|택배|\d\s*원\s*~?$|^[\d,]+$")
_WON_ANYWHERE = re.compile(r"(?:[￦₩]\s*(?:" + _AMOUNT + r")|(?<![\d.,])(?:" + _AMOUNT + r")\s*원)")
_MAN_ANYWHERE = re.compile(r"약\s*\d+(?:\.\d+)?\s*만\s*원?|(?<![\d.,])\d+(?:\.\d+)?\s*만\s*원?\s*$")
_SHIP_WORD = re.compile(r"무료\s*배송|무배|무료\s*택배|/\s*(?:무료|유료|유배|착불)(?:\s*배송)?")
_TRUNCATED = re.compile(r"(?:\.\.\.|…)\s*$")


def title_price(title: str | None) -> TitlePrice:
    """Read price and shipping from a deal title, as ppomppu, ruliweb, clien, dealbada and coolenjoy
    write them (SOURCES.md per board):

    - a parenthesised "(price/shipping)" group, preferring the last one: "(11,800원/무료)",
      "(1,200원~/3,000원)", "(4,900원 / 무배)", "(318,600/무료배송)", "(67000,무료)",
      "($199.75 / 미국내 무료배송)", "(카할180만원대/무배)"; an unclosed trailing group cut off by
      the site ("(139,460/...") also counts, but a cut-off number ("(49,560...") does not, nor do
      dates ("(8/18~31)");
    - otherwise the last won amount in the title ("/ 730900원", "727,725원", "24,900원 무배",
      "(쿠폰23,400원)", "₩16,000"), or a "만" amount with "약" or at the end ("약145만");
    - shipping from the group's part after "/", else "무배" / "무료배송" / "/무료" in the title.

    Returns a `TitlePrice`; fields the title does not state are None.
    """
    text = clean_text(title)
    if not text:
        return TitlePrice()
    groups = [m.group(1) if m.group(1) is not None else m.group(2) for m in _PAREN.finditer(text)]
    for group in reversed(groups):
        group = clean_text(group)
        pieces = _SPLIT.split(group, maxsplit=1)
        head = clean_text(pieces[0])
        tail = pieces[1] if len(pieces) > 1 else ""
        if not (_PRICEISH.search(group) or (tail and _MAN_WON.search(head))):
            continue
        head = head.rstrip(".…").strip()
        shipping = parse_shipping(tail) if tail else None
        if shipping and (
            not _SHIP_TAIL.search(shipping)
            or _FOREIGN.search(shipping)
            or (_TRUNCATED.search(tail) and re.search(r"\d", shipping))
        ):
            shipping = None
        price = parse_price_krw(head)
        price_text = head if price is not None or re.search(r"\d", head) else None
        if price is None and price_text and _FOREIGN.search(group) and not _FOREIGN.search(price_text):
            price_text = group  # "(19.99/29.99달러)": keep the currency with the amounts
        if price is not None or price_text:
            return TitlePrice(price, price_text, shipping or _title_shipping(text))
    matches = list(_WON_ANYWHERE.finditer(text)) or list(_MAN_ANYWHERE.finditer(text))
    if matches:
        price_text = clean_text(matches[-1].group(0))
        return TitlePrice(parse_price_krw(price_text), price_text, _title_shipping(text))
    return TitlePrice(shipping=_title_shipping(text))


def _title_shipping(text: str) -> str | None:
    match = _SHIP_WORD.search(text)
    return parse_shipping(match.group(0)) if match else None


# --------------------------------------------------------------------------------------------------
# Times
# --------------------------------------------------------------------------------------------------


def now_kst(now: datetime | None = None) -> datetime:
    """Return `now` as an aware Asia/Seoul datetime: None gives the current time, a naive value is
    taken as already KST, an aware value is converted."""
    if now is None:
        return datetime.now(KST)
    if now.tzinfo is None:
        return now.replace(tzinfo=KST)
    return now.astimezone(KST)


_ISO = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?")
_TIME = r"(?:\s+|T)?(?:(\d{1,2}):(\d{2})(?::(\d{2}))?)?"
_FULL_DATE = re.compile(r"(?<!\d)(\d{4})\s*[-./년]\s*(\d{1,2})\s*[-./월]\s*(\d{1,2})\s*일?" + _TIME)
_SHORT_YEAR = re.compile(r"(?<!\d)(\d{2})[-./](\d{1,2})[-./](\d{1,2})(?![\d.])" + _TIME)
_MONTH_DAY = re.compile(r"(?<![\d.])(\d{1,2})[-./](\d{1,2})(?![-./]?\d)\.?" + _TIME)
_CLOCK = re.compile(r"(?<![\d:])(\d{1,2}):(\d{2})(?::(\d{2}))?(?![\d:])")
_RELATIVE = re.compile(r"(\d+)\s*(초|분|시간|일|주|개월|달|년)\s*전")
_RELATIVE_UNIT = {
    "초": timedelta(seconds=1),
    "분": timedelta(minutes=1),
    "시간": timedelta(hours=1),
    "일": timedelta(days=1),
    "주": timedelta(weeks=1),
    "개월": timedelta(days=30),
    "달": timedelta(days=30),
    "년": timedelta(days=365),
}


def _at(year: int, month: int, day: int, hh: str | None, mm: str | None, ss: str | None) -> datetime:
    return datetime(year, month, day, int(hh or 0), int(mm or 0), int(ss or 0), tzinfo=KST)


def parse_posted_at(text: str | None, now: datetime | None = None) -> datetime | None:
    """Resolve a board's displayed post time to an aware Asia/Seoul datetime, relative to `now`
    (see `now_kst`; default: the current time).

    Accepts ISO stamps with an offset or "Z" (arca's UTC `datetime` attribute; naive ISO is taken as
    KST), full dates "2026.08.18" / "2026-07-02 21:58:26" / "2026년 7월 2일", two-digit-year dates
    "26/07/03" / "26.07.03 23:40:46" / "26.03.30", month-day "07-02" / "04.25" / "09.04" (in `now`'s
    year, or the year before when that would be in the future), clock times "21:10:11" / "19:19"
    (today, or yesterday when more than 10 minutes ahead of `now`), Korean relative times "3분 전",
    "13분전", "2시간 전", "3일 전", "방금", "어제" (optionally with a clock time), and labels around
    them ("날짜 18:10"). Returns None when nothing matches or the date is invalid.
    """
    value = clean_text(text)
    if not value:
        return None
    now = now_kst(now)
    try:
        match = _ISO.search(value)
        if match:
            stamp = datetime.fromisoformat(match.group(0).replace("Z", "+00:00"))
            return now_kst(stamp)
        match = _FULL_DATE.search(value)
        if match:
            year, month, day, hh, mm, ss = match.groups()
            return _at(int(year), int(month), int(day), hh, mm, ss)
        match = _SHORT_YEAR.search(value)
        if match:
            yy, mo, dd = map(int, match.groups()[:3])
            return _at(2000 + yy, mo, dd, *match.groups()[3:])
        match = _RELATIVE.search(value)
        if match:
            return now - int(match.group(1)) * _RELATIVE_UNIT[match.group(2)]
        if "방금" in value or value in ("지금", "now"):
            return now
        if "어제" in value or "그제" in value:
            day = now - timedelta(days=2 if "그제" in value else 1)
            clock = _CLOCK.search(value)
            hh, mm, ss = clock.groups() if clock else (None, None, None)
            return _at(day.year, day.month, day.day, hh, mm, ss)
        match = _MONTH_DAY.search(value)
        if match:
            mo, dd = int(match.group(1)), int(match.group(2))
            posted = _at(now.year, mo, dd, *match.groups()[2:])
            if posted > now + timedelta(days=1):
                posted = posted.replace(year=now.year - 1)
            return posted
        match = _CLOCK.search(value)
        if match:
            posted = _at(now.year, now.month, now.day, *match.groups())
            if posted > now + timedelta(minutes=10):
                posted -= timedelta(days=1)
            return posted
    except ValueError:
        return None
    return None


# --------------------------------------------------------------------------------------------------
# URLs
# --------------------------------------------------------------------------------------------------

TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "gclsrc",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "igshid",
        "mc_cid",
        "mc_eid",
        "_ga",
        "_gl",
        "ref",
        "ref_src",
        "spm",
        "scm",
        "n_media",
        "n_query",
        "n_rank",
        "n_ad_group",
        "n_ad",
        "n_campaign_type",
        "n_keyword_id",
        "n_keyword",
        "n_ad_group_type",
    }
)


def strip_tracking(url: str, keep: Iterable[str] | None = None) -> str:
    """Return `url` without fragment and tracking parameters.

    With `keep=None`, drops `utm_*`, `fbclid`, `gclid`, `msclkid`, Naver `n_*` and the other names in
    `TRACKING_PARAMS`, keeping the rest in order. With `keep` given, keeps only those parameters (first
    value each, in the order of `keep`; empty values dropped); `keep=()` removes the whole query.
    The scheme and host are lowercased; the path is left as is.
    """
    parts = urlsplit(clean_text(url))
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    if keep is None:
        kept = [
            (k, v)
            for k, v in pairs
            if k and not k.lower().startswith("utm_") and k.lower() not in TRACKING_PARAMS
        ]
    else:
        first: dict[str, str] = {}
        for k, v in pairs:
            if v and k not in first:
                first[k] = v
        kept = [(k, first[k]) for k in keep if k in first]
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path, urlencode(kept), ""))


def attr(node: Tag | None, name: str) -> str | None:
    """`node`'s attribute `name` as text, or None when there is no node or no such attribute.

    A multi-valued attribute (`class`, `rel`) comes back joined by spaces; to test one class, use
    `has_class` or `node.get_attribute_list("class")`.
    """
    if node is None:
        return None
    value = node.get(name)
    if value is None or isinstance(value, str):
        return value
    return " ".join(value)


def absolute_url(href: str | None, base: str) -> str | None:
    """Resolve a row's `href` against the page URL `base`; protocol-relative and relative links become
    absolute. Empty, "#" and `javascript:` links give None."""
    href = clean_text(href)
    if not href or href.startswith(("#", "javascript:", "mailto:")):
        return None
    url = urljoin(base, href)
    return url if url.startswith(("http://", "https://")) else None


_DIGITS = re.compile(r"\d+")


def digits_only(text: str | None) -> str | None:
    """Return `text` stripped, when it is all ASCII digits (a post number), else None."""
    value = clean_text(text)
    return value if value.isascii() and value.isdigit() else None


def last_number_in_path(url: str | None) -> str | None:
    """Return the last run of digits in the URL's path ("/b/hotdeal/175703509" -> "175703509"), or None."""
    if not url:
        return None
    found = _DIGITS.findall(urlsplit(url).path)
    return found[-1] if found else None


def query_param(url: str | None, name: str) -> str | None:
    """Return the first non-empty value of query parameter `name` in `url`, or None."""
    if not url:
        return None
    for k, v in parse_qsl(urlsplit(url).query, keep_blank_values=True):
        if k == name and v:
            return v
    return None


# --------------------------------------------------------------------------------------------------
# Building the record
# --------------------------------------------------------------------------------------------------

_COUNT_RESIDUE = re.compile(r"\s*(?:\[\d+\]|\(\d+\))\s*$")


def make_deal(
    source: str,
    post_id: str | None,
    title: str | None,
    url: str | None,
    *,
    price_text: str | None = None,
    shipping: str | None = None,
    shop: str | None = None,
    category: str | None = None,
    posted_at: datetime | None = None,
    comments: int | None = None,
    votes: int | None = None,
    views: int | None = None,
    ended: bool = False,
) -> ScrapedDeal | None:
    """Build a `ScrapedDeal` from one row's raw strings, or None when the row has no usable post id
    (digits), title or absolute http(s) URL.

    `price_text` is the row's own price field (e.g. "13,800원", "￦9,900", "$4.64"); when it is None
    the price and shipping are read from the title (`title_price`). A price field without digits
    ("본문참고") gives price and price_text None. `shipping` is passed through `parse_shipping`; `shop`
    falls back to the title's leading bracket. Counts default to 0 (comments, votes) and None (views).
    """
    title = _COUNT_RESIDUE.sub("", clean_text(title))
    post_id = digits_only(post_id)
    if not title or not post_id or not url or not url.startswith(("http://", "https://")):
        return None
    from_title = title_price(title)
    if price_text is not None:
        price_text = clean_text(price_text) or None
        if price_text and not re.search(r"\d", price_text):
            price_text = None
        price = parse_price_krw(price_text)
    else:
        price, price_text = from_title.price, from_title.price_text
    return ScrapedDeal(
        source=source,
        post_id=post_id,
        title=title,
        url=url,
        price=price,
        price_text=price_text,
        shipping=parse_shipping(shipping) or from_title.shipping,
        shop=clean_text(shop) or shop_from_title(title),
        category=strip_brackets(category),
        posted_at=posted_at,
        comments=comments or 0,
        votes=votes or 0,
        views=views,
        ended=ended,
    )
