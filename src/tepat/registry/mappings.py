"""Column mapping templates: the named, audited writes, and finding a template by name."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from tepat.audit.services import log_event, write_service
from tepat.pipeline.mapping import check_mapping
from tepat.registry.models import MappingTemplate, Source


class MappingError(ValueError):
    """A mapping that cannot be saved or a template name that is not known ("id / en")."""


def get_template(name: str) -> MappingTemplate:
    """The template of that name, or a MappingError that lists the saved names."""
    try:
        return MappingTemplate.objects.get(name=name)
    except MappingTemplate.DoesNotExist:
        names = ", ".join(MappingTemplate.objects.values_list("name", flat=True)) or "-"
        raise MappingError(
            f"Templat pemetaan kolom '{name}' tidak ada. Templat yang tersimpan: {names} / "
            f"no column mapping template named '{name}'. Saved templates: {names}"
        ) from None


def clean_mapping(source: str, mapping: dict[str, Any]) -> dict[str, str]:
    """The mapping without empty choices, checked: raises MappingError naming what is missing."""
    if source not in Source.values:
        raise MappingError(f"Sumber tidak dikenal: {source} / unknown source: {source}")
    cleaned = {str(k): str(v).strip() for k, v in mapping.items() if v and str(v).strip()}
    problems = check_mapping(cleaned, source)
    if problems:
        raise MappingError("; ".join(problems))
    return cleaned


@write_service()
def save_template(
    *, user: Any, name: str, source: str, mapping: dict[str, Any]
) -> MappingTemplate:
    """Create the template, or update the one of that name (same source only)."""
    name = " ".join(name.split())
    if not name:
        raise MappingError("Beri nama templat / give the template a name")
    cleaned = clean_mapping(source, mapping)
    with transaction.atomic():
        template = MappingTemplate.objects.select_for_update().filter(name=name).first()
        if template is None:
            template = MappingTemplate.objects.create(
                name=name, source=source, mapping=cleaned,
                created_by=user if getattr(user, "pk", None) else None,
            )
            action = "registry.mapping.created"
            before: dict[str, str] = {}
        else:
            if template.source != source:
                raise MappingError(
                    f"Templat '{name}' sudah ada untuk sumber {template.source} / "
                    f"the template '{name}' already exists for the source {template.source}"
                )
            before = dict(template.mapping)
            template.mapping = cleaned
            template.save(update_fields=["mapping", "updated_at"])
            action = "registry.mapping.updated"
        log_event(action, actor=user, obj=template,
                  data={"name": name, "source": source, "mapping": cleaned, "before": before})
    return template
