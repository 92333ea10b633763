"""Template helpers: role checks for the navigation, flag badges, ages and numbers."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import template
from django.urls import reverse
from django.utils.formats import number_format

from tepat.accounts import roles
from tepat.lib import bilingual
from tepat.pipeline.messages import safe_value
from tepat.web import code_labels
from tepat.web.flags import english, flags_of
from tepat.web.views.assets import plotly_version

register = template.Library()


@register.filter
def may_view_registry(user: Any) -> bool:
    return roles.can_view_registry(user)


@register.filter
def may_import(user: Any) -> bool:
    return roles.can_import(user)


@register.filter
def may_reveal(user: Any) -> bool:
    return roles.can_reveal_identity(user)


@register.filter
def may_verify(user: Any) -> bool:
    return roles.can_verify(user)


@register.filter
def may_review(user: Any) -> bool:
    return roles.can_review(user)


@register.filter
def may_manage_campaigns(user: Any) -> bool:
    return roles.can_manage_campaigns(user)


@register.filter
def may_view_progress(user: Any) -> bool:
    return roles.can_view_progress(user)


@register.filter
def may_view_target_lists(user: Any) -> bool:
    return roles.can_view_target_lists(user)


@register.filter
def may_use_gesek(user: Any) -> bool:
    return (roles.can_manage_gesek(user) or roles.is_official(user)
            or roles.can_read_everything(user))


@register.filter
def may_manage_programmes(user: Any) -> bool:
    """The Program menu: agencies and the admin manage, leadership reads."""
    return roles.can_manage_programmes(user) or roles.can_read_everything(user)


@register.filter
def may_view_convergence(user: Any) -> bool:
    return roles.can_view_convergence(user)


@register.filter
def may_view_cohort(user: Any) -> bool:
    return roles.can_view_cohort(user)


@register.filter
def may_view_indicators(user: Any) -> bool:
    return roles.can_view_indicators(user)


@register.filter
def may_view_reports(user: Any) -> bool:
    return roles.can_view_reports(user)


@register.filter
def may_manage_users(user: Any) -> bool:
    return roles.can_manage_users(user)


@register.filter
def may_review_links(user: Any) -> bool:
    return roles.can_review_links(user)


@register.filter
def may_view_link_model(user: Any) -> bool:
    return roles.can_view_link_model(user)


@register.filter
def rate_change(change: Any) -> str:
    """A change between two rates in per cent: '+0,07 poin persen (+0,41 % relatif)'."""
    from tepat.indicators.formats import change_label

    return change_label(change, "percent")


@register.filter
def rate_difference(amount: float) -> str:
    """A signed difference of two rates: '+2,28 poin persen'."""
    from tepat.indicators.formats import difference

    return difference(amount, "percent")


@register.inclusion_tag("web/_flags.html")
def flag_badges(codes: str, detailed: bool = False) -> dict[str, Any]:
    return {"flags": flags_of(codes or ""), "detailed": detailed}


def age_on(birth: date, today: date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


@register.filter
def age(birth: date | None) -> int | str:
    return age_on(birth, date.today()) if birth else "—"


@register.filter
def num(value: Any) -> str:
    """A number with the active language's thousands separator (1.234 / 1,234); None gives '—'."""
    return "—" if value is None else number_format(value, force_grouping=True)


@register.filter
def area_label(region: Any) -> str:
    """'Kecamatan Tegalsiwalan', 'Desa Malesanwetan'; a kabupaten's name already says its kind
    ('Kabupaten Probolinggo', 'Kota Probolinggo')."""
    if region is None:
        return ""
    if region.level in {"provinsi", "kabupaten"}:
        return region.name
    return f"{region.kind_label} {region.name}"


@register.filter
def masked_numbers(value: Any) -> str:
    """Free text with any NIK/KK-like digit run masked (a local list may use the KK as its ID)."""
    return safe_value(value)


@register.filter
def minutes(value: timedelta | None) -> int:
    return round(value.total_seconds() / 60) if value else 0


@register.filter
def percent(part: int, whole: int) -> str:
    return number_format(100 * part / whole, 1) if whole else "—"


@register.simple_tag
def plotly_js_url() -> str:
    return reverse("plotly_js", args=[plotly_version()])


@register.filter
def core_label(text: Any) -> str:
    """A label of a core code list (indicator, flag, poverty line…) in the active language."""
    return code_labels.label(text)


@register.filter
def code_label(code: Any, list_name: str) -> str:
    """`{{ person.hubungan|code_label:"hubungan_dengan_kepala_keluarga" }}`: the code's label
    in the active language ('—' when there is none)."""
    return code_labels.code_label(list_name, code) or "—"


@register.filter
def indicator_flag(code: str) -> str:
    """An indicator value's flag ('unverified', 'conflict'…) as its badge text, translated."""
    return code_labels.indicator_flag(code)


@register.filter
def one_language(note: str) -> str:
    """A background job's "Indonesian / English" progress note, in the reader's language."""
    return bilingual.pick(note, english())
