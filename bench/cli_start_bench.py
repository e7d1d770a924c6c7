"""How long the CLI takes for ``careergate --help`` and ``careergate keys list``, against
``python -c pass`` (the interpreter's own start) in the same run.

Each command runs ``--runs`` times, the three (or, with ``--before``, five) commands in
turn so that a busy moment on the shared machine falls on all of them alike; the table
gives the median wall time and the median CPU time (user and system, of the child) per
command and their ratios to the baseline's. ``keys list`` runs on a data directory
created for the run (``careergate db init``), with one key in it.

Run: ``python bench/cli_start_bench.py [--runs 10] [--before OTHER/src]``
(``--before``: another version's source, run as ``python -m careergate`` with it first
on ``PYTHONPATH`` and measured in the same rounds, e.g. ``git archive REV src``).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(sys.executable).parent
CLI = str(HERE / "careergate")


def _timed(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds of one run of ``command`` (which must succeed)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, check=False)
    if done.returncode:
        raise SystemExit(f"{' '.join(command)} failed: {done.stderr.decode()}")
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def _commands(before: str | None) -> dict[str, list[str]]:
    commands = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "careergate --help": [CLI, "--help"],
        "careergate keys list": [CLI, "keys", "list"],
    }
    if before:
        earlier = ["env", f"PYTHONPATH={before}", sys.executable, "-m", "careergate"]
        commands["before: careergate --help"] = [*earlier, "--help"]
        commands["before: careergate keys list"] = [*earlier, "keys", "list"]
    return commands


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--before", help="another checkout's careergate, measured alike")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data:
        env = {**os.environ, "CAREERGATE_DATA_DIR": data, "COLUMNS": "120"}
        env.pop("CAREERGATE_DATABASE_URL", None)
        subprocess.run([CLI, "db", "init"], env=env, check=True, capture_output=True)
        subprocess.run(
            [CLI, "keys", "create", "--user", "bench"], env=env, check=True, capture_output=True
        )
        commands = _commands(args.before)
        walls: dict[str, list[float]] = {name: [] for name in commands}
        cpus: dict[str, list[float]] = {name: [] for name in commands}
        for command in commands.values():  # one unmeasured run: caches, .pyc files
            _timed(command, env)
        for _ in range(args.runs):
            for name, command in commands.items():
                wall, cpu = _timed(command, env)
                walls[name].append(wall)
                cpus[name].append(cpu)
    base_wall = statistics.median(walls["python -c pass"])
    base_cpu = statistics.median(cpus["python -c pass"])
    print(f"median of {args.runs} runs; load average {os.getloadavg()[0]:.1f}")
    print("| command | wall ms | CPU ms | wall vs python | CPU vs python |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name in commands:
        wall, cpu = statistics.median(walls[name]), statistics.median(cpus[name])
        print(
            f"| `{name}` | {wall * 1000:.0f} | {cpu * 1000:.0f} | "
            f"{wall / base_wall:.1f} | {cpu / base_cpu:.1f} |"
        )


if __name__ == "__main__":
    main()
