"""Server-side SVG charts (issue 15 item 3): well-formed, said in words for screen readers,
safe with any label, drawn only with what the page's CSP and svglib accept, to scale."""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable
from fractions import Fraction

import pytest
from lxml import etree

from chitra.reporting import charts
from chitra.reporting.charts import (
    AMBER,
    GREEN,
    NEUTRAL,
    RED,
    Bar,
    Point,
    Step,
    format_count,
    format_share,
    format_target,
    funnel,
    rag,
    share_bars,
    trend,
)

SVG = "{http://www.w3.org/2000/svg}"
DRAWN = {"svg", "title", "desc", "g", "rect", "line", "polyline", "circle", "text"}
COORDINATES = {"x", "y", "x1", "y1", "x2", "y2", "cx", "cy", "width", "height"}
HOSTILE = "<script>alert(1)</script> & \"dấu nháy\" 'đơn'"

WARDS = [Bar("Phường Đoàn Kết", 9250, "3.412/3.700 người"), Bar("Xã Ea Kao", 8700),
         Bar("Phường Tân Lợi", 6000)]
MONTHS = [Point("10/2026", 8100), Point("11/2026", 8800), Point("12/2026", 9150)]
STEPS = [Step("Đã đăng ký", 1234), Step("Đã liên hệ", 800), Step("Đã mở tài khoản", 555)]


def _drawn(chart: str) -> set[str]:
    """What a chart may draw: the narrow layout (never in a PDF) wraps its title in tspans."""
    return DRAWN | {"tspan"} if chart.endswith("_narrow") else DRAWN


def _parse(svg: str) -> etree._Element:
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    return etree.fromstring(svg.encode(), parser)


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname


def _texts(root: etree._Element, tag: str) -> list[str]:
    return ["".join(el.itertext()) for el in root.iter(f"{SVG}{tag}")]


def _desc(root: etree._Element) -> str:
    return "".join(root.find(f"{SVG}desc").itertext())


def _bars(root: etree._Element) -> list[etree._Element]:
    return [r for r in root.iter(f"{SVG}rect") if r.get("class") == "bar"]


def _one(root: etree._Element, tag: str, cls: str) -> etree._Element:
    [el] = [e for e in root.iter(f"{SVG}{tag}") if e.get("class") == cls]
    return el


def _f(value: str | None) -> Fraction:
    assert value is not None
    return Fraction(value)


WIDE: dict[str, Callable[..., str]] = {
    "bars": lambda label, title, prefix, **kw: share_bars(
        [Bar(label, 9250, note=label), *WARDS], target_bp=9000, title=title, id_prefix=prefix,
        **kw),
    "bars_no_target": lambda label, title, prefix, **kw: share_bars(
        [Bar(label, 5000)], target_bp=None, title=title, id_prefix=prefix, **kw),
    "trend": lambda label, title, prefix, **kw: trend(
        [Point(label, 9250), *MONTHS], target_bp=9000, title=title, id_prefix=prefix, **kw),
    "funnel": lambda label, title, prefix, **kw: funnel(
        [Step(label, 1234), *STEPS], title=title, id_prefix=prefix, **kw),
}
# Every chart in both layouts: the wide one (the PDF's, a desk's) and the phone's.
CHARTS: dict[str, Callable[[str, str, str], str]] = {
    **WIDE,
    **{f"{name}_narrow": functools.partial(draw, narrow=True) for name, draw in WIDE.items()},
}
EMPTY: dict[str, Callable[[], str]] = {
    "bars": lambda: share_bars([], target_bp=9000, title="Tỷ lệ", id_prefix="e"),
    "trend": lambda: trend([], target_bp=9000, title="Tỷ lệ", id_prefix="e"),
    "funnel": lambda: funnel([], title="Phễu", id_prefix="e"),
    "bars_narrow": lambda: share_bars([], target_bp=9000, title="Tỷ lệ", id_prefix="e",
                                      narrow=True),
    "trend_narrow": lambda: trend([], target_bp=9000, title="Tỷ lệ", id_prefix="e",
                                  narrow=True),
    "funnel_narrow": lambda: funnel([], title="Phễu", id_prefix="e", narrow=True),
}


BOTH = pytest.mark.parametrize("narrow", [False, True], ids=["wide", "narrow"])


# --- accessible and safe ------------------------------------------------------------------


@pytest.mark.parametrize("chart", CHARTS)
def test_chart_is_an_image_labelled_by_its_title_and_description(chart):
    root = _parse(CHARTS[chart]("Phường Đoàn Kết", "Tỷ lệ không tiền mặt", "kpi-wards"))
    assert _local(root) == "svg"
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "kpi-wards-title kpi-wards-desc"
    by_id = {el.get("id"): _local(el) for el in root.iter() if el.get("id")}
    assert by_id == {"kpi-wards-title": "title", "kpi-wards-desc": "desc"}
    assert root[0].text == "Tỷ lệ không tiền mặt"  # the first child names the picture
    assert root.get("viewBox") == f"0 0 {root.get('width')} {root.get('height')}"
    assert root.get("preserveAspectRatio") == "xMinYMin meet"


@BOTH
def test_share_bars_description_says_each_value_and_the_target(narrow):
    desc = _desc(_parse(share_bars(WARDS, target_bp=9000, title="T", id_prefix="c",
                narrow=narrow)))
    assert desc == ("Phường Đoàn Kết 92,5 % (đạt, 3.412/3.700 người), "
                    "Xã Ea Kao 87,0 % (gần đạt), Phường Tân Lợi 60,0 % (chưa đạt); "
                    "chỉ tiêu 90 %.")


@BOTH
def test_trend_description_says_each_month(narrow):
    desc = _desc(_parse(trend(MONTHS, target_bp=9000, title="T", id_prefix="c",
                narrow=narrow)))
    assert desc == ("10/2026 81,0 % (chưa đạt), 11/2026 88,0 % (gần đạt), "
                    "12/2026 91,5 % (đạt); chỉ tiêu 90 %.")


@BOTH
def test_funnel_description_says_counts_and_shares_of_the_first_step(narrow):
    desc = _desc(_parse(funnel(STEPS, title="T", id_prefix="c",
                narrow=narrow)))
    assert desc == ("Đã đăng ký 1.234 — 100,0 %; Đã liên hệ 800 — 64,8 %; "
                    "Đã mở tài khoản 555 — 45,0 %.")


@pytest.mark.parametrize("chart", CHARTS)
def test_hostile_labels_come_out_as_text_never_as_elements(chart):
    svg = CHARTS[chart](HOSTILE + "\x00\x1b", HOSTILE, "c")
    root = _parse(svg)
    assert "<script" not in svg
    assert {_local(el) for el in root.iter()} <= _drawn(chart)
    assert _desc(root).startswith(HOSTILE)
    assert root[0].text == HOSTILE
    assert any(t.startswith(f"{HOSTILE} ") for t in _texts(root, "title"))  # on hover


@pytest.mark.parametrize("chart", CHARTS)
def test_only_what_the_csp_and_svglib_accept_is_drawn(chart):
    svg = CHARTS[chart]("Phường Đoàn Kết", "Tỷ lệ", "c")
    root = _parse(svg)
    assert {_local(el) for el in root.iter()} <= _drawn(chart)
    for el in root.iter():
        assert "style" not in el.attrib
        assert not [a for a in el.attrib if a.lower().startswith("on") or "href" in a]
    assert "<style" not in svg
    assert "style=" not in svg


@pytest.mark.parametrize("chart", CHARTS)
def test_coordinates_have_at_most_one_decimal(chart):
    root = _parse(CHARTS[chart]("Phường Đoàn Kết", "Tỷ lệ", "c"))
    number = re.compile(r"^\d+(\.\d)?$")
    values = [v for el in root.iter() for k, v in el.attrib.items() if k in COORDINATES]
    values += [n for el in root.iter(f"{SVG}polyline")
               for pair in el.get("points").split() for n in pair.split(",")]
    assert values
    assert all(number.match(v) for v in values), values


@pytest.mark.parametrize("chart", CHARTS)
def test_the_same_input_gives_the_same_bytes(chart):
    assert CHARTS[chart]("Xã Ea Kao", "Tỷ lệ", "c") == CHARTS[chart]("Xã Ea Kao", "Tỷ lệ", "c")


@pytest.mark.parametrize("chart", EMPTY)
def test_no_data_is_said_not_drawn_as_nothing(chart):
    root = _parse(EMPTY[chart]())
    assert _desc(root) == "Chưa có số liệu."
    assert "Chưa có số liệu" in _texts(root, "text")
    assert not _bars(root)
    assert not list(root.iter(f"{SVG}circle"))


@pytest.mark.parametrize("chart", EMPTY)
def test_the_chart_speaks_the_pages_language(chart):
    from django.utils import translation

    assert _parse(EMPTY[chart]()).get("lang") == "vi"
    with translation.override("en"):
        root = _parse(EMPTY[chart]())
    assert root.get("lang") == "en"
    assert _desc(root) == "No data yet."
    assert "No data yet" in _texts(root, "text")


@pytest.mark.parametrize("prefix", ["", "1abc", "a b", 'x"y', "a<b"])
def test_an_id_prefix_that_is_not_an_xml_name_is_refused(prefix):
    with pytest.raises(ValueError, match="id_prefix"):
        funnel(STEPS, title="T", id_prefix=prefix)


@pytest.mark.parametrize("share", [-1, 10001])
def test_a_share_outside_0_to_100_percent_is_refused(share):
    with pytest.raises(ValueError, match="basis points"):
        share_bars([Bar("X", share)], target_bp=9000, title="T", id_prefix="c")
    with pytest.raises(ValueError, match="basis points"):
        trend([Point("11/2026", share)], target_bp=None, title="T", id_prefix="c")


def test_a_negative_count_is_refused():
    with pytest.raises(ValueError, match="count"):
        funnel([Step("A", 10), Step("B", -1)], title="T", id_prefix="c")


# --- to scale -----------------------------------------------------------------------------


@BOTH
def test_bar_widths_are_proportional_to_the_shares(narrow):
    bars = [Bar("Đủ", 10000), Bar("Nửa", 5000), Bar("Một phần tư", 2500), Bar("Không", 0)]
    rects = _bars(_parse(share_bars(bars, target_bp=None, title="T", id_prefix="c",
                narrow=narrow)))
    full = _f(rects[0].get("width"))
    assert full > 0
    assert [_f(r.get("width")) for r in rects] == [full, full / 2, full / 4, 0]
    assert len({r.get("x") for r in rects}) == 1


@pytest.mark.parametrize("target", [9000, 10000, 7500, 0])
def test_the_target_line_stands_at_the_target_share(target):
    bars = [Bar("Đủ", 10000), Bar("Phường", 8000)]
    root = _parse(share_bars(bars, target_bp=target, title="T", id_prefix="c"))
    full = _bars(root)[0]
    line = _one(root, "line", "target")
    x = _f(full.get("x")) + _f(full.get("width")) * target / 10000
    assert _f(line.get("x1")) == _f(line.get("x2")) == x
    assert f"Chỉ tiêu {target // 100} %" in _texts(root, "text")


@BOTH
def test_each_bar_carries_its_value_as_text_and_its_status_as_colour(narrow):
    root = _parse(share_bars(WARDS, target_bp=9000, title="T", id_prefix="c",
                narrow=narrow))
    assert [r.get("fill") for r in _bars(root)] == [GREEN, AMBER, RED]
    values = [t for t in _texts(root, "text") if t.endswith(" %") and "," in t]
    assert values == ["92,5 %", "87,0 %", "60,0 %"]
    assert {"Đạt chỉ tiêu", "Gần đạt", "Chưa đạt"} <= set(_texts(root, "text"))


@BOTH
def test_without_a_target_bars_are_neutral_and_no_line_is_drawn(narrow):
    root = _parse(share_bars(WARDS, target_bp=None, title="T", id_prefix="c",
                narrow=narrow))
    assert {r.get("fill") for r in _bars(root)} == {NEUTRAL}
    assert not [e for e in root.iter() if e.get("class") in ("target", "legend")]
    assert _desc(root) == ("Phường Đoàn Kết 92,5 % (3.412/3.700 người), Xã Ea Kao 87,0 %, "
                           "Phường Tân Lợi 60,0 %.")


@BOTH
def test_the_chart_grows_with_the_number_of_bars(narrow):
    def height(n: int) -> int:
        bars = [Bar(f"Phường {i}", 9000) for i in range(n)]
        return int(_parse(share_bars(bars, target_bp=9000, title="T", id_prefix="c",
                narrow=narrow))
                   .get("height"))
    assert height(1) < height(2) < height(40)
    assert height(40) - height(20) == 2 * (height(20) - height(10))


def test_long_labels_are_shortened_on_the_bar_and_kept_whole_on_hover():
    label = "Phường Nguyễn Thái Bình thuộc Quận Một cũ của Thành phố"
    root = _parse(share_bars([Bar(label, 9100)], target_bp=9000, title="T", id_prefix="c"))
    shown = [t for t in _texts(root, "text") if t.startswith("Phường")]
    assert shown == [label[:27].rstrip() + "…"]
    assert len(shown[0]) <= 28
    assert f"{label} 91,0 % (đạt)" in _texts(root, "title")


@BOTH
def test_trend_target_line_and_points_sit_at_their_shares(narrow):
    points = [Point("10/2026", 0), Point("11/2026", 5000), Point("12/2026", 10000)]
    root = _parse(trend(points, target_bp=9000, title="T", id_prefix="c",
                narrow=narrow))
    grid = sorted({_f(g.get("y1")) for g in root.iter(f"{SVG}line")
                   if g.get("class") == "grid"})
    assert len(grid) == 5  # 0, 25, 50, 75 and 100 %
    top, bottom = grid[0], grid[-1]
    assert grid == [top + (bottom - top) * k / 4 for k in range(5)]
    line = _one(root, "line", "target")
    assert _f(line.get("y1")) == _f(line.get("y2")) == bottom - (bottom - top) * 9 / 10
    ys = [_f(c.get("cy")) for c in root.iter(f"{SVG}circle")]
    assert ys == [bottom, (top + bottom) / 2, top]
    xs = [_f(c.get("cx")) for c in root.iter(f"{SVG}circle")]
    assert xs[1] - xs[0] == xs[2] - xs[1] > 0
    polyline = _one(root, "polyline", "line").get("points")
    assert polyline.split() == [f"{c.get('cx')},{c.get('cy')}"
                                for c in root.iter(f"{SVG}circle")]
    assert {"0 %", "25 %", "50 %", "75 %", "100 %", "Chỉ tiêu 90 %"} <= set(_texts(root, "text"))


@BOTH
def test_trend_of_one_month_is_a_point_without_a_line(narrow):
    root = _parse(trend([Point("11/2026", 8800)], target_bp=9000, title="T", id_prefix="c",
                narrow=narrow))
    [circle] = root.iter(f"{SVG}circle")
    assert circle.get("fill") == AMBER
    assert not list(root.iter(f"{SVG}polyline"))
    assert {"88,0 %", "11/2026"} <= set(_texts(root, "text"))


@BOTH
def test_a_long_trend_labels_every_few_months_but_says_all_and_the_latest(narrow):
    points = [Point(f"{m % 12 + 1:02d}/{2025 + m // 12}", 7000 + 100 * m) for m in range(24)]
    root = _parse(trend(points, target_bp=None, title="T", id_prefix="c",
                narrow=narrow))
    texts = _texts(root, "text")
    months = [t for t in texts if "/" in t]
    assert 0 < len(months) < 24
    assert "12/2026" in months  # the latest
    assert len(list(root.iter(f"{SVG}circle"))) == 24
    assert all(f"{p.label} {format_share(p.share_bp)}" in _desc(root) for p in points)


@BOTH
def test_funnel_bars_are_proportional_to_the_first_step(narrow):
    root = _parse(funnel([Step("A", 1000), Step("B", 500), Step("C", 0)], title="T",
                         id_prefix="c",
                narrow=narrow))
    widths = [_f(r.get("width")) for r in _bars(root)]
    assert widths[0] > 0
    assert widths == [widths[0], widths[0] / 2, 0]
    assert [t for t in _texts(root, "text") if "—" in t] == [
        "1.000 — 100,0 %", "500 — 50,0 %", "0 — 0,0 %"]


@BOTH
def test_funnel_with_nobody_at_the_first_step_draws_no_bars_and_no_share(narrow):
    root = _parse(funnel([Step("A", 0), Step("B", 0)], title="T", id_prefix="c",
                narrow=narrow))
    assert [_f(r.get("width")) for r in _bars(root)] == [0, 0]
    assert _desc(root) == "A 0; B 0."


@BOTH
def test_a_funnel_step_above_the_first_is_drawn_full_and_said_as_it_is(narrow):
    root = _parse(funnel([Step("A", 100), Step("B", 150)], title="T", id_prefix="c",
                narrow=narrow))
    widths = [_f(r.get("width")) for r in _bars(root)]
    assert widths[0] == widths[1]
    assert "B 150 — 150,0 %" in _desc(root)


# --- words and colours ----------------------------------------------------------------------


@pytest.mark.parametrize(("share", "target", "expected"), [
    (9001, 9000, "green"),
    (9000, 9000, "amber"),  # "> 90 %": reaching 90 % is not enough
    (8500, 9000, "amber"),
    (8499, 9000, "red"),
    (10000, 10000, "green"),  # 100 %: everyone
    (9999, 10000, "amber"),
    (9500, 10000, "amber"),
    (9499, 10000, "red"),
    (0, 9000, "red"),
])
def test_rag_by_distance_to_the_target(share, target, expected):
    assert rag(share, target) == expected


def test_rag_amber_band_is_configurable():
    assert rag(8900, 9000, amber_within_bp=100) == "amber"
    assert rag(8899, 9000, amber_within_bp=100) == "red"
    assert rag(8999, 9000, amber_within_bp=0) == "red"


@pytest.mark.parametrize(("bp", "text"), [
    (9250, "92,5 %"), (9255, "92,6 %"), (9254, "92,5 %"), (0, "0,0 %"), (4, "0,0 %"),
    (10000, "100,0 %"), (9999, "99,9 %"), (9995, "99,9 %"),  # 100,0 % only for everyone
])
def test_shares_are_written_the_vietnamese_way(bp, text):
    assert format_share(bp) == text


def test_counts_and_targets_are_written_the_vietnamese_way():
    assert format_count(1234567) == "1.234.567"
    assert format_count(0) == "0"
    assert format_target(9000) == "90 %"
    assert format_target(9250) == "92,5 %"


@pytest.mark.parametrize(("value", "text"), [
    (0, "0.0"), (7, "7.0"), (-3, "-3.0"), (Fraction(1, 20), "0.1"), (Fraction(-1, 20), "0.0"),
    (Fraction(3, 40), "0.1"), (Fraction(1, 3), "0.3"), (Fraction(2, 3), "0.7"),
    (Fraction(-2, 3), "-0.7"), (Fraction(-21, 20), "-1.0"), (Fraction(12345, 7), "1763.6"),
])
def test_a_coordinate_is_rounded_half_up_to_one_decimal(value: Fraction | int,
                                                        text: str) -> None:
    # Integer arithmetic must give what floor(value * 10 + 1/2) gives, negatives included.
    assert charts._num(value) == text
    tenths = math.floor(value * 10 + Fraction(1, 2))
    assert text == f"{'-' if tenths < 0 else ''}{abs(tenths) // 10}.{abs(tenths) % 10}"


# --- the phone's layout -----------------------------------------------------------------------

LONG_TITLE = "Tỷ lệ không dùng tiền mặt (một lần, ngắn hạn) theo phường/xã"
NARROW_W = 300


def _extent(el: etree._Element) -> tuple[Fraction, Fraction]:
    """Where a text reaches across, guessed from DejaVu Sans (about 0.62 em a character,
    0.66 em bold): enough to tell a label that runs out of the picture or into its value."""
    text = "".join(el.itertext()).strip()
    size = int(el.get("font-size"))
    em = Fraction(66 if el.get("font-weight") == "bold" else 62, 100)
    width = len(text) * size * em
    x = _f(el.get("x"))
    return {"start": (x, x + width), "middle": (x - width / 2, x + width / 2),
            "end": (x - width, x)}[el.get("text-anchor")]


@pytest.mark.parametrize("chart", WIDE)
def test_the_narrow_layout_fits_a_phone_with_its_text_full_size(chart):
    wide = _parse(WIDE[chart]("Phường Tân Lợi thuộc thành phố Buôn Ma Thuột", LONG_TITLE, "c"))
    narrow = _parse(WIDE[chart]("Phường Tân Lợi thuộc thành phố Buôn Ma Thuột", LONG_TITLE,
                                "c", narrow=True))
    assert (wide.get("class"), narrow.get("class")) == ("chitra-chart chart-wide",
                                                        "chitra-chart chart-narrow")
    assert (int(wide.get("width")), int(narrow.get("width"))) == (640, NARROW_W)
    # Drawn about as wide as a phone shows it (≈ 305 px of a 360 px screen), so a size is
    # about the pixels it takes there: none under 10 (the wide one would show 5–7 px).
    assert min(int(t.get("font-size")) for t in narrow.iter(f"{SVG}text")) >= 10
    lines = [t for t in narrow.iter(f"{SVG}text") if t.get("class") != "chart-title"]
    lines += list(narrow.iter(f"{SVG}tspan"))
    for el in lines:
        if el.get("font-size") is None:  # a title line: its text's size and weight
            el.set("font-size", "13")
            el.set("font-weight", "bold")
            el.set("text-anchor", "start")
        left, right = _extent(el)
        assert left >= 0, ("".join(el.itertext()), left)
        assert right <= NARROW_W, ("".join(el.itertext()), right)
    for el in narrow.iter():
        for key in ("x", "x1", "x2", "cx"):
            if el.get(key) is not None:
                assert 0 <= _f(el.get(key)) <= NARROW_W, etree.tostring(el)
    for bar in _bars(narrow):
        assert _f(bar.get("x")) + _f(bar.get("width")) <= NARROW_W
    # The same words for a screen reader, whichever is shown.
    assert _desc(narrow) == _desc(wide)
    assert set(_texts(narrow, "title")) == set(_texts(wide, "title"))  # the wide one says
    # a bar's words twice: on its bar and on its value


@pytest.mark.parametrize("draw", [
    lambda: share_bars(WARDS, target_bp=9000, title=LONG_TITLE, id_prefix="c", narrow=True),
    lambda: funnel(STEPS, title=LONG_TITLE, id_prefix="c", narrow=True),
], ids=["bars", "funnel"])
def test_a_narrow_row_puts_its_label_and_value_on_a_line_above_its_bar(draw):
    root = _parse(draw())
    rows = [g for g in root.iter(f"{SVG}g") if g.get("class") == "row"]
    assert len(rows) == 3
    for row in rows:
        label, value = row.iter(f"{SVG}text")
        [bar] = row.iter(f"{SVG}rect")
        assert _f(label.get("y")) == _f(value.get("y")) < _f(bar.get("y"))
        assert _f(value.get("y")) + 4 <= _f(bar.get("y"))  # the descenders clear the bar
        assert _extent(label)[1] < _extent(value)[0]  # they do not run into each other
        assert value.get("text-anchor") == "end"
        assert _f(value.get("x")) == _f(bar.get("x")) + 284  # at the end of a full bar


def test_a_long_label_is_shortened_by_the_room_its_value_leaves():
    label = "Phường Nguyễn Thái Bình thuộc Quận Một cũ của Thành phố"
    root = _parse(funnel([Step(label, 123456)], title="T", id_prefix="c", narrow=True))
    [shown] = [t for t in _texts(root, "text") if t.startswith("Phường")]
    assert shown.endswith("…")
    assert label.startswith(shown[:-1])
    assert f"{label} 123.456 — 100,0 %" in _texts(root, "title")  # whole on hover
    bars = _parse(share_bars([Bar(label, 9100)], target_bp=None, title="T", id_prefix="c",
                             narrow=True))
    [longer] = [t for t in _texts(bars, "text") if t.startswith("Phường")]
    assert len(shown) < len(longer) <= 34  # a short value leaves more room


@pytest.mark.parametrize("target", [9000, 10000, 7500, 0])
def test_in_the_narrow_layout_the_target_crosses_each_bar_and_no_text(target):
    bars = [Bar("Đủ", 10000), Bar("Phường Đoàn Kết", 8000), Bar("Xã", 100)]
    root = _parse(share_bars(bars, target_bp=target, title="T", id_prefix="c", narrow=True))
    rects = _bars(root)
    at = _f(rects[0].get("x")) + _f(rects[0].get("width")) * target / 10000
    marks = [line for line in root.iter(f"{SVG}line") if line.get("class") == "target"]
    assert len(marks) == len(rects)
    baselines = sorted(_f(t.get("y")) for g in root.iter(f"{SVG}g") if g.get("class") == "row"
                       for t in g.iter(f"{SVG}text"))
    for mark, rect in zip(marks, rects, strict=True):
        assert _f(mark.get("x1")) == _f(mark.get("x2")) == at
        y1, y2 = _f(mark.get("y1")), _f(mark.get("y2"))
        top, bottom = _f(rect.get("y")), _f(rect.get("y")) + _f(rect.get("height"))
        assert top - 4 <= y1 < top
        assert bottom < y2 <= bottom + 4
        # no label or value between its ends (a text takes about 11 units above its line)
        assert not [b for b in baselines if y1 <= b + 3 and b - 11 <= y2]
    assert f"Chỉ tiêu {format_target(target)}" in _texts(root, "text")


def test_the_narrow_trend_puts_the_legend_on_two_lines():
    root = _parse(trend(MONTHS, target_bp=9000, title="T", id_prefix="c", narrow=True))
    [legend] = [g for g in root.iter(f"{SVG}g") if g.get("class") == "legend"]
    ys = sorted({_f(t.get("y")) for t in legend.iter(f"{SVG}text")})
    assert len(ys) == 2
    assert int(root.get("height")) == 300 + 18
    assert int(_parse(trend(MONTHS, target_bp=None, title="T", id_prefix="c", narrow=True))
               .get("height")) == 300


def test_a_long_title_wraps_in_the_narrow_layout_and_reads_whole():
    root = _parse(share_bars(WARDS, target_bp=9000, title=LONG_TITLE, id_prefix="c",
                             narrow=True))
    title = _one(root, "text", "chart-title")
    spans = list(title.iter(f"{SVG}tspan"))
    assert len(spans) == 2
    assert all(len(span.text.strip()) <= 33 for span in spans)
    assert [_f(span.get("y")) for span in spans] == [20, 37]
    assert "".join(title.itertext()) == LONG_TITLE  # read as one text
    short = _parse(share_bars(WARDS, target_bp=9000, title="T", id_prefix="c", narrow=True))
    assert int(root.get("height")) - int(short.get("height")) == 17
    [moved] = [g for g in root if _local(g) == "g"]
    assert moved.get("transform") == "translate(0 17)"  # what is under the title moves down
    assert not [g for g in short if _local(g) == "g" and g.get("transform")]


def test_a_very_long_title_takes_three_lines_at_most_and_is_whole_on_hover():
    title = " ".join(["Phường Đoàn Kết"] * 12)
    root = _parse(trend(MONTHS, target_bp=None, title=title, id_prefix="c", narrow=True))
    spans = list(_one(root, "text", "chart-title").iter(f"{SVG}tspan"))
    assert len(spans) == 3
    assert spans[-1].text.endswith("…")
    assert root[0].text == title


def test_for_screen_draws_both_layouts_with_their_own_ids():
    both = charts.for_screen(share_bars, WARDS, target_bp=9000, title="T", id_prefix="bars")
    root = _parse(f'<div xmlns="http://www.w3.org/2000/svg">{both}</div>')
    wide, narrow = list(root)
    assert etree.tostring(wide) == etree.tostring(
        _parse(share_bars(WARDS, target_bp=9000, title="T", id_prefix="bars")))
    assert narrow.get("class") == "chitra-chart chart-narrow"
    assert narrow.get("aria-labelledby") == "bars-narrow-title bars-narrow-desc"
    ids = [el.get("id") for el in root.iter() if el.get("id")]
    assert len(ids) == len(set(ids)) == 4
