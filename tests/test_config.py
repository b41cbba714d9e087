"""Settings: flag, then TRIAGE_* variable, then config file, then default; bad config fails."""

from __future__ import annotations

from pathlib import Path

import pytest

from triage.config import ConfigError, load_settings


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_flag_beats_variable_beats_config_beats_default(tmp_path: Path) -> None:
    config = write(tmp_path, 'inbox = "/from/config"\nuser = "carol"\ntheme = "triage-light"\n')
    env = {"TRIAGE_INBOX": "/from/env"}
    s = load_settings(inbox="/from/flag", config_path=config, environ=env)
    assert s.inbox == Path("/from/flag")
    assert load_settings(config_path=config, environ=env).inbox == Path("/from/env")
    s = load_settings(config_path=config, environ={})
    assert (s.inbox, s.user, s.theme) == (Path("/from/config"), "carol", "triage-light")
    assert s.db == Path("/from/config/.triage")
    s = load_settings(config_path=tmp_path / "missing.toml", environ={})
    assert (s.inbox, s.theme) == (Path("inbox"), "triage-dark")


def test_views_and_keys_tables(tmp_path: Path) -> None:
    config = write(tmp_path, '[views]\nMine = "assignee:me"\n[keys]\nack = "K"\n')
    s = load_settings(config_path=config, environ={})
    assert s.views == {"Mine": "assignee:me"} and s.keymap == {"ack": "K"}


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("views = 3", "views must be a table"),
        ("keys = 3", "keys must be a table"),
        ("query = 7", "query must be a string"),
        ('polling = "no"', "polling must be true or false"),
        ("[keys]\nack = 5", "[keys] ack must be a string"),
        ("[views]\nMine = ['a']", "[views] Mine must be a string"),
        ("inbox = [", "cannot read config file"),
    ],
)
def test_a_wrong_type_is_an_error_naming_the_key(tmp_path: Path, text: str, words: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(config_path=write(tmp_path, text), environ={})
    assert words in str(info.value)


def test_unknown_keys_are_warned_naming_the_known_ones(tmp_path: Path) -> None:
    config = write(tmp_path, 'qeury = "x"\nuser = "carol"\n')
    s = load_settings(config_path=config, environ={})
    assert s.user == "carol" and len(s.warnings) == 1
    assert "qeury" in s.warnings[0] and "query" in s.warnings[0] and "views" in s.warnings[0]
    assert load_settings(config_path=write(tmp_path, 'user = "c"'), environ={}).warnings == []


def test_a_missing_file_named_by_triage_config_is_an_error(tmp_path: Path) -> None:
    missing = tmp_path / "typo.toml"
    with pytest.raises(ConfigError, match=r"TRIAGE_CONFIG names .*typo\.toml"):
        load_settings(environ={"TRIAGE_CONFIG": str(missing)})
    # The default config file may be missing: that is no config.
    settings = load_settings(config_path=tmp_path / "config.toml", environ={})
    assert settings.config == {}
