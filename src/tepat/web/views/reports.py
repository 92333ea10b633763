"""Issue 5 pages (reports): see the module's urlpatterns."""

from __future__ import annotations

urlpatterns: list = []
