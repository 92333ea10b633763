"""A family's history and the cohort of two target lists (issue 17 §5).

`timeline`: every edition that carried a family and what it said, its verifications, the
target lists it was on, its pendamping and visits, the aid it received, and what changed
between any two editions. `cohort`: where the families of an earlier target list went by a
later one, per kecamatan. The rules are pure (tepat.core.timeline, tepat.core.cohort); this app
reads the rows, always by family id or list id and within the reader's area.
"""
