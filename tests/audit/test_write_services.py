"""Every write is a named service with its audit event (issue 6 §4).

The suite runs with TEPAT_CHECK_AUDIT on (tests/conftest.py), so every call of a service
decorated with `@write_service` in any test checks the number of audit events it wrote. This
file checks the decorator itself, and that no public function of a service module escapes it:
a new write function must be decorated, or listed below as a read with its reason."""

from __future__ import annotations

import importlib
import inspect

import pytest
from django.db import transaction

from tepat.audit.models import AuditEvent
from tepat.audit.services import (
    EACH,
    MANY,
    ONE_IF_CHANGED,
    WRITE_SERVICES,
    AuditMissing,
    log_event,
    log_events,
    write_service,
)

SERVICE_MODULES = (
    "tepat.accounts.onboarding",
    "tepat.accounts.services",
    "tepat.audit.reveals",
    "tepat.gesek.assigning",
    "tepat.gesek.importing",
    "tepat.gesek.services",
    "tepat.indicators.services",
    "tepat.interventions.services",
    "tepat.regions.services",
    "tepat.reports.services",
    "tepat.registry.exports",
    "tepat.registry.importing",
    "tepat.verification.campaigns",
    "tepat.verification.services",
)

# Public functions of those modules that write nothing, and why.
READS = {
    "tepat.accounts.services.pending_secret": "reads the unconfirmed secret",
    "tepat.accounts.services.mfa_locked_until": "a query",
    "tepat.accounts.services.password_problems": "runs Django's password validators",
    "tepat.accounts.services.temporary_password": "a random string",
    "tepat.accounts.onboarding.activation_days": "reads the settings",
    "tepat.accounts.onboarding.new_activation_code": "a random string",
    "tepat.accounts.onboarding.parse_username": "parses a value",
    "tepat.accounts.onboarding.parse_name": "parses a value",
    "tepat.accounts.onboarding.parse_role": "parses a value",
    "tepat.accounts.onboarding.parse_area": "parses a value (a query of regions)",
    "tepat.accounts.onboarding.parse_phone": "parses a value",
    "tepat.accounts.onboarding.parse_email": "parses a value",
    "tepat.accounts.onboarding.parse_agency": "parses a value",
    "tepat.accounts.onboarding.check_user": "checks a user's values",
    "tepat.accounts.onboarding.regency_of": "the actor's regency",
    "tepat.accounts.onboarding.group_by_kecamatan": "groups issued codes for the sheet",
    "tepat.accounts.onboarding.is_activated": "whether a password was set",
    "tepat.accounts.onboarding.pending_activation": "a query",
    "tepat.accounts.onboarding.find_activation": "a query (the view counts failures)",
    "tepat.accounts.onboarding.check_file": "reads and checks a file, nothing written",
    "tepat.audit.reveals.purpose_problems": "checks a purpose",
    "tepat.audit.reveals.limit_windows": "reads the settings",
    "tepat.audit.reveals.recent_reveals": "a query",
    "tepat.gesek.importing.kecamatan_office_code": "a code from a code",
    "tepat.gesek.importing.regency_agencies": "the regency's agency list, from the regions",
    "tepat.gesek.importing.read_officials_sheet": "reads a file",
    "tepat.gesek.importing.parse_nip": "parses a value",
    "tepat.gesek.importing.parse_eselon": "parses a value",
    "tepat.gesek.importing.parse_role": "parses a value",
    "tepat.interventions.services.require_programme_manager": "a permission check",
    "tepat.registry.importing.batch_dir": "a folder path",
    "tepat.registry.exports.write_family_file": "renders bytes (export_families logs them)",
    "tepat.reports.services.report_dir": "a folder path",
    "tepat.reports.services.validate_request": "checks a request",
    "tepat.reports.services.build": "renders bytes (the job writes them)",
    "tepat.reports.services.download_path": "a path",
    "tepat.registry.importing.read_progress": "reads the progress note",
    "tepat.registry.importing.import_task": "the background task: calls run_import",
    "tepat.registry.importing.this_worker": "host:pid",
    "tepat.registry.importing.order_files": "orders two paths",
    "tepat.registry.importing.crossed_thresholds": "reads the batch's change set",
    "tepat.registry.importing.threshold_texts": "texts of the crossed thresholds",
    "tepat.registry.importing.refusal_message": "a message",
    "tepat.registry.importing.preview_files": "the change set of files, nothing written "
                                              "(tepat import --dry-run)",
    "tepat.verification.campaigns.scope_families": "a queryset",
    "tepat.verification.campaigns.approved_findings": "what of a verification may reach a list",
    "tepat.verification.services.in_area": "a permission check",
    "tepat.verification.services.translation_is_english": "the active language",
    "tepat.verification.services.prepare_photos": "resizes uploads in memory",
    "tepat.verification.services.possible_duplicates": "a query",
    "tepat.verification.services.duplicate_matches": "a query",
    "tepat.verification.services.duplicate_choices": "a queryset",
    "tepat.verification.services.likely_duplicates": "family ids sharing a person",
    "tepat.verification.services.may_duplicate": "a query (the rule of GANDA)",
    "tepat.verification.services.case_area": "an area code",
}


def _public_functions(module_name: str):
    module = importlib.import_module(module_name)
    for name, obj in vars(module).items():
        if name.startswith("_") or not callable(obj) or inspect.isclass(obj):
            continue
        if getattr(obj, "__module__", None) != module_name:
            continue  # imported from elsewhere
        yield f"{module_name}.{name}", obj


def test_every_public_function_of_a_service_module_is_a_write_service_or_a_named_read():
    unmarked = [
        name for module in SERVICE_MODULES for name, obj in _public_functions(module)
        if not hasattr(obj, "audit_events") and name not in READS
    ]
    assert unmarked == [], "decorate with @write_service(...) or list as a read: " + str(unmarked)


def test_the_registry_lists_the_decorated_services():
    assert "tepat.verification.services.save_verification" in WRITE_SERVICES
    assert WRITE_SERVICES["tepat.verification.services.bulk_outcome"] == MANY
    assert len(WRITE_SERVICES) >= 30


# --- the decorator ----------------------------------------------------------------------------


def _writes(n: int):
    with transaction.atomic():
        for _ in range(n):
            log_event("test.event")


@pytest.mark.django_db
@pytest.mark.parametrize("written", [0, 2])
def test_a_service_that_must_write_one_event_and_writes_another_number_fails(written):
    @write_service()
    def save():
        _writes(written)

    with pytest.raises(AuditMissing, match=f"wrote {written} audit events; expected one"):
        save()


@pytest.mark.django_db
def test_a_batch_service_must_write_at_least_one_event():
    @write_service(MANY)
    def save_many(n):
        with transaction.atomic():
            log_events("test.batch", objects=[(AuditEvent.objects.create(action="x"), "", {})] * n)

    save_many(3)
    with pytest.raises(AuditMissing):
        save_many(0)


@pytest.mark.django_db
def test_a_dry_run_writes_nothing_and_loaders_may_find_nothing_to_change():
    @write_service(none_when="dry_run")
    def plan(*, dry_run=False):
        if not dry_run:
            _writes(1)

    plan(dry_run=True)
    plan()

    @write_service(ONE_IF_CHANGED)
    def load(changed):
        _writes(int(changed))

    load(False)
    load(True)

    @write_service(EACH)
    def sweep(n):
        _writes(n)

    sweep(0)
    sweep(5)


@pytest.mark.django_db
def test_an_outer_service_counts_the_events_of_the_services_it_calls():
    @write_service()
    def inner():
        _writes(1)

    @write_service()
    def outer_that_only_delegates():
        inner()

    @write_service()
    def outer_that_also_logs():
        inner()
        _writes(1)

    outer_that_only_delegates()
    with pytest.raises(AuditMissing):
        outer_that_also_logs()


@pytest.mark.django_db
def test_a_refused_call_raises_its_own_error_not_an_audit_error():
    @write_service()
    def refuse():
        raise PermissionError("tidak boleh")

    with pytest.raises(PermissionError):
        refuse()
