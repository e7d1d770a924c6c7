"""An uploaded input file, made ready to run: every line checked against the caller's
key, its credentials and personal data taken out, its worst case counted, and the place
it will run chosen.

Each line is held to what the same request sent on its own would be: the key must
allow its endpoint and its model (an alias is resolved to the model it names, as the
request path does), its credentials are masked or it is refused (the key's and its
feature's ``secrets:`` mode, as for a request; a ``custom_id`` holding one refuses the
file, since the line's answer is found by it), its bounds must hold, and under a budget
a line without an output ceiling gets the gateway's default one so that its worst case
is known. The privacy step's shield runs on each line on its own, under the key's
mode; the placeholders of each line go into the file's sealed plan, to be put back in
the line's answer.

A batch runs on an upstream's Batch API when one deployment serves every line's model
and lists the Batch API (``endpoints: [..., batches]``; OpenAI's by default); otherwise
the gateway runs the lines itself.
"""

from __future__ import annotations

from dataclasses import dataclass

import orjson

from careergate.auth.authorization import authorize_model
from careergate.auth.principal import Principal
from careergate.batches.lines import Line, line_error
from careergate.batches.plan import FilePlan, LinePlan
from careergate.budgets.ledger import Attribution, BudgetLedger
from careergate.endpoints.spec import UnboundedCost
from careergate.errors import GatewayError
from careergate.models.chooser import ModelChooser
from careergate.privacy.shield import EXTENSION, PrivacyShield, digest_end_user
from careergate.security.prompt_secrets import PromptSecrets
from careergate.settings import PrivacyMode
from careergate.tokenizer import TokenCounter
from careergate.upstream.router import Deployment, Router

BATCH_ENDPOINT = "batches"
"""The name a deployment lists under ``endpoints:`` when its upstream has the Files and
Batch APIs."""


@dataclass(frozen=True)
class Intake:
    """Lines ready to upload, their plan, and the deployment whose Batch API runs them
    (``None``: the gateway runs them)."""

    lines: list[Line]
    plan: FilePlan
    deployment: Deployment | None


@dataclass(frozen=True)
class IntakeLimits:
    max_choices: int
    default_output_ceiling: int


class LineChecks:
    """The request path's rules, applied to each line of a file."""

    def __init__(
        self,
        router: Router,
        chooser: ModelChooser,
        secrets: PromptSecrets,
        privacy: PrivacyShield,
        budgets: BudgetLedger,
        counter: TokenCounter,
        limits: IntakeLimits,
    ) -> None:
        self.router = router
        self.chooser = chooser
        self.secrets = secrets
        self.privacy = privacy
        self.budgets = budgets
        self.counter = counter
        self.limits = limits

    async def take(
        self,
        principal: Principal,
        user: str | None,
        lines: list[Line],
        credentials: tuple[str, ...] = (),
    ) -> Intake:
        """The lines checked and protected, or the 400 of the first that is refused.
        ``credentials`` are the caller's own secrets (its key), masked like any other."""
        secrets_mode = self.secrets.policy.mode_for(principal.key_id, principal.feature)
        attribution = Attribution(principal.key_id, user, principal.team, principal.feature)
        budgets = await self.budgets.applicable(attribution, principal.budget_nano_usd)
        hard = any(budget.hard for budget in budgets)
        plan: FilePlan = {}
        targets = []
        for line in lines:
            if self.secrets.scanner.find(line.custom_id, credentials):
                raise line_error(
                    line.number, None, "its custom_id holds a credential; use another id."
                )
            try:
                self.secrets.protect(line.spec, line.body, secrets_mode, credentials)
                model = self._authorise(principal, line)
                worst = self._worst(line, model, bool(budgets), hard)
                privacy = await self._protect(principal, user, line)
                targets.append(self.router.route(model).primary)
            except GatewayError as error:
                raise line.refused(error.message, error.code) from None
            words = sum(len(text.split()) for text in line.spec.prompt_texts(line.body))
            plan[line.custom_id] = LinePlan(
                line.spec.path, model, worst, *privacy, prompt_words=words
            )
        deployments = {target.deployment.name: target.deployment for target in targets}
        deployment = next(iter(deployments.values())) if len(deployments) == 1 else None
        if deployment is None or not deployment.serves(BATCH_ENDPOINT):
            return Intake(lines, plan, None)
        for line, target in zip(lines, targets, strict=True):
            line.body["model"] = target.upstream_model
            if plan[line.custom_id].pii_action != "off":
                # As the privacy step does for a request (the lines the gateway runs go
                # through it): the end user's id as a digest. Not before: a line's user
                # is whom the gateway attributes and erases it by.
                digest_end_user(line.body)
        return Intake(lines, plan, deployment)

    def _authorise(self, principal: Principal, line: Line) -> str:
        """The model the line goes to, once the key may call its endpoint and use it."""
        spec, body = line.spec, line.body
        if not principal.may_call(spec.path):
            raise line.refused(f"the key may not call /v1/{spec.path}.", "endpoint_not_allowed")
        requested = body["model"]

        def prompt_estimate() -> int:
            return len(orjson.dumps(body.get(spec.text_param) or "")) // 4

        choice = self.chooser.choose(
            requested, principal.feature, prompt_estimate, spec.output_ceiling(body)
        )
        authorize_model(principal, requested, choice.model)
        if choice.output_cap is not None:
            spec.cap_output(body, choice.output_cap)
        body["model"] = choice.model
        return choice.model

    def _worst(self, line: Line, model: str, budgeted: bool, hard: bool) -> tuple[int, int]:
        """The line's worst-case tokens: what its budget hold is made of."""
        spec, body = line.spec, line.body
        facts = self.chooser.snapshots.facts(model)
        spec.check_bounds(body, facts, self.limits.max_choices)
        if not budgeted:
            return (0, 0)
        if spec.output_ceiling(body) is None:
            spec.cap_output(body, self.limits.default_output_ceiling)
        try:
            worst = spec.worst_case(self.counter, model, body, facts)
        except UnboundedCost:
            if hard:
                raise
            return (0, 0)  # soft budgets are charged the real cost when it is known
        return (worst.prompt_tokens, worst.completion_tokens)

    async def _protect(
        self, principal: Principal, user: str | None, line: Line
    ) -> tuple[dict[str, str], bool, tuple[str, ...], str]:
        """Replace the line's personal data: its placeholders, whether its answer's texts
        are JSON documents, and the kinds found and what was done with them (for its
        audit entry, as the privacy step notes them for a request)."""
        extension = line.body.pop(EXTENSION, None)
        protection = await self.privacy.protect(
            line.spec, line.body, extension, principal.privacy, principal.feature, user
        )
        if protection is None:
            return {}, False, (), "off"
        refusal = protection.refusal()
        if refusal is not None:
            raise refusal
        noted = (protection.kinds, protection.action)
        if protection.mode is not PrivacyMode.PSEUDONYMISE or not protection.replaced:
            return {}, protection.structured, *noted
        return protection.placeholders.exported(), protection.structured, *noted
