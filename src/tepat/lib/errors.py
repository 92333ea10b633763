"""What a service says when it refuses: a clear sentence, in the user's language (pure: the
caller translates). Below every domain app, so that any of them may raise it."""

from __future__ import annotations


class RuleError(Exception):
    """A broken rule; `problems` are (field, message) pairs for forms, `str()` joins them."""

    def __init__(self, *problems: str | tuple[str, str]) -> None:
        self.problems = [p if isinstance(p, tuple) else ("", p) for p in problems]
        super().__init__(" ".join(message for _field, message in self.problems))
