"""``jobs.match``: profiles, each an item, ranked against the same postings (thousands
of them, kept once with the task) as ``POST /v1/features/jobs/match`` ranks them.

An item is a whole profile against every posting, not a share of the postings: the
ranking normalises its lexical score by the best candidate, so scores from separate
shares of the postings would not compare."""

from __future__ import annotations

from typing import Any

from careergate.errors import InvalidRequest
from careergate.features.documents import MAX_CANDIDATES, match_request, requested
from careergate.features.service import top_of
from careergate.tasks.kinds.base import ItemContext, Plan, TaskKind, list_of, object_at, user_of


class MatchJobs(TaskKind):
    name = "jobs.match"
    summary = "postings ranked for each profile (`jobs`: the postings, `resumes`: the profiles)"

    def plan(self, payload: dict[str, Any]) -> Plan:
        jobs = list_of(payload, "jobs", MAX_CANDIDATES)
        profiles = list_of(payload, "resumes")
        top = top_of(payload)
        for number, profile in enumerate(profiles):
            where = f"resumes.{number}"
            object_at(profile, where)
            if "resume" not in profile:
                raise InvalidRequest(f"`{where}` needs a `resume`.", param=where)
            try:
                requested(profile["resume"], "resume")
            except InvalidRequest as error:
                raise InvalidRequest(f"`{where}`: {error.message}", param=where) from None
        match_request({"resume": profiles[0]["resume"], "jobs": jobs})  # the postings
        return Plan({"jobs": jobs, "top": top}, profiles)

    async def run_item(self, item: Any, context: ItemContext) -> Any:
        request = {"resume": item["resume"], "jobs": context.params["jobs"]}
        request["top"] = context.params["top"]
        answer = await context.features.match_jobs(
            request, context.secret, user_of(item, context.user)
        )
        if "id" in item:
            answer = {"id": item["id"], **answer}
        return answer
