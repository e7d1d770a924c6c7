"""The steps of the request path, in the order the gateway runs them.

Each step is a small class holding its collaborators; the rule it applies belongs to
the package that owns it (budgets compute the worst case, privacy finds personal data,
the router knows the deployments). A step returns ``None`` to pass the call on, or the
reply that ends the path (the last step always answers).
"""

from careergate.core.steps.bound import BoundRequest
from careergate.core.steps.cache import LookUpCache
from careergate.core.steps.choose import ChooseModel
from careergate.core.steps.conversation import KeepConversation
from careergate.core.steps.forward import Forward
from careergate.core.steps.limit import LimitRate
from careergate.core.steps.protect import ProtectPersonalData
from careergate.core.steps.reserve import ReserveBudget
from careergate.core.steps.route import RouteCall
from careergate.core.steps.secrets import KeepSecrets
from careergate.core.steps.step import Step
from careergate.core.steps.tokens import ChargeTokens

__all__ = [
    "BoundRequest",
    "ChargeTokens",
    "ChooseModel",
    "Forward",
    "KeepConversation",
    "KeepSecrets",
    "LimitRate",
    "LookUpCache",
    "ProtectPersonalData",
    "ReserveBudget",
    "RouteCall",
    "Step",
]
