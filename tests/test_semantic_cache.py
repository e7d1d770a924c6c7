"""The semantic cache through a running gateway with the official SDK, and the key terms
it requires two questions to share (through the library)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from careergate.runtime import semantic_key_terms
from careergate.testing import FakeOpenAI
from conftest import RunningGateway, gateway_settings, start_gateway
from test_response_cache import CACHE, ask

QUESTION = "Rewrite this bullet to sound more impressive: managed a team of five developers."


@pytest.fixture(scope="module")
def semantic(
    module_fake: FakeOpenAI, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningGateway]:
    settings = gateway_settings(
        tmp_path_factory.mktemp("semantic"),
        [
            {
                "name": "primary",
                "provider": "openai-compatible",
                "base_url": module_fake.base_url,
                "endpoints": ["chat/completions"],
            }
        ],
        # Below the default threshold, so that the near-duplicates here score above it
        # and only their key terms tell them apart.
        extra_config={
            "privacy": {"mode": "off"},
            "cache": {"semantic": {"enabled": True, "threshold": 0.95}},
        },
    )
    yield from start_gateway(settings, module_fake)


def test_a_paraphrase_is_a_hit_and_a_question_with_other_key_terms_a_miss(
    semantic: RunningGateway,
) -> None:
    client = semantic.client(semantic.create_key(act_for_users=True))
    ana, bo = {"x-careergate-user": "ana"}, {"x-careergate-user": "bo"}
    first = ask(client, QUESTION, extra_headers=ana)
    assert first.headers[CACHE] == "miss"
    paraphrase = QUESTION.replace("to sound", "so it sounds")
    deadline = time.monotonic() + 20
    while True:  # the question is indexed in the background (the model loads first)
        # no-store: a miss here is not kept, so a hit can only be the semantic one
        again = ask(client, paraphrase, extra_headers={**ana, "cache-control": "no-store"})
        if again.headers[CACHE] == "hit":
            break
        assert time.monotonic() < deadline, "the paraphrase was never answered from the cache"
        time.sleep(0.1)
    assert again.parse().choices[0].message.content == first.parse().choices[0].message.content
    for other in (
        QUESTION.replace("five", "fifty"),
        QUESTION.replace("developers", "designers"),
        QUESTION.replace("to sound", "not to sound"),
    ):
        assert ask(client, other, extra_headers=ana).headers[CACHE] == "miss", other
    assert ask(client, paraphrase, extra_headers=bo).headers[CACHE] == "miss"  # per end user


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Managed a team of five developers.", "Managed a team of 5 developers."),
        ("Tips for pharmacists in London?", "Tips for a pharmacist in London?"),
        ("Write a resume with no experience?", "Write a resume if I have never had experience?"),
        (
            "What skills do I need to become a data engineer?",
            "Which skills are needed to become a data engineer?",
        ),
        ("How should I ask for a raise?", "Please, what is the way I should ask for a raise?"),
        ("Is a salary of $100k good?", "Is a salary of $100,000 good?"),
        ("Is $1.5M in equity a lot?", "Is $1,500,000 in equity a lot?"),
    ],
)
def test_the_same_key_terms_in_other_words(one: str, other: str) -> None:
    terms = semantic_key_terms()
    assert terms(one) == terms(other)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Managed a team of five developers.", "Managed a team of fifty developers."),
        ("Pay of a junior UX designer in London?", "Pay of a junior UX designer in Berlin?"),
        ("Pay of a junior UX designer in London?", "Pay of a senior UX designer in London?"),
        ("Which keywords should a tester use?", "Which keywords should a tester avoid?"),
        ("Courses to learn SQL for analysis.", "Courses to learn Python for analysis."),
        ("Write a cover letter for a nurse.", "Write a resignation letter for a nurse."),
        ("A civil engineer's LinkedIn post.", "A mechanical engineer's LinkedIn post."),
        ("Jobs under 50,000 a year.", "Jobs over 50,000 a year."),
        ("Move from teaching into design.", "Move from design into teaching."),
        # What a negation covers is its own term: the same terms the other way round.
        ("List my GPA but not my SAT score.", "List my SAT score but not my GPA."),
        ("Mention Python, not Java.", "Mention Java, not Python."),
        # Names and places in letters beyond ASCII (the embedder reads a hundred
        # languages): a long request for one person scores above the threshold with the
        # same request for another.
        ("A cover letter for Émilie, a nurse.", "A cover letter for Éric, a nurse."),
        ("Jobs for a welder in Łódź?", "Jobs for a welder in Łomża?"),
        ("Письмо для Ивана Петрова.", "Письмо для Игоря Павлова."),
        # Any word of meaning, beyond the kinds above; and what an alternative covers.
        (
            "Send a thank-you note before the interview?",
            "Send a thank-you note after the interview?",
        ),
        ("Taxes on a part-time job?", "Taxes on a full-time job?"),
        ("How do I renew a work visa?", "How do I apply for a work visa?"),
        ("Turn my CV into a resume.", "Turn my resume into a CV."),
        ("Ask for a bonus instead of a raise?", "Ask for a raise instead of a bonus?"),
        ("Can I negotiate an offer by email?", "Must I negotiate an offer by email?"),
        # The same words in another order.
        ("Careers if I love coding but hate maths?", "Careers if I love maths but hate coding?"),
        ("Apply to one role at many firms?", "Apply to many roles at one firm?"),
        # Who does what to whom: the pronouns that say it.
        ("Should I hire them?", "Should they hire me?"),
        ("Did they reject me?", "Did I reject them?"),
        ("How do I tell my manager I am leaving?", "How do I tell my manager they are leaving?"),
        (
            "Is it okay to reapply to a company that I rejected last month?",
            "Is it okay to reapply to a company that rejected me last month?",
        ),
        # A number's multiplier, unit and currency.
        ("Remind me at 7am about the interview.", "Remind me at 7pm about the interview."),
        ("Is a salary of $100k good?", "Is a salary of $100 good?"),
        ("Is 50k a good salary?", "Is 50m a good salary?"),
        ("Is $90,000 a good salary?", "Is £90,000 a good salary?"),
        ("Jobs under $50,000 a year.", "Jobs over $50,000 a year."),
    ],
)
def test_other_key_terms(one: str, other: str) -> None:
    terms = semantic_key_terms()
    assert terms(one) != terms(other)
