"""The letter written from loaded data (not from a fixture): wording that
depends on the registry and on an empty month."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import yaml
from openpyxl import load_workbook

from cchc.monthly import review

ROOT = Path(__file__).resolve().parents[1]


def _data_without_recipients(tmp_path) -> Path:
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    cfg = yaml.safe_load((data / "config.yml").read_text(encoding="utf-8"))
    cfg.pop("recipients", None)
    (data / "config.yml").write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    return data


def test_recipients_follow_the_kinds_in_the_registry(tmp_path):
    data = _data_without_recipients(tmp_path)
    rv = review("2023-06", data)
    assert rv.letter.recipients == ["- Thủ trưởng các cơ quan chuyên môn thuộc UBND huyện;",
                                    "- Chủ tịch UBND các xã, thị trấn."]
    units = pd.read_csv(data / "units.csv", dtype=str, keep_default_na=False)
    units["kind"] = units["kind"].replace({"town": "ward"})
    units.to_csv(data / "units.csv", index=False)
    rv = review("2023-06", data)
    assert rv.letter.recipients[-1] == "- Chủ tịch UBND các xã, phường."


def test_a_month_with_nothing_received_starts_a_new_sentence(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    path = data / "raw" / "2023-06.xlsx"
    wb = load_workbook(path)
    for name in ("SoHoa", "QuaHan"):  # keep the header rows only: nothing this month
        ws = wb[name]
        header = next(r for r in range(1, 15) if any(str(c.value or "").strip() == "Đơn vị" for c in ws[r]))
        ws.delete_rows(header + 1, ws.max_row)
    wb.save(path)
    rv = review("2023-06", data)
    opening = rv.letter.blocks[0].text
    assert "Cải cách hành chính. Không phát sinh hồ sơ giải quyết TTHC quá hạn." in opening
    assert "Kết quả" not in opening
