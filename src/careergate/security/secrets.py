"""Finding credentials in text, and taking them out: the one secret detector.

Two kinds of credential are found:

- **Known values**: the exact secrets the gateway holds (upstream keys from the
  environment and the vault, the master key, a caller's own key). Most have no
  recognisable shape (an Azure key is 32 hex digits), so only knowing them finds them.
- **Shapes**: tokens whose format their issuers publish (``FORMATS``, each citing where).
  These find credentials the gateway never held: a key an upstream quotes back, one a
  user pastes into a prompt.

``SecretScanner.find`` reports where they are; ``SecretScanner.scrub`` replaces them with
``REDACTED``. Every path that passes on text careergate did not write uses it: upstream
error answers relayed to callers, the log filter (``observability/logs.py``), and the
privacy step for prompts.

The table is our own rather than a library's: detect-secrets, the best-kept candidate,
scans file lines through a process-wide settings object, reports matched strings rather
than positions, misses OpenAI's current ``sk-proj-`` keys and bearer tokens, and costs
about 300 µs per line; these patterns run only when a literal clue is present and cost a
few microseconds per text without one (``bench/secrets_bench.py``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from careergate.memo import Memo

REDACTED = "[REDACTED]"

MIN_KNOWN_LENGTH = 8
"""Shorter known values are not looked for: they would mask ordinary words, and no real
credential is that short."""


@dataclass(frozen=True, slots=True)
class SecretFormat:
    """A published token format.

    ``regex`` finds it; when it has a group named ``secret``, only that group is the
    credential (a ``Bearer`` scheme word, a URL's user name, a key's type prefix stay
    readable). ``clues`` are literal strings of which every match holds at least one:
    looking for them costs far less than a regex scan, and most texts have none.
    """

    name: str
    regex: re.Pattern[str]
    clues: tuple[str, ...]


# A token starts where no letter or digit comes before it: ``\b`` would miss one after an
# underscore (``bad_key_ghp_...``).
_START = r"(?<![A-Za-z0-9])"


def _format(name: str, pattern: str, *clues: str, flags: int = 0) -> SecretFormat:
    return SecretFormat(name, re.compile(pattern, flags), clues)


_LOGIN_WORDS = (
    r"password|passwort|kennwort|mot[ _]de[ _]passe|contrase[ñn]a|senha|wachtwoord|has[łl]o"
    r"|l[öo]senord|salasana"
)
""""Password" in the languages of the platform's users: words of labels, not a password."""
_SETTING_LABEL = (
    rf"(?:(?<![A-Za-z0-9])(?:{_LOGIN_WORDS}|passwd|passphrase|pwd|client_secret|secret_key"
    r"|access_token|refresh_token)|_pass)[\"']?[ \t\u00a0]*[:=：][ \t\u00a0]*"
)
"""A password's label, before ``:`` or ``=``."""
_SETTING_CLUES = (
    *("ass", "ASS", "pwd", "Pwd", "PWD", "_secret", "_Secret", "_SECRET", "ecret_key"),
    *("ecret_Key", "ECRET_KEY", "_token", "_Token", "_TOKEN", "ennwort", "ENNWORT"),
    *("ontrase", "ONTRASE", "enha", "ENHA", "achtwoord", "ACHTWOORD", "asło", "ASŁO"),
    *("aslo", "ASLO", "senord", "SENORD", "alasana", "ALASANA"),
)
"""The labels' clues in the cases they are written in (the gate before the regular
expressions is a plain substring search)."""


FORMATS: tuple[SecretFormat, ...] = (
    # OpenAI API keys start ``sk-`` (``sk-proj-``, ``sk-svcacct-``, ``sk-admin-`` since
    # 2024), as do Anthropic's (``sk-ant-``) and careergate's own (``sk-cg-``). Five
    # characters after ``sk-`` stay, to tell keys apart; careergate's listed key prefix
    # (``sk-cg-`` and eight characters) is too short to be taken for a key.
    _format("api_key", _START + r"sk-[A-Za-z0-9_-]{4}(?P<secret>[A-Za-z0-9_-]{12,})", "sk-"),
    # RFC 6750 bearer tokens, as an ``Authorization`` header or quoted on their own. A
    # token holds a digit ("Bearer authentication-required" is prose, not a token).
    _format(
        "bearer_token",
        r"\b[Bb]earer\s+(?P<secret>(?=[A-Za-z._~+/=-]*\d)[A-Za-z0-9._~+/=-]{12,})",
        "earer",
    ),
    # Credential headers whatever the scheme: ``Authorization: Basic ...``, Azure
    # OpenAI's ``api-key``, ``x-api-key``.
    _format(
        "credential_header",
        r"\b(?:proxy-)?(?:authorization|x-api-key|api[-_]key)[\"']?\s*[:=]\s*[\"']?"
        r"(?:(?:bearer|basic|token)\s+)?(?P<secret>(?-i:(?![a-z]+\b))[^\s\"',;]{8,})",
        "uthorization",
        "UTHORIZATION",
        "pi-key",
        "pi_key",
        "PI-KEY",
        "PI_KEY",
        "Api-Key",
        flags=re.IGNORECASE,
    ),
    # RFC 7519 JSON web tokens: base64url of a JSON header (``{"`` -> ``eyJ``), payload
    # and signature (empty for an unsecured token).
    _format("jwt", _START + r"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*", "eyJ"),
    # AWS access key ids (IAM "unique identifier prefixes": AKIA long-term, ASIA
    # temporary, ABIA/ACCA/A3T older), and a secret access key written next to its name.
    _format(
        "aws_access_key_id",
        _START + r"(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z0-9]{16}(?![A-Za-z0-9])",
        *("AKIA", "ASIA", "ABIA", "ACCA", "A3T"),
    ),
    _format(
        "aws_secret_access_key",
        r"aws.{0,20}?(?:secret|key).{0,20}?[:=]\s*[\"']?"
        r"(?P<secret>[A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])",
        "aws",
        "AWS",
        "Aws",
        flags=re.IGNORECASE,
    ),
    # GitHub ("About authentication to GitHub", token formats): ghp_ personal, gho_ OAuth,
    # ghu_ user-to-server, ghs_ server-to-server, ghr_ refresh, github_pat_ fine-grained.
    _format(
        "github_token",
        _START + r"(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})",
        *("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"),
    ),
    # GitLab ("Token overview", prefixes): glpat- personal, gldt- deploy, glrt- runner,
    # glptt- trigger, glft- feed, glsoat- SCIM, glcbt- CI job, glimt- incoming mail,
    # glagent- agent, gloas- OAuth secret; newer ones carry dotted parts.
    _format(
        "gitlab_token",
        _START + r"gl(?:pat|dt|rt|ptt|ft|soat|cbt|imt|agent|oas)-[A-Za-z0-9_-]{20,}"
        r"(?:\.[A-Za-z0-9_-]+)*",
        *("glpat-", "gldt-", "glrt-", "glptt-", "glft-", "glsoat-", "glcbt-", "glimt-"),
        *("glagent-", "gloas-"),
    ),
    # Slack ("Token types"): xoxb- bot, xoxp- user, xoxa-/xoxr- rotation, xoxe- refresh,
    # xapp- app-level; and incoming webhook URLs, which are their own credential.
    _format(
        "slack_token",
        _START + r"(?:xox[abposre](?:\.xox[a-z])?|xapp)-[A-Za-z0-9-]{10,}",
        "xox",
        "xapp-",
    ),
    _format(
        "slack_webhook",
        r"https://hooks\.slack\.com/(?:services|workflows)/(?P<secret>[A-Za-z0-9_/]{20,})",
        "hooks.slack.com",
    ),
    # Google Cloud API keys ("Manage API keys"): 39 characters starting ``AIza``.
    _format("google_api_key", _START + r"AIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])", "AIza"),
    # Stripe ("API keys"): secret sk_live_/sk_test_ and restricted rk_live_/rk_test_ keys,
    # and webhook endpoints' signing secrets (whsec_).
    _format(
        "stripe_key",
        _START + r"(?:[rs]k_(?:live|test)_[0-9A-Za-z]{16,}|whsec_[0-9A-Za-z+/=]{24,})",
        *("k_live_", "k_test_", "whsec_"),
    ),
    # Hugging Face user access tokens (hf_), npm access tokens (npm_), PyPI API tokens
    # (pypi- then a macaroon naming pypi.org).
    _format("huggingface_token", _START + r"hf_[A-Za-z0-9]{30,}", "hf_"),
    _format("npm_token", _START + r"npm_[A-Za-z0-9]{36}", "npm_"),
    _format("pypi_token", _START + r"pypi-AgE[A-Za-z0-9_-]{50,}", "pypi-AgE"),
    # PEM private keys (RFC 7468), PGP and OpenSSH ones: the whole block, or everything
    # after its first line when the text was cut short.
    _format(
        "private_key",
        r"-----BEGIN[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----"
        r"(?:.*?-----END[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|.*\Z)",
        "PRIVATE KEY",
        flags=re.DOTALL,
    ),
    # A password in a sentence ("my password is S3cret!99", "mein Passwort ist ..."): a
    # weaker label than a colon, so the value must look like one, letters and digits
    # together, six characters at least ("Password is case-sensitive", "is 8-16
    # characters" are prose).
    _format(
        "password_setting",
        rf"(?<![A-Za-z0-9])(?:{_LOGIN_WORDS})[ \t\u00a0]+(?:is|ist|est|es|é|was)\b"
        r"[ \t\u00a0]+(?P<secret>(?=[^\s\"'<>]{0,40}?\d)(?=[^\s\"'<>]{0,40}?[^\W\d_])"
        r"[^\s\"'<>]{6,64}+)",
        *_SETTING_CLUES,
        flags=re.IGNORECASE,
    ),
    # A credential set under a name that says it is one, as environment files, connection
    # strings and configs write them (``ANTHROPIC_API_KEY=...``, ``GITHUB_TOKEN=...``,
    # Azure Storage's ``AccountKey=...``, ``aws_session_token = ...``, ``"secret":
    # "..."``), whatever the service: a value of 16 characters or more of a token's
    # alphabet, with a digit and a letter, so that a count (``max_tokens: 1000``) or a
    # word (``token_type: Bearer``) is not one. Every repeat is bounded: a text of
    # labels and nothing else costs no more than its length.
    _format(
        "credential_setting",
        # The name's word starts a word or a camel-case part (``GITHUB_TOKEN``,
        # ``awsSecretKey``) and ends one (not ``Tokenizer``, ``secretary``).
        r"(?-i:(?<![A-Za-z0-9])|(?<=[a-z])(?=[A-Z]))"
        r"(?:api_?key|secret|token|account_?key|access_?key|private_?key|credentials?)"
        r"(?-i:(?:[_-][A-Za-z0-9_]{0,40}+|[A-Z][A-Za-z0-9_]{0,40}+)?)"
        r"[\"']?[ \t\u00a0]{0,8}+[:=][ \t\u00a0]{0,8}+[\"']?"
        # Not an AWS access key id (a presigned URL's ``X-Amz-Credential=AKIA...``),
        # which is its own format, and kept in the addresses the upstream fetches.
        r"(?!(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z0-9]{16}(?![A-Za-z0-9]))"
        r"(?P<secret>(?=[A-Za-z0-9+/=_.~-]{0,64}?\d)(?=[A-Za-z0-9+/=_.~-]{0,64}?[A-Za-z])"
        r"[A-Za-z0-9+/=_.~-]{16,4096}+)",
        # Few and short: each clue is one more search of every text.
        *("oken", "OKEN", "ecret", "ECRET", "key", "Key", "KEY", "redential", "REDENTIAL"),
        flags=re.IGNORECASE,
    ),
    # A password in a URL's user information (RFC 3986 ``user:password@host``), which
    # ends at the authority's end: ``http://host:8080/a@b`` holds none.
    _format("url_password", r"://[^:/?#@\s]+:(?P<secret>[^/?#@\s]+)@", "://"),
    # A password written as a setting (``password=...``, ``client_secret: ...``), also
    # as an environment file names it (``DB_PASSWORD=``, ``SMTP_PASS=``): in quotes, what
    # they hold (no quote inside, not across the closing one); otherwise one token, ``&`` and commas
    # inside, with a digit or a symbol among its first 25 characters (``hunter22``,
    # ``Tr0ub4dor&3``, ``Summer!``): prose after a label ("Password: at least 8
    # characters", ``password == confirm``, ``null``) is not a password, nor is a
    # reference to where one is kept. A passphrase of plain words is not found. Values are
    # taken without backtracking, so that a text of labels costs no more than its length.
    _format(
        "password_setting",
        _SETTING_LABEL + r"(?P<quote>[\"'])(?P<secret>[^\"'\n]{1,4096}+)(?P=quote)",
        *_SETTING_CLUES,
        flags=re.IGNORECASE,
    ),
    _format(
        "password_setting",
        _SETTING_LABEL
        # Not a reference to where the password is kept ($VAR, $(cmd), {{ var }},
        # os.environ['X'], getenv(...)), which is not the password.
        + r"(?![=\"'$%{<])(?![\w.]{1,32}+[(\[])"
        + r"(?=[^\s\"'<>:]{0,24}?(?:[\d_]|[^\w\s\"'<>,;.:?)\]}]))"
        + r"(?P<secret>[^\s\"'<>]{1,4096}+)",
        *_SETTING_CLUES,
        flags=re.IGNORECASE,
    ),
)


@dataclass(frozen=True, slots=True)
class SecretSpan:
    """``text[start:end]`` is (part of) a credential of kind ``kind``: a ``FORMATS``
    name, or ``known`` for a value the gateway holds."""

    kind: str
    start: int
    end: int


class _Table:
    """``formats`` indexed by clue: each distinct clue is looked for once per text, and
    only the formats whose clue is present run their regular expression."""

    def __init__(self, formats: Iterable[SecretFormat]) -> None:
        self.formats = tuple(formats)
        by_clue: dict[str, list[int]] = {}
        for index, found in enumerate(self.formats):
            for clue in found.clues:
                by_clue.setdefault(clue, []).append(index)
        self.clues = tuple((clue, tuple(indexes)) for clue, indexes in by_clue.items())

    def find(self, text: str, known: Iterable[str]) -> list[SecretSpan]:
        spans = _known_in(text, known)
        spans.extend(self.shapes(text))
        spans.sort(key=_text_order)
        return spans

    def shapes(self, text: str) -> list[SecretSpan]:
        """The credentials of a published format in ``text``: a function of the text
        alone, which a caller may remember."""
        spans: list[SecretSpan] = []
        present = {index for clue, indexes in self.clues if clue in text for index in indexes}
        for index in sorted(present):
            found = self.formats[index]
            secret_group = "secret" in found.regex.groupindex
            for match in found.regex.finditer(text):
                start, end = match.span("secret") if secret_group else match.span()
                spans.append(SecretSpan(found.name, start, end))
        return spans


def _known_in(text: str, known: Iterable[str]) -> list[SecretSpan]:
    spans: list[SecretSpan] = []
    for value in known:
        if len(value) < MIN_KNOWN_LENGTH:
            continue
        start = text.find(value)
        while start >= 0:
            spans.append(SecretSpan("known", start, start + len(value)))
            start = text.find(value, start + len(value))
    return spans


def _text_order(span: SecretSpan) -> tuple[int, int]:
    return span.start, -span.end


_PUBLISHED = _Table(FORMATS)


def find_secrets(text: str, known: Iterable[str] = ()) -> list[SecretSpan]:
    """Where ``text`` holds a credential of a published format (``FORMATS``) or one of
    the ``known`` values, in text order; overlapping finds are all reported (``scrub``
    merges them)."""
    return _PUBLISHED.find(text, known)


def replace_spans(text: str, spans: list[SecretSpan], marker: str = REDACTED) -> str:
    """``text`` with each of ``spans`` (sorted by start) replaced by ``marker``; spans that
    overlap or touch become one marker."""
    if not spans:
        return text
    pieces: list[str] = []
    kept_from = 0
    start, end = spans[0].start, spans[0].end
    for span in spans[1:]:
        if span.start <= end:
            end = max(end, span.end)
            continue
        pieces += (text[kept_from:start], marker)
        kept_from, start, end = end, span.start, span.end
    pieces += (text[kept_from:start], marker, text[end:])
    return "".join(pieces)


class SecretScanner:
    """The secret detector: the published ``formats`` and the exact values it was told to
    ``remember`` (the credentials the gateway holds).

    One scanner is built by the runtime and shared by whatever relays outside text; the
    log filter keeps its own, since logging is configured before the runtime exists.
    """

    def __init__(self, formats: Iterable[SecretFormat] = FORMATS) -> None:
        self._table = _PUBLISHED if formats is FORMATS else _Table(formats)
        self._known: tuple[str, ...] = ()

    def remember(self, *secrets: str) -> None:
        """Look for these exact values too from now on (short ones are ignored)."""
        added = {s for s in secrets if len(s) >= MIN_KNOWN_LENGTH} - set(self._known)
        if added:
            # Longest first, so that a secret that holds another is found whole.
            self._known = tuple(sorted({*self._known, *added}, key=len, reverse=True))

    @property
    def known(self) -> frozenset[str]:
        """The values it remembers."""
        return frozenset(self._known)

    def find(self, text: str, known: Iterable[str] = ()) -> list[SecretSpan]:
        """Every credential in ``text``: shaped, remembered, or one of ``known`` (values
        of this request alone, such as the caller's own key)."""
        return self._table.find(text, (*self._known, *known))

    def find_whole(
        self,
        text: str,
        known: Iterable[str] = (),
        shapes: Callable[[str], Sequence[SecretSpan]] | None = None,
    ) -> list[SecretSpan]:
        """``find``'s spans widened to the whole token each stands in: a prompt must keep
        none of a key, so its type prefix goes too (``sk-proj-...``), which ``scrub``
        leaves readable in logs to tell keys apart. ``shapes`` finds the published
        formats instead of the scanner (one that remembers texts it has seen: a
        conversation resends its history with every turn)."""
        spans = _known_in(text, (*self._known, *known))
        spans.extend(shapes(text) if shapes is not None else self._table.shapes(text))
        if not spans:
            return spans
        spans.sort(key=_text_order)
        return [SecretSpan(span.kind, *_whole_token(text, span.start, span.end)) for span in spans]

    def shapes(self, text: str) -> list[SecretSpan]:
        """The credentials of a published format in ``text`` (none of the known values)."""
        return self._table.shapes(text)

    def scrub(self, text: str, known: Iterable[str] = (), marker: str = REDACTED) -> str:
        """``text`` with every credential ``find`` reports replaced by ``marker``."""
        return replace_spans(text, self.find(text, known), marker)


_TOKEN_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")


def _whole_token(text: str, start: int, end: int) -> tuple[int, int]:
    while start > 0 and text[start - 1] in _TOKEN_CHARACTERS:
        start -= 1
    while end < len(text) and text[end] in _TOKEN_CHARACTERS:
        end += 1
    return start, end


class RememberedShapes:
    """``SecretScanner.shapes`` remembered for the texts seen lately (a function of the
    text alone): a chat client resends its whole history with every turn, and the same
    model, user and feature names come with request after request. Pass it as
    ``find_whole``'s ``shapes``; the known values are looked for every time (the caller's
    own key differs between requests)."""

    def __init__(self, scanner: SecretScanner, entries: int = 4096) -> None:
        self.scanner = scanner
        self._memo: Memo[tuple[SecretSpan, ...]] = Memo(entries=entries)

    def __call__(self, text: str) -> tuple[SecretSpan, ...]:
        found = self._memo.get(text)
        if found is None:
            found = tuple(self.scanner.shapes(text))
            self._memo.put(text, found, len(text))
        return found
