"""The WSGI application (gunicorn, `tepat serve`).

After Django is set up, every view module is imported (through the URL configuration) and the
objects that exist then, the modules, classes and functions of Django, Plotly and the app, are
frozen out of the garbage collector (`gc.freeze`). They live as long as the process anyway; a
full collection no longer walks them: in-process, a warmed-up worker tracked ~410k objects
and a full collection took ~160 ms with the GIL held (every request of that worker waits);
~63k remain unfrozen. Under load the effect on the p95 was within the VM's spread
(docs/benchmarks.md, Load, runs 4-10).
"""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tepat.settings")
application = get_wsgi_application()


def _freeze_startup_objects() -> None:
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 (imports every view and what the views import)
    gc.collect()  # the garbage of the start-up, so that it is not frozen with the rest
    gc.freeze()


_freeze_startup_objects()
