"""Personal data kept from the upstream: found, replaced before a request leaves, and put
back in the answer (also inside a stream)."""

from careergate.privacy.findings import Finding, PiiKind
from careergate.settings import PrivacyMode

__all__ = ["Finding", "PiiKind", "PrivacyMode"]
