"""Who may see the chatbot's staff pages.

Hand-over requests carry a citizen's contact data and conversation, so only the
responsible team (members whose organisational unit is the tenant's hand-over
team) and Fachadmins/Administrators see them. Knowledge gaps are for those who
maintain the public collections; the analytics hold counts only and are also
open to oversight roles (KI-Beauftragte, Datenschutz, Revision).
"""

from __future__ import annotations

from typing import Any

from aktenkundig.accounts.models import Membership, Role
from aktenkundig.accounts.services import membership_of

MAINTAINERS = (Role.SUBJECT_ADMIN, Role.ADMINISTRATOR)
OVERSIGHT = (Role.AI_OFFICER, Role.DATA_PROTECTION, Role.AUDIT)


def _has_any(membership: Membership | None, roles: tuple[Role, ...]) -> bool:
    return membership is not None and any(membership.has_role(role) for role in roles)


def _in_handover_team(membership: Membership | None) -> bool:
    if membership is None or not membership.unit.strip():
        return False
    from aktenkundig.citizen.models import ChannelSettings

    team = (
        ChannelSettings.objects.filter(tenant_id=membership.tenant_id)
        .values_list("handover_team", flat=True)
        .first()
    )
    if team is None:
        team = ChannelSettings._meta.get_field("handover_team").default
    return membership.unit.strip().casefold() == team.strip().casefold()


def can_handle_handovers(user: Any) -> bool:
    membership = membership_of(user)
    return _has_any(membership, MAINTAINERS) or _in_handover_team(membership)


def can_see_gaps(user: Any) -> bool:
    return _has_any(membership_of(user), MAINTAINERS)


def can_see_analytics(user: Any) -> bool:
    membership = membership_of(user)
    return (
        _has_any(membership, MAINTAINERS + OVERSIGHT)
        or _in_handover_team(membership)
    )


def staff_pages(user: Any) -> list[str]:
    """URL names of the staff pages ``user`` may open, in navigation order."""
    pages = []
    if can_handle_handovers(user):
        pages.append("citizen:staff_handovers")
    if can_see_gaps(user):
        pages.append("citizen:staff_gaps")
    if can_see_analytics(user):
        pages.append("citizen:staff_analytics")
    return pages
