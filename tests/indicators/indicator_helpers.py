"""Rows of an indicator import file, shared by the indicator tests."""

HEADER = ["kode_wilayah", "region", "year", "reference_month", "indicator", "value", "unit",
          "source", "source_url", "source_kind", "note", "line", "flags"]
GOOD_ROW = ["35.13", "Kabupaten Probolinggo", "2025", "Maret", "p0_percent_poor", "15,98",
            "percent", "BPS, BRS Maret 2025", "https://probolinggokab.bps.go.id/",
            "BPS publication", "", "", ""]
