"""The column mapping step of an import: see the first rows, map columns, save a template,
preview the validation, then import. For "lokal" lists and files whose headers are unknown."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from tepat.pipeline import ReadError
from tepat.pipeline.mapping import check_mapping, targets
from tepat.regions.models import Level, Region
from tepat.registry.mappings import (
    MappingError,
    build_preview,
    load_staged,
    read_head,
    save_template,
    stage_batch,
    start_mapped_import,
)
from tepat.registry.models import MappingTemplate
from tepat.web.access import get_batch_for_user, import_required, no_store
from tepat.web.forms_mapping import MappingForm


def _staged_or_404(token: str):
    try:
        return load_staged(token)
    except LookupError:
        message = _("Unggahan untuk dipetakan tidak ditemukan atau sudah kedaluwarsa.")
        raise Http404(message) from None


def _kabupaten() -> str | None:
    loaded = list(Region.objects.filter(level=Level.KABUPATEN).values_list("code", flat=True))
    return loaded[0] if len(loaded) == 1 else None


@import_required
@no_store
@require_http_methods(["GET", "POST"])
def import_mapping(request: HttpRequest, token: str) -> HttpResponse:
    staged = _staged_or_404(token)
    context = {"nav": "imports", "staged": staged}
    try:
        head = read_head(staged)
    except ReadError as exc:
        context["read_error"] = f"{exc.message_id} / {exc.message_en}"
        return render(request, "web/import_mapping.html", context)
    headers = head.headers
    options = targets(staged.source)
    templates = MappingTemplate.objects.filter(source=staged.source)
    chosen = templates.filter(pk=request.GET.get("templat") or 0).first()
    initial = chosen.mapping if chosen else head.suggested
    initial = {field: header for field, header in initial.items() if header in headers}
    form = MappingForm(request.POST or None, targets=options, headers=headers,
                       initial={**MappingForm.initial_for(initial),
                                "template_name": chosen.name if chosen else ""})
    preview = None
    if request.method == "POST" and form.is_valid():
        mapping = form.mapping
        problems = check_mapping(mapping, staged.source)
        action = request.POST.get("action", "preview")
        if problems:
            for problem in problems:
                form.add_error(None, problem)
        elif action == "import":
            template = _save(request, form, staged.source, mapping)
            if template is not False:
                batch = start_mapped_import(user=request.user, staged=staged, mapping=mapping,
                                            template=template or None)
                return redirect("import_detail", pk=batch.pk)
        else:
            if action == "save":
                _save(request, form, staged.source, mapping)
            preview = build_preview(staged, mapping, kabupaten=_kabupaten())
    context.update({
        "headers": head.first_headers, "rows": head.rows, "form": form, "preview": preview,
        "templates": templates, "chosen": chosen, "suggested": chosen is None,
    })
    return render(request, "web/import_mapping.html", context)


def _save(request: HttpRequest, form: MappingForm, source: str, mapping: dict[str, str]):
    """The saved template (None when no name is given); False when saving was refused."""
    name = form.cleaned_data.get("template_name")
    if not name:
        return None
    try:
        return save_template(user=request.user, name=name, source=source, mapping=mapping)
    except MappingError as exc:
        form.add_error("template_name", str(exc))
        return False


@import_required
@require_POST
def import_remap(request: HttpRequest, pk: int) -> HttpResponse:
    """Map the columns of an earlier import's files (rejected for unknown headers)."""
    batch = get_batch_for_user(request.user, pk)
    try:
        staged = stage_batch(batch)
    except LookupError:
        raise Http404(_("Berkas impor ini sudah tidak tersimpan.")) from None
    return redirect("import_mapping", token=staged.token)
