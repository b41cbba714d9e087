"""Settings: each from a flag, else a TRIAGE_* variable, else the config file, else the default."""

from __future__ import annotations

import getpass
import os
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs


class ConfigError(Exception):
    """The config file cannot be read; the message says which file and why."""


def config_dir() -> Path:
    """The platform's config directory for triage (``~/.config/triage`` on Linux)."""
    return Path(platformdirs.user_config_dir("triage", appauthor=False))


def login_name() -> str:
    """The operating-system login, or ``uid<N>`` when it cannot be found."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid{os.getuid()}"


@dataclass(slots=True)
class Settings:
    """Where things live and who is acting. Built by ``load_settings`` or explicitly in tests."""

    inbox: Path
    db: Path
    user: str
    theme: str = "triage-dark"
    os_user: str = field(default_factory=login_name)
    query: str = ""
    views: dict[str, str] = field(default_factory=dict)
    keymap: dict[str, str] = field(default_factory=dict)
    polling: bool = False
    config_path: Path | None = None
    config: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    """What the config file has that triage ignores (unknown keys), for the user to see."""

    def person(self, name: str) -> str:
        """A user name as typed for an assignee: ``me`` is the acting user (CLI and app)."""
        return self.user if name == "me" else name


def read_config(path: Path | None = None) -> tuple[dict[str, Any], Path]:
    """Read ``config.toml``; a missing file is an empty config, a broken one a ConfigError."""
    path = path or config_dir() / "config.toml"
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh), path
    except FileNotFoundError:
        return {}, path
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read config file {path}: {exc}") from exc


def load_settings(
    *,
    inbox: str | None = None,
    db: str | None = None,
    user: str | None = None,
    theme: str | None = None,
    polling: bool = False,
    config_path: Path | None = None,
    environ: dict[str, str] | None = None,
) -> Settings:
    """Resolve settings: flag, then TRIAGE_* variable, then config file, then default."""
    env = os.environ if environ is None else environ
    named = _env_path(env.get("TRIAGE_CONFIG"))
    if config_path is None and named is not None and not named.exists():
        # A file the user named on purpose: its absence is a mistake, not "no config".
        raise ConfigError(
            f"TRIAGE_CONFIG names {named}, which does not exist; create it, or unset "
            "TRIAGE_CONFIG to use the default config file"
        )
    config, path = read_config(config_path or named)
    _check_types(config, path)

    def pick(flag: str | None, var: str, key: str, default: str) -> str:
        for value in (flag, env.get(var), config.get(key)):
            if value:
                return str(value)
        return default

    inbox_path = Path(pick(inbox, "TRIAGE_INBOX", "inbox", "inbox")).expanduser()
    db_value = pick(db, "TRIAGE_DB", "db", "")
    db_path = Path(db_value).expanduser() if db_value else inbox_path / ".triage"
    os_user = login_name()
    views = config.get("views", {})
    keymap = config.get("keys", {})
    return Settings(
        inbox=inbox_path,
        db=db_path,
        user=pick(user, "TRIAGE_USER", "user", os_user),
        theme=pick(theme, "TRIAGE_THEME", "theme", "triage-dark"),
        os_user=os_user,
        query=str(config.get("query", "")),
        views={str(k): str(v) for k, v in views.items()} if isinstance(views, dict) else {},
        keymap={str(k): str(v) for k, v in keymap.items()} if isinstance(keymap, dict) else {},
        polling=polling or bool(config.get("polling", False)),
        config_path=path,
        config=config,
        warnings=_unknown_keys(config, path),
    )


_CONFIG_TYPES: dict[str, tuple[type, str]] = {
    "inbox": (str, "a string (a folder)"),
    "db": (str, "a string (a folder)"),
    "user": (str, "a string"),
    "theme": (str, "a string (a theme name)"),
    "query": (str, "a string (a QUERY)"),
    "polling": (bool, "true or false"),
    "views": (dict, 'a table of name = "QUERY"'),
    "keys": (dict, 'a table of binding-id = "keys"'),
}
"""The config file's keys and the TOML type each must have."""


def _check_types(config: dict[str, Any], path: Path) -> None:
    """A key of the wrong type is a ConfigError naming it, never silently coerced or dropped."""
    for key, (kind, what) in _CONFIG_TYPES.items():
        if key in config and not isinstance(config[key], kind):
            raise ConfigError(f"config file {path}: {key} must be {what}, not {config[key]!r}")
    for table in ("views", "keys"):
        for name, value in config.get(table, {}).items():
            if not isinstance(value, str):
                raise ConfigError(
                    f"config file {path}: [{table}] {name} must be a string, not {value!r}"
                )


def unknown_names(where: str, what: str, unknown: list[str], known: Iterable[str]) -> list[str]:
    """One warning naming ``unknown`` names (``what``: "key", "binding id") found in
    ``where`` and the ``known`` ones, or none when nothing is unknown."""
    if not unknown:
        return []
    return [
        f"{where}: unknown {what} {', '.join(map(repr, unknown))} ignored "
        f"(known: {', '.join(known)})"
    ]


def _unknown_keys(config: dict[str, Any], path: Path) -> list[str]:
    """One warning naming the config file's unknown top-level keys and the known ones."""
    unknown = [key for key in config if key not in _CONFIG_TYPES]
    return unknown_names(f"config file {path}", "key", unknown, _CONFIG_TYPES)


def settings_from_args(args: Any) -> Settings:
    """``load_settings`` from parsed global flags (``inbox``, ``db``, ``user``, ``theme``,
    ``polling``): one place for the CLI's subcommands and the app."""
    return load_settings(
        inbox=args.inbox,
        db=args.db,
        user=args.user,
        theme=args.theme,
        polling=bool(getattr(args, "polling", False)),
    )


def _env_path(value: str | None) -> Path | None:
    return Path(value).expanduser() if value else None
