"""Person records prepared for linkage (issue 18), and the words that explain a link.

The Splink engine compares records of one person written by different hands (P3KE, DTSEN, DTKS,
agency lists, usulan baru). The same woman appears as 'Hj. Sitti Aminah', 'SITI AMINAH' and
'ST. AMINAH BINTI SAMSUL'; the same man as 'MOCH. SOLEH' and 'Muhammad Soleh'. Comparing names
as written would call them different people, so each name is first brought to one spelling:

- Upper case, accents and punctuation gone, single spaces: only letters carry the name.
  Apostrophes are deleted, not spaced ("MA'RUF" is MARUF); other marks split words.
- Titles dropped wherever they stand (H., HJ., DRS., S.PD., K.H., ALM., NY., ...): they are
  honours, degrees or states, given to some records of a person and not to others. Dotted titles
  are matched as their letter groups ('S.PD.I' is the words S PD I). 'ST' is ambiguous: as the
  first word it is Siti ('St. Aminah'), elsewhere it is the degree S.T.
- Common spellings of one name become one: MOCH./MOH./MUH./MD./M. (an initial M as the first
  word) become MUHAMMAD; SITTI/ST. SITI; ABD. ABDUL; NOER/NOOR NUR.
- Old spelling (before 1972, still on many people's documents) is rewritten: CH→KH everywhere
  (ACHMAD is AKHMAD). A name that shows a mark of the old spelling (OE, DJ, TJ, SJ, or a word
  starting NJ) is read wholly as old spelling: OE→U, DJ→J, TJ→C, SJ→SY, NJ→NY, and every other
  J→Y, because the old spelling wrote the y-sound as J (TJAHJO is CAHYO, WIDJAJA is WIJAYA).
  Without such a mark J stays J: RAJA, ANJAR and SANJAYA are modern names.
- BIN/BINTI and what follows (not as the first word) is the father's name: kept apart as the
  patronym, so 'SITI AMINAH' and 'SITI AMINAH BINTI SAMSUL' have the same name and one patronym.
- Doubled consonants (NN LL MM TT DD SS KK RR FF HH) are written once: SITTI, ABDULLAH/ABDULAH.
- A name with no letters left is missing (None / null), not ''.

`sorted_tokens` makes word order irrelevant ('AMINAH SITI'); `name_phonetic`/`name_phonetic_last`
give a short key for blocking on the first and last word of a normalised name: the first letter's
class, then the consonant classes without vowels (A E I O U Y W), runs merged, at most 5 letters.
Classes: B P F V → P; D T → T; G K Q X → K; J Z → J; others stay. KH is read as H and a final H
is dropped (AKHMAD/AHMAD, FATIMAH/FATIMA), so MUHAMAD/MUHAMMAD, SUPRIADI/SUPRIYADI share a key.

The words that explain a link on the review page are in `tepat.core.linkage_words`.

Every scalar function has a Polars twin (`*_expr`) for 1.75M rows; tests/core/test_linkage.py
keeps each pair in agreement with Hypothesis, so change both or neither. Plain Python + Polars:
no Django, no Splink.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import date
from functools import partial

import polars as pl

# ---------------------------------------------------------------------------------------------
# Tables of the name rules

_APOSTROPHES = "'`\u2018\u2019\u02bc\u00b4"
_NOT_LETTERS = r"[^A-Za-z]+"
_ACCENTS = "[\u0300-\u036f]"  # the combining marks NFKD splits off Latin letters (é → e + ́)
_PATRONYM_MARKS = ("BIN", "BINTI")

_TITLES = [
    "H", "HJ", "HJH", "HAJI", "HAJJAH", "DR", "DRS", "DRA", "DRG", "IR", "KH", "K H", "USTADZ",
    "UST", "USTADZAH", "ALM", "ALMH", "ALMARHUM", "ALMARHUMAH", "NY", "TN",
    "S PD", "S PD I", "S PDI", "SPD", "SPDI", "S AG", "SAG", "S E", "SE", "S H", "SH", "S KOM",
    "SKOM", "S SOS", "SSOS", "S SI", "S IP", "S KEP", "S KM", "S T", "A MD", "AMD",
    "M PD", "MPD", "M PD I", "M SI", "MSI",
]  # fmt: skip
"""Titles as their letter groups; 'ST' is handled apart (Siti as the first word)."""

_VARIANTS = {
    "MUHAMMAD": [
        "MUHAMMAD", "MUHAMAD", "MOHAMMAD", "MOHAMAD", "MOCHAMMAD", "MOCHAMAD", "MUCHAMMAD",
        "MUCHAMAD", "MOHAMMED", "MOHAMED", "MUHAMMED", "MUHAMED", "MOH", "MOCH", "MOHD", "MUH",
        "MHD", "MD",
    ],
    "SITI": ["SITI", "SITTI"],
    "ABDUL": ["ABDUL", "ABD"],
    "NUR": ["NUR", "NOER", "NOOR"],
}  # fmt: skip
"""Canonical word → the spellings it stands for (looked up after the spelling rules)."""

_OLD_SPELLING_MARK = r"OE|DJ|TJ|SJ|^NJ"
_OLD_SPELLING = {"OE": "U", "DJ": "J", "TJ": "C", "J": "Y"}  # at once, leftmost (SJ→SY, NJ→NY)
_DOUBLED = "NLMTDSKRFH"

_PHONETIC_FROM, _PHONETIC_TO = "EIOUBFVDGQXZ", "AAAAPPPTKKKJ"
_PHONETIC_LETTERS = "APTKJSCMNLRHYW"
_SEMIVOWELS = "[AYW]"  # dropped after the first letter
_PHONETIC_LENGTH = 5

# ---------------------------------------------------------------------------------------------
# Names, one at a time


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.translate(str.maketrans("", "", _APOSTROPHES)))
    text = re.sub(_ACCENTS, "", text)
    return re.sub(_NOT_LETTERS, " ", text).upper().strip()


def _split_at_patronym(tokens: list[str]) -> tuple[list[str], list[str]]:
    for index, token in enumerate(tokens[1:], start=1):
        if token in _PATRONYM_MARKS:
            return tokens[:index], tokens[index + 1 :]
    return tokens, []


_TITLE_WORDS = sorted((tuple(title.split()) for title in _TITLES), key=len, reverse=True)


def _drop_titles(tokens: list[str]) -> list[str]:
    kept, index = [], 0
    while index < len(tokens):
        title = next((t for t in _TITLE_WORDS if tuple(tokens[index : index + len(t)]) == t), ())
        kept.extend(tokens[index : index + 1] if not title else [])
        index += len(title) or 1
    return kept


def _expand_first_word(tokens: list[str]) -> list[str]:
    """An initial M first is Muhammad and ST first is Siti; any other ST is the degree S.T."""
    first = {"M": ["MUHAMMAD"], "ST": ["SITI"]}.get(tokens[0], tokens[:1]) if tokens else []
    return first + [token for token in tokens[1:] if token != "ST"]


def _spell(word: str) -> str:
    word = word.replace("CH", "KH")
    if re.search(_OLD_SPELLING_MARK, word):
        word = re.sub("|".join(_OLD_SPELLING), lambda old: _OLD_SPELLING[old[0]], word)
    return re.sub(f"([{_DOUBLED}])\\1+", r"\1", word)


_CANONICAL = {_spell(v): word for word, spellings in _VARIANTS.items() for v in spellings}


def _normalise_words(tokens: list[str]) -> str | None:
    words = [_spell(token) for token in _expand_first_word(_drop_titles(tokens))]
    return " ".join(_CANONICAL.get(word, word) for word in words) or None


def split_patronym(text: str | None) -> tuple[str | None, str | None]:
    """The normalised name and the normalised patronym (what follows BIN/BINTI), or None."""
    if text is None:
        return None, None
    name, patronym = _split_at_patronym(_clean(text).split())
    return _normalise_words(name), _normalise_words(patronym)


def normalise_name(text: str | None) -> str | None:
    """The name in one spelling (see the module docstring), without its patronym."""
    return split_patronym(text)[0]


def sorted_tokens(name: str | None) -> str | None:
    """The words of a normalised name in alphabetical order: 'AMINAH SITI' is 'SITI AMINAH'."""
    return None if name is None else " ".join(sorted(name.split(" ")))


_PHONETIC_CLASSES = str.maketrans(_PHONETIC_FROM, _PHONETIC_TO)


def _phonetic(word: str) -> str:
    word = re.sub(r"(.)H$", r"\1", word.replace("KH", "H")).translate(_PHONETIC_CLASSES)
    word = re.sub(r"(.)\1+", r"\1", word)
    return (word[:1] + re.sub(_SEMIVOWELS, "", word[1:]))[:_PHONETIC_LENGTH]


def name_phonetic(name: str | None) -> str | None:
    """The blocking key of the first word of a normalised name."""
    return None if not name else _phonetic(name.split(" ")[0])


def name_phonetic_last(name: str | None) -> str | None:
    """The blocking key of the last word of a normalised name."""
    return None if not name else _phonetic(name.split(" ")[-1])


# ---------------------------------------------------------------------------------------------
# Names, a column at a time (the twins: every step above as a whole-column string operation).
# Words are handled as units ' WORD ' (a space each side, two between words), so that a title
# or a spelling is replaced as a whole word by one Aho-Corasick pass (`replace_many`). The work
# is eager, inside `map_batches`: a step that only some names need (accents, BIN/BINTI, old
# spelling, doubled letters) runs on those rows only (`_on_rows`), which when/then cannot do.


def _unit(words: str) -> str:
    return " " + "  ".join(words.split()) + " "


def _runs_pattern(letters: str) -> tuple[str, str]:
    """A regex for runs of any of the letters and its replacement (Polars has no backrefs)."""
    pattern = "|".join(f"({letter}){letter}+" for letter in letters)
    return pattern, "".join(f"${{{index}}}" for index in range(1, len(letters) + 1))


_TITLE_UNITS = [_unit(" ".join(title)) for title in _TITLE_WORDS]
_CANONICAL_UNITS = {_unit(spelling): _unit(word) for spelling, word in _CANONICAL.items()}
_PATRONYM = r"^(.+?) (?:BINTI|BIN)(?: (.*))?$"
_DOUBLED_RUNS = _runs_pattern(_DOUBLED)


def _on_rows(
    series: pl.Series, rows: pl.Series, change: Callable[[pl.Series], pl.Series]
) -> pl.Series:
    """`change` applied to the rows where `rows` is true; the others are left as they are."""
    indices = rows.fill_null(False).arg_true()
    return series.scatter(indices, change(series.gather(indices))) if len(indices) else series


def _without_accents(text: pl.Series) -> pl.Series:
    return text.str.normalize("NFKD").str.replace_all(_ACCENTS, "")


def _cleaned(raw: pl.Series) -> pl.Series:
    text = raw.cast(pl.String).str.replace_many(dict.fromkeys(_APOSTROPHES, ""))
    text = _on_rows(text, text.str.contains(r"[^\x00-\x7F]"), _without_accents)
    return text.str.replace_all(_NOT_LETTERS, " ").str.to_uppercase().str.strip_chars(" ")


def _cleaned_parts(raw: pl.Series) -> tuple[pl.Series, pl.Series]:
    """The cleaned words before BIN/BINTI (or all of them), and those after it (or null)."""
    name = _cleaned(raw)
    patronym = pl.Series(values=[None] * len(name), dtype=pl.String)
    rows = name.str.contains(" BIN")
    parts = name.filter(rows.fill_null(False)).str.extract_groups(_PATRONYM).struct
    patronym = _on_rows(patronym, rows, lambda _: parts.field("2"))
    name = _on_rows(name, rows, lambda before: parts.field("1").fill_null(before))
    return name, patronym


def _old_spelling_by_word(units: pl.Series) -> pl.Series:
    word = pl.element()
    old = word.str.replace_many(_OLD_SPELLING, leftmost=True)
    spelled = pl.when(word.str.contains(_OLD_SPELLING_MARK)).then(old).otherwise(word)
    words = units.str.strip_chars(" ").str.split("  ").list.eval(spelled)
    return " " + words.list.join("  ") + " "


def _normalised_words(words: pl.Series) -> pl.Series:
    units = (" " + words.str.replace_all(" ", "  ", literal=True) + " ").str.replace_many(
        _TITLE_UNITS, [""] * len(_TITLE_UNITS), leftmost=True
    )
    units = _on_rows(units, units.str.starts_with(" M "), lambda u: " MUHAMMAD" + u.str.slice(2))
    units = _on_rows(units, units.str.starts_with(" ST "), lambda u: " SITI" + u.str.slice(3))
    units = units.str.replace_all(" ST ", "", literal=True).str.replace_all("CH", "KH")
    units = _on_rows(units, units.str.contains("OE|DJ|TJ|SJ| NJ"), _old_spelling_by_word)
    doubled = units.str.contains(_DOUBLED_RUNS[0])
    units = _on_rows(units, doubled, lambda u: u.str.replace_all(*_DOUBLED_RUNS))
    units = units.str.replace_many(_CANONICAL_UNITS, leftmost=True)
    return units.str.strip_chars(" ").str.replace_all("  ", " ", literal=True).replace("", None)


def _split_batch(raw: pl.Series) -> pl.Series:
    name, patronym = _cleaned_parts(raw)
    parts = {"name": _normalised_words(name), "patronym": _normalised_words(patronym)}
    return pl.struct(**parts, eager=True)


_NAME_PARTS = pl.Struct({"name": pl.String, "patronym": pl.String})


def split_patronym_expr(text: pl.Expr) -> pl.Expr:
    """Twin of `split_patronym`: a struct of the fields 'name' and 'patronym'."""
    return text.map_batches(_split_batch, return_dtype=_NAME_PARTS, is_elementwise=True)


def _name_batch(raw: pl.Series) -> pl.Series:
    return _normalised_words(_cleaned_parts(raw)[0])


def normalise_name_expr(text: pl.Expr) -> pl.Expr:
    """Twin of `normalise_name` (the patronym is cut off without being normalised)."""
    return text.map_batches(_name_batch, return_dtype=pl.String, is_elementwise=True)


def _sorted_batch(names: pl.Series) -> pl.Series:
    return _on_rows(
        names, names.str.contains(" "), lambda many: many.str.split(" ").list.sort().list.join(" ")
    )


def sorted_tokens_expr(name: pl.Expr) -> pl.Expr:
    """Twin of `sorted_tokens` (one-word names, a third of a list, are left as they are)."""
    return name.map_batches(_sorted_batch, return_dtype=pl.String, is_elementwise=True)


def _phonetic_batch(names: pl.Series, word: str) -> pl.Series:
    runs, single = _runs_pattern(_PHONETIC_LETTERS)
    frame = names.to_frame("name").select(
        word=pl.col("name")
        .str.extract(word)
        .str.replace_all("KH", "H", literal=True)
        .str.replace(r"(.)H$", "${1}")
        .str.replace_many(list(_PHONETIC_FROM), list(_PHONETIC_TO))
        .str.replace_all(runs, single)
    )
    first, rest = pl.col("word").str.slice(0, 1), pl.col("word").str.slice(1)
    key = pl.concat_str(first, rest.str.replace_all(_SEMIVOWELS, ""))
    return frame.select(key.str.slice(0, _PHONETIC_LENGTH)).to_series()


def name_phonetic_expr(name: pl.Expr) -> pl.Expr:
    """Twin of `name_phonetic`."""
    first = partial(_phonetic_batch, word=r"^([A-Z]+)")
    return name.map_batches(first, return_dtype=pl.String, is_elementwise=True)


def name_phonetic_last_expr(name: pl.Expr) -> pl.Expr:
    """Twin of `name_phonetic_last`."""
    last = partial(_phonetic_batch, word=r"([A-Z]+)$")
    return name.map_batches(last, return_dtype=pl.String, is_elementwise=True)


# ---------------------------------------------------------------------------------------------
# NIK parts and differences (a NIK here is already normalised: `identity.normalize_number_expr`)


def _nik16(nik: pl.Expr) -> pl.Expr:
    """The NIK where it is 16 digits, null otherwise (a broken NIK has no parts to compare)."""
    return pl.when(nik.str.contains(r"^[0-9]{16}$")).then(nik)


def nik_region_expr(nik: pl.Expr) -> pl.Expr:
    """Digits 1–6: province, kabupaten, kecamatan where the NIK was issued."""
    return _nik16(nik).str.slice(0, 6)


def nik_birth_part_expr(nik: pl.Expr) -> pl.Expr:
    """Digits 7–12: DDMMYY of birth, 40 added to the day for women."""
    return _nik16(nik).str.slice(6, 6)


def nik_serial_expr(nik: pl.Expr) -> pl.Expr:
    """Digits 13–16: the serial number."""
    return _nik16(nik).str.slice(12, 4)


def digit_differences(a: str, b: str) -> list[int]:
    """The 0-based positions where two numbers differ (past the shorter one, every position), for
    marking the differing digits on the review page."""
    return [i for i in range(max(len(a), len(b))) if a[i : i + 1] != b[i : i + 1]]


def is_transposition(a: str, b: str) -> bool:
    """True when b is a with exactly one pair of neighbouring digits swapped (3512… / 3521…)."""
    differences = digit_differences(a, b)
    if len(a) != len(b) or len(differences) != 2 or differences[1] != differences[0] + 1:
        return False
    first, second = differences
    return a[first] == b[second] and a[second] == b[first]


# ---------------------------------------------------------------------------------------------
# Birth dates

PLACEHOLDER_DAYS = ((1, 1), (12, 31))
"""(month, day) written when only the year of birth is known: 1 January and 31 December."""
PLACEHOLDER_DATES = (date(1900, 1, 1), date(1970, 1, 1))
"""Dates that systems write for "unknown" (spreadsheet and Unix zero); both are 1 January too,
listed to say why such a date must never count as agreement."""


def is_placeholder_date(birth_date: date | None) -> bool:
    """True for a birth date that says little: a placeholder day of any year (None: False)."""
    if birth_date is None:
        return False
    month_day = (birth_date.month, birth_date.day)
    return month_day in PLACEHOLDER_DAYS or birth_date in PLACEHOLDER_DATES


def is_placeholder_date_expr(birth_date: pl.Expr) -> pl.Expr:
    """Twin of `is_placeholder_date` (false for null)."""
    month, day = birth_date.dt.month(), birth_date.dt.day()
    days = [(month == m) & (day == d) for m, d in PLACEHOLDER_DAYS]
    return pl.any_horizontal(*days, birth_date.is_in(PLACEHOLDER_DATES)).fill_null(False)


# ---------------------------------------------------------------------------------------------
# Records of a file pair

_MANGLED_NIK = "NIK_NUMBER_MANGLED"
_MANGLED_KK = "KK_NUMBER_MANGLED"


def _columns(frame: pl.DataFrame, *names: str) -> pl.DataFrame:
    """These columns of the frame, a null text column for any it lacks (layouts differ)."""
    return frame.select(
        pl.col(n) if n in frame.columns else pl.lit(None, pl.String).alias(n) for n in names)


def _unless_flagged(column: str, flag: str) -> pl.Expr:
    """The column as text, null where the row's flags say the number is mangled."""
    mangled = pl.col("flags").cast(pl.String).str.contains(flag, literal=True).fill_null(False)
    return pl.when(mangled).then(None).otherwise(pl.col(column).cast(pl.String)).alias(column)


def _as_date(column: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    if dtype == pl.Date:
        return column
    if dtype == pl.Datetime:
        return column.cast(pl.Date)
    return column.cast(pl.String).str.slice(0, 10).str.to_date(strict=False)


def records_from_tables(families: pl.DataFrame, persons: pl.DataFrame, source: str
                        ) -> pl.DataFrame:
    """Linkage records of a validated family and person file (`tepat.pipeline.Validated`), one
    per person: what the registry would hold, so that a file is compared as the registry is.

    A NIK or No. KK the validator flagged as mangled (scientific notation, digits lost in
    Excel) is read as missing, as `tepat.linkage.records` reads the registry: a mangled number
    matches another mangled number by accident, never by identity. The kecamatan is the desa
    code's first three parts. Columns a layout lacks are null."""
    homes = _columns(families, "source_family_id", "no_kk", "desa_code", "flags").select(
        pl.col("source_family_id").cast(pl.String), _unless_flagged("no_kk", _MANGLED_KK),
        pl.col("desa_code").cast(pl.String))
    people = _columns(persons, "source_person_id", "source_family_id", "nik", "nama",
                      "tanggal_lahir", "jenis_kelamin", "hubungan", "flags")
    people = people.with_columns(pl.col("source_family_id").cast(pl.String))
    rows = people.join(homes, on="source_family_id", how="left", maintain_order="left")
    return rows.select(
        pl.lit(source, pl.String).alias("source"),
        pl.col("source_person_id").cast(pl.String).alias("record_id"),
        _unless_flagged("nik", _MANGLED_NIK), pl.col("no_kk"), pl.col("nama").cast(pl.String),
        _as_date(pl.col("tanggal_lahir"), rows.schema["tanggal_lahir"]).alias("tanggal_lahir"),
        pl.col("jenis_kelamin").cast(pl.String), pl.col("desa_code").alias("desa"),
        pl.col("desa_code").str.slice(0, 8).alias("kecamatan"),
        pl.col("hubungan").cast(pl.String))
