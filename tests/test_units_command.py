"""`cchc units --province NAME`: units.csv from the official list of communes, wards and special zones after July 2025."""

from __future__ import annotations

import csv

import pytest

from cchc.cli import main
from cchc.provinces import UnknownProvince, find_province, local_units, provinces
from cchc.registry import load_registry


def test_the_official_list_has_34_provinces_and_3321_local_units():
    assert len(provinces()) == 34
    units = [u for p in provinces() for u in local_units(p)]
    assert len(units) == 3321
    assert {u.kind for u in units} == {"commune", "ward", "special_zone"}
    sizes = sorted(len(local_units(p)) for p in provinces())
    assert (sizes[0], sizes[-1]) == (38, 168)


@pytest.mark.parametrize("name, found", [("An Giang", "An Giang"), ("tỉnh an giang", "An Giang"),
                                         ("Huế", "Thành phố Huế"), ("Thành phố Huế", "Thành phố Huế"),
                                         ("TP Hồ Chí Minh", "Thành phố Hồ Chí Minh"), ("Khanh Hoa", "Khánh Hòa")])
def test_a_province_by_any_usual_name(name, found):
    assert find_province(name).name == found


def test_every_province_gives_a_valid_registry(tmp_path):
    for p in provinces():
        folder = tmp_path / str(p.code.value)
        assert main(["units", "--province", p.name, "--data-dir", str(folder)]) == 0
        registry, problems = load_registry(folder)
        assert problems == [] and len(registry) == len(local_units(p)), p.name


def test_codes_names_and_kinds_as_the_contract_wants(tmp_path, capsys):
    assert main(["units", "--province", "Thành phố Hồ Chí Minh", "--data-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "168 local units of Thành phố Hồ Chí Minh (54 commune(s), 113 ward(s), 1 special zone(s))" in out
    assert "The departments are not in the official list: add each sở, ban, ngành" in out
    rows = list(csv.DictReader((tmp_path / "units.csv").open(encoding="utf-8")))
    assert list(rows[0]) == ["code", "name", "kind", "aliases", "dvc_code"]
    assert all(len(r["code"]) == 5 and r["code"].isdigit() for r in rows)
    assert [r["code"] for r in rows] == sorted(r["code"] for r in rows)  # the official order
    zone = next(r for r in rows if r["kind"] == "special_zone")
    assert zone["name"] == "Côn Đảo"  # bare: no "Đặc khu" in front
    assert not any(r["name"].startswith(("Xã ", "Phường ", "Đặc khu ")) for r in rows)


def test_never_overwrites_without_force(tmp_path, capsys):
    (tmp_path / "units.csv").write_text("code,name,kind\nSTP,Sở Tư pháp,department\n", encoding="utf-8")
    assert main(["units", "--province", "Lai Châu", "--data-dir", str(tmp_path)]) == 1
    assert "already exists: it is not overwritten (use --force" in capsys.readouterr().err
    assert "Sở Tư pháp" in (tmp_path / "units.csv").read_text(encoding="utf-8")
    assert main(["units", "--province", "Lai Châu", "--data-dir", str(tmp_path), "--force"]) == 0
    assert len((tmp_path / "units.csv").read_text(encoding="utf-8").splitlines()) == 1 + 38


def test_an_unknown_province_lists_the_closest_names(tmp_path, capsys):
    assert main(["units", "--province", "An Gian", "--data-dir", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "unknown province 'An Gian'; closest: An Giang" in err
    assert not (tmp_path / "units.csv").exists()
    with pytest.raises(UnknownProvince) as info:
        find_province("Hà Tây")
    assert info.value.closest
