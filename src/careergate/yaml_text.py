"""YAML read with libyaml's parser when PyYAML was built with it.

The gateway reads its price list, model snapshots and the features' taxonomy data as
YAML at every start (and every CLI command that needs them), and PyYAML's pure-Python
parser is a noticeable part of a start (docs/benchmarks.md). ``CSafeLoader`` accepts
the same documents as ``SafeLoader`` (the safe subset: no Python objects); the Python
loader stands in where PyYAML was built without libyaml.
"""

from __future__ import annotations

from typing import Any

import yaml

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str) -> Any:
    """``text`` parsed as YAML's safe subset: plain data only, as ``yaml.safe_load``."""
    return yaml.load(text, Loader=_Loader)  # noqa: S506  # nosec B506 - a safe loader, C or Python
