"""The functional core (core, pipeline, synth) runs without Django (DESIGN.md §6)."""

import subprocess
import sys

PURE = ["tepat.core.identity", "tepat.core.regions", "tepat.core.codes", "tepat.core.layout",
        "tepat.core.measures", "tepat.core.outcomes", "tepat.core.corrections",
        "tepat.core.strategies", "tepat.core.geo", "tepat.core.assignment", "tepat.core.planning",
        "tepat.core.convergence", "tepat.core.indicators", "tepat.core.suppression",
        "tepat.core.spreadsheet", "tepat.core.linkage", "tepat.core.linkage_words",
        "tepat.pipeline", "tepat.synth"]


def test_the_pure_core_imports_nothing_from_django():
    code = (f"import sys\nfor m in {PURE!r}: __import__(m)\n"
            "bad = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))\n"
            "print(','.join(bad))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120, check=True)
    assert result.stdout.strip() == ""
