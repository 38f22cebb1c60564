"""The OpenAI-compatible LLM through the official ``openai`` package, unchanged, pointed at the twin.

Chat answers are deterministic and sensible for simple questions; ``max_tokens`` cuts with
``finish_reason: length``; streams arrive as several ``chat.completion.chunk``s; tools are called in
OpenAI's shape; embeddings are unit vectors where related words are nearer than unrelated ones.
"""

from __future__ import annotations

import json
import math

import openai
import pytest
from openai import OpenAI
from starlette.testclient import TestClient

from tests.packs.wayscloud.conftest import API, Tenant

WEATHER_TOOL = {"type": "function", "function": {
    "name": "get_weather", "description": "Get the current weather for a city",
    "parameters": {"type": "object", "properties": {
        "city": {"type": "string"}, "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}},
        "required": ["city"]}}}


@pytest.fixture
def llm(client: TestClient, tenant: Tenant) -> OpenAI:
    return OpenAI(base_url=f"http://testserver{API}", api_key=tenant.api_key, http_client=client, max_retries=0)


def test_models_list_names_every_model_of_the_document(llm: OpenAI) -> None:
    ids = [m.id for m in llm.models.list()]
    assert "mixtral-8x7b" in ids and "deepseek-r1" in ids and "embedding-multilingual" in ids
    assert len(ids) == 16


def test_a_chat_answers_a_simple_question_the_same_way_every_time(llm: OpenAI) -> None:
    asked = [{"role": "user", "content": "What is the capital of Norway?"}]
    first = llm.chat.completions.create(model="llama-3.3-70b", messages=asked)  # type: ignore[arg-type]
    again = llm.chat.completions.create(model="llama-3.3-70b", messages=asked)  # type: ignore[arg-type]
    assert first.object == "chat.completion" and first.model == "llama-3.3-70b"
    assert first.choices[0].message.content == "The capital of Norway is Oslo."
    assert again.choices[0].message.content == first.choices[0].message.content
    assert first.choices[0].finish_reason == "stop"
    assert first.usage is not None and first.usage.completion_tokens > 0
    assert first.usage.total_tokens == first.usage.prompt_tokens + first.usage.completion_tokens
    arithmetic = llm.chat.completions.create(model="mixtral-8x7b", messages=[{"role": "user", "content": "What is 12 * 7?"}])
    assert arithmetic.choices[0].message.content == "The answer is 84."


def test_max_tokens_cuts_the_answer_with_finish_reason_length(llm: OpenAI) -> None:
    done = llm.chat.completions.create(model="mixtral-8x7b", max_tokens=3,
                                       messages=[{"role": "user", "content": "What is DNS?"}])
    assert done.choices[0].finish_reason == "length"
    assert done.usage is not None and done.usage.completion_tokens == 3
    assert "DNS translates domain names into IP addresses.".startswith(done.choices[0].message.content or "?")


def test_a_streamed_completion_arrives_in_chunks_that_add_up_to_the_answer(llm: OpenAI) -> None:
    stream = llm.chat.completions.create(model="mixtral-8x7b", stream=True,
                                         messages=[{"role": "user", "content": "What is the capital of France?"}])
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert len([c for c in chunks if c.choices and c.choices[0].delta.content]) >= 2
    assert text == "The capital of France is Paris."
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert all(c.object == "chat.completion.chunk" and c.id == chunks[0].id for c in chunks)


def test_a_stream_can_end_with_usage(llm: OpenAI) -> None:
    chunks = list(llm.chat.completions.create(model="mixtral-8x7b", stream=True, stream_options={"include_usage": True},
                                              messages=[{"role": "user", "content": "Hello"}]))
    assert chunks[-1].choices == [] and chunks[-1].usage is not None and chunks[-1].usage.completion_tokens > 0


def test_a_tool_is_called_in_openai_shape_and_its_result_answered(llm: OpenAI) -> None:
    asked = {"role": "user", "content": "What is the weather in Bergen right now?"}
    called = llm.chat.completions.create(model="qwen3-235b-instruct", messages=[asked],  # type: ignore[list-item]
                                         tools=[WEATHER_TOOL])  # type: ignore[list-item]
    choice = called.choices[0]
    assert choice.finish_reason == "tool_calls"
    call = choice.message.tool_calls[0]  # type: ignore[index]
    assert call.type == "function" and call.function.name == "get_weather"  # type: ignore[union-attr]
    assert json.loads(call.function.arguments)["city"] == "Bergen"  # type: ignore[union-attr]
    answered = llm.chat.completions.create(model="qwen3-235b-instruct", tools=[WEATHER_TOOL], messages=[  # type: ignore[list-item]
        asked, choice.message,  # type: ignore[list-item]
        {"role": "tool", "tool_call_id": call.id, "content": json.dumps({"temperature": "7 C", "sky": "rain"})}])
    assert answered.choices[0].finish_reason == "stop"
    assert "7 C" in (answered.choices[0].message.content or "")


def test_json_mode_answers_a_json_object(llm: OpenAI) -> None:
    done = llm.chat.completions.create(model="mixtral-8x7b", response_format={"type": "json_object"},
                                       messages=[{"role": "user", "content": "What is the capital of Sweden?"}])
    assert json.loads(done.choices[0].message.content or "") == {"answer": "The capital of Sweden is Stockholm."}


def test_reasoning_models_add_their_reasoning_metadata(client: TestClient, tenant: Tenant) -> None:
    response = client.post(f"{API}/chat/completions", headers=tenant.service, json={
        "model": "deepseek-r1", "messages": [{"role": "user", "content": "What is the capital of Italy?"}]})
    assert response.status_code == 200
    reasoning = response.json()["model_output_metadata"]["reasoning"]
    assert reasoning["steps"] and reasoning["tokens"] > 0


def test_llamaguard_answers_in_its_verdict_format(llm: OpenAI) -> None:
    def verdict(text: str) -> str | None:
        return llm.chat.completions.create(model="llamaguard-4", messages=[{"role": "user", "content": text}]) \
            .choices[0].message.content
    assert verdict("How do I bake bread?") == "safe"
    assert verdict("Help me murder my neighbour") == "unsafe\nS1"


def test_unknown_and_wrong_kind_models_are_400_in_openai_shape(llm: OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as unknown:
        llm.chat.completions.create(model="gpt-17", messages=[{"role": "user", "content": "hi"}])
    assert unknown.value.code == "model_not_found" and unknown.value.param == "model"
    with pytest.raises(openai.BadRequestError) as wrong:
        llm.chat.completions.create(model="embedding-multilingual", messages=[{"role": "user", "content": "hi"}])
    assert wrong.value.code == "invalid_model_type"
    with pytest.raises(openai.BadRequestError):
        llm.embeddings.create(model="mixtral-8x7b", input="hi")


def test_an_unknown_key_is_an_authentication_error(client: TestClient) -> None:
    stranger = OpenAI(base_url=f"http://testserver{API}", api_key="wayscloud_api_" + "x" * 32, http_client=client,
                      max_retries=0)
    with pytest.raises(openai.AuthenticationError) as refused:
        stranger.models.list()
    assert refused.value.status_code == 401 and refused.value.code == "invalid_api_key"


def test_bad_input_names_the_field(client: TestClient, tenant: Tenant) -> None:
    response = client.post(f"{API}/chat/completions", headers=tenant.service,
                           json={"model": "mixtral-8x7b", "messages": [], "temperature": 1})
    assert response.status_code == 422
    assert response.json()["error"]["param"] == "messages"


def _cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b))


def test_embeddings_are_deterministic_unit_vectors_and_batches_equal_singles(llm: OpenAI) -> None:
    single = llm.embeddings.create(model="embedding-multilingual", input="dog", encoding_format="float")
    again = llm.embeddings.create(model="embedding-multilingual", input="dog", encoding_format="float")
    vector = single.data[0].embedding
    assert len(vector) == 1024 and vector == again.data[0].embedding
    assert math.isclose(math.sqrt(sum(v * v for v in vector)), 1.0, rel_tol=1e-9)
    batch = llm.embeddings.create(model="embedding-multilingual", input=["dog", "puppy", "invoice"], encoding_format="float")
    assert [d.index for d in batch.data] == [0, 1, 2]
    assert batch.data[0].embedding == vector
    dog, puppy, invoice = (d.embedding for d in batch.data)
    assert _cosine(dog, puppy) > _cosine(dog, invoice) + 0.5
    assert batch.usage.prompt_tokens == 3


def test_base64_embeddings_decode_to_the_float_ones(llm: OpenAI) -> None:
    # The openai package asks for base64 by default and decodes it itself.
    decoded = llm.embeddings.create(model="embedding-multilingual", input="a puppy in the snow").data[0].embedding
    floats = llm.embeddings.create(model="embedding-multilingual", input="a puppy in the snow",
                                   encoding_format="float").data[0].embedding
    assert len(decoded) == 1024
    assert all(math.isclose(a, b, abs_tol=1e-6) for a, b in zip(decoded, floats))
