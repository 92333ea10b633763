"""The TKPK meeting pack (rakor) and the quarterly report to Kemendagri, as PDF (WeasyPrint) and
Excel, built by a background job with progress (issue 5 §2)."""
