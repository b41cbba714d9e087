"""Read theme files (TOML) into textual.theme.Theme objects, and the app's colour variables.

A theme file holds the fields of ``textual.theme.Theme`` (``name``, ``primary``, ``secondary``,
``accent``, ``background``, ``surface``, ``panel``, ``boost``, ``warning``, ``error``,
``success``, ``foreground``, ``dark``, ``ansi``, ``luminosity_spread``, ``text_alpha``) plus a
``[variables]`` table. The shipped themes live in the ``triage.themes`` package (the top-level
``themes/`` folder); users may drop more in ``<config dir>/themes``. A broken file is reported
as a failure string, never raised, so the app can show every failure in one notification.

This module imports nothing from the app; Textual's ``Theme`` and ``Color`` only.
"""

from __future__ import annotations

import dataclasses
import importlib.resources
import os
import re
import tomllib
from collections.abc import Iterable, Mapping
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from textual.color import Color, ColorParseError
from textual.theme import Theme

DEFAULT_THEME = "triage-dark"
"""The theme used when none is asked for (and the fallback for an unknown name)."""

SHIPPED_THEMES = ("triage-dark", "triage-light", "triage-high-contrast", "triage-16")
"""The names of the themes shipped in ``triage.themes``."""

THEME_VARIABLE_DEFAULTS: dict[str, str] = {
    # Precedence: hotter colours for more urgent traffic.
    "precedence-flash": "#ff453a",
    "precedence-niact": "#ff4fd8",
    "precedence-immediate": "#ff9f0a",
    "precedence-priority": "#e3c23a",
    "precedence-routine": "#8b949e",
    # Classification: US banner conventions (U green, CUI/SBU/LOU purple, C blue, S red,
    # TS orange); UNKNOWN is treated as the most restrictive and gets a neutral dark grey.
    "classification-unclassified": "#007a33",
    "classification-sbu": "#502b85",
    "classification-lou": "#6a3d9a",
    "classification-confidential": "#0033a0",
    "classification-secret": "#c8102e",
    "classification-topsecret": "#ff8c00",
    "classification-unknown": "#5a5a5a",
    # Queue state.
    "unread": "#58a6ff",
    "selected": "#264f78",
    "action-open": "#d29922",
    "alert": "#f85149",
}
"""The app's own colour variables and their defaults (dark). Themes may override any of them
in their ``[variables]`` table; ``TriageApp.get_theme_variable_defaults`` returns this."""

CLASSIFICATION_VARIABLES: dict[str | None, str] = {
    "UNCLASSIFIED": "classification-unclassified",
    "UNCLASSIFIED//FOR OFFICIAL USE ONLY": "classification-sbu",
    "LIMITED OFFICIAL USE": "classification-lou",
    "CONFIDENTIAL": "classification-confidential",
    "SECRET": "classification-secret",
    "TOP SECRET": "classification-topsecret",
    None: "classification-unknown",
}
"""Parsed classification -> the colour variable (and CSS class suffix) that shows it."""

_COLOUR_FIELDS = (
    "primary",
    "secondary",
    "warning",
    "error",
    "success",
    "accent",
    "foreground",
    "background",
    "surface",
    "panel",
    "boost",
)
_BOOL_FIELDS = ("dark", "ansi")
_FLOAT_FIELDS = ("luminosity_spread", "text_alpha")
_META_FIELDS = ("description", "author")
_KNOWN_KEYS = frozenset(
    ("name", "variables", *_COLOUR_FIELDS, *_BOOL_FIELDS, *_FLOAT_FIELDS, *_META_FIELDS)
)

_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_VARIABLE_RE = re.compile(r"^[a-z][a-z0-9-]{0,63}$")
_PERCENT_RE = re.compile(r"^\d{1,3}(\.\d+)?%$")
_STYLE_WORDS = frozenset(
    (
        "none",
        "not",
        "bold",
        "dim",
        "italic",
        "underline",
        "underline2",
        "reverse",
        "strike",
        "blink",
        "overline",
    )
)
_MAX_FILE_BYTES = 64 * 1024
_ANSI_REQUIRED = ("ansi-background", "ansi-foreground")


class ThemeFileError(ValueError):
    """A theme file cannot be used; the message says why."""


def user_theme_dir() -> Path:
    """The folder where users may drop their own theme files (``<config dir>/themes``)."""
    from triage.config import config_dir

    return config_dir() / "themes"


def shipped_theme_files() -> list[Traversable]:
    """The ``*.toml`` files shipped in ``triage.themes``, sorted by name.

    Falls back to the repository's ``themes/`` folder when triage runs from a source tree that
    was not installed (the package-dir mapping only exists once installed).
    """
    root: Traversable
    try:
        root = importlib.resources.files("triage.themes")
    except ModuleNotFoundError:
        root = Path(__file__).resolve().parent.parent / "themes"
    try:
        files = [f for f in root.iterdir() if f.name.endswith(".toml") and f.is_file()]
    except OSError:
        return []
    return sorted(files, key=lambda f: f.name)


def load_themes(extra_dirs: list[Path] | None = None) -> tuple[list[Theme], list[str]]:
    """Load the shipped themes and every ``*.toml`` in the extra folders.

    Args:
        extra_dirs: folders of user theme files, read after the shipped ones (a later theme
            with the same name replaces an earlier one). ``None`` means the user's config
            folder, ``user_theme_dir()``; a folder that does not exist is skipped silently.

    Returns:
        ``(themes, failures)``: the valid themes in load order, and one ``"<file>: <reason>"``
        string per file that could not be used. Never raises for a bad file or folder.
        With ``NO_COLOR`` in the environment, an ANSI theme (``ansi = true``) comes back with
        ``ansi`` False, so that Textual's greying shows it (not black on black).
    """
    if extra_dirs is None:
        extra_dirs = [user_theme_dir()]
    # Under NO_COLOR, Textual greys every colour with a filter chosen once, when the app is
    # built, for the theme of that moment (not ANSI): it greys colours by their RGB, and a
    # palette colour (ansi_*) has none, so an ANSI theme came out black on black. Such a theme
    # is then drawn as RGB (Textual's own mapping of the palette), which greys properly.
    # Textual's test is NO_COLOR being present, even empty (not ``no_color_requested``).
    no_color = "NO_COLOR" in os.environ
    loaded: dict[str, Theme] = {}
    failures: list[str] = []
    sources: list[tuple[str, Traversable | Path]] = [
        (f"triage.themes/{_printable(f.name)}", f) for f in shipped_theme_files()
    ]
    for folder in extra_dirs:
        try:
            if not folder.is_dir():
                continue
            paths = sorted(p for p in folder.iterdir() if p.suffix == ".toml")
        except OSError as exc:
            failures.append(
                f"{_printable(str(folder), 400)}: cannot list theme folder ({exc.strerror or exc})"
            )
            continue
        sources.extend((_printable(str(p), 400), p) for p in paths)
    for label, source in sources:
        try:
            theme = theme_from_bytes(_read_limited(source))
        except ThemeFileError as exc:
            failures.append(f"{label}: {exc}")
            continue
        if theme.ansi and no_color:
            theme = dataclasses.replace(theme, ansi=False)
        loaded.pop(theme.name, None)
        loaded[theme.name] = theme
    return list(loaded.values()), failures


def _read_limited(source: Traversable | Path) -> bytes:
    try:
        if isinstance(source, Path) and not source.is_file():
            raise ThemeFileError("not a regular file")
        data = source.read_bytes()
    except OSError as exc:
        raise ThemeFileError(f"cannot read ({exc.strerror or exc})") from exc
    if len(data) > _MAX_FILE_BYTES:
        raise ThemeFileError(f"too large ({len(data)} bytes; a theme is under 64 KiB)")
    return data


def theme_from_bytes(data: bytes) -> Theme:
    """Parse and validate one theme file's bytes.

    Args:
        data: the file's content (UTF-8 TOML).

    Returns:
        The Theme.

    Raises:
        ThemeFileError: the file is not valid TOML, or a field is missing or wrong.
    """
    try:
        table = tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ThemeFileError("not UTF-8 text") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ThemeFileError(f"not valid TOML ({exc})") from exc
    return theme_from_table(table)


def theme_from_table(table: Mapping[str, Any]) -> Theme:
    """Validate a theme's TOML table and build the Theme.

    Args:
        table: the parsed TOML document.

    Returns:
        The Theme.

    Raises:
        ThemeFileError: a field is missing, unknown, or not a usable value.
    """
    unknown = sorted(set(table) - _KNOWN_KEYS)
    if unknown:
        raise ThemeFileError(
            f"unknown key(s) {', '.join(map(_quote, unknown))}; "
            f"known: {', '.join(sorted(_KNOWN_KEYS))}"
        )
    name = table.get("name")
    if not isinstance(name, str) or not _NAME_RE.match(name):
        raise ThemeFileError(
            "'name' must be 1-64 letters, digits, '-', '_' or '.', starting with a letter or digit"
        )
    if "primary" not in table:
        raise ThemeFileError("'primary' is required")
    kwargs: dict[str, Any] = {"name": name}
    for key in _COLOUR_FIELDS:
        if key in table:
            kwargs[key] = _colour(key, table[key])
    for key in _BOOL_FIELDS:
        if key in table:
            if not isinstance(table[key], bool):
                raise ThemeFileError(f"{_quote(key)} must be true or false")
            kwargs[key] = table[key]
    for key in _FLOAT_FIELDS:
        if key in table:
            value = table[key]
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ThemeFileError(f"{_quote(key)} must be a number")
            if not 0.0 <= float(value) <= 1.0:
                raise ThemeFileError(f"{_quote(key)} must be between 0 and 1")
            kwargs[key] = float(value)
    variables = table.get("variables", {})
    if not isinstance(variables, dict):
        raise ThemeFileError("'variables' must be a table")
    kwargs["variables"] = {str(key): _variable(key, value) for key, value in variables.items()}
    if kwargs.get("ansi"):
        # Textual's own CSS reads these in ANSI mode; its built-in ANSI themes define them.
        for key in _ANSI_REQUIRED:
            kwargs["variables"].setdefault(key, "ansi_default")
    theme = Theme(**kwargs)
    try:
        theme.to_color_system().generate()
    except (ColorParseError, ValueError, TypeError) as exc:
        raise ThemeFileError(f"colours cannot be combined ({exc})") from exc
    return theme


def _quote(text: str) -> str:
    return repr(_printable(str(text)))


def _printable(text: str, limit: int = 80) -> str:
    return "".join(ch if ch.isprintable() else "?" for ch in text)[:limit]


def _colour(key: str, value: Any) -> str:
    if not isinstance(value, str):
        raise ThemeFileError(f"{_quote(key)} must be a colour string")
    try:
        Color.parse(value)
    except ColorParseError as exc:
        raise ThemeFileError(f"{_quote(key)}: {_quote(value)} is not a colour") from exc
    return value


def _variable(key: Any, value: Any) -> str:
    if not isinstance(key, str) or not _VARIABLE_RE.match(key):
        raise ThemeFileError(f"variable {_quote(str(key))}: names are lower-case words with '-'")
    if not isinstance(value, str) or not value.strip():
        raise ThemeFileError(f"variable {_quote(key)} must be a non-empty string")
    words = value.split()
    if key.endswith("-style") and key not in THEME_VARIABLE_DEFAULTS:
        bad = [w for w in words if w not in _STYLE_WORDS]
        if bad:
            raise ThemeFileError(
                f"variable {_quote(key)}: {_quote(bad[0])} is not a text style "
                f"({', '.join(sorted(_STYLE_WORDS))})"
            )
        return value
    if len(words) > 2 or (len(words) == 2 and not _PERCENT_RE.match(words[1])):
        raise ThemeFileError(
            f"variable {_quote(key)}: {_quote(value)} is not a colour (or 'colour NN%')"
        )
    if words[0] == "auto" and key not in THEME_VARIABLE_DEFAULTS:
        return value
    try:
        Color.parse(words[0])
    except ColorParseError as exc:
        raise ThemeFileError(f"variable {_quote(key)}: {_quote(value)} is not a colour") from exc
    return value


def no_color_requested(environ: Mapping[str, str] | None = None) -> bool:
    """Whether the user asked for no colour (https://no-color.org: ``NO_COLOR`` set, non-empty).

    Textual already turns every colour into greyscale when ``NO_COLOR`` is present; the app
    uses this to pick the high-contrast theme, whose text and borders stay distinct in grey.

    Args:
        environ: the environment to look in (``os.environ`` when None).
    """
    env = os.environ if environ is None else environ
    return bool(env.get("NO_COLOR"))


def resolve_theme_name(
    requested: str | None,
    available: Iterable[str],
    environ: Mapping[str, str] | None = None,
) -> tuple[str, str | None]:
    """Pick the theme to start with.

    Args:
        requested: the name from ``--theme`` / ``TRIAGE_THEME`` / the config file, or None.
        available: the names of every registered theme.
        environ: the environment (for ``NO_COLOR``); ``os.environ`` when None.

    Returns:
        ``(name, warning)``: the theme name to set, and a message for the user when the
        requested theme does not exist (None otherwise). With ``NO_COLOR`` and no explicit
        request, the high-contrast theme.
    """
    names = set(available)
    if not requested:
        if no_color_requested(environ) and "triage-high-contrast" in names:
            return "triage-high-contrast", None
        return DEFAULT_THEME, None
    if requested in names:
        return requested, None
    return DEFAULT_THEME, (
        f"Unknown theme {_quote(requested)}; using {DEFAULT_THEME}. "
        f"Known: {', '.join(sorted(names))}"
    )


def classification_variable(classification: str | None) -> str:
    """The colour variable for a parsed classification (UNKNOWN for None or anything else)."""
    return CLASSIFICATION_VARIABLES.get(classification, "classification-unknown")


def classification_class(classification: str | None) -> str:
    """A CSS class naming a classification's colour, e.g. ``-classification-secret``."""
    return "-" + classification_variable(classification)
