"""Poverty indicators (BPS series) and targets: P0, P1, P2, poverty line, extreme poverty, with
their sources, the poverty line each rests on, and the national and local targets (issue 5 §1)."""
