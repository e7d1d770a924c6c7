"""spaCy's small English model, reading in a process of its own.

The model's compiled loops run without the interpreter's lock (GIL), but thinc's and
spaCy's Python between them take it hundreds of times per document; on a thread of the
gateway's worker each of those waits for the event loop to let go of the lock (up to the
switch interval, 5 ms, while the loop is busy), so a new text's names took several times
longer under load, and the loop handed over the lock each time. In a child process the
model shares no lock with the loop, its memory is not the worker's, and only the texts
and the entities found cross over (docs/benchmarks.md, "The name model in a process of
its own").

The process is started on the first read (a new interpreter, not a fork of one that
runs threads), and started again if it dies (killed, out of memory): the read it took
down is tried once more in the new one.

The model's layers multiply most of their matrices with numpy's BLAS on one thread, not
with ``blis``, thinc's default: the ``blis`` wheels fall back to their generic kernels on
CPUs they do not know (recent AMD EPYC among them), several times slower than numpy's
OpenBLAS, and OpenBLAS's own threads would spend more CPU than they save on matrices this
small (docs/benchmarks.md, "The name model's matrix products").
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import re
import signal
import subprocess  # nosec B404
import sys
import threading
import time
import weakref
from concurrent.futures import Future, ThreadPoolExecutor
from typing import IO, Any

import orjson

from careergate.errors import NameModelUnavailable

RESTART_SECONDS = 1.0
"""After a read failed in two children one after the other, reads fail at once for this
long: a model that cannot load is not loaded again for every request waiting."""
READ_SECONDS = 60.0
"""A read not answered by then (a read of a turn's text takes well under a second) ends
the child, which is started again for it once."""
LOAD_SECONDS = 60.0
"""The same for a child's first read, which loads the model first: about a second, but
far longer on a host whose cores are taken, and a shorter ``read_seconds`` must not end
every new child before it has loaded."""
RENEW_CHARS = 2_000_000
"""A child that has read this many characters is replaced: spaCy keeps every new word it
meets in its vocabulary, so a child that reads for ever grows for ever. Its successor
starts after that answer and loads the model (about a second) while the child goes on
reading; the first read after the successor has answered a probe goes to it, and the
child ends. No read waits for the load."""
STUCK_SECONDS = 10.0
"""An exchange running this long is stuck (``NameModelProcess.stuck_for``)."""
LOADING_STUCK_SECONDS = 30.0
"""The same for a child that has not answered yet: it loads the model first, which a
busy host may take a while over (after a renewal or a crash, for the requests waiting)."""
_STUCK_CHECK_SECONDS = 0.5
"""How often a read waiting for its answer looks whether the exchange under way is stuck."""
PROBE = "Jane Doe wrote to Ravi Patel."
"""What a load has the model read, so that a model that loads but cannot read is found
before a request is."""
_UNAVAILABLE = (
    "Personal data could not be looked for in this request, so it was not sent: the name "
    "model is not available. Try again shortly."
)

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
"""A surrogate in a Python string is one no pair completed (a JSON escape or a library
caller can give one); the model reads it as the replacement character, at the same
place, so that what it finds still stands where it was found."""
Entity = tuple[int, int, str]
"""``(start, end, label)`` in the text read."""

UNUSED = ["parser", "tagger", "senter", "lemmatizer", "attribute_ruler"]
"""The pipeline's components the entity recogniser does without. The shared ``tok2vec``
is one too where the recogniser has its own (the small English model's does): loaded,
it reads every text for nobody, a quarter of the model's time."""


def load_pipeline(model: str) -> Any:
    """The spaCy pipeline as the finder runs it (numpy's matrix products, only what the
    entity recogniser needs), loaded in the calling process."""
    import spacy
    from thinc.api import use_ops

    with use_ops("numpy", use_blis=False):
        nlp = spacy.load(model, exclude=[*UNUSED, "tok2vec"])
        if _listens_to_shared_layer(nlp):
            nlp = spacy.load(model, exclude=UNUSED)
    _give_back_freed_memory()
    return nlp


def entities(doc: Any) -> list[Entity]:
    """The model's entities of ``doc`` that could be names. Two that stand side by side,
    one space apart, are one: the model cuts a name it does not know in two ("Cristian"
    a group, "Tijerina" a place). Places alone, or two side by side ("Lagos Nigeria"),
    stay places; two of one kind stay two ("French Italian Spanish" are languages); a
    person the model named whole stays whole ("Jane Doe" beside "London")."""
    text = doc.text  # spaCy joins it from the tokens at every read
    merged: list[Entity] = []
    for entity in doc.ents:
        label = entity.label_
        if label not in _NAME_LABELS and label not in _PLACE_LABELS:
            continue
        found = (entity.start_char, entity.end_char, label)
        if merged and _halves_of_one_name(text, merged[-1], found):
            merged[-1] = (merged[-1][0], found[1], "JOINED")
        else:
            merged.append(found)
    return [entity for entity in merged if entity[2] not in _PLACE_LABELS]


class NameModelProcess:
    """Reads texts with the model ``model`` in a child process (``python -m
    careergate.privacy.name_model MODEL``), one read at a time: each read is a frame of
    JSON (its number and the texts) on the child's standard input, answered by one (the
    number and their entities) on a pipe of its own; each frame is its length (4 bytes)
    and its bytes. The exchange runs on a thread of its own, which waits on the pipes
    without the interpreter's lock: any event loop can read, and a caller that stops
    waiting does not cut an exchange short."""

    def __init__(
        self, model: str, read_seconds: float = READ_SECONDS, renew_chars: int = RENEW_CHARS
    ) -> None:
        self._model = model
        self._read_seconds = read_seconds
        self._renew_chars = renew_chars
        self._stuck_seconds = min(STUCK_SECONDS, read_seconds / 2)
        self._loading_stuck_seconds = min(LOADING_STUCK_SECONDS, read_seconds / 2)
        self._child: _Child | None = None
        self._successor: tuple[_Child, Future[Any]] | None = None
        """The child that takes over once it has answered its probe (``RENEW_CHARS``)."""
        self._closed = False
        self._starting = threading.Lock()
        """Held while a child is started or the reader closed: no child starts after
        ``close`` (it would run until the reader is collected)."""
        self._resting_until = 0.0
        self._exchanges = ThreadPoolExecutor(max_workers=1, thread_name_prefix="careergate-names")
        self._warming = ThreadPoolExecutor(max_workers=1, thread_name_prefix="careergate-renew")
        self.failing = False
        """Whether the last exchange failed: the model is not there to read the next
        text. Set by the exchange itself, so a read its caller stopped waiting for
        counts too."""
        self._since: float | None = None
        """When the exchange under way started, if one is."""

    async def load(self) -> None:
        """Start the process, load the model (about a second) and have it read a name,
        ahead of the first request that needs it: a model that loads but cannot read
        fails here."""
        await self.read([PROBE], patient=True)

    def stuck_for(self) -> float:
        """Seconds the exchange under way has run, once past ``STUCK_SECONDS`` (or half
        ``read_seconds``; ``LOADING_STUCK_SECONDS`` in a child yet to answer), else 0: a
        read in turns takes a second at most, so one that has run this long is stuck.
        Its callers and the reads waiting behind it are refused (``_answer``) while the
        watchdog waits out ``read_seconds`` to end the child."""
        since = self._since
        ran = 0.0 if since is None else time.monotonic() - since
        child = self._child
        loading = child is None or child.loading
        limit = self._loading_stuck_seconds if loading else self._stuck_seconds
        return ran if ran > limit else 0.0

    async def read(self, texts: list[str], patient: bool = False) -> list[list[Entity]]:
        """The entities of each text; ``NameModelUnavailable`` if the model's process
        could not read them. ``patient``: wait for the watchdog rather than give up once
        the exchange is stuck (loading the model, ahead of the requests, may take
        longer on a busy host)."""
        if self.stuck_for():
            # Queued behind an exchange that does not end, the request would wait for
            # the watchdog; it is told at once instead.
            raise NameModelUnavailable(_UNAVAILABLE)
        loop = asyncio.get_running_loop()
        exchange = loop.run_in_executor(self._exchanges, self._exchange, texts)
        try:
            answer = await self._answer(exchange, patient)
        except (OSError, EOFError) as failed:
            raise NameModelUnavailable(_UNAVAILABLE) from failed
        return [[(start, end, label) for start, end, label in found] for found in answer]

    async def _answer(self, exchange: asyncio.Future[Any], patient: bool) -> Any:
        """What ``exchange`` answers; ``NameModelUnavailable`` once the exchange under
        way (this one, or one it waits behind) is stuck, unless ``patient``: its caller
        is told within a second rather than when the watchdog ends the child, long
        after a client, or a shutdown's grace, stopped waiting. The exchange itself runs
        on; its answer is dropped."""
        try:
            while True:
                done, _ = await asyncio.wait({exchange}, timeout=_STUCK_CHECK_SECONDS)
                if done:
                    return exchange.result()
                if not patient and self.stuck_for():
                    raise NameModelUnavailable(_UNAVAILABLE)
        finally:
            exchange.cancel()  # done: nothing; else what the thread returns is dropped

    def close(self) -> None:
        """End the child (and a successor); a read under way fails, and no child is
        started again."""
        with self._starting:
            self._closed = True
            self._exchanges.shutdown(wait=False, cancel_futures=True)
            self._warming.shutdown(wait=False, cancel_futures=True)
            self._end_child()
            self._end_successor()

    def _exchange(self, texts: list[str]) -> Any:
        self._since = time.monotonic()
        try:
            answer = self._exchange_twice(texts)
        except BaseException:
            self.failing = True
            raise
        finally:
            self._since = None
        self.failing = False
        return answer

    def _exchange_twice(self, texts: list[str]) -> Any:
        if time.monotonic() < self._resting_until:
            raise EOFError("the name model's process failed a moment ago")
        try:
            return self._ask(texts)
        except (BrokenPipeError, EOFError):
            # The child died (killed, out of memory) or answered out of turn: a new one
            # reads the texts again.
            self._end_child()
        try:
            return self._ask(texts)
        except (BrokenPipeError, EOFError):
            # Twice: the reads that follow fail at once for a while rather than each
            # waiting for a child that may not start either.
            self._end_child()
            self._resting_until = time.monotonic() + RESTART_SECONDS
            raise

    def _ask(self, texts: list[str]) -> Any:
        """The child's entities of ``texts`` (``_Child.ask``); a child that has read its
        share gets a successor, which starts loading now."""
        child = self._current()
        answer = child.ask(texts, self._read_seconds)
        if child.read_chars > self._renew_chars and self._successor is None:
            with self._starting:
                if not self._closed:
                    successor = _Child(self, self._model)
                    warming = self._warming.submit(successor.ask, [PROBE], self._read_seconds)
                    self._successor = (successor, warming)
        return answer

    def _current(self) -> _Child:
        """The child to read with: the successor once it has answered its probe (the
        child it replaces ends), else the child, started if need be."""
        if self._closed:
            raise RuntimeError("the name model's process is closed")
        if self._successor is not None and self._successor[1].done():
            successor, warming = self._successor
            self._successor = None
            if warming.exception() is None:
                self._end_child()
                self._child = successor
            else:  # it could not load: this child goes on, and a successor is tried again
                successor.end()
        if self._child is not None and not self._child.alive():
            self._end_child()  # it died between reads
        if self._child is None:
            with self._starting:
                if self._closed:
                    raise EOFError("the name model's reader is closed")
                self._child = _Child(self, self._model)
        return self._child

    def _end_child(self) -> None:
        child, self._child = self._child, None
        if child is not None:
            child.end()

    def _end_successor(self) -> None:
        successor, self._successor = self._successor, None
        if successor is not None:
            successor[0].end()


class _Child:
    """One child process (``python -m careergate.privacy.name_model MODEL``) and its
    pipes. It ends when ``end`` is called, or when its owner (the ``NameModelProcess``)
    is collected without being closed."""

    def __init__(self, owner: object, model: str) -> None:
        # Answers come on a pipe of their own, not on the child's standard output,
        # where whatever runs at its start (a site hook, a library) may write.
        reading, writing = os.pipe()
        # This interpreter and this module; the model is the code's or the config's.
        # "-P": no module of the working directory comes first on its path. A session of
        # its own: a terminal's Ctrl-C or a stop sent to the worker's process group
        # does not reach it; it ends when the worker hangs up.
        try:
            self.process = subprocess.Popen(  # noqa: S603  # nosec B603
                [sys.executable, "-P", "-m", __name__, model, str(writing)],
                stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, pass_fds=(writing,),
                start_new_session=True,
            )  # fmt: skip
        except OSError:
            os.close(reading)
            raise
        finally:
            os.close(writing)
        self.answers = os.fdopen(reading, "rb")
        self.loading = True
        """Whether it has yet to answer a read (is loading the model)."""
        self.frames = 0
        """Frames sent to it: each answer names the frame it answers."""
        self.read_chars = 0
        """Characters it has read (``RENEW_CHARS``)."""
        self._ending = weakref.finalize(owner, _end, self.process, self.answers)

    def alive(self) -> bool:
        return self.process.poll() is None

    def end(self) -> None:
        self._ending()

    def ask(self, texts: list[str], read_seconds: float) -> Any:
        """Its entities of ``texts``; it is ended as stuck after ``read_seconds`` (at
        least ``LOAD_SECONDS`` while it loads the model). Each frame carries its number,
        and the answer must carry it back with an answer for each text: anything else (a
        frame that is not JSON, a stray write to the child's output, an answer to
        another frame) ends the child as a dead one is ended, so that no text is ever
        given the names of another."""
        assert self.process.stdin is not None
        self.frames += 1
        try:
            frame = orjson.dumps([self.frames, texts])
        except TypeError:  # a lone surrogate, which UTF-8 cannot carry: a character of its own
            frame = orjson.dumps([self.frames, [_LONE_SURROGATE.sub("\ufffd", t) for t in texts]])
        deadline = max(read_seconds, LOAD_SECONDS) if self.loading else read_seconds
        stuck = threading.Timer(deadline, self.process.kill)  # its answer then reads as an end
        stuck.start()
        try:
            self.process.stdin.write(len(frame).to_bytes(4, "big") + frame)
            self.process.stdin.flush()
            size = int.from_bytes(_read_exactly(self.answers, 4), "big")
            number, answer = orjson.loads(_read_exactly(self.answers, size))
        except (orjson.JSONDecodeError, TypeError, ValueError) as garbled:
            raise EOFError("the name model's process answered out of turn") from garbled
        finally:
            stuck.cancel()
        if number != self.frames or not isinstance(answer, list) or len(answer) != len(texts):
            raise EOFError("the name model's process answered out of turn")
        self.loading = False
        self.read_chars += sum(map(len, texts))
        return answer


def _end(child: subprocess.Popen[bytes], answers: IO[bytes]) -> None:
    if child.poll() is None:
        child.kill()
    child.wait()
    for pipe in (child.stdin, answers):
        if pipe is not None:
            with contextlib.suppress(OSError):  # a frame half written to a dead child
                pipe.close()


def _read_exactly(stream: IO[bytes], size: int) -> bytes:
    data = stream.read(size)
    if len(data) != size:
        raise EOFError("the name model's process ended")
    return data


# -- in the child process ---------------------------------------------------------------


def main() -> None:
    """The child: load the model named by the first argument, then answer each frame of
    texts on standard input with a frame of their entities (each with the frame's
    number) on the pipe the second names, until the input ends."""
    from threadpoolctl import threadpool_limits

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the worker's end is its end
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    sink = os.fdopen(int(sys.argv[2]), "wb")  # the answers' pipe; what is printed goes nowhere
    try:
        nlp = load_pipeline(sys.argv[1])
    except (OSError, ImportError, ValueError) as failed:  # spaCy's "can't find model" is one
        sys.exit(f"careergate: the name model {sys.argv[1]!r} could not be loaded: {failed}")
    threadpool_limits(limits=1, user_api="blas")  # once numpy's BLAS is loaded
    source = sys.stdin.buffer
    while header := source.read(4):
        number, texts = orjson.loads(source.read(int.from_bytes(header, "big")))
        frame = orjson.dumps([number, [entities(doc) for doc in nlp.pipe(texts)]])
        sink.write(len(frame).to_bytes(4, "big") + frame)
        sink.flush()


# -- helpers ----------------------------------------------------------------------------


def _give_back_freed_memory() -> None:
    """Return to the system the heap that loading the model used and freed (glibc's
    ``malloc_trim``: about 12 MiB of the process's resident memory). Elsewhere, nothing."""
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (AttributeError, OSError):
        return
    trim(0)


def _listens_to_shared_layer(nlp: Any) -> bool:
    """Whether the entity recogniser reads the pipeline's shared ``tok2vec`` (or has
    another name than ``ner``, and may)."""
    if "ner" not in nlp.pipe_names:
        return True
    return any(
        node.name.startswith("tok2vec-listener") for node in nlp.get_pipe("ner").model.walk()
    )


_NAME_LABELS = frozenset({"PERSON", "ORG", "NORP", "WORK_OF_ART", "PRODUCT"})
"""The small model's labels for names it does not know as people's: a person's name it
has not seen is often called a firm, a group or a work."""
_PLACE_LABELS = frozenset({"GPE", "LOC"})


def _halves_of_one_name(text: str, first: Entity, second: Entity) -> bool:
    return (
        second[0] == first[1] + 1
        and text[first[1]] == " "
        and first[2] != second[2]
        and not (first[2] in _PLACE_LABELS and second[2] in _PLACE_LABELS)
        and not _full_person(text, first)
        and not _full_person(text, second)
    )


def _full_person(text: str, entity: Entity) -> bool:
    return entity[2] == "PERSON" and " " in text[entity[0] : entity[1]].strip()


if __name__ == "__main__":
    main()
