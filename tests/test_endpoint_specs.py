"""Endpoint specs: every endpoint served is described once and completely."""

from __future__ import annotations

from typing import ClassVar

import pytest
from openai.types import embedding_create_params
from openai.types.chat import completion_create_params
from openai.types.responses import response_create_params

from careergate.endpoints import CHAT, ENDPOINTS, EndpointSpec
from careergate.endpoints.chat import ChatCompletions
from careergate.endpoints.embeddings import Embeddings
from careergate.endpoints.responses import Responses
from careergate.endpoints.spec import StreamForm
from careergate.http.app import create_app
from careergate.models.snapshots import SnapshotCatalogue
from careergate.tokenizer import TokenCounter


def test_a_spec_without_its_path_fails_when_its_class_is_defined() -> None:
    # Embeddings' methods and attributes, all but its path.
    members = {k: v for k, v in vars(Embeddings).items() if k != "path" and k[:2] != "__"}
    with pytest.raises(TypeError, match="does not define path"):
        type("Incomplete", (EndpointSpec,), members)


def test_a_spec_that_leaves_a_method_out_cannot_be_instantiated() -> None:
    class NoAnswerCheck(EndpointSpec):
        name: ClassVar[str] = "partial"
        path: ClassVar[str] = "partial"
        text_param: ClassVar[str] = "input"
        stream: ClassVar[StreamForm | None] = None

    with pytest.raises(TypeError, match="abstract"):
        NoAnswerCheck()  # type: ignore[abstract]


def test_every_registered_endpoint_is_served_over_http() -> None:
    app = create_app()
    assert set(app.fast) == {f"/v1/{path}" for path in ENDPOINTS}


def test_the_worst_case_counts_the_prompt_and_the_output_ceiling() -> None:
    body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}
    counter = TokenCounter()
    assert CHAT.output_ceiling(body) is None
    capped = {**body, "max_tokens": 5}
    CHAT.cap_output(capped, 7)
    assert capped.get("max_tokens") is None
    assert CHAT.output_ceiling(capped) == 7
    facts = SnapshotCatalogue.shipped().facts("gpt-4o-mini-2024-07-18")
    worst = CHAT.worst_case(counter, "gpt-4o-mini", capped, facts)
    assert worst.completion_tokens == 7
    assert worst.prompt_tokens == counter.chat_prompt_tokens("gpt-4o-mini", body["messages"])


@pytest.mark.parametrize(
    ("spec", "sdk_params"),
    [
        (ChatCompletions, completion_create_params.CompletionCreateParamsBase),
        (Responses, response_create_params.ResponseCreateParamsBase),
        (Embeddings, embedding_create_params.EmbeddingCreateParams),
    ],
)
def test_every_parameter_the_sdk_sends_is_known_to_its_spec(
    spec: type[EndpointSpec], sdk_params: type
) -> None:
    # A parameter missing from ``params`` is taken for a server's extension and its
    # strings are read for personal data: a setting ("24h") could be masked.
    sent = sdk_params.__required_keys__ | sdk_params.__optional_keys__  # type: ignore[attr-defined]
    assert sent - spec.params == set()
