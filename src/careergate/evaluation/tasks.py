"""Task sets: prompts with the checks their answers must pass. Example::

name: skill-extraction
feature: skills
tasks:
  - id: data-engineer
    messages:
      - {role: user, content: "List the skills in: built Spark pipelines in Python"}
    response_format:            # optional, sent as is
      type: json_schema
      json_schema: {name: skills, schema: {type: object, properties: {skills: {type: array}}}}
    checks:
      json_schema: {type: object, required: [skills]}   # the answer validates
      fields: [skills]                                   # these keys are present
      keywords: [spark, python]                          # these words appear
      score: mypackage.scoring:skill_recall              # f(answer, task) -> 0..1
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field

from careergate.yaml_text import load_yaml


class Checks(BaseModel):
    model_config = ConfigDict(extra="forbid")

    json_schema: dict[str, Any] | None = None
    fields: list[str] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list)
    score: str | None = None
    """``module:function`` taking (answer text, task) and returning a score in 0..1."""


class Task(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    messages: list[dict[str, Any]] = Field(min_length=1)
    response_format: dict[str, Any] | None = None
    max_tokens: int | None = None
    checks: Checks = Field(default_factory=Checks)


class TaskSet(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    feature: str | None = None
    tasks: list[Task] = Field(min_length=1)

    @classmethod
    def load(cls, path: Path) -> TaskSet:
        try:
            return cls.model_validate(load_yaml(path.read_text()))
        except (OSError, yaml.YAMLError, ValueError) as exc:
            raise ValueError(f"task set {path}: {exc}") from exc
