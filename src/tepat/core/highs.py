"""One way to make a HiGHS instance for the whole product (pure, no Django).

Two things every caller needs:

- **Silence.** The first instance in a process prints a banner from C++ straight to file
  descriptor 1, which would corrupt `tepat plan --format json > plan.json`: it is diverted
  to /dev/null once.
- **One thread count.** HiGHS starts its task scheduler in the first `run()` of a thread and
  keeps it: a later instance in that thread asking for another number of threads fails at
  once ("Option 'threads' is set to 1 but global scheduler has already been initialized to
  use 2 threads"; `run()` returns an error and the model status stays "Not Set"). A worker
  thread that made a budget plan (HiGHS's default, all cores) and then an assignment (one
  thread) failed so. Every instance here uses one thread: the models are small, and one
  thread makes the answer the same on every machine.
"""

from __future__ import annotations

import os
import sys
from typing import Any

THREADS = 1
_banner_shown = False


def quiet_highs() -> Any:
    """A silent HiGHS instance on one thread."""
    global _banner_shown
    import highspy

    if _banner_shown:
        highs = highspy.Highs()
    else:
        sys.stdout.flush()
        saved, null = os.dup(1), os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 1)
        try:
            highs = highspy.Highs()
        finally:
            os.dup2(saved, 1)
            os.close(saved)
            os.close(null)
            _banner_shown = True
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("threads", THREADS)
    return highs
