"""The demo's accounts are named after the area they work in (issue 19 §8: `desa.tegalsiwalan`
operated Desa Malesanwetan)."""

from __future__ import annotations

from django.utils.text import slugify

from tepat.regions.models import Region
from tepat.web.management.commands.demo import demo_users


def test_every_demo_desa_and_kecamatan_operator_is_named_after_its_area(regions):
    named = 0
    for username, _role, area, _agency in demo_users("35.13"):
        prefix, _, place = username.partition(".")
        if prefix not in ("desa", "kec"):
            continue
        region = Region.objects.get(code=area)
        assert slugify(region.name).replace("-", "") == place, (username, region.name)
        named += 1
    assert named == 2
