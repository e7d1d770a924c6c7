"""How long the CLI takes for ``careergate --help``, ``keys list``, ``privacy purge`` and
``alerts list``, against ``python -c pass`` (the interpreter's own start) in the same run.

Each command runs ``--runs`` times, the commands in turn so that a busy moment on the
shared machine falls on all of them alike; the table gives the median wall time and
the median CPU time (user and system, of the child) per command and their ratios to
the baseline's. The commands run on a data directory created for the run
(``careergate db init``), with one key in it. With ``--instructions``, each command
also runs once under ``valgrind --tool=callgrind``, whose count of instructions does
not depend on what else the machine is doing.

Run: ``python bench/cli_start_bench.py [--runs 10] [--before OTHER/src] [--instructions]``
(``--before``: another version's source, run as ``python -m careergate`` with it first
on ``PYTHONPATH`` and measured in the same rounds, e.g. from ``git archive REV src``).
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CLI = str(Path(sys.executable).parent / "careergate")
Command = tuple[list[str], dict[str, str]]


def _timed(command: Command) -> tuple[float, float]:
    """Wall and CPU seconds of one run of ``command`` (which must succeed)."""
    argv, env = command
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode:
        raise SystemExit(f"{' '.join(argv)} failed: {done.stderr.decode()}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def _instructions(command: Command) -> int:
    """Instructions one run of ``command`` executes in user space (callgrind)."""
    argv, env = command
    done = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *argv],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    found = re.search(r"Collected : (\d+)", done.stderr)
    if found is None:
        raise SystemExit(f"no count from callgrind: {done.stderr[-500:]}")
    return int(found.group(1))


MEASURED = (["--help"], ["keys", "list"], ["privacy", "purge"], ["alerts", "list"])
"""The commands timed: the help, a listing, and two operator commands that once loaded
the whole gateway."""


def _commands(env: dict[str, str], before: str | None) -> dict[str, Command]:
    commands = {"python -c pass": ([sys.executable, "-c", "pass"], env)}
    for words in MEASURED:
        commands[f"careergate {' '.join(words)}"] = ([CLI, *words], env)
    if before:
        earlier = {**env, "PYTHONPATH": before}
        module = [sys.executable, "-m", "careergate"]
        for words in MEASURED:
            commands[f"before: careergate {' '.join(words)}"] = ([*module, *words], earlier)
    return commands


def _measure(commands: dict[str, Command], runs: int) -> dict[str, tuple[float, float]]:
    """The median wall and CPU seconds of each command, over interleaved rounds."""
    walls: dict[str, list[float]] = {name: [] for name in commands}
    cpus: dict[str, list[float]] = {name: [] for name in commands}
    for command in commands.values():  # one unmeasured run: caches, .pyc files
        _timed(command)
    for _ in range(runs):
        for name, command in commands.items():
            wall, cpu = _timed(command)
            walls[name].append(wall)
            cpus[name].append(cpu)
    return {
        name: (statistics.median(walls[name]), statistics.median(cpus[name])) for name in commands
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--before", help="another version's src directory, measured alike")
    parser.add_argument("--instructions", action="store_true", help="also count (callgrind)")
    args = parser.parse_args()
    if args.instructions and shutil.which("valgrind") is None:
        sys.exit("--instructions needs valgrind: apt-get install valgrind")
    with tempfile.TemporaryDirectory() as data:
        env = {**os.environ, "CAREERGATE_DATA_DIR": data, "COLUMNS": "120"}
        env.pop("CAREERGATE_DATABASE_URL", None)
        for setup in (["db", "init"], ["keys", "create", "--user", "bench"]):
            subprocess.run([CLI, *setup], env=env, check=True, capture_output=True)
        commands = _commands(env, args.before)
        medians = _measure(commands, args.runs)
        counts = (
            {name: _instructions(c) for name, c in commands.items()} if args.instructions else {}
        )
    base_wall, base_cpu = medians["python -c pass"]
    print(f"median of {args.runs} runs; load average {os.getloadavg()[0]:.1f}")
    extra = " | instructions (M) | instructions vs python" if counts else ""
    print(f"| command | wall ms | CPU ms | wall vs python | CPU vs python{extra} |")
    print("| --- | ---: | ---: | ---: | ---:" + (" | ---: | ---:" if counts else "") + " |")
    for name, (wall, cpu) in medians.items():
        row = f"| `{name}` | {wall * 1000:.0f} | {cpu * 1000:.0f} | "
        row += f"{wall / base_wall:.1f} | {cpu / base_cpu:.1f}"
        if counts:
            row += f" | {counts[name] / 1e6:,.0f} | {counts[name] / counts['python -c pass']:.1f}"
        print(row + " |")


if __name__ == "__main__":
    main()
