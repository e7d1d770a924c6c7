"""Which data directory the CLI works on: the same one wherever it runs.

The data directory holds the SQLite database, the master key file, the journals and
the dead-letter files. Taking it from the current directory made ``keys create`` run
in another folder write a key into a fresh database that no gateway serves. It comes,
in this order, from:

1. ``--data-dir DIR`` (before the command: ``careergate --data-dir DIR keys list``);
2. ``CAREERGATE_DATA_DIR``;
3. ``data_dir`` in the user's config file, ``config.toml`` in the user's config
   directory (``$XDG_CONFIG_HOME/careergate/``, by default ``~/.config/careergate/``);
   a relative path there is taken from the file's own directory;
4. the user's data directory (``$XDG_DATA_HOME/careergate``, by default
   ``~/.local/share/careergate``).

A relative path on the command line or in the variable is taken from the current
directory once, when the CLI starts, and passed on as an absolute path.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "careergate"
ENVIRONMENT_VARIABLE = "CAREERGATE_DATA_DIR"
CONFIG_KEYS = frozenset({"data_dir"})


class ConfigFileError(ValueError):
    """The user's config file cannot be read; the message names the file and the fault."""


@dataclass(frozen=True)
class DataDirectory:
    path: Path
    """Absolute."""
    source: str
    """Where it was found, in words: ``--data-dir``, ``CAREERGATE_DATA_DIR``, ..."""


def user_config_file() -> Path:
    return platformdirs.user_config_path(APP_NAME) / "config.toml"


def _absolute(path: Path, base: Path) -> Path:
    """``path`` from ``base``, ``~`` expanded and ``..`` folded (symbolic links kept)."""
    path = path.expanduser()
    return Path(os.path.normpath(path if path.is_absolute() else base / path))


def _configured(config_file: Path) -> Path | None:
    """``data_dir`` from the config file, if the file exists and names one."""
    try:
        text = config_file.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigFileError(f"{config_file} cannot be read: {exc}") from None
    try:
        values = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigFileError(f"{config_file} is not valid TOML: {exc}") from None
    unknown = sorted(set(values) - CONFIG_KEYS)
    if unknown:
        known = ", ".join(sorted(CONFIG_KEYS))
        raise ConfigFileError(f"{config_file}: unknown setting {unknown[0]!r} (known: {known})")
    value = values.get("data_dir")
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ConfigFileError(f"{config_file}: data_dir must be a path in quotes")
    if "\0" in value:
        raise ConfigFileError(f"{config_file}: data_dir holds a NUL character; no path can")
    return _absolute(Path(value), config_file.parent)


def locate(
    option: Path | None,
    environment: Mapping[str, str],
    config_file: Path,
    current: Path,
) -> DataDirectory:
    """The data directory from the option, the environment, the config file or the
    default, in that order (the module's docstring)."""
    if option is not None:
        return DataDirectory(_absolute(option, current), "--data-dir")
    from_environment = environment.get(ENVIRONMENT_VARIABLE, "").strip()
    if from_environment:
        return DataDirectory(_absolute(Path(from_environment), current), ENVIRONMENT_VARIABLE)
    configured = _configured(config_file)
    if configured is not None:
        return DataDirectory(configured, f"data_dir in {config_file}")
    return DataDirectory(platformdirs.user_data_path(APP_NAME), "the default")
