"""What skill extraction without a model costs per document, against another checkout.

The finder (``features/extraction/finder.py``) reads every document of this checkout's
development split (profiles, postings, Nesta's phrases), warm, ``--rounds`` times in
turn with another checkout's code reading the same documents (``--baseline SRC``, its
``src/``; each in a process of its own), so that the machine's noise falls on both. It is
on the path of every feature request and, with the semantic cache on, of every cached
request (its key terms).

With ``--long CHARS`` both read instead one posting whose description is the dev
postings' descriptions one after another, to CHARS characters: what a pasted-in-bulk
document costs (a search that grows with the square of the findings shows there).

Run: ``python bench/skill_finder_bench.py --baseline /tmp/before/src [--long 280000]``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TIMED = """
import json, sys, time
from careergate.features.documents import Segment
from careergate.features.extraction.finder import SkillFinder
finder = SkillFinder.shipped()
with open(sys.argv[2]) as read:
    documents = [[Segment(f, t) for f, t in document] for document in json.load(read)]
for segments in documents:
    finder.find(segments)
started = time.process_time()
for _ in range(int(sys.argv[1])):
    for segments in documents:
        finder.find(segments)
took = time.process_time() - started
print(json.dumps({"ms": took / int(sys.argv[1]) / len(documents) * 1000, "n": len(documents)}))
"""


def write_documents(path: Path, long: int) -> None:
    """This checkout's dev documents (or one long posting: the dev postings'
    descriptions one after another), as (field, text) pairs, for both codes to read."""
    from careergate.evaluation.splits import load_split
    from careergate.features.extraction.finder import SkillFinder

    split = load_split("dev", SkillFinder.shipped().lookup)
    if long:
        adverts = "\n".join(
            s.text
            for posting in split.postings.values()
            for s in posting
            if s.field == "description"
        )
        text = (adverts * (long // len(adverts) + 1))[:long]
        path.write_text(json.dumps([[("title", "Engineer"), ("description", text)]]))
        return
    documents = [[(s.field, s.text) for s in item.segments] for item in split.skill_items]
    path.write_text(json.dumps(documents))


def one_pass(src: Path | None, repeats: int, documents: Path) -> tuple[float, int]:
    """Milliseconds of CPU per document, and how many documents, in a fresh process."""
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = str(src)
    done = subprocess.run(
        [sys.executable, "-c", TIMED, str(repeats), str(documents)],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    result = json.loads(done.stdout)
    return float(result["ms"]), int(result["n"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--baseline", type=Path, required=True, help="another checkout's src/")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=20, help="passes over the documents")
    parser.add_argument("--long", type=int, default=0, help="one posting of CHARS characters")
    args = parser.parse_args()
    documents_file = Path(tempfile.mkstemp(suffix=".json")[1])
    write_documents(documents_file, args.long)
    ours: list[float] = []
    theirs: list[float] = []
    documents = 0
    for round_number in range(args.rounds):
        order = [(None, ours), (args.baseline, theirs)]
        for src, into in order if round_number % 2 == 0 else order[::-1]:
            ms, documents = one_pass(src, args.repeats, documents_file)
            into.append(ms)
        print(f"round {round_number + 1}: {ours[-1]:.3f} against {theirs[-1]:.3f} ms", flush=True)
    documents_file.unlink()
    ratios = [a / b for a, b in zip(ours, theirs, strict=True)]
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    print(
        f"\nCommand: `python bench/skill_finder_bench.py --baseline {args.baseline} --rounds "
        f"{args.rounds} --repeats {args.repeats}"
        + (f" --long {args.long}" if args.long else "")
        + f"`, {when}; {documents} documents.\n\n"
        "| code | CPU ms per document, median | lowest | highest |\n| --- | ---: | ---: | ---: |\n"
        f"| this checkout | {statistics.median(ours):.3f} | {min(ours):.3f} | {max(ours):.3f} |\n"
        f"| baseline | {statistics.median(theirs):.3f} | {min(theirs):.3f} | {max(theirs):.3f} |\n"
        f"\nRatio, round by round: median {statistics.median(ratios):.2f} "
        f"({min(ratios):.2f} to {max(ratios):.2f})."
    )


if __name__ == "__main__":
    main()
