"""Offline forms (ODK/Kobo) for the desa (placeholder until built)."""

urlpatterns: list = []
