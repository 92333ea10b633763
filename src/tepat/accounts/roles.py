"""What each role may do. Views and services ask here; nothing else decides.

The area rule (a user sees only their own area; no area means nothing) lives in the scoped
managers of the registry; this module answers "may this role do X at all".
"""

from __future__ import annotations

from typing import Any

from tepat.accounts.models import Role

# Roles that may reveal a full NIK/KK (with a stated purpose, logged).
REVEAL_ROLES = frozenset({Role.ADMIN_KABUPATEN, Role.OPERATOR_KECAMATAN, Role.OPERATOR_DESA})
IMPORT_ROLES = frozenset({Role.ADMIN_KABUPATEN})
# Roles that may open the by-name-by-address registry (family list and detail).
BNBA_ROLES = frozenset(
    {
        Role.ADMIN_KABUPATEN,
        Role.OPERATOR_KECAMATAN,
        Role.OPERATOR_DESA,
        Role.OPD,
        Role.PEJABAT,
    }
)


def _role(user: Any) -> str | None:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    return user.role or None


def can_reveal_identity(user: Any) -> bool:
    return _role(user) in REVEAL_ROLES


def can_import(user: Any) -> bool:
    return _role(user) in IMPORT_ROLES


def can_view_registry(user: Any) -> bool:
    return _role(user) in BNBA_ROLES


def can_view_dashboard(user: Any) -> bool:
    return _role(user) is not None and user.area_id is not None


# --- verification campaign (DESIGN.md §5) ------------------------------------------------------
VERIFY_ROLES = frozenset({Role.ADMIN_KABUPATEN, Role.OPERATOR_DESA})
REVIEW_ROLES = frozenset({Role.ADMIN_KABUPATEN, Role.OPERATOR_KECAMATAN})
CAMPAIGN_ROLES = frozenset({Role.ADMIN_KABUPATEN})
PROGRESS_ROLES = frozenset(
    {Role.ADMIN_KABUPATEN, Role.OPERATOR_KECAMATAN, Role.OPERATOR_DESA, Role.OPD, Role.PEJABAT,
     Role.PIMPINAN}
)
# Who may download a target list by name (BNBA, NIK/KK masked unless revealed).
TARGET_LIST_ROLES = frozenset(
    {Role.ADMIN_KABUPATEN, Role.OPERATOR_KECAMATAN, Role.OPERATOR_DESA, Role.OPD, Role.PEJABAT}
)


def can_verify(user: Any) -> bool:
    return _role(user) in VERIFY_ROLES and user.area_id is not None


def can_review(user: Any) -> bool:
    return _role(user) in REVIEW_ROLES and user.area_id is not None


def can_manage_campaigns(user: Any) -> bool:
    return _role(user) in CAMPAIGN_ROLES and user.area_id is not None


def can_view_progress(user: Any) -> bool:
    return _role(user) in PROGRESS_ROLES and user.area_id is not None


def can_view_target_lists(user: Any) -> bool:
    return _role(user) in TARGET_LIST_ROLES and user.area_id is not None


# --- Gesek Ekstrem and interventions (issue 4) --------------------------------------------------
GESEK_ADMIN_ROLES = frozenset({Role.ADMIN_KABUPATEN})
GESEK_READ_ROLES = frozenset(
    {Role.ADMIN_KABUPATEN, Role.OPERATOR_KECAMATAN, Role.OPD, Role.PEJABAT, Role.PIMPINAN}
)


def can_manage_gesek(user: Any) -> bool:
    """Officials, teams and assignments: the TKPK secretariat."""
    return _role(user) in GESEK_ADMIN_ROLES and user.area_id is not None


def can_view_convergence(user: Any) -> bool:
    return _role(user) in GESEK_READ_ROLES and user.area_id is not None


# The cohort of two target lists (issue 17 §5): counts per kecamatan for the TKPK; kabupaten
# roles see the regency, kecamatan roles their kecamatan. No names: leadership may read it.
COHORT_ROLES = GESEK_READ_ROLES


def can_view_cohort(user: Any) -> bool:
    return _role(user) in COHORT_ROLES and user.area_id is not None


def is_official(user: Any) -> bool:
    """A pejabat pendamping with an official record: sees and visits their own families."""
    return _role(user) == Role.PEJABAT and getattr(user, "official", None) is not None


def can_manage_programmes(user: Any) -> bool:
    """An OPD operator (their own agency's programmes) or the admin kabupaten (all)."""
    return _role(user) in {Role.ADMIN_KABUPATEN, Role.OPD} and user.area_id is not None


def can_read_everything(user: Any) -> bool:
    """Leadership (pimpinan) reads every dashboard and aggregate, read-only (DESIGN.md §5)."""
    return _role(user) == Role.PIMPINAN and user.area_id is not None


# --- indicators, reports and the public dashboard (issue 5) ------------------------------------
INDICATOR_ADMIN_ROLES = frozenset({Role.ADMIN_KABUPATEN})
# The TKPK meeting pack and the quarterly report: aggregates of the whole regency.
REPORT_ROLES = frozenset({Role.ADMIN_KABUPATEN, Role.PIMPINAN})


def can_view_indicators(user: Any) -> bool:
    """Indicator series and targets are public statistics: every signed-in user with an area."""
    return _role(user) is not None and user.area_id is not None


def can_manage_indicators(user: Any) -> bool:
    """Enter or import indicator values and targets: the TKPK secretariat."""
    return _role(user) in INDICATOR_ADMIN_ROLES and user.area_id is not None


def can_view_reports(user: Any) -> bool:
    """Produce and download the rakor pack and the quarterly report (aggregates only)."""
    return _role(user) in REPORT_ROLES and user.area_id is not None


# --- users, roles and two-factor (issue 6 §3) ---------------------------------------------------
USER_ADMIN_ROLES = frozenset({Role.ADMIN_KABUPATEN})


def can_manage_users(user: Any) -> bool:
    """Users, roles, deactivation and MFA resets: the admin kabupaten (DESIGN.md §5)."""
    return _role(user) in USER_ADMIN_ROLES and user.area_id is not None


# --- reveals and exports of NIK/KK (issue 16 §6) ------------------------------------------------
ACCESS_DIGEST_ROLES = frozenset({Role.ADMIN_KABUPATEN})


def can_view_access_digest(user: Any) -> bool:
    """The daily digest of reveals and exports per user: the admin kabupaten of the regency."""
    return _role(user) in ACCESS_DIGEST_ROLES and user.area_id is not None


# --- person linkage (issue 18) ------------------------------------------------------------------
# The review queue: the operator kecamatan decides its kecamatan's pairs, the admin kabupaten the
# pairs across kecamatan (and reads every kecamatan's). The model and its runs: the admin trains
# and runs; leadership may read the model and the figures (no records on that page).
LINK_REVIEW_ROLES = frozenset({Role.ADMIN_KABUPATEN, Role.OPERATOR_KECAMATAN})
LINK_MODEL_ROLES = frozenset({Role.ADMIN_KABUPATEN, Role.PIMPINAN})
LINK_RUN_ROLES = frozenset({Role.ADMIN_KABUPATEN})


def can_review_links(user: Any) -> bool:
    return _role(user) in LINK_REVIEW_ROLES and user.area_id is not None


def can_view_link_model(user: Any) -> bool:
    return _role(user) in LINK_MODEL_ROLES and user.area_id is not None


def can_run_linkage(user: Any) -> bool:
    """Train the model, run a full or incremental linkage: the admin kabupaten."""
    return _role(user) in LINK_RUN_ROLES and user.area_id is not None
