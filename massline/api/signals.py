"""A member who is suspended or deactivated (by `accounts.services.suspend`, the admin, or
anything else that saves the account) loses every token for good: reactivating the account
later does not bring old tokens back. Authentication also refuses an inactive member's
tokens (massline.api.tokens.check), so nothing depends on this running first."""

from __future__ import annotations

from massline.api.tokens import may_hold_tokens, revoke_all


def revoke_tokens_of_inactive_members(sender, instance, created: bool, **kwargs) -> None:
    if not created and not may_hold_tokens(instance):
        revoke_all(instance)
