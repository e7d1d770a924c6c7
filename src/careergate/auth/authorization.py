"""What a request may do under its key: refusals that name the missing permission."""

from __future__ import annotations

from careergate.auth.principal import Principal, Role
from careergate.errors import PermissionDenied


def authorize_request(
    principal: Principal,
    endpoint: str,
    named_user: str | None,
    named_feature: str | None,
) -> None:
    """Refuse a call of ``endpoint`` the key does not allow, or a user or feature it may
    not attribute usage to (each named only when the request names it)."""
    prefix = principal.key_prefix
    if not principal.may_call(endpoint):
        reason = (
            "reader keys may not call models"
            if principal.role is Role.READER
            else f"it may call only {', '.join(principal.endpoints or ())}"
        )
        raise PermissionDenied(
            f"The key {prefix}... may not call {endpoint}: {reason}.",
            code="endpoint_not_allowed",
        )
    if named_feature is not None and not principal.may_attribute_to(named_feature):
        raise PermissionDenied(
            f"The key {prefix}... may not attribute usage to the feature `{named_feature}`.",
            code="feature_not_allowed",
        )
    if named_user is not None and not principal.may_speak_for(named_user):
        raise PermissionDenied(
            f"The key {prefix}... may not act for other users (it names `{named_user}`); "
            "give it the act-for-users permission or use the user's own key.",
            code="user_not_allowed",
            param="user",
        )


def authorize_model(principal: Principal, requested: str, chosen: str) -> None:
    """Refuse a model the key may not use. An alias or policy that resolves to a model the
    key allows is allowed, even when the name asked for is not."""
    if principal.may_use_model(requested) or (
        chosen != requested and principal.may_use_model(chosen)
    ):
        return
    raise PermissionDenied(
        f"The key {principal.key_prefix}... is not allowed to use the model `{requested}`.",
        code="model_not_allowed",
        param="model",
    )
