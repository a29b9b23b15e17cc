"""config.yml: required keys, defaults, YAML errors."""

import unicodedata

import pytest

from cchc.config import load_config
from workbooks import DEFAULT_CONFIG, write_config

MINIMAL = """\
issuer: "UBND HUYỆN THỬ"
place: "Thử"
document_code: "UBND-NV"
signer: {title: "CHỦ TỊCH", name: "Nguyễn Văn A"}
"""


def _load(tmp_path, text):
    write_config(tmp_path / "config.yml", text)
    return load_config(tmp_path)


def test_minimal_gets_defaults(tmp_path):
    config, problems = _load(tmp_path, MINIMAL)
    assert problems == []
    assert config["issuer"] == "UBND HUYỆN THỬ"
    assert config["signer"] == {"title": "CHỦ TỊCH", "name": "Nguyễn Văn A"}
    assert config["level"] == "huyện"
    assert config["parameters"] == {}
    assert config["recipients"] == []  # the letter then addresses the registry's kinds
    assert isinstance(config["distribution"], list)
    assert config["proposer"]


def test_full_config_kept(tmp_path):
    config, problems = _load(tmp_path, {**DEFAULT_CONFIG, "level": "tỉnh", "extra_key": [1, 2],
                                        "parameters": {"payment_target": 35}})
    assert problems == []
    assert config["level"] == "tỉnh"
    assert config["extra_key"] == [1, 2]
    assert config["parameters"] == {"payment_target": 35}
    assert config["distribution"] == DEFAULT_CONFIG["distribution"]


def test_defaults_follow_level(tmp_path):
    config, _ = _load(tmp_path, MINIMAL + 'level: "tỉnh"\n')
    assert "tỉnh" in config["proposer"]


@pytest.mark.parametrize("key", ["issuer", "place", "document_code"])
def test_missing_required_key(tmp_path, key):
    text = "\n".join(line for line in MINIMAL.splitlines() if not line.startswith(key))
    config, problems = _load(tmp_path, text)
    assert [(p.level, p.column, p.file) for p in problems] == [("error", key, "config.yml")]
    assert key in problems[0].message


@pytest.mark.parametrize("key", ["issuer", "place", "document_code"])
def test_empty_required_key(tmp_path, key):
    config, problems = _load(tmp_path, MINIMAL.replace(f"{key}: ", f"{key}: ''  # ", 1))
    assert [p.column for p in problems] == [key]


def test_signer_checks(tmp_path):
    _, problems = _load(tmp_path, MINIMAL.replace('name: "Nguyễn Văn A"', 'name: ""'))
    assert [p.column for p in problems] == ["signer.name"]
    _, problems = _load(tmp_path, MINIMAL.replace('signer: {title: "CHỦ TỊCH", name: "Nguyễn Văn A"}', ""))
    assert [p.column for p in problems] == ["signer"]
    _, problems = _load(tmp_path, MINIMAL.replace('signer: {title: "CHỦ TỊCH", name: "Nguyễn Văn A"}', "signer: Ai đó"))
    assert [p.column for p in problems] == ["signer"]


def test_invalid_yaml_names_the_line(tmp_path):
    _, problems = _load(tmp_path, MINIMAL + "recipients: [a, b\nparameters: {}\n")
    assert len(problems) == 1
    p = problems[0]
    assert p.is_error and p.file == "config.yml" and p.row is not None
    assert f"line {p.row}" in p.message
    assert p.row >= 5


def test_tab_indentation_yaml_error(tmp_path):
    _, problems = _load(tmp_path, "issuer: a\nsigner:\n\ttitle: b\n")
    assert len(problems) == 1 and problems[0].row == 3


def test_missing_file(tmp_path):
    config, problems = load_config(tmp_path)
    assert len(problems) == 1 and problems[0].is_error
    assert config["level"] == "huyện"


def test_not_a_mapping(tmp_path):
    _, problems = _load(tmp_path, "- a\n- b\n")
    assert len(problems) == 1 and problems[0].is_error


def test_lists_and_parameters_checked(tmp_path):
    config, problems = _load(tmp_path, MINIMAL + "recipients: Một người\ndistribution: 3\nparameters: [1]\n")
    assert config["recipients"] == ["Một người"]
    assert [p.column for p in problems] == ["distribution", "parameters"]
    _, problems = _load(tmp_path, MINIMAL + "parameters: {payment_targte: 30}\n")
    assert [(p.level, p.column) for p in problems] == [("warning", "parameters.payment_targte")]


def test_text_is_nfc(tmp_path):
    config, _ = _load(tmp_path, unicodedata.normalize("NFD", MINIMAL))
    assert config["issuer"] == unicodedata.normalize("NFC", "UBND HUYỆN THỬ")
    assert config["signer"]["name"] == unicodedata.normalize("NFC", "Nguyễn Văn A")
