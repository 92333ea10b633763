"""Issue 5 pages (public): see the module's urlpatterns."""

from __future__ import annotations

urlpatterns: list = []
