"""Theme files: the shipped ones load and apply, user themes add or replace, broken files are
reported (file + reason) and never raise; NO_COLOR and unknown names pick a sensible theme."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.color import Color

from triage import theming

REQUIRED_VARIABLES = {
    "precedence-flash",
    "precedence-niact",
    "precedence-immediate",
    "precedence-priority",
    "precedence-routine",
    "classification-unclassified",
    "classification-sbu",
    "classification-lou",
    "classification-confidential",
    "classification-secret",
    "classification-topsecret",
    "classification-unknown",
    "unread",
    "selected",
    "action-open",
    "alert",
}

VALID = """
name = "my-theme"
primary = "#112233"
background = "#000000"
dark = true
[variables]
classification-secret = "#ff0000"
alert = "red 50%"
"""


def _write(folder: Path, name: str, text: str | bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def test_defaults_cover_every_app_variable_and_parse() -> None:
    assert set(theming.THEME_VARIABLE_DEFAULTS) == REQUIRED_VARIABLES
    for value in theming.THEME_VARIABLE_DEFAULTS.values():
        Color.parse(value)


def test_shipped_themes_load_without_failures() -> None:
    themes, failures = theming.load_themes([])
    assert failures == []
    names = {t.name for t in themes}
    assert set(theming.SHIPPED_THEMES) <= names
    assert theming.DEFAULT_THEME in names
    for theme in themes:
        assert set(theme.variables) >= REQUIRED_VARIABLES, theme.name
        theme.to_color_system().generate()


def test_shipped_files_are_found_as_package_data() -> None:
    files = {f.name for f in theming.shipped_theme_files()}
    assert {f"{name}.toml" for name in theming.SHIPPED_THEMES} <= files


def test_16_colour_theme_uses_ansi_colours_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    themes, _ = theming.load_themes([])
    theme = next(t for t in themes if t.name == "triage-16")
    assert theme.ansi is True
    fields = "primary secondary accent foreground background surface panel boost warning error"
    colours = [getattr(theme, field) for field in [*fields.split(), "success"]]
    colours += [v for k, v in theme.variables.items() if not k.endswith("-style")]
    for value in colours:
        assert value.startswith("ansi_"), value
        assert Color.parse(value).ansi is not None


def test_no_color_draws_ansi_themes_as_rgb(monkeypatch: pytest.MonkeyPatch) -> None:
    """Textual greys colours under NO_COLOR by their RGB; palette colours have none (black on
    black), so an ANSI theme is registered as RGB then (tests/app/test_theme_no_color.py)."""
    monkeypatch.setenv("NO_COLOR", "1")
    themes, failures = theming.load_themes([])
    assert failures == []
    by_name = {t.name: t for t in themes}
    assert by_name["triage-16"].ansi is False
    assert by_name["triage-16"].primary == "ansi_blue"  # the same colours
    monkeypatch.setenv("NO_COLOR", "")  # Textual greys then too
    themes, _ = theming.load_themes([])
    assert next(t for t in themes if t.name == "triage-16").ansi is False
    monkeypatch.delenv("NO_COLOR")
    themes, _ = theming.load_themes([])
    assert next(t for t in themes if t.name == "triage-16").ansi is True


def test_light_theme_is_light_and_others_dark() -> None:
    themes = {t.name: t for t in theming.load_themes([])[0]}
    assert themes["triage-light"].dark is False
    assert themes["triage-dark"].dark is True
    assert themes["triage-high-contrast"].dark is True


def test_user_theme_loads_and_can_replace_a_shipped_one(tmp_path: Path) -> None:
    _write(tmp_path, "mine.toml", VALID)
    _write(tmp_path, "override.toml", 'name = "triage-dark"\nprimary = "#abcdef"\n')
    themes, failures = theming.load_themes([tmp_path])
    assert failures == []
    by_name = {t.name: t for t in themes}
    assert by_name["my-theme"].variables["classification-secret"] == "#ff0000"
    assert by_name["triage-dark"].primary == "#abcdef"
    assert [t.name for t in themes].count("triage-dark") == 1


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("name = [unclosed", "not valid TOML"),
        (b"\xff\xfe\x00garbage", "not UTF-8"),
        ('primary = "#000000"\n', "'name'"),
        ('name = "x"\n', "'primary' is required"),
        ('name = "bad name!"\nprimary = "#000000"\n', "'name'"),
        ('name = "x"\nprimary = "not-a-colour"\n', "is not a colour"),
        ('name = "x"\nprimary = 12\n', "must be a colour string"),
        ('name = "x"\nprimary = "#000000"\nprimray = "#111111"\n', "unknown key"),
        ('name = "x"\nprimary = "#000000"\ndark = "yes"\n', "true or false"),
        ('name = "x"\nprimary = "#000000"\ntext_alpha = 7\n', "between 0 and 1"),
        ('name = "x"\nprimary = "#000000"\nvariables = 3\n', "must be a table"),
        ('name = "x"\nprimary = "#000000"\n[variables]\nalert = "red; }"\n', "not a colour"),
        ('name = "x"\nprimary = "#000000"\n[variables]\n"Bad Name" = "red"\n', "names are"),
        ('name = "x"\nprimary = "#000000"\n[variables]\nalert = "auto 50%"\n', "not a colour"),
        ('name = "x"\nprimary = "#000000"\n[variables]\nfoo-text-style = "loud"\n', "text style"),
        ('name = "x"\nprimary = "#000000"\n[variables]\nalert = ""\n', "non-empty"),
    ],
)
def test_broken_theme_is_a_failure_not_a_crash(tmp_path: Path, text: str, reason: str) -> None:
    path = _write(tmp_path, "broken.toml", text)
    _write(tmp_path, "good.toml", VALID)
    themes, failures = theming.load_themes([tmp_path])
    assert len(failures) == 1, failures
    assert failures[0].startswith(f"{path}: ")
    assert reason in failures[0]
    assert "my-theme" in {t.name for t in themes}
    assert set(theming.SHIPPED_THEMES) <= {t.name for t in themes}


def test_unreadable_entries_and_huge_files_are_failures(tmp_path: Path) -> None:
    (tmp_path / "folder.toml").mkdir()
    _write(tmp_path, "huge.toml", 'name = "x"\nprimary = "#000000"\n' + "#" * 70_000)
    _write(tmp_path, "notes.txt", "not a theme, ignored")
    themes, failures = theming.load_themes([tmp_path])
    assert sorted(f.split(": ", 1)[1].split(" (")[0] for f in failures) == [
        "not a regular file",
        "too large",
    ]
    assert set(theming.SHIPPED_THEMES) <= {t.name for t in themes}


def test_missing_user_folder_is_fine(tmp_path: Path) -> None:
    themes, failures = theming.load_themes([tmp_path / "nope"])
    assert failures == []
    assert len(themes) >= 4


def test_default_extra_dir_is_the_config_themes_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("triage.config.config_dir", lambda: tmp_path)
    assert theming.user_theme_dir() == tmp_path / "themes"
    _write(tmp_path / "themes", "mine.toml", VALID)
    themes, failures = theming.load_themes()
    assert failures == []
    assert "my-theme" in {t.name for t in themes}


def test_failure_messages_carry_no_control_characters(tmp_path: Path) -> None:
    _write(tmp_path, "evil.toml", 'name = "x"\nprimary = "\\u001b[31m"\n')
    _write(tmp_path, "name\x1b]0;pwned\x07.toml", "broken = ")
    _, failures = theming.load_themes([tmp_path])
    assert len(failures) == 2
    for failure in failures:
        assert "\x1b" not in failure and "\x07" not in failure


def test_no_color_and_theme_resolution() -> None:
    names = ["triage-dark", "triage-light", "triage-high-contrast", "triage-16"]
    assert theming.no_color_requested({"NO_COLOR": "1"})
    assert not theming.no_color_requested({"NO_COLOR": ""})
    assert not theming.no_color_requested({})
    assert theming.resolve_theme_name(None, names, {}) == ("triage-dark", None)
    assert theming.resolve_theme_name(None, names, {"NO_COLOR": "1"}) == (
        "triage-high-contrast",
        None,
    )
    assert theming.resolve_theme_name("triage-16", names, {"NO_COLOR": "1"}) == ("triage-16", None)
    name, warning = theming.resolve_theme_name("nope", names, {})
    assert name == "triage-dark"
    assert warning is not None and "nope" in warning and "triage-light" in warning


def test_classification_variables() -> None:
    assert theming.classification_variable("SECRET") == "classification-secret"
    assert theming.classification_variable(None) == "classification-unknown"
    assert theming.classification_variable("WEIRD") == "classification-unknown"
    assert theming.classification_class("TOP SECRET") == "-classification-topsecret"
    for name in theming.CLASSIFICATION_VARIABLES.values():
        assert name in theming.THEME_VARIABLE_DEFAULTS
