"""Charts: each function returns a Figure with the expected artists, on small
frames, on a 150-unit synthetic frame and on empty / all-undefined input.

The figures are bare ``matplotlib.figure.Figure`` objects (nothing registered
with pyplot), so there is nothing to close; PNGs go to ``tmp_path``.
"""

from __future__ import annotations

import math
import re
import unicodedata

import numpy as np
import pandas as pd
import pytest
from matplotlib.container import BarContainer
from matplotlib.figure import Figure
from matplotlib.text import Text

from cchc import charts
from cchc.rules import payment_classes
from cchc.charts import (
    district_trend,
    overdue_by_field,
    payment_window,
    ranked_rates,
    streak_heatmap,
    unit_label,
)

MONTHS = ["2023-01", "2023-02", "2023-03", "2023-04", "2023-05", "2023-06"]
_FIRST = ["An", "Bình", "Chí", "Cộng", "Dân", "Đại", "Hà", "Hưng", "Minh", "Ngọc",
          "Nguyên", "Phượng", "Quang", "Quảng", "Tái", "Tân", "Tiên", "Văn"]
_SECOND = ["Thanh", "Lãng", "Lạc", "Chủ", "Hợp", "Sơn", "Kỳ", "Đạo", "Đức", "Giáp",
           "Khải", "Phục", "Trung", "Nghiệp", "Động", "Tố", "Hoà", "Thuỷ"]
_DEPTS = ["Phòng Tài nguyên và Môi trường huyện", "Phòng Tài chính - Kế hoạch huyện",
          "Phòng Tư pháp huyện", "Phòng Lao động - Thương binh và Xã hội huyện",
          "Phòng Kinh tế và Hạ tầng huyện", "Phòng Nội vụ huyện",
          "Phòng Văn hoá và Thông tin huyện", "Phòng Giáo dục và Đào tạo huyện",
          "Phòng Y tế huyện", "Phòng Nông nghiệp và Phát triển nông thôn huyện"]


# ------------------------------------------------------------------ synthetic frames


def _rate(num, den):
    return 100.0 * num / den if den > 0 else math.nan


def _r2(x):
    return math.nan if not np.isfinite(x) else math.floor(abs(x) * 100 + 0.5 + 1e-6) / 100 * (1 if x >= 0 else -1)


def make_units(n_local: int, n_dept: int = 4) -> list[dict]:
    units = []
    for i in range(n_dept):
        name = _DEPTS[i % len(_DEPTS)] + ("" if i < len(_DEPTS) else f" {i}")
        units.append({"code": f"D{i:02d}", "name": name, "kind": "department"})
    for i in range(n_local):
        name = f"{_FIRST[i % len(_FIRST)]} {_SECOND[(i // len(_FIRST) + i) % len(_SECOND)]}"
        if i >= len(_FIRST) * len(_SECOND):
            name += f" {i}"
        kind = "town" if i == 0 else ("ward" if i % 25 == 24 else "commune")
        units.append({"code": f"L{i:03d}", "name": name, "kind": kind})
    for k, u in enumerate(units):
        u["order"] = k
        u["is_local"] = u["kind"] != "department"
    return units


def make_um(n_local: int = 6, n_dept: int = 4, months=MONTHS, seed: int = 1,
            zero: tuple = ()) -> pd.DataFrame:
    """Unit-month frame with the columns of the indicators; `zero`: (code, month) received 0."""
    rng = np.random.default_rng(seed)
    units = make_units(n_local, n_dept)
    rows = []
    for m in months:
        for u in units:
            received = int(rng.integers(20, 300))
            weak = u["is_local"] and u["order"] % 7 == 3  # chronically below average
            miss = int(rng.integers(0, 8 if not weak else 30))
            if (u["code"], m) in zero:
                received, miss = 0, 0
            resolved = int(rng.integers(0, 250))
            pay_total = int(rng.integers(0, 60))
            pay_online = int(rng.integers(0, pay_total + 1)) if pay_total else 0
            rows.append({
                "month": m, **u,
                "received": received, "received_digitized": max(received - miss, 0),
                "resolved": resolved, "resolved_digitized": max(resolved - int(rng.integers(0, 5)), 0),
                "payment_total": pay_total, "payment_online": pay_online,
                "overdue_total": 0, "overdue_excused": 0,
            })
    um = pd.DataFrame(rows)
    um["reception_rate"] = [_rate(a, b) for a, b in zip(um.received_digitized, um.received)]
    um["result_rate"] = [_rate(a, b) for a, b in zip(um.resolved_digitized, um.resolved)]
    um["payment_rate"] = [_rate(a, b) for a, b in zip(um.payment_online, um.payment_total)]
    loc = um[um.is_local].groupby("month")[["received_digitized", "received"]].sum()
    avg = {m: _rate(r.received_digitized, r.received) for m, r in loc.iterrows()}
    um["local_average_reception_rate"] = um["month"].map(avg)
    um["below_average"] = [bool(_r2(a) < _r2(b)) if np.isfinite(a) else False
                           for a, b in zip(um.reception_rate, um.local_average_reception_rate)]
    um.loc[~um.is_local, "below_average"] = False
    streaks, run = [], {}
    for r in um.sort_values(["month", "order"]).itertuples():
        run[r.code] = run.get(r.code, 0) + 1 if r.below_average else 0
        streaks.append((r.Index, run[r.code]))
    um["below_average_streak"] = pd.Series(dict(streaks))
    return um


def make_dist(um: pd.DataFrame) -> pd.DataFrame:
    g = um.groupby("month")[["received_digitized", "received", "resolved_digitized", "resolved",
                             "overdue_total", "overdue_excused"]].sum().reset_index()
    g["reception_rate"] = [_rate(a, b) for a, b in zip(g.received_digitized, g.received)]
    g["result_rate"] = [_rate(a, b) for a, b in zip(g.resolved_digitized, g.resolved)]
    avg = um.groupby("month")["local_average_reception_rate"].first()
    g["local_average_reception_rate"] = g["month"].map(avg)
    return g[["month", "reception_rate", "result_rate", "local_average_reception_rate",
              "overdue_total", "overdue_excused"]]


def make_win(n_local: int, seed: int = 2) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for u in make_units(n_local, 0):
        k = u["order"] % 6
        total = 0 if k == 5 else int(rng.integers(10, 200))
        online = {0: int(total * 0.6), 1: int(total * 0.35), 2: int(total * 0.12),
                  3: max(1, int(total * 0.01)), 4: 0}.get(k, 0)
        rows.append({**u, "window_payment_total": total, "window_payment_online": online})
    win = pd.DataFrame(rows)
    win["window_payment_rate"] = [_rate(a, b) for a, b in zip(win.window_payment_online,
                                                              win.window_payment_total)]
    return win.assign(payment_class=payment_classes(win, {"payment_target": 30, "very_low_payment": 2}))


FIELDS = ["Hộ tịch", "Đất đai", "Người có công", "Chứng thực", "Xây dựng", "Bảo trợ xã hội",
          "Tư pháp", "Nuôi con nuôi"]


def make_od(n_local: int, n_dossiers: int, seed: int = 3, month: str = "2023-06") -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    units = make_units(n_local, 4)
    rows = []
    for k in range(n_dossiers):
        u = units[int(rng.integers(0, len(units)))]
        rows.append({"month": month, "dossier": f"HS-{k:05d}", "code": u["code"], "name": u["name"],
                     "kind": u["kind"], "field": FIELDS[int(rng.integers(0, len(FIELDS)))],
                     "excused": bool(rng.random() < 0.25)})
    return pd.DataFrame(rows)


# ------------------------------------------------------------------ inspection helpers


def main_ax(fig):
    return fig.axes[0]


def bars(fig) -> int:
    return sum(len(c) for c in main_ax(fig).containers if isinstance(c, BarContainer))


def cgid(container) -> str:
    """The gid the charts give every bar of a container."""
    return container.patches[0].get_gid()


def texts(fig, gid=None) -> list[str]:
    out = [t.get_text() for t in fig.findobj(Text) if gid is None or t.get_gid() == gid]
    return [t for t in out if t]


def all_text(fig) -> str:
    fig.canvas.draw()  # resolve tick labels
    # undo the wrapping and the no-break spaces
    return "\n".join(t.replace("\n", " ").replace("\u00a0", " ") for t in texts(fig))


def assert_nfc(fig):
    for t in texts(fig):
        assert unicodedata.is_normalized("NFC", t), t


def saves(fig, tmp_path, name="chart.png"):
    path = tmp_path / name
    fig.savefig(path, dpi=80)
    assert path.stat().st_size > 1000
    with open(path, "rb") as fh:
        assert fh.read(8) == b"\x89PNG\r\n\x1a\n"


def with_gid(fig, gid):
    return [a for a in main_ax(fig).get_children() if a.get_gid() == gid]


def is_message(fig, words):
    msgs = texts(fig, "message")
    return len(msgs) == 1 and words in msgs[0]


# ------------------------------------------------------------------ formatting


def test_unit_labels_are_short_generic_and_nfc():
    assert unit_label("An Thanh", "commune") == "Xã An Thanh"
    assert unit_label("Tứ Kỳ", "town") == "TT Tứ Kỳ"
    assert unit_label("Hoà Bình", "ward") == "P. Hoà Bình"
    assert unit_label("Xã An Thanh", "commune") == "Xã An Thanh"  # no double prefix
    assert unit_label("Phòng Tư pháp huyện", "department") == "Tư pháp"
    assert unit_label("Sở Tư pháp tỉnh", "department") == "Sở Tư pháp"
    assert unit_label("Văn phòng HĐND và UBND huyện", "department") == "Văn phòng HĐND và UBND"
    decomposed = unicodedata.normalize("NFD", "Phượng Kỳ")
    assert unit_label(decomposed, "commune") == unicodedata.normalize("NFC", "Xã Phượng Kỳ")
    long = unit_label("Phòng Nông nghiệp và Phát triển nông thôn và Môi trường huyện", "department")
    assert len(long) <= 38 and long.endswith("…")


def test_numbers_use_decimal_comma():
    assert charts._pct(97.31) == "97,31%"
    assert charts._pct(89.80) == "89,8%"
    assert charts._pct(100.0) == "100%"
    assert charts._signed(-0.4) == "\u22120,4"
    assert charts._signed(2.06) == "+2,1"
    assert charts._signed(0.01) == "0"


# ------------------------------------------------------------------ 1. ranked rates


def test_ranked_rates_small_frame(tmp_path):
    um = make_um(6, 4, zero={("L002", "2023-06")})
    fig = ranked_rates(um, "2023-06")
    assert isinstance(fig, Figure)
    assert bars(fig) == 5  # 6 local units, one received nothing
    assert texts(fig, "novalue") == ["không phát sinh"]
    assert len(with_gid(fig, "average")) == 1 and not with_gid(fig, "target")
    avg = um.loc[um.month == "2023-06", "local_average_reception_rate"].iloc[0]
    text = all_text(fig)
    assert f"Trung bình chung: {charts._pct(avg)}" in text
    assert "tháng 6/2023" in text and "UBND các xã, thị trấn" in text
    # value labels with a decimal comma, ranked best first
    values = [float(t.split("%")[0].replace(",", ".")) for t in texts(fig, "value")]
    assert values == sorted(values, reverse=True)
    assert all("." not in t.split("(")[0] for t in texts(fig, "value"))
    assert_nfc(fig)
    saves(fig, tmp_path)


def test_ranked_rates_marks_below_average_with_hatch():
    um = make_um(12, 0)
    m = um[um.month == "2023-06"]
    fig = ranked_rates(um, "2023-06")
    below = [c for c in main_ax(fig).containers if cgid(c) == "bars:below"]
    assert below and len(below[0]) == int(m.below_average.sum())
    assert all(p.get_hatch() for p in below[0])


def test_ranked_rates_departments_with_target(tmp_path):
    um = make_um(6, 10)
    fig = ranked_rates(um, "2023-06", rate="result_rate", kind="department", target=100)
    assert bars(fig) == 10
    assert len(with_gid(fig, "target")) == 1 and not with_gid(fig, "average")
    labels = [t.get_text() for t in main_ax(fig).get_yticklabels()]
    assert not any("Phòng" in t or t.endswith("huyện") for t in labels)
    assert "Chỉ tiêu: 100%" in all_text(fig)
    saves(fig, tmp_path)


def test_ranked_rates_150_units_shows_top_and_bottom_with_break(tmp_path):
    um = make_um(150, 10, months=MONTHS[-2:], zero={("L010", "2023-06"), ("L011", "2023-06")})
    fig = ranked_rates(um, "2023-06", top=30)
    assert bars(fig) == 30
    assert len(main_ax(fig).get_yticks()) == 30
    assert with_gid(fig, "break")
    text = all_text(fig)
    assert "15 đơn vị cao nhất và 15 đơn vị thấp nhất trong 148" in text
    assert "118 đơn vị ở giữa" in text
    assert "02 đơn vị không phát sinh" in text
    assert not texts(fig, "novalue")
    # the last shown row is the last of the 148 ranked units
    assert main_ax(fig).get_yticklabels()[-1].get_text().startswith("148. ")
    w, h = fig.get_size_inches()
    assert abs(w * 2.54 - 16.5) < 0.1 and h * 2.54 <= 24.5
    assert_nfc(fig)
    saves(fig, tmp_path)
    assert fig._repr_png_()[:8] == b"\x89PNG\r\n\x1a\n"  # shows itself in IPython without pyplot
    # top=None: every unit
    assert bars(ranked_rates(um, "2023-06", top=None, kind="all")) == 158


def test_ranked_rates_empty_and_all_nan(tmp_path):
    um = make_um(4, 2)
    empty = ranked_rates(um.iloc[0:0], "2023-06")
    assert isinstance(empty, Figure) and is_message(empty, "Không có dữ liệu")
    nan = um.assign(reception_rate=np.nan, local_average_reception_rate=np.nan)
    fig = ranked_rates(nan, "2023-06")
    assert is_message(fig, "không phát sinh") and bars(fig) == 0
    saves(fig, tmp_path)
    assert is_message(ranked_rates(um, "2030-01"), "Không có dữ liệu")
    # month defaults to the latest
    assert "tháng 6/2023" in all_text(ranked_rates(um))
    with pytest.raises(ValueError):
        ranked_rates(um, "2023-06", kind="province")


# ------------------------------------------------------------------ 2. trend


def test_district_trend_lines_and_end_labels(tmp_path):
    dist = make_dist(make_um(8, 4))
    fig = district_trend(dist, level="huyện")
    lines = main_ax(fig).get_lines()
    assert [ln.get_gid() for ln in lines] == ["reception", "result", "local_average"]
    assert len({ln.get_linestyle() for ln in lines}) == 3
    assert len({ln.get_marker() for ln in lines}) == 3
    assert all(len(ln.get_xdata()) == 6 for ln in lines)
    ends = {t.get_gid(): t.get_text() for t in fig.findobj(Text) if (t.get_gid() or "").startswith("end:")}
    assert ends == {"end:reception": charts._pct(dist.reception_rate.iloc[-1]),
                    "end:result": charts._pct(dist.result_rate.iloc[-1]),
                    "end:local_average": charts._pct(dist.local_average_reception_rate.iloc[-1])}
    text = all_text(fig)
    assert "toàn huyện" in text and "T6 2023" in text
    assert_nfc(fig)
    saves(fig, tmp_path)


def test_district_trend_gaps_single_month_empty(tmp_path):
    dist = make_dist(make_um(5, 2))
    dist.loc[dist.index[-1], "result_rate"] = np.nan  # last month undefined
    fig = district_trend(dist)
    ends = {t.get_gid(): t.get_text() for t in fig.findobj(Text) if (t.get_gid() or "").startswith("end:")}
    assert ends["end:result"] == charts._pct(dist.result_rate.iloc[-2])
    saves(fig, tmp_path, "gap.png")
    one = district_trend(dist.iloc[:1])
    assert len(main_ax(one).get_lines()) == 3
    saves(one, tmp_path, "one.png")
    assert is_message(district_trend(dist.iloc[0:0]), "Không có dữ liệu")
    nan = dist.assign(reception_rate=np.nan, result_rate=np.nan, local_average_reception_rate=np.nan)
    assert is_message(district_trend(nan), "Chưa có tỷ lệ")


def _tick_label_overlaps(fig) -> int:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    labels = [t for t in main_ax(fig).get_xticklabels() if t.get_visible() and t.get_text().strip()]
    boxes = [t.get_window_extent(canvas.get_renderer()) for t in labels]
    return sum(a.overlaps(b) for a, b in zip(boxes, boxes[1:]))


@pytest.mark.parametrize("start, n", [("2019-01", 6), ("2019-01", 18), ("2019-01", 24), ("2019-07", 30),
                                      ("2019-01", 60), ("2018-11", 60), ("2001-01", 240)])
def test_district_trend_month_labels_never_overlap(start, n):
    from cchc.months import add_months, month_range

    months = month_range(start, add_months(start, n - 1))
    fig = district_trend(make_dist(make_um(4, 1, months=months)))
    assert _tick_label_overlaps(fig) == 0
    labels = [t.get_text() for t in main_ax(fig).get_xticklabels()]
    if n > 24:  # a long history is labelled by year
        assert all(re.fullmatch(r"\d{4}", t) for t in labels), labels
        assert 2 <= len(labels) <= 12


# ------------------------------------------------------------------ 3. heat map


def test_streak_heatmap_small(tmp_path):
    um = make_um(8, 3, zero={("L001", "2023-03")})
    fig = streak_heatmap(um)
    ax = main_ax(fig)
    assert len(ax.get_yticks()) == 8 and len(ax.get_xticks()) == 6  # local units only
    assert len(with_gid(fig, "nodata")) == 1
    cells = texts(fig, "cell")
    assert len(cells) == 8 * 6 - 1
    assert all(c == "0" or c[0] in "+\u2212" for c in cells)
    last = um[(um.month == "2023-06") & um.is_local]
    assert last.below_average_streak.max() >= 2
    # longest current streak first, then the widest gap below the average, then registry order
    expected = last.assign(gap=last.reception_rate - last.local_average_reception_rate).sort_values(
        ["below_average_streak", "gap", "order"], ascending=[False, True, True])
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == [unit_label(n, k) for n, k in zip(expected.name, expected.kind)]
    streaks = [t.get_text() for t in ax.child_axes[0].get_yticklabels()]  # right-hand column
    assert streaks == [str(s) if s else "–" for s in expected.below_average_streak]
    assert len(with_gid(fig, "streak")) == int((last.below_average_streak > 0).sum())
    assert_nfc(fig)
    saves(fig, tmp_path)


def test_streak_heatmap_registry_order_months_and_top():
    um = make_um(8, 3)
    fig = streak_heatmap(um, months=3, order="registry", top=5)
    ax = main_ax(fig)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    units = make_units(8, 3)
    expected = [unit_label(u["name"], u["kind"]) for u in units if u["is_local"]][:5]
    assert labels == expected and len(ax.get_xticks()) == 3
    assert "Hiển thị 5/8" in all_text(fig)
    fig = streak_heatmap(um, months=["2023-05", "2023-02"])
    assert [t.get_text() for t in main_ax(fig).get_xticklabels()] == ["T2\n2023", "T5\n2023"]
    with pytest.raises(ValueError):
        streak_heatmap(um, order="alphabet")


def test_streak_heatmap_shows_the_indicators_streak_and_flags():
    """The flags and the current streak are the indicators' columns, never recomputed from the window."""
    um = make_um(4, 0)
    last = um.month == um.month.max()
    first = um.code == um.code.iloc[0]
    um.loc[first, "below_average"] = True
    um.loc[first & last, "below_average_streak"] = 17  # a streak longer than the months shown
    um.loc[~first, "below_average"] = False
    um.loc[~first, "below_average_streak"] = 0
    fig = streak_heatmap(um, months=3, order="registry")
    streaks = [t.get_text() for t in main_ax(fig).child_axes[0].get_yticklabels()]
    assert streaks == ["17", "–", "–", "–"]
    assert len(with_gid(fig, "streak")) == 1 and not with_gid(fig, "run")
    with pytest.raises(ValueError, match="below_average_streak"):
        streak_heatmap(um.drop(columns=["below_average_streak"]))


def test_streak_heatmap_150_units(tmp_path):
    um = make_um(150, 5)
    fig = streak_heatmap(um)
    assert len(main_ax(fig).get_yticks()) == 40
    assert "Hiển thị 40/150" in all_text(fig)
    assert fig.get_size_inches()[1] * 2.54 <= 24.5
    saves(fig, tmp_path)


def test_streak_heatmap_empty_and_nan(tmp_path):
    um = make_um(4, 2)
    assert is_message(streak_heatmap(um.iloc[0:0]), "Không có dữ liệu")
    assert is_message(streak_heatmap(um[~um.is_local]), "Không có UBND")
    nan = um.assign(reception_rate=np.nan, local_average_reception_rate=np.nan, below_average=False,
                    below_average_streak=0)
    fig = streak_heatmap(nan)
    assert not texts(fig, "cell") and len(with_gid(fig, "nodata")) == 4 * 6
    saves(fig, tmp_path)


# ------------------------------------------------------------------ 4. payment window


def test_payment_window_classes(tmp_path):
    win = make_win(12)
    fig = payment_window(win, window=("2023-04", "2023-06"))
    kinds = {cgid(c): len(c) for c in main_ax(fig).containers}
    cls = win.payment_class.value_counts()
    assert kinds == {"bars:meets": cls["meets"], "bars:below": cls["below"],
                     "bars:very_low": cls["very_low"]}
    assert len(texts(fig, "novalue")) == cls["not_implemented"]
    assert all("chưa triển khai" in t for t in texts(fig, "novalue"))
    hatches = {cgid(c): c[0].get_hatch() for c in main_ax(fig).containers}
    assert len(set(hatches.values())) == 3  # one hatch per class (None for meets)
    assert len(with_gid(fig, "target")) == 1 and len(with_gid(fig, "very_low")) == 1
    text = all_text(fig)
    assert "Chỉ tiêu: 30%" in text and "tháng 4/2023 – 6/2023" in text
    assert "02 đơn vị không có giao dịch" in text  # class None left out
    assert f"Chưa triển khai (0%): {cls['not_implemented']:02d}" in text
    assert_nfc(fig)
    saves(fig, tmp_path)


def test_payment_window_draws_the_rules_classes_and_ignores_departments():
    win = make_win(12)
    dept = pd.DataFrame([{"code": "D", "name": "Phòng Tư pháp", "kind": "department", "order": 99,
                          "is_local": False, "window_payment_total": 10, "window_payment_online": 10,
                          "window_payment_rate": 100.0, "payment_class": None}])
    fig = payment_window(pd.concat([win, dept]), target=30, very_low=2)
    assert bars(fig) + len(texts(fig, "novalue")) == 10
    assert not any("Tư pháp" in t.get_text() for t in main_ax(fig).get_yticklabels())


def test_payment_window_draws_the_class_it_is_given():
    """The chart draws the rules' class; it never classifies a unit itself."""
    win = make_win(6)
    low = win.index[win.payment_class == "very_low"][0]
    fig = payment_window(win.assign(payment_class=win.payment_class.where(win.index != low, "meets")))
    kinds = {cgid(c): len(c) for c in main_ax(fig).containers}
    assert kinds["bars:meets"] == int((win.payment_class == "meets").sum()) + 1
    assert "bars:very_low" not in kinds


def test_payment_window_150_units_and_empty(tmp_path):
    win = make_win(150)
    fig = payment_window(win)
    shown = bars(fig) + len(texts(fig, "novalue"))
    assert shown == 30 and with_gid(fig, "break")
    assert "trong 125" in all_text(fig)
    saves(fig, tmp_path)
    assert is_message(payment_window(win.iloc[0:0]), "Không có dữ liệu")
    none = win.assign(window_payment_total=0, window_payment_online=0,
                      window_payment_rate=np.nan, payment_class=None)
    assert is_message(payment_window(none), "Không có giao dịch")


# ------------------------------------------------------------------ 5. overdue


def test_overdue_by_field_small(tmp_path):
    od = pd.DataFrame([
        {"month": "2023-06", "dossier": "A1", "code": "X1", "name": "An Thanh", "field": "Người có công",
         "excused": True},
        {"month": "2023-06", "dossier": "B1", "code": "X2", "name": "Bình Lãng", "field": "Hộ tịch",
         "excused": False},
        {"month": "2023-06", "dossier": "B2", "code": "X2", "name": "Bình Lãng", "field": "Đất đai",
         "excused": False},
        {"month": "2023-05", "dossier": "C1", "code": "X3", "name": "Cũ", "field": "Hộ tịch",
         "excused": False},
    ])
    fig = overdue_by_field(od, month="2023-06")
    ax = main_ax(fig)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Bình Lãng", "An Thanh"]
    assert bars(fig) == 3 * 2  # one container per field × excused-or-not present, one bar per unit
    excused = [c for c in ax.containers if cgid(c).endswith(":excused")]
    assert len(excused) == 1 and all(p.get_hatch() == "////" for p in excused[0])
    assert texts(fig, "total") == ["2", "1 (miễn trừ 1)"]
    text = all_text(fig)
    assert "Tổng số 03 hồ sơ quá hạn, trong đó 01 hồ sơ được miễn trừ" in text
    assert "tháng 6/2023" in text and "Được miễn trừ" in text
    assert_nfc(fig)
    saves(fig, tmp_path)


def test_overdue_by_field_none_says_so(tmp_path):
    od = pd.DataFrame(columns=["month", "dossier", "code", "name", "field", "excused"])
    fig = overdue_by_field(od, month="2023-06")
    assert isinstance(fig, Figure) and is_message(fig, "Không có hồ sơ quá hạn")
    assert "tháng 6/2023" in all_text(fig)
    saves(fig, tmp_path)
    assert is_message(overdue_by_field(None), "Không có hồ sơ quá hạn")


def test_overdue_by_field_many_units_and_fields(tmp_path):
    od = make_od(150, 400)
    fig = overdue_by_field(od, top=30)
    ax = main_ax(fig)
    assert len(ax.get_yticks()) == 30
    n_units = od.code.nunique()
    assert f"Hiển thị 30/{n_units}" in all_text(fig)
    labels = {c.get_label().removesuffix(" (miễn trừ)") for c in ax.containers}
    assert len(labels) == 5 and "Lĩnh vực khác" in labels  # 4 named + the rest
    totals = [int(t.split(" ")[0]) for t in texts(fig, "total")]
    assert sum(int(t) for t in texts(fig, "segment")) == sum(totals)
    saves(fig, tmp_path)
