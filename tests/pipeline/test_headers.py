"""map_headers: the many spellings of the same column, and never an exception."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tepat.core.layout import LAYOUTS, P3KE_FAMILY, P3KE_PERSON
from tepat.pipeline.headers import header_key, known_keys, map_headers


@pytest.mark.parametrize(
    "header",
    [
        "id_keluarga_p3ke",
        "ID_KELUARGA_P3KE",
        "ID Keluarga P3KE",
        " id keluarga  p3ke ",
        "Id.Keluarga.P3KE",
        "ID Keluarga",
        "id_keluarga",
        "ID-Keluarga / P3KE",
        "ID Keluarga P3KE (wajib)",
        "source_family_id",
    ],
)
def test_spellings_of_the_family_id_map_to_it(header):
    mapping = map_headers([header, "kode_kemdagri", "desil_kesejahteraan"], P3KE_FAMILY)
    assert mapping.fields["source_family_id"] == header
    assert mapping.complete


def test_indonesian_labels_map_to_their_fields():
    headers = [
        "ID Keluarga P3KE",
        "Kode Kemendagri",
        "Desil Kesejahteraan",
        "No. KK",
        "NIK Kepala Keluarga",
        "Memiliki Simpanan Uang/Perhiasan/Ternak/Lainnya",
        "Risiko Stunting",
        "Jenis Kelamin",
    ]
    fields = map_headers(headers, P3KE_FAMILY).fields
    assert fields == {
        "source_family_id": "ID Keluarga P3KE",
        "kode_kemdagri": "Kode Kemendagri",
        "desil": "Desil Kesejahteraan",
        "no_kk": "No. KK",
        "nik": "NIK Kepala Keluarga",
        "memiliki_simpanan": "Memiliki Simpanan Uang/Perhiasan/Ternak/Lainnya",
        "resiko_stunting": "Risiko Stunting",
        "jenis_kelamin": "Jenis Kelamin",
    }


def test_unknown_columns_are_listed_as_ignored():
    mapping = map_headers(["id_keluarga_p3ke", "No", "Keterangan", "desil"], P3KE_FAMILY)
    assert mapping.ignored == ["No", "Keterangan"]


def test_missing_required_columns_are_listed_with_their_layout_column():
    mapping = map_headers(["nama", "nik"], P3KE_PERSON)
    assert [c.field for c in mapping.missing] == ["source_family_id", "source_person_id"]
    assert not mapping.complete


def test_the_canonical_header_wins_over_a_label_whatever_the_order():
    mapping = map_headers(["NIK Kepala Keluarga", "nik"], P3KE_FAMILY)
    assert mapping.fields["nik"] == "nik"
    assert mapping.ignored == ["NIK Kepala Keluarga"]


def test_excluded_headers_are_left_to_another_layout():
    mapping = map_headers(
        ["id_keluarga_p3ke", "nik", "jenis_kelamin"], P3KE_FAMILY, exclude={"nik", "jenis_kelamin"}
    )
    assert mapping.fields == {"source_family_id": "id_keluarga_p3ke"}
    assert mapping.ignored == []


@pytest.mark.parametrize(
    "layout", list(LAYOUTS.values()), ids=lambda lay: f"{lay.source}-{lay.unit}"
)
def test_no_two_fields_of_a_layout_share_a_header_key(layout):
    owners: dict[str, set[str]] = {}
    for column in layout.columns:
        for name in (column.header, column.field, *column.labels):
            owners.setdefault(header_key(name), set()).add(column.field)
    assert {k: v for k, v in owners.items() if len(v) > 1} == {}


# ---------------------------------------------------------------------------------------------
# Hypothesis


def _respell(draw, header: str) -> str:
    """The header as a person might type it: case, separators and padding changed."""
    separator = draw(st.sampled_from(["_", " ", ".", "/", "-", "  ", ""]))
    text = header.replace("_", separator)
    text = draw(st.sampled_from([text, text.upper(), text.title(), text.lower()]))
    return draw(st.sampled_from(["", " ", "\t"])) + text + draw(st.sampled_from(["", " "]))


@st.composite
def respelled_headers(draw):
    layout = draw(st.sampled_from(list(LAYOUTS.values())))
    columns = draw(st.permutations(list(layout.columns)))
    return layout, [
        (c.field, _respell(draw, draw(st.sampled_from([c.header, *c.labels])))) for c in columns
    ]


@settings(max_examples=1000, deadline=None)
@given(respelled_headers())
def test_respelled_headers_map_to_the_same_fields(case):
    layout, pairs = case
    headers = [h for _, h in pairs]
    if len({header_key(h) for h in headers}) < len(headers):
        return  # two labels of different columns collapsed to one spelling: not a real file
    mapping = map_headers(headers, layout)
    assert mapping.complete
    for field, header in pairs:
        assert mapping.fields[field] == header


header_text = st.one_of(
    st.text(max_size=40),
    st.sampled_from([h for lay in LAYOUTS.values() for h in lay.headers]),
    st.sampled_from([label for lay in LAYOUTS.values() for c in lay.columns for label in c.labels]),
)


@settings(max_examples=1000, deadline=None)
@given(st.lists(header_text, max_size=40, unique=True), st.sampled_from(list(LAYOUTS.values())))
def test_map_headers_never_fails_and_accounts_for_every_header(headers, layout):
    mapping = map_headers(headers, layout)
    used = list(mapping.fields.values())
    assert len(used) == len(set(used))  # one header feeds at most one field
    assert set(used) | set(mapping.ignored) == set(headers)
    assert set(used).isdisjoint(mapping.ignored)
    assert {c.field for c in mapping.missing} == {
        c.field for c in layout.columns if c.required
    } - set(mapping.fields)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_header_key_is_idempotent_and_alphanumeric(text):
    key = header_key(text)
    assert header_key(key) == key
    assert all(ch.isascii() and ch.isalnum() and not ch.isupper() for ch in key)


def test_every_layout_key_is_known():
    for layout in LAYOUTS.values():
        keys = known_keys(layout)
        assert all(header_key(c.header) in keys for c in layout.columns)
