"""The CLI's outermost layer: every error ends as one line on standard error and an exit
code, never as a Python traceback.

Exit codes (README, "Exit codes"): 0 done; 1 the command failed (the database cannot be
reached, a key is not found, a check found a problem); 2 the command line or the
settings are wrong (an option's value, a missing argument, an invalid
``CAREERGATE_*`` variable or config file); 130 interrupted (Ctrl-C).

An error the code expects says what is wrong and what to do. Anything else is a bug: it
is named in one line too, and ``CAREERGATE_DEBUG=1`` shows its traceback. Either line
goes through the secret scanner first, since an exception's text can quote a value.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Callable, Sequence
from typing import Any

import typer

# typer keeps its click in ``typer._click``: the exception of a group called without a
# subcommand (its message is the group's help, printed as it is), and the base of the
# errors click itself shows when a command runs without this guard (typer's CliRunner).
from typer._click.exceptions import ClickException, NoArgsIsHelpError

OK, FAILED, USAGE, INTERRUPTED = 0, 1, 2, 130

_KNOWN_SECRETS = (
    "CAREERGATE_MASTER_KEY",
    "CAREERGATE_PREVIOUS_MASTER_KEY",
    "OPENAI_API_KEY",
    "AZURE_OPENAI_API_KEY",
    "CAREERGATE_EVAL_KEY",
    "CAREERGATE_KEY",
)


class CliFailure(ClickException):
    """An expected failure of a command: ``message`` is all the operator sees. A click
    exception, so that the command fails the same way run without the guard (in-process
    through typer's test runner: ``Error: message``, the same exit code)."""

    def __init__(self, message: str, exit_code: int = FAILED) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code


_EXPECTED: tuple[tuple[str, str, int, str], ...] = (
    ("careergate.errors", "GatewayError", FAILED, ""),
    ("careergate.security.master_key", "MasterKeySettingError", USAGE, ""),  # a setting
    ("careergate.security.master_key", "MasterKeyError", FAILED, ""),
    ("careergate.security.envelope", "MasterKeyMismatch", USAGE, ""),  # a setting to fix
    ("careergate.security.envelope", "SealError", FAILED, "a sealed secret does not open: "),
    ("careergate.config.deployments", "ConfigError", USAGE, ""),
    ("careergate.storage.backup", "BackupError", FAILED, ""),
    ("careergate.storage.database", "ForeignDatabase", USAGE, ""),  # a setting to fix
    ("careergate.storage.database", "UnknownSchema", FAILED, ""),
    ("pydantic_settings", "SettingsError", USAGE, "invalid settings: "),
    ("builtins", "UnicodeDecodeError", USAGE, "a file given is not UTF-8 text: "),
    ("careergate.models.admin", "AliasError", FAILED, ""),
    ("sqlalchemy.exc", "DBAPIError", FAILED, "the database failed: "),  # gone, or locked
    ("openai", "APIError", FAILED, "the gateway (--base-url) failed: "),
)
"""Exceptions whose text is written for operators (after the prefix that says whose it
is), and the exit code each ends with. Looked up in ``sys.modules`` only: a module that
was never imported cannot have raised its exception, and the guard must not import the
heavy ones to find out."""


def _expected(error: BaseException) -> tuple[str, int] | None:
    for module_name, class_name, code, prefix in _EXPECTED:
        module = sys.modules.get(module_name)
        kind = getattr(module, class_name, None) if module is not None else None
        if isinstance(kind, type) and isinstance(error, kind):
            return prefix + str(getattr(error, "message", None) or error), code
    if isinstance(error, OSError):
        return str(error), FAILED
    return None


def describe(error: BaseException) -> tuple[str, int]:
    """One line for ``error`` and the exit code it ends with."""
    if isinstance(error, CliFailure):
        return error.message, error.exit_code
    if isinstance(error, NoArgsIsHelpError):
        return error.format_message(), error.exit_code
    if isinstance(error, typer.TyperException):  # click's usage errors among them
        context = getattr(error, "ctx", None)
        hint = (
            f" (see: {context.command_path} --help)" if error.exit_code == USAGE and context else ""
        )
        return f"{error.format_message()}{hint}", error.exit_code
    expected = _expected(error)
    if expected is not None:
        return expected
    return (
        f"unexpected {type(error).__name__}: {error} (a bug in careergate; "
        "CAREERGATE_DEBUG=1 shows where it happened)",
        FAILED,
    )


def _scrubbed(text: str) -> str:
    from careergate.security.secrets import SecretScanner

    known = [value for name in _KNOWN_SECRETS if (value := os.environ.get(name))]
    return SecretScanner().scrub(text, known)


def report(error: BaseException) -> int:
    """Print ``error`` as the operator should see it; its exit code."""
    text, code = describe(error)
    if isinstance(error, NoArgsIsHelpError):
        typer.echo(text, err=True)
        return code
    first, *rest = _scrubbed(text).strip().splitlines() or [""]
    # One line: a multi-line message (a database driver's, say) keeps its first line.
    typer.echo(f"error: {first}{' ...' if rest else ''}", err=True)
    if os.environ.get("CAREERGATE_DEBUG") and not isinstance(error, typer.TyperException):
        traceback.print_exception(error)
    return code


def run_guarded(command: Callable[..., Any], args: Sequence[str] | None = None) -> int:
    """Run a click command (``typer.main.get_command(app)``) with ``args``; its exit code."""
    try:
        result = command(args=args, prog_name="careergate", standalone_mode=False)
    except KeyboardInterrupt:
        return INTERRUPTED
    except typer.Abort:
        typer.echo("aborted", err=True)
        return FAILED
    except Exception as error:  # the guard's purpose: no traceback for any of them
        return report(error)
    return result if isinstance(result, int) else OK
