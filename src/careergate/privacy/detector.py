"""All finders together: known values, shapes and (optionally) names, overlaps resolved."""

from __future__ import annotations

from collections.abc import Iterator

from careergate.privacy.findings import Finding, PiiKind, resolve_overlaps
from careergate.privacy.known import find_known, find_name_parts
from careergate.privacy.names import NameFinder
from careergate.privacy.patterns import find_patterns
from careergate.privacy.subject import Subject


class PiiDetector:
    """Finds personal data in the texts of one request.

    A name found anywhere in the request (or known of its subject) is then looked for in
    every text, also by its given and family name alone, so that one person is one
    placeholder throughout the request.
    """

    def __init__(self, names: NameFinder | None = None) -> None:
        self.names = names

    async def detect(self, texts: list[str], subject: Subject) -> list[list[Finding]]:
        found = [[*find_known(text, subject), *find_patterns(text)] for text in texts]
        if self.names is not None:
            for findings, named in zip(found, await self.names.find(texts), strict=True):
                findings.extend(named)
        resolved = [resolve_overlaps(findings) for findings in found]
        full_names = {value for kind, value in subject if kind is PiiKind.PERSON}
        for text, findings in zip(texts, resolved, strict=True):
            full_names.update(
                " ".join(text[f.start : f.end].split())
                for f in findings
                if f.kind is PiiKind.PERSON
            )
        if not full_names:
            return resolved
        names = sorted(full_names)
        return [
            resolve_overlaps([*findings, *self._standalone(text, names, findings)])
            for text, findings in zip(texts, resolved, strict=True)
        ]

    def _standalone(
        self, text: str, full_names: list[str], findings: list[Finding]
    ) -> Iterator[Finding]:
        """Name parts not inside a longer finding ("Jane" alone, not in "Jane Doe") and not
        a tool's name ("Ruby" of "Ruby Chen" is not masked in "Ruby on Rails")."""
        for part in find_name_parts(text, full_names):
            if self.names is not None and self.names.is_not_name(text[part.start : part.end]):
                continue
            if not any(
                f.length > part.length and f.start < part.end and part.start < f.end
                for f in findings
            ):
                yield part
