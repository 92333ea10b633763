"""Issue 5 pages (indicators): see the module's urlpatterns."""

from __future__ import annotations

urlpatterns: list = []
