"""Issue 19 §8: in English, no page shows an Indonesian label of the code lists.

Every persona of the URL matrix (tests/web/test_url_matrix.py), the anonymous visitor included,
opens every page it may open (GET answering 200, on every object variant of the matrix's scene)
with the language set to English. The visible text of each HTML page (tags, scripts and styles
removed) must not contain a label of the code lists whose English differs: outcomes and their
reasons, the pending label, sex, relation to the head, marital status, education, work, data-
quality flags, indicator titles and flags, poverty lines, kinds of aid, strategies, funding
sources. Labels their English keeps (PKH, APBN) are names, not words of one language; data
values (names of people and regions) are not labels.
"""

from __future__ import annotations

import html
import re

import pytest
from django.conf import settings
from django.utils import translation
from test_url_matrix import PERSONAS, TABLE, _client, expected, world  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db

TAGS = re.compile(r"<(script|style)\b.*?</\1>|<[^>]+>", re.DOTALL | re.IGNORECASE)


def _labels() -> set[str]:
    """The Indonesian labels of the code lists (see the module's docstring)."""
    from tepat.core import indicators, outcomes, strategies
    from tepat.core.identity import PROBLEMS
    from tepat.pipeline.messages import FLAGS, flag_message
    from tepat.web.code_labels import ENGLISH_LABELLED

    found = {o.label for o in outcomes.OUTCOMES.values()}
    found |= set(outcomes.MAMPU_REASONS.values()) | {outcomes.PENDING_LABEL}
    for code_list in ENGLISH_LABELLED.values():
        found |= {label for _code, label in code_list.choices}
    found |= {i.label for i in indicators.INDICATORS.values()}
    found |= set(indicators.FLAG_LABELS.values())
    found |= {line.label for line in indicators.POVERTY_LINES.values()}
    found |= {k.label for k in strategies.NEED_KINDS.values()}
    found |= {s.label for s in strategies.STRATEGIES.values()}
    found |= set(strategies.FUNDING_SOURCES.values())
    with translation.override("en"):
        # "APBN" is in its English, "APBN (national budget)": a name, not an Indonesian word
        words = {label for label in found if label not in translation.gettext(label)}
    # The data-quality flags carry their own English in the pipeline's catalogue.
    words |= {text_id for code in (*FLAGS, *PROBLEMS)
              for text_id, text_en in [flag_message(code)] if text_id != text_en}
    return words


def _pattern(words: set[str]) -> re.Pattern[str]:
    longest_first = sorted(words, key=len, reverse=True)
    return re.compile(r"(?<!\w)(" + "|".join(map(re.escape, longest_first)) + r")(?!\w)")


def visible_text(body: str) -> str:
    return html.unescape(TAGS.sub(" ", body))


def test_the_forbidden_words_are_labels_with_an_english_translation():
    words = _labels()
    for expected_word in ("Laki-laki", "Anak", "Kepala keluarga", "Masih layak (tetap sasaran)",
                          "belum diverifikasi", "Persentase penduduk miskin ekstrem"):
        assert expected_word in words, expected_word
    assert "PKH" not in words and "APBN" not in words  # names, the same in both languages


def test_every_page_in_english_shows_no_indonesian_label_of_the_code_lists(world):  # noqa: F811
    pattern = _pattern(_labels())
    failures: list[str] = []
    pages = 0
    for p in PERSONAS:
        client = _client(p)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        for url_name, row in TABLE.items():
            for variant in row.variants:
                if expected(row, p, variant, "GET") != (200, False):
                    continue
                url = row.url(world, variant)
                try:
                    response = client.get(url)
                except Exception as error:  # noqa: BLE001 - a 500 is a finding like any other
                    failures.append(f"{p.name} {url_name} {url}: raised {error!r:.200}")
                    continue
                if response.status_code != 200 or "text/html" not in response.get(
                        "Content-Type", ""):
                    continue
                pages += 1
                found = sorted(set(pattern.findall(visible_text(response.content.decode()))))
                if found:
                    failures.append(f"{p.name} {url_name} {url}: {found}")
    assert pages > 100, pages
    assert not failures, f"{len(failures)} of {pages} pages:\n" + "\n".join(failures)


@pytest.fixture
def indicators_packaged(db):
    from tepat.indicators.services import load_packaged

    return load_packaged()


def test_the_public_extreme_poverty_figure_carries_its_unverified_flag(client, indicators_packaged):
    from django.urls import reverse

    html = client.get(reverse("public")).content.decode()
    assert 'data-flag="unverified">belum diverifikasi</span>' in html
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = visible_text(client.get(reverse("public")).content.decode())
    assert "not yet verified" in english and "Share of people in extreme poverty" in english
    assert "Persentase penduduk miskin ekstrem" not in english


def test_the_login_names_the_user_name_once(client, users):
    from django.urls import reverse

    html = client.post(reverse("login"), {"username": "admin", "password": "salah sekali"}
                       ).content.decode()
    assert "Masukkan nama pengguna dan sandi yang benar" in html
    assert "nama pengguna nama pengguna" not in html
