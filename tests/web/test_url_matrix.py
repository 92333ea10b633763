"""Issue 6 §1: every URL of the resolver × every role × an object in the persona's own area, a
sibling desa and another kecamatan × GET, POST, PUT, PATCH, DELETE. docs/authz.md is the rule.

One row per URL name in TABLE says who may use it and how its checks are ordered; the expected
status of every request is derived from the row (see `expected`):

- anonymous → 302 to the login page (a public URL answers by its own rule);
- a method the view does not take → 405 (before or after the role check: `order`);
- a role the row does not allow → 403;
- an object outside the persona's area → 404, exactly like one that does not exist;
- otherwise the row's `get` / `post` status (200, a 302 that is not to the login page, 400…).

docs/authz.md applies the area before the role. Views behind `role_required` check the role
first: a role that may not use a page gets 403 for any object, in the area or not (before any
lookup, so the 403 tells nothing about the object); `order` records this per view.

A persona that sees an object through another rule than its area is written down in the row
(`sees`, `overrides`) with the reason. Every request runs in a savepoint that is rolled back,
so an allowed POST (a campaign closed by an empty form…) does not change what the next request
sees; a refused request (403, 404, 405, → login) must not have written anything at all: no
INSERT/UPDATE/DELETE other than the session's own row, no audit or access event.

Leaks: no response (page, JSON, CSV, the sheets of an Excel file) may contain a full NIK/KK of
the scene (registry, usulan baru), nor the name of a family whose desa lies outside the
persona's area; for a role that may not read BNBA (pimpinan) and a user without an area, the
name of any family. PUT, PATCH and DELETE must never succeed (2xx). Cells where the code
disagrees with docs/authz.md are in KNOWN_BUGS.

A URL of the resolver without a row, or a row whose URL is gone, fails
`test_the_table_lists_every_url_of_the_resolver`.
"""

from __future__ import annotations

import copy
import functools
import io
import re
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse
from url_matrix_fixtures import DESA, KECAMATAN, World, build

pytestmark = pytest.mark.django_db

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
LOGIN = "login"  # a 302 to the login page
ANY = None  # the view takes every method (no require_GET / require_http_methods)

KABUPATEN, TEGALSIWALAN, SUKAPURA = "35.13", "35.13.20", "35.13.01"


@dataclass(frozen=True)
class Persona:
    name: str
    role: str | None  # None: anonymous
    area: str | None
    official: bool = False  # a pejabat whose login is linked to an Official


# tests/conftest.py's personas, a pejabat without an Official record, and an anonymous visitor.
PERSONAS = (
    Persona("admin", "admin_kabupaten", KABUPATEN),
    Persona("operator_kecamatan", "operator_kecamatan", TEGALSIWALAN),
    Persona("operator_desa", "operator_desa", DESA["M"]),
    Persona("operator_desa_sibling", "operator_desa", DESA["G"]),
    Persona("operator_other_kecamatan", "operator_kecamatan", SUKAPURA),
    Persona("opd", "opd", KABUPATEN),  # works for Dinsos (url_matrix_fixtures)
    Persona("pejabat", "pejabat", TEGALSIWALAN, official=True),
    Persona("pejabat_unlinked", "pejabat", TEGALSIWALAN),
    Persona("pimpinan", "pimpinan", KABUPATEN),
    Persona("no_area", "operator_desa", None),
    Persona("anonymous", None, None),
)
USERNAMES = {"pejabat_unlinked": "pejabat.lain"}
SIGNED_IN_NAMES = " ".join(p.name for p in PERSONAS if p.role is not None)


def covers(area: str | None, code: str | None) -> bool:
    return bool(area) and bool(code) and (code == area or code.startswith(area + "."))


# --- who -------------------------------------------------------------------------------------

ADMIN, KEC, DESA_OP, OPD, PEJABAT, PIMPINAN = ("admin_kabupaten", "operator_kecamatan",
                                               "operator_desa", "opd", "pejabat", "pimpinan")
ROLES = {ADMIN, KEC, DESA_OP, OPD, PEJABAT, PIMPINAN}


def roles(*allowed: str, area: bool = True) -> Callable[[Persona], bool]:
    """Roles (accounts/roles.py) that may; `area`: a user without an area may not."""
    return lambda p: p.role in allowed and (p.area is not None or not area)


EVERY_ROLE = roles(*ROLES)
BNBA = roles(ADMIN, KEC, DESA_OP, OPD, PEJABAT, area=False)  # can_view_registry: no area check
REVEAL = roles(ADMIN, KEC, DESA_OP, area=False)
VERIFY = roles(ADMIN, DESA_OP)
REVIEW = roles(ADMIN, KEC)
FILES = roles(ADMIN, KEC, DESA_OP)  # can_verify or can_review
ONLY_ADMIN = roles(ADMIN)
TARGETS = roles(ADMIN, KEC, DESA_OP, OPD, PEJABAT)
CONVERGENCE = roles(ADMIN, KEC, OPD, PEJABAT, PIMPINAN)
PROGRAMMES = roles(ADMIN, OPD)
CATALOG = roles(ADMIN, OPD, PIMPINAN)
REPORTS = roles(ADMIN, PIMPINAN)
LINK_MODEL = roles(ADMIN, PIMPINAN)
SIGNED_IN = lambda p: p.role is not None  # noqa: E731
EVERYONE = lambda p: True  # noqa: E731


def gesek_user(p: Persona) -> bool:
    """gesek_required: the admin, leadership (read-only), or a pejabat linked to an Official."""
    return roles(ADMIN, PIMPINAN)(p) or (p.role == PEJABAT and p.official)


def pendamping(p: Persona) -> bool:
    """docs/authz.md, a family's visits and needs: the admin, or a pejabat with an Official."""
    return roles(ADMIN)(p) or (p.role == PEJABAT and p.official)


# --- which objects -----------------------------------------------------------------------------

NONE = ("-",)
IN_DESA = ("M", "G", "N")  # an object in Malesanwetan, Gunungbekel (same kecamatan), Ngadisari
DESA_PARAM = ("-", "M", "G", "N")  # no ?desa=, or ?desa= one of the three
IN_KECAMATAN = ("T", "S")  # Tegalsiwalan, Sukapura
KECAMATAN_PARAM = ("-", "T", "S")
ENTRIES = ("M", "G", "N", "M2")  # M2: Misnati, in Malesanwetan, another official's family
AGENCIES = ("own", "other")  # a programme of Dinsos (the OPD persona's) and one of Perkim
CASES = ("T", "K")  # a kasus ganda in Tegalsiwalan's queue, one in the kabupaten's
QUEUES = ("T", "S", "K")  # a linkage pair in each kecamatan's queue and the kabupaten's


def region(variant: str) -> str | None:
    """The desa or kecamatan of the variant's object; None for "-" and the agency variants."""
    if variant in KECAMATAN:
        return KECAMATAN[variant]
    if variant == "K":
        return KABUPATEN
    return DESA[variant[:1]] if variant in IN_DESA or variant in ENTRIES else None


def in_area(p: Persona, variant: str) -> bool:
    return region(variant) is None or covers(p.area, region(variant))


def area_or_parent(p: Persona, variant: str) -> bool:
    """Progress and convergence `?kecamatan=`: one inside the area, or a desa user's own."""
    return in_area(p, variant) or covers(region(variant), p.area)


def always(p: Persona, variant: str) -> bool:
    return True


def assigned(p: Persona, variant: str) -> bool:
    """The admin sees the entries of their area; a pejabat those assigned to their Official
    (url_matrix_fixtures: Sutrisno in M and Siti Aminah in G), whatever their area."""
    return variant in ("M", "G") if p.role == PEJABAT else in_area(p, variant)


def query(param: str) -> Callable[[str], str]:
    def q(variant: str) -> str:
        return "" if variant == "-" else f"?{param}={region(variant)}"

    return q


def desa_query(variant: str) -> str:
    return query("desa")(variant)


def kecamatan_query(variant: str) -> str:
    return query("kecamatan")(variant)


@dataclass(frozen=True)
class Override:
    """A persona, variant or method the general rule does not describe, with the reason."""

    personas: frozenset[str] | None  # None: every persona
    variants: frozenset[str] | None
    methods: frozenset[str] | None
    status: int | str
    why: str
    first: bool = False  # before every other check (else: instead of the allowed status)

    def matches(self, p: Persona, variant: str, method: str) -> bool:
        return ((self.personas is None or p.name in self.personas)
                and (self.variants is None or variant in self.variants)
                and (self.methods is None or method in self.methods))


def X(personas: str, variants: str, methods: str, status: int | str, why: str,  # noqa: N802
      *, first: bool = False) -> Override:
    def pick(text: str) -> frozenset[str] | None:
        return None if text == "*" else frozenset(text.split())

    return Override(pick(personas), pick(variants), pick(methods), status, why, first)


@dataclass(frozen=True)
class Row:
    """One URL name. `url(world, variant)` builds the path; `allow` is the role rule; `methods`
    the methods the view takes (ANY: no decorator); `order` the order of the view's checks
    ("method", "role", "object"); `sees` whether the persona's area holds the variant's
    object; `get`/`post`/`other` the status of an allowed request."""

    url: Callable[[World, str], str]
    allow: Callable[[Persona], bool]
    methods: frozenset[str] | None
    variants: tuple[str, ...] = NONE
    order: tuple[str, ...] = ("role", "method", "object")
    sees: Callable[[Persona, str], bool] = in_area
    get: int | str = 200
    post: int | str = 405
    other: int | str = 405  # PUT, PATCH, DELETE when `methods` is ANY
    public: bool = False  # no login required: anonymous follows `allow` like everyone
    anonymous_405: bool = False  # the method check comes before the login check
    overrides: tuple[Override, ...] = ()


def r(name: str, *args: Callable[[World, str], Any], suffix: Callable[[str], str] | None = None
      ) -> Callable[[World, str], str]:
    """reverse(name, args) with each argument taken from the world for the variant."""

    def build_url(world: World, variant: str) -> str:
        url = reverse(name, args=[arg(world, variant) for arg in args])
        return url + (suffix(variant) if suffix else "")

    return build_url


def pk(attr: str) -> Callable[[World, str], Any]:
    return lambda world, variant: getattr(world, attr)[variant]


def one(attr: str) -> Callable[[World, str], Any]:
    return lambda world, variant: getattr(world, attr)


def code(world: World, variant: str) -> str:
    return region(variant)


def methods(*names: str) -> frozenset[str]:
    return frozenset(names)


GET, GET_POST, POST = methods("GET"), methods("GET", "POST"), methods("POST")
# family_detail, family_history, family_reveal: login, method, then `get_family_for_user`
# (area → 404, then the BNBA role → 403), then (reveal) the reveal role.
OBJECT_FIRST = ("method", "object", "role")
ADMIN_CHOOSES_DESA = X("admin", "-", "*", 302,
                       "docs/authz.md: the admin kabupaten first chooses a desa (→ worklist)")
OTHER_AGENCY = X("opd", "other", "*", 403,
                 "docs/authz.md: another agency's programme answers 403 (not 404)")
# The verification pages below work on `?desa=` for the admin; a desa operator always works on
# their own desa (a ?desa= of another desa is ignored: 200 with their own desa, and the leak
# check finds no family of the other desa).


def _plotly_version() -> str:
    from tepat.web.views.assets import plotly_version

    return plotly_version()


TABLE: dict[str, Row] = {
    # --- the registry ----------------------------------------------------------------------
    # FINDING: `dashboard` has no method decorator: POST, PUT, PATCH and DELETE render it (200).
    # login_required, require_GET, then the view's own check of the area (no area: 403)
    "dashboard": Row(r("dashboard"), EVERY_ROLE, GET, order=("method", "role")),
    # Each role's first page (issue 19 §3): the same checks as the dashboard (the admin's is it);
    # a pejabat without an Official record or an OPD without an agency is told so (200).
    "home": Row(r("home"), EVERY_ROLE, GET, order=("method", "role")),
    # ?desa= outside the area is a filter error on the page (no rows, 200). The user without an
    # area passes can_view_registry (no area check) and gets an empty list ("sees nothing").
    "families": Row(r("families", suffix=desa_query), BNBA, GET_POST, DESA_PARAM, sees=always,
                    post=302),
    "family_detail": Row(r("family_detail", pk("family")), BNBA, GET, IN_DESA, OBJECT_FIRST),
    "family_reveal": Row(r("family_reveal", pk("family")), REVEAL, POST, IN_DESA, OBJECT_FIRST,
                         post=200),  # no purpose: the form again, nothing revealed or logged
    "family_history": Row(r("family_history", pk("family")), BNBA, GET, IN_DESA, OBJECT_FIRST),
    # The list's export (issue 19 §6): the purpose form for the list's filters; ?desa= outside
    # the area is a filter error (no rows). An empty POST: the form again, nothing exported.
    "family_export": Row(r("family_export", suffix=desa_query), BNBA, GET_POST, DESA_PARAM,
                         sees=always, post=200),
    "import_list": Row(r("import_list"), ONLY_ADMIN, GET),
    "import_new": Row(r("import_new"), ONLY_ADMIN, GET_POST, post=200),
    "import_detail": Row(r("import_detail", one("batch")), ONLY_ADMIN, GET),
    "import_progress": Row(r("import_progress", one("batch")), ONLY_ADMIN, GET),
    "import_errors": Row(r("import_errors", one("batch"), lambda w, v: "csv"), ONLY_ADMIN, GET),
    # the column mapping step: a staged upload (random token), then its preview (an empty
    # mapping is refused on the page: 200); remapping a batch's files stages them again (302)
    "import_mapping": Row(r("import_mapping", one("mapping_token")), ONLY_ADMIN, GET_POST,
                          post=200),
    "import_remap": Row(r("import_remap", one("batch")), ONLY_ADMIN, POST, post=302),
    # the matrix batch was rejected: confirm and cancel refuse with a message, back to the batch
    "import_confirm": Row(r("import_confirm", one("batch")), ONLY_ADMIN, POST, post=302),
    "import_cancel": Row(r("import_cancel", one("batch")), ONLY_ADMIN, POST, post=302),
    "import_changes": Row(r("import_changes", one("batch"), lambda w, v: "csv"), ONLY_ADMIN,
                          GET),
    # --- verification ------------------------------------------------------------------------
    "worklist": Row(r("worklist", suffix=desa_query), VERIFY, GET_POST, DESA_PARAM, sees=always,
                    post=302),  # the admin without ?desa= gets the choice of desa (200)
    "verify_bulk": Row(r("verify_bulk", suffix=desa_query), VERIFY, POST, DESA_PARAM,
                       sees=always, post=200, overrides=(ADMIN_CHOOSES_DESA,)),
    "verify_submit_desa": Row(r("verify_submit_desa", suffix=desa_query), VERIFY, POST,
                              DESA_PARAM, sees=always, post=302),  # refused: back to worklist
    "verify_take_back": Row(r("verify_take_back", suffix=desa_query), VERIFY, POST,
                            DESA_PARAM, sees=always, post=302),  # refused: back to worklist
    # issue 19 §4: a reviewer opening the desa's page is sent to the family's review page
    "verify_family": Row(r("verify_family", pk("verification")), FILES, GET_POST, IN_DESA,
                         post=200, overrides=(X("operator_kecamatan operator_other_kecamatan",
                                                "*", "GET POST", 302,
                                                "a reviewer → the family's review page"),)),
    "verify_evidence": Row(r("verify_evidence", pk("evidence")), FILES, GET, IN_DESA),
    "verify_evidence_thumb": Row(r("verify_evidence_thumb", pk("evidence")), FILES, GET,
                                 IN_DESA),
    # issue 19 §7: a change request on a family not final yet is explained, nothing filed
    "change_request_new": Row(r("change_request_new", pk("verification")), FILES, GET_POST,
                              IN_DESA, post=200),
    "change_document": Row(r("change_document", lambda w, v: w.change), FILES, GET, ("M",)),
    "verify_musdes": Row(r("verify_musdes", suffix=desa_query), VERIFY, GET_POST, DESA_PARAM,
                         sees=always, post=200, overrides=(ADMIN_CHOOSES_DESA,)),
    "verify_musdes_document": Row(r("verify_musdes_document", pk("musdes")), FILES, GET,
                                  IN_DESA),
    "verify_proposals": Row(r("verify_proposals", suffix=desa_query), VERIFY, GET, DESA_PARAM,
                            sees=always, overrides=(ADMIN_CHOOSES_DESA,)),
    "verify_proposal_new": Row(r("verify_proposal_new", suffix=desa_query), VERIFY, GET_POST,
                               DESA_PARAM, sees=always, post=200,
                               overrides=(ADMIN_CHOOSES_DESA,)),
    "verify_proposal": Row(r("verify_proposal", pk("proposal")), VERIFY, GET_POST, IN_DESA,
                           post=200),
    # odk_form: a desa outside the area answers 404 before any role check (views/odk.py);
    # without ?desa= a user above the desa level gets the role check (the admin: → odk_import).
    "odk_form": Row(r("odk_form", suffix=desa_query), VERIFY, GET, DESA_PARAM,
                    ("method", "object", "role"),
                    overrides=(X("admin", "-", "GET", 302, "no desa chosen: → odk_import"),)),
    "odk_import": Row(r("odk_import"), VERIFY, GET_POST, post=400),  # no file: 400
    # --- review --------------------------------------------------------------------------
    # FINDING: `review` has no method decorator: POST, PUT, PATCH and DELETE render it (200).
    # ?kecamatan= is the admin's drill-down; an operator kecamatan always gets their own.
    "review": Row(r("review", suffix=kecamatan_query), REVIEW, GET, KECAMATAN_PARAM,
                  sees=always),
    "review_desa": Row(r("review_desa", code), REVIEW, GET_POST, IN_DESA, post=200),
    "review_family": Row(r("review_family", code, pk("verification")), REVIEW, GET_POST,
                         IN_DESA, post=200),  # no decision chosen: the page again
    # A kasus ganda lintas wilayah is decided in the queue of the area that may see both sides
    # (no decision chosen: a message, back to the review page).
    "review_duplicate_case": Row(r("review_duplicate_case", pk("case")), REVIEW, POST, CASES,
                                 post=302),
    "review_proposal": Row(r("review_proposal", code, pk("proposal")), REVIEW, POST, IN_DESA,
                           post=302),  # no action chosen: a message, back to the desa
    # --- person linkage (issue 18) -------------------------------------------------------------
    # ?kecamatan= is the admin's choice of queue; an operator kecamatan always gets their own.
    "link_queue": Row(r("link_queue", suffix=kecamatan_query), REVIEW, GET, KECAMATAN_PARAM,
                      sees=always),
    # A pair of another queue answers 404; an empty POST (no decision chosen), and the admin's
    # POST on a kecamatan's pair (read only), are refused with a message, back to the pair.
    "link_pair": Row(r("link_pair", pk("link_pair")), REVIEW, GET_POST, QUEUES, post=302),
    # A cluster with no record in the area answers 404; no record chosen: a message (302).
    "link_cluster": Row(r("link_cluster", pk("link_cluster")), REVIEW, GET_POST, IN_KECAMATAN,
                        post=302),
    "link_home": Row(r("link_home"), LINK_MODEL, GET),  # counts and the model, no records
    "link_run_start": Row(r("link_run_start"), ONLY_ADMIN, POST, post=302),  # no job chosen
    # --- campaigns and target lists (instance-wide objects) ------------------------------------
    "campaign_list": Row(r("campaign_list"), ONLY_ADMIN, GET),
    "campaign_new": Row(r("campaign_new"), ONLY_ADMIN, GET_POST, post=200),
    "campaign_detail": Row(r("campaign_detail", one("campaign")), ONLY_ADMIN, GET),
    "campaign_open": Row(r("campaign_open", one("campaign")), ONLY_ADMIN, POST, post=302),
    "campaign_close": Row(r("campaign_close", one("campaign")), ONLY_ADMIN, POST, post=302),
    "campaign_finalize": Row(r("campaign_finalize", one("campaign")), ONLY_ADMIN, POST,
                             post=200),  # no decree: the campaign page with the form's errors
    "change_decide": Row(r("change_decide", one("campaign"), one("change")), ONLY_ADMIN, POST,
                         post=302),
    "target_lists": Row(r("target_lists"), TARGETS, GET),
    # ?desa= outside the area: a filter error, no entries (200).
    "target_list_detail": Row(r("target_list_detail", one("target_list"), suffix=desa_query),
                              TARGETS, GET, DESA_PARAM, sees=always),
    "target_list_export": Row(r("target_list_export", one("target_list")), TARGETS, GET_POST,
                              post=200),  # no purpose: the form again, nothing exported
    "target_list_diff": Row(r("target_list_diff", one("target_list")), TARGETS, GET),
    "target_list_diff_export": Row(r("target_list_diff_export", one("target_list")), TARGETS,
                                   GET_POST, post=200),
    "progress": Row(r("progress", suffix=kecamatan_query), EVERY_ROLE, GET, KECAMATAN_PARAM,
                    sees=area_or_parent),
    "progress_campaign": Row(r("progress_campaign", one("campaign"), suffix=kecamatan_query),
                             EVERY_ROLE, GET, KECAMATAN_PARAM, sees=area_or_parent),
    "progress_xlsx": Row(r("progress_xlsx", one("campaign")), EVERY_ROLE, GET),
    # --- Gesek Ekstrem ---------------------------------------------------------------------
    "gesek_home": Row(r("gesek_home"), gesek_user, GET),
    "gesek_officials": Row(r("gesek_officials"), ONLY_ADMIN, GET),
    "gesek_officials_import": Row(r("gesek_officials_import"), ONLY_ADMIN, GET_POST, post=200),
    "gesek_official_new": Row(r("gesek_official_new"), ONLY_ADMIN, GET_POST, post=200),
    "gesek_official_edit": Row(r("gesek_official_edit", one("official")), ONLY_ADMIN, GET_POST,
                               post=200),
    "gesek_team": Row(r("gesek_team", code), ONLY_ADMIN, GET_POST, IN_KECAMATAN, post=200),
    "gesek_assign": Row(r("gesek_assign"), ONLY_ADMIN, GET_POST, post=200),  # a dry run
    "gesek_assign_kecamatan": Row(r("gesek_assign_kecamatan", code), ONLY_ADMIN, GET_POST,
                                  IN_KECAMATAN, post=302),
    # A family's page, visits, needs and visit photos: the admin (its area), or the pejabat
    # pendamping: the families assigned to their Official (M, G); another official's family in
    # their own area (M2) and one in another kecamatan (N) answer 404. Leadership reads the
    # coverage home only: 403 here (docs/authz.md; it was a 500 until the URL matrix).
    "gesek_family": Row(r("gesek_family", pk("entry")), pendamping, GET, ENTRIES,
                        sees=assigned),
    "gesek_visit": Row(r("gesek_visit", pk("entry")), pendamping, POST, ENTRIES, sees=assigned,
                       post=200),  # no date: the family page with the form's errors
    "gesek_need": Row(r("gesek_need", pk("entry")), pendamping, POST, ENTRIES, sees=assigned,
                      post=200),
    "gesek_visit_photo": Row(r("gesek_visit_photo", pk("visit")), pendamping, GET, ENTRIES,
                             sees=assigned),
    # --- programmes: the OPD persona works for Dinsos; another agency's programme is 403 -------
    "programmes": Row(r("programmes"), CATALOG, GET),  # leadership: the catalog, read-only
    "programme_new": Row(r("programme_new"), PROGRAMMES, GET_POST, post=200),
    "programme_detail": Row(r("programme_detail", pk("programme")), PROGRAMMES, GET_POST,
                            AGENCIES, sees=always, post=302, overrides=(OTHER_AGENCY,)),
    "programme_edit": Row(r("programme_edit", pk("programme")), PROGRAMMES, GET_POST, AGENCIES,
                          sees=always, post=200, overrides=(OTHER_AGENCY,)),
    "intervention_add": Row(r("intervention_add", pk("programme")), PROGRAMMES, POST, AGENCIES,
                            sees=always, post=302, overrides=(OTHER_AGENCY,)),  # no family
    "programme_upload": Row(r("programme_upload", pk("programme")), PROGRAMMES, GET_POST,
                            AGENCIES, sees=always, post=200, overrides=(OTHER_AGENCY,)),
    # An empty POST: the form's error (200); a confirm without a staged preview: back (302).
    "disbursement_upload": Row(r("disbursement_upload", pk("programme")), PROGRAMMES, GET_POST,
                               AGENCIES, sees=always, post=200, overrides=(OTHER_AGENCY,)),
    "disbursement_confirm": Row(r("disbursement_confirm", pk("programme")), PROGRAMMES, POST,
                                AGENCIES, sees=always, post=302, overrides=(OTHER_AGENCY,)),
    "upload_detail": Row(r("upload_detail", pk("upload")), PROGRAMMES, GET, AGENCIES,
                         sees=always, overrides=(OTHER_AGENCY,)),
    "unmatched_confirm": Row(r("unmatched_confirm", pk("unmatched")), PROGRAMMES, POST,
                             AGENCIES, sees=always, post=302, overrides=(OTHER_AGENCY,)),
    "unmatched_reject": Row(r("unmatched_reject", pk("unmatched")), PROGRAMMES, POST, AGENCIES,
                            sees=always, post=302, overrides=(OTHER_AGENCY,)),
    "convergence": Row(r("convergence", suffix=kecamatan_query), CONVERGENCE, GET,
                       KECAMATAN_PARAM, sees=area_or_parent),
    # Counts per kecamatan of the user's area (issue 17 §5); the world has one target list, so
    # the download sends the user back to the page, which says there is nothing to compare.
    "cohort": Row(r("cohort"), CONVERGENCE, GET),
    "cohort_export": Row(r("cohort_export", lambda w, v: "csv"), CONVERGENCE, GET, get=302),
    # --- indicators and reports --------------------------------------------------------------
    "indicators": Row(r("indicators"), EVERY_ROLE, GET),
    "indicator_new": Row(r("indicator_new"), ONLY_ADMIN, GET_POST, post=200),
    "indicator_edit": Row(r("indicator_edit", one("observation")), ONLY_ADMIN, GET_POST,
                          post=200),
    "indicator_target_new": Row(r("indicator_target_new"), ONLY_ADMIN, GET_POST, post=200),
    "indicators_import": Row(r("indicators_import"), ONLY_ADMIN, GET_POST, post=200),
    "reports": Row(r("reports"), REPORTS, GET),
    "report_request": Row(r("report_request"), REPORTS, POST, post=302),  # refused: a message
    "report_job": Row(r("report_job", one("report_job")), REPORTS, GET),
    "report_progress": Row(r("report_progress", one("report_job")), REPORTS, GET),
    "report_download": Row(r("report_download", one("report_job")), REPORTS, GET),
    "subject_report": Row(r("subject_report"), ONLY_ADMIN, GET_POST, post=200),
    "access_digest": Row(r("access_digest"), ONLY_ADMIN, GET),  # counts per user, no NIK
    # --- the public dashboard ------------------------------------------------------------------
    "public": Row(r("public"), EVERYONE, GET, public=True, anonymous_405=True),
    "public_csv": Row(r("public_csv", lambda w, v: "progres"), EVERYONE, GET, public=True,
                      anonymous_405=True),
    # --- own account and users -----------------------------------------------------------------
    "account": Row(r("account"), SIGNED_IN, GET),
    "reauth": Row(r("reauth"), SIGNED_IN, GET_POST, post=200),
    # Without a pending login (password step) both send a visitor back to the login page;
    # the method check comes first (405).
    "login_code": Row(r("login_code"), SIGNED_IN, GET_POST, get=LOGIN, post=LOGIN,
                      anonymous_405=True),  # signed in: nothing pending → login → dashboard
    "mfa_enrol": Row(r("mfa_enrol"), SIGNED_IN, GET_POST, post=200, anonymous_405=True),
    # Nothing enrolled: the service refuses, a message on the account page.
    "mfa_recovery_codes": Row(r("mfa_recovery_codes"), SIGNED_IN, POST, order=("method",),
                              post=302),
    "mfa_disable": Row(r("mfa_disable"), SIGNED_IN, POST, order=("method",), post=302),
    # Issue 16 §7: an empty form is shown again with its problems.
    "password_change": Row(r("password_change"), SIGNED_IN, GET_POST, post=200),
    "user_list": Row(r("user_list"), ONLY_ADMIN, GET, order=("method", "role")),
    "user_detail": Row(r("user_detail", one("other_user")), ONLY_ADMIN, GET_POST,
                       order=("method", "role"), post=400),  # no role chosen
    "user_deactivate": Row(r("user_deactivate", one("other_user")), ONLY_ADMIN, POST,
                           order=("method", "role"), post=400),  # no reason
    "user_mfa_reset": Row(r("user_mfa_reset", one("other_user")), ONLY_ADMIN, POST,
                          order=("method", "role"), post=400),
    "user_password_reset": Row(r("user_password_reset", one("other_user")), ONLY_ADMIN, POST,
                               order=("method", "role"), post=400),  # no reason
    # --- onboarding (issue 19 §2): new users, lists of users, activation codes -------------------
    "user_new": Row(r("user_new"), ONLY_ADMIN, GET_POST, order=("method", "role"),
                    post=400),  # an empty form
    "users_import": Row(r("users_import"), ONLY_ADMIN, GET_POST, order=("method", "role"),
                        post=400),  # no file
    "users_import_confirm": Row(r("users_import_confirm"), ONLY_ADMIN, POST,
                                order=("method", "role"), post=302),  # no preview: back
    "users_import_template": Row(r("users_import_template"), ONLY_ADMIN, GET,
                                 order=("method", "role")),
    # An empty POST is "the regency's own accounts": none waits for activation, back (302).
    "activation_sheet": Row(r("activation_sheet"), ONLY_ADMIN, GET_POST, order=("method", "role"),
                            post=302),
    # The other user is active with a password: no new code, back to the user page.
    "user_reissue_code": Row(r("user_reissue_code", one("other_user")), ONLY_ADMIN, POST,
                             order=("method", "role"), post=302),
    "user_reactivate": Row(r("user_reactivate", one("other_user")), ONLY_ADMIN, POST,
                           order=("method", "role"), post=400),  # no reason
    # Public: the user name and the code in a form (an empty one: 400); a signed-in user is
    # sent on to the dashboard.
    "activate": Row(r("activate"), EVERYONE, GET_POST, public=True, anonymous_405=True,
                    post=400, overrides=(
                        X(SIGNED_IN_NAMES, "*", "GET POST", 302, "a signed-in user has an "
                          "account already: on to the dashboard", first=True),
                    )),
    # --- login, logout, language, assets ---------------------------------------------------------
    # Django's LoginView: a signed-in user is sent on (302, any method); a visitor gets the
    # form (GET, POST; PUT is refused: TwoStepLoginView.http_method_names).
    "login": Row(r("login"), EVERYONE, methods("GET", "POST"), public=True,
                 anonymous_405=True, post=200, overrides=(
                     X(SIGNED_IN_NAMES, "*", "*", 302, "redirect_authenticated_user: a "
                       "signed-in user goes to the dashboard, whatever the method",
                       first=True),
                 )),
    # Django's LogoutView takes POST only (and OPTIONS); → the login page.
    "logout": Row(r("logout"), EVERYONE, POST, public=True, anonymous_405=True, post=LOGIN),
    # Django's set_language: a redirect (to "/") for any method; only a POST sets the cookie.
    "set_language": Row(r("set_language"), EVERYONE, ANY, public=True, get=302, post=302,
                        other=302),
    "plotly_js": Row(lambda w, v: reverse("plotly_js", args=[_plotly_version()]), EVERYONE, GET,
                     public=True, anonymous_405=True),
}


REFUSALS = (403, 404, 405)


def expected(row: Row, p: Persona, variant: str, method: str) -> tuple[int | str, bool]:
    """The status of the request, and whether it is a refusal (which must write nothing)."""
    overrides = [o for o in row.overrides if o.matches(p, variant, method)]
    for override in overrides:
        if override.first:
            return override.status, override.status in REFUSALS
    takes = row.methods is ANY or method in row.methods
    if p.role is None and not row.public:
        return (LOGIN if takes or not row.anonymous_405 else 405), True
    checks = {"method": takes, "role": row.allow(p), "object": row.sees(p, variant)}
    for step in (*row.order, "method", "role", "object"):
        if not checks[step]:
            return {"method": 405, "role": 403, "object": 404}[step], True
    for override in overrides:
        return override.status, override.status in REFUSALS
    return {"GET": row.get, "POST": row.post}.get(method, row.other), False


# --- the walk --------------------------------------------------------------------------------


@pytest.fixture
def world(users, registry, campaign, gesek, settings, tmp_path) -> World:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.IMPORT_DIR = tmp_path / "imports"
    settings.REPORT_DIR = tmp_path / "reports"
    return build(users, registry, campaign, gesek, import_dir=settings.IMPORT_DIR,
                 report_dir=settings.REPORT_DIR)


def _client(p: Persona) -> Client:
    from tepat.accounts.models import User

    client = Client()
    if p.role is not None:
        client.force_login(User.objects.get(
            username=USERNAMES.get(p.name, p.name.replace("_", "."))))
    return client


WRITES = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)


def _body(response) -> str:
    """The response as text; the sheets of an Excel file unpacked."""
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    if raw[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(io.BytesIO(raw)) as book:
            raw = b"".join(book.read(name) for name in book.namelist()
                           if name.endswith(".xml"))
    return raw.decode("utf-8", errors="replace")


@dataclass
class Hit:
    status: int | str
    body: str
    writes: list[str]  # INSERT/UPDATE/DELETE statements (but the session's own row)

    @property
    def audit(self) -> int:
        """Audit and access events written (both are INSERTs the watcher saw)."""
        return sum(_audit_tables().search(sql) is not None for sql in self.writes)


@functools.cache
def _audit_tables() -> re.Pattern[str]:
    from tepat.audit.models import AccessEvent, AuditEvent

    names = "|".join(re.escape(m._meta.db_table) for m in (AuditEvent, AccessEvent))
    return re.compile(rf'^\s*INSERT INTO "?({names})"?', re.IGNORECASE)


def _hit(client: Client, method: str, url: str) -> Hit:
    """One request in a savepoint rolled back afterwards; every write statement recorded."""
    writes: list[str] = []

    def watch(execute, sql, params, many, context):
        if WRITES.match(sql) and "django_session" not in sql:
            writes.append(sql[:120])
        return execute(sql, params, many, context)

    cookies = copy.deepcopy(client.cookies)  # a logout or a language switch stays undone
    try:
        with transaction.atomic():
            with connection.execute_wrapper(watch):
                response = client.generic(method, url) if method != "POST" else \
                    client.post(url, {})
            body = _body(response)
            transaction.set_rollback(True)
    except Exception as error:  # noqa: BLE001 - a 500 is a finding like any other
        return Hit(f"raised {type(error).__name__}: {str(error)[:100]}", "", writes)
    finally:
        client.cookies = cookies
    status: int | str = response.status_code
    if status == 302 and response.get("Location", "").startswith(reverse("login")):
        status = LOGIN
    return Hit(status, body, writes)


def _relation(p: Persona, variant: str) -> str:
    """'G (sibling desa)': where the variant's object lies for the persona, for the messages."""
    code = region(variant)
    if code is None:
        return variant
    if p.area is None:
        where = "no area"
    elif code == p.area or covers(code, p.area):
        where = "own"
    elif covers(p.area, code):
        where = "in area"
    elif code.rsplit(".", 1)[0] == p.area.rsplit(".", 1)[0]:
        where = "sibling desa"
    else:
        where = "outside area"
    return f"{variant} ({where})"


# Cells where the code disagrees with docs/authz.md (the table keeps the documented status).
# The walk does not count them as failures while they still disagree, and fails as soon as one
# agrees (then delete its line), like a strict xfail; test_known_bugs_* below show them.
KNOWN_BUGS: dict[tuple[str, str], str] = {}  # (persona, url name) -> what is wrong
# (Found and fixed: leadership got a 500 on the four Gesek family views; now 403.)


def test_every_url_answers_every_role_area_and_method_by_the_rules(world):
    started = time.perf_counter()
    failures: list[str] = []
    still_wrong: set[tuple[str, str]] = set()
    own_names_seen: set[str] = set()
    requests = 0
    for p in PERSONAS:
        client = _client(p)
        # Names of families outside the area; every family's, for a role that may not read BNBA
        # (leadership: aggregates only) and for a user without an area.
        foreign = {name for desa, names in world.names.items()
                   if not (BNBA(p) and covers(p.area, desa)) for name in names}
        own = {name for desa, names in world.names.items() if covers(p.area, desa)
               for name in names}
        for url_name, row in TABLE.items():
            for variant in row.variants:
                url = row.url(world, variant)
                for method in METHODS:
                    want, refusal = expected(row, p, variant, method)
                    hit = _hit(client, method, url)
                    requests += 1
                    where = f"{p.name} {url_name} {_relation(p, variant)} {method} {url}"
                    if hit.status != want:
                        if (p.name, url_name) in KNOWN_BUGS:
                            still_wrong.add((p.name, url_name))
                        else:
                            failures.append(f"{where}: {hit.status}, expected {want}")
                    refused = refusal or hit.status in REFUSALS or str(hit.status).startswith(
                        "raised")
                    if refused and (hit.writes or hit.audit):
                        failures.append(f"{where}: refused ({hit.status}) but wrote "
                                        f"{hit.audit} audit events, {hit.writes[:3]}")
                    if leaked := {n for n in world.numbers if n in hit.body}:
                        failures.append(f"{where}: {hit.status}, full NIK/KK {sorted(leaked)}")
                    if named := {n for n in foreign if n in hit.body}:
                        failures.append(f"{where}: {hit.status}, names families outside the "
                                        f"area: {sorted(named)}")
                    if method in ("PUT", "PATCH", "DELETE") and isinstance(hit.status, int) \
                            and 200 <= hit.status < 300 and url_name not in ANSWERS_EVERY_METHOD:
                        failures.append(f"{where}: {hit.status} (a success) to {method}")
                    if p.name not in own_names_seen and any(n in hit.body for n in own):
                        own_names_seen.add(p.name)
    failures += [f"{persona} {name}: agrees with docs/authz.md now; delete it from KNOWN_BUGS"
                 for persona, name in sorted(set(KNOWN_BUGS) - still_wrong)]
    # The name check is not vacuous: every persona who may read BNBA saw its own families.
    failures += [f"{p.name}: no page showed a family of its own area (is the check blind?)"
                 for p in PERSONAS if BNBA(p) and p.area and p.name not in own_names_seen]
    seconds = time.perf_counter() - started
    print(f"\nURL matrix: {len(TABLE)} URL names, {requests} requests, {seconds:.1f} s")
    assert not failures, f"{len(failures)} of {requests} requests:\n" + "\n".join(failures)


# Views that may answer PUT, PATCH and DELETE with a 2xx: none. (The walk found dashboard,
# review and the login view answering them like a GET; they now say require_GET /
# http_method_names. The tests below keep them that way.)
ANSWERS_EVERY_METHOD: set[str] = set()


@pytest.mark.parametrize("name", ["home", "dashboard", "review", "login"])
def test_put_patch_delete_answer_405_on_the_pages_that_once_took_them(world, client_for, name):
    client = client_for("operator_kecamatan") if name != "login" else Client()
    for method in (client.put, client.patch, client.delete):
        assert method(reverse(name)).status_code == 405


def test_leadership_gets_403_not_500_on_a_gesek_family(world, client_for):
    client = client_for("pimpinan")
    assert client.get(reverse("gesek_family", args=[world.entry["M"]])).status_code == 403
    assert client.post(reverse("gesek_visit", args=[world.entry["M"]])).status_code == 403


# --- the table against the resolver -----------------------------------------------------------


def _url_names() -> set[str]:
    from test_access import _url_names

    return _url_names()


def test_the_table_lists_every_url_of_the_resolver():
    names = _url_names()
    assert not sorted(names - set(TABLE)), f"URLs without a row: {sorted(names - set(TABLE))}"
    assert not sorted(set(TABLE) - names), f"rows of no URL: {sorted(set(TABLE) - names)}"
