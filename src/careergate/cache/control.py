"""The request's ``Cache-Control`` header, as the cache honours it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class CacheControl:
    """``no-cache``: do not answer from the cache (the answer may still be kept);
    ``no-store``: do not keep the answer. Other directives are ignored."""

    look: bool = True
    store: bool = True

    @classmethod
    def parse(cls, header: str | None) -> CacheControl:
        if not header:
            return ALLOW
        directives = {part.strip().lower().split("=", 1)[0] for part in header.split(",")}
        return cls(look="no-cache" not in directives, store="no-store" not in directives)


ALLOW = CacheControl()
