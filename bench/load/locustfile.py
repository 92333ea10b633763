"""Locust users of the load test (issue 6 §6); started by bench/load/run.py.

- DesaOperator (335 of 350): signs in through the login form, opens the worklist (pending or
  drafts), opens one family's verification form, fills it in (an outcome, its reason, the GPS
  position, a note) and saves it as a draft or sends it to the kecamatan, a POST of the page's
  own form with its CSRF token and its hidden `version`; then the page the save redirects to.
  Operators sharing a desa take disjoint families (`slot` of `slots`), so they never race for
  one record: a version conflict would be the application working, not a server error.
- DashboardUser (15 of 350): admin kabupaten or operator kecamatan, signs in with password and
  TOTP code (pyotp, from the secret prepare.py enrolled), then reads the dashboard, the campaign
  progress (regency, a kecamatan, the map switcher), the review pages of a kecamatan and a
  desa, and the convergence page.

Think time between(5, 15) s between every two pages. Requests are named "entry: …",
"dash: …" or "login: …" (run.py groups them by that prefix). Every request is also written with
its time to requests-<pid>.csv and every save the server acknowledged to saves-<pid>.jsonl in
LOAD_OUT, for run.py to compute the group percentiles and count lost writes afterwards.

The server is HTTPS (gunicorn with a self-signed certificate, like TLS in front of production):
the session and CSRF cookies are Secure, and Django's CSRF check on HTTPS wants a Referer of
the same origin, which a browser sends and this client sets.
"""

from __future__ import annotations

import csv
import itertools
import json
import os
import random
import re
import secrets
import time
from pathlib import Path
from urllib.parse import urlencode

import pyotp
from locust import FastHttpUser, between, events
from page_forms import form_fields  # bench/load/page_forms.py (locust puts this folder on sys.path)

BASE = Path(__file__).resolve().parents[2] / "bench" / "out" / "load"
OUT = Path(os.environ.get("LOAD_OUT", BASE))  # this run's folder
OUT.mkdir(parents=True, exist_ok=True)
USERS = json.loads(Path(os.environ.get("LOAD_USERS", BASE / "users.json")).read_text())
RUN = os.environ.get("LOAD_RUN", "run")
DESA_COUNT = int(os.environ.get("LOAD_DESA_USERS", "335"))
DASH_COUNT = int(os.environ.get("LOAD_DASH_USERS", "15"))
FAMILY_LINK = re.compile(r'href="/verval/(\d+)/"')
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
OUTCOMES = (("LAYAK", ""), ("LAYAK", ""), ("LAYAK", ""), ("MAMPU", "PENGHASILAN"),
            ("MAMPU", "ASET"), ("PINDAH", ""), ("TIDAK_DITEMUKAN", ""), ("MENINGGAL", ""))

# --- what every process records -------------------------------------------------------------

_requests = open(OUT / f"requests-{os.getpid()}.csv", "a", newline="")  # noqa: SIM115
_request_rows = csv.writer(_requests)
_saves = open(OUT / f"saves-{os.getpid()}.jsonl", "a")  # noqa: SIM115


@events.request.add_listener
def _record(request_type, name, response_time, response_length, exception, **kwargs):
    _request_rows.writerow([f"{time.time():.3f}", name, f"{response_time:.1f}",
                            0 if exception else 1])


@events.spawning_complete.add_listener
def _spawned(user_count, **kwargs):
    (OUT / f"spawned-{os.getpid()}.txt").write_text(f"{time.time():.3f} {user_count}\n")


@events.quitting.add_listener
def _flush(**kwargs):
    _requests.flush()
    _saves.flush()


# --- users ----------------------------------------------------------------------------------


def multipart(fields: list[tuple[str, str]], files: list[str]) -> tuple[bytes, str]:
    """A multipart/form-data body as a browser sends it; `files` are file inputs left empty."""
    boundary = "----tepatload" + secrets.token_hex(12)
    parts = []
    for name, value in fields:
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                     f"{value}\r\n")
    for name in files:
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                     f'filename=""\r\nContent-Type: application/octet-stream\r\n\r\n\r\n')
    parts.append(f"--{boundary}--\r\n")
    return "".join(parts).encode(), f"multipart/form-data; boundary={boundary}"


def location(response) -> str:
    return response.headers.get("Location") or response.headers.get("location") or ""


class TepatUser(FastHttpUser):
    """geventhttpclient (FastHttpUser): a fraction of the CPU of requests, which matters when
    the load generator shares two cores with the server. Its TLS context does not verify the
    load server's self-signed certificate (`insecure`, the default)."""

    abstract = True
    wait_time = between(5, 15)
    accounts: itertools.count
    pool: list[dict]

    def on_start(self) -> None:
        self.account = self.pool[next(self.accounts) % len(self.pool)]
        self.login()

    def page(self, url: str, name: str, **kwargs):
        with self.client.get(url, name=name, catch_response=True, allow_redirects=False,
                             **kwargs) as response:
            if response.status_code != 200:
                error = getattr(response, "error", None)  # a connection error has status 0
                response.failure(f"{response.status_code} for {url}" + (f": {error!r}" if error
                                                                         else ""))
            return response

    def post(self, url: str, name: str, data, files: tuple[str, ...] = ()):
        """A form POST with the headers a browser sends (Django checks Referer/Origin on
        HTTPS); urlencoded, or multipart when the form has file inputs."""
        headers = {"Referer": self.host + url, "Origin": self.host}
        items = list(data.items()) if isinstance(data, dict) else list(data)
        if files:
            body, headers["Content-Type"] = multipart(items, list(files))
        else:
            body = urlencode(items).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        return self.client.post(url, data=body, name=name, headers=headers,
                                allow_redirects=False, catch_response=True)

    def login(self) -> None:
        response = self.page("/masuk/", "login: form")
        token = CSRF.search(response.text or "")
        data = {"csrfmiddlewaretoken": token.group(1) if token else "",
                "username": self.account["username"], "password": USERS["password"],
                "next": ""}
        with self.post("/masuk/", "login: password", data) as response:
            step = location(response)
            if response.status_code != 302:
                response.failure(f"login refused ({response.status_code})")
                return
        if step.endswith("/masuk/kode/"):
            self.second_factor()
        self.page("/", "login: landing page (dashboard)")

    def second_factor(self) -> None:
        response = self.page("/masuk/kode/", "login: code form")
        totp = pyotp.TOTP(self.account["secret"])
        for attempt in range(3):
            if attempt:  # the code of this step was used already (a replay): the next one
                time.sleep(30 - time.time() % 30 + 0.5)
            token = CSRF.search(response.text or "")
            data = {"csrfmiddlewaretoken": token.group(1) if token else "", "kode": totp.now()}
            with self.post("/masuk/kode/", "login: code", data) as response:
                if response.status_code == 302:
                    return
                if "sudah dipakai" in (response.text or "") and attempt < 2:
                    response.success()  # the app refusing a replayed code, as it must
                    continue
                response.failure(f"code refused ({response.status_code})")
                return


class DesaOperator(TepatUser):
    fixed_count = DESA_COUNT
    accounts = itertools.count()
    pool = USERS["desa"]

    def on_start(self) -> None:
        super().on_start()
        self.saves = 0

    def _pick(self, html: str) -> int | None:
        """A family of this operator's share of the desa (pk mod slots)."""
        slots, slot = self.account["slots"], self.account["slot"]
        ids = sorted({int(pk) for pk in FAMILY_LINK.findall(html)})
        mine = [pk for pk in ids if pk % slots == slot]
        return random.choice(mine) if mine else None

    def task_verify(self) -> None:
        status = "draf" if random.random() < 0.2 else "belum"
        response = self.page(f"/verval/?status={status}", "entry: worklist")
        pk = self._pick(response.text or "")
        if pk is None and status == "draf":
            self.wait()
            response = self.page("/verval/?status=belum", "entry: worklist")
            pk = self._pick(response.text or "")
        if pk is None:
            return
        self.wait()
        url = f"/verval/{pk}/"
        response = self.page(url, "entry: family form")
        fields = form_fields(response.text or "", "version")
        if not fields:
            return
        self.wait()  # the operator fills the form in
        self.save(pk, url, fields)

    def save(self, pk: int, url: str, fields: list[tuple[str, str]]) -> None:
        outcome, reason = random.choice(OUTCOMES)
        submit = random.random() < 0.7
        self.saves += 1
        token = f"load:{RUN}:{self.account['username']}:{self.saves}"
        replaced = {"outcome": outcome, "reason": reason, "note": f"Verifikasi lapangan {token}",
                    "latitude": f"{-7.85 + random.uniform(-0.1, 0.1):.6f}",
                    "longitude": f"{113.35 + random.uniform(-0.3, 0.3):.6f}",
                    "destination": "Kab. Pasuruan" if outcome == "PINDAH" else "",
                    "action": "submit" if submit else "draft"}
        data = [(k, v) for k, v in fields if k not in replaced] + list(replaced.items())
        name = "entry: save (submit)" if submit else "entry: save (draft)"
        # multipart, like the browser (the form has a file input for house photos, left empty)
        with self.post(url, name, data, files=("photos",)) as response:
            if response.status_code != 302:
                alerts = re.findall(r'role="alert">(.*?)</(?:div|p)>', response.text or "", re.S)
                text = " / ".join(re.sub(r"<[^>]+>|\s+", " ", a).strip() for a in alerts)
                response.failure(f"save not accepted ({response.status_code}): {text[:200]}")
                return
            target = location(response)
        _saves.write(json.dumps({"pk": pk, "token": token, "submit": submit,
                                 "user": self.account["username"], "at": time.time()}) + "\n")
        _saves.flush()
        self.wait()
        self.page(target, "entry: worklist" if target.startswith("/verval/?")
                  or target == "/verval/" else "entry: family form")

    tasks = [task_verify]


class DashboardUser(TepatUser):
    fixed_count = DASH_COUNT
    accounts = itertools.count()
    pool = USERS["dashboard"]

    def task_dashboards(self) -> None:
        area = self.account["area"]
        kecamatan = USERS["kecamatan"]
        if self.account["role"] == "admin_kabupaten":
            kec = random.choice(kecamatan)
            pages = [("/", "dash: dashboard"),
                     ("/progres/", "dash: progress, regency"),
                     (f"/progres/?kecamatan={kec}", "dash: progress, kecamatan"),
                     ("/progres/?peta=reduction", "dash: progress, regency map"),
                     ("/konvergensi/", "dash: convergence, regency"),
                     (f"/konvergensi/?kecamatan={kec}", "dash: convergence, kecamatan")]
        else:
            kec = area
            pages = [("/", "dash: dashboard"),
                     ("/progres/", "dash: progress, kecamatan"),
                     ("/periksa/", "dash: review, kecamatan"),
                     ("/konvergensi/", "dash: convergence, kecamatan")]
        desa = [d["desa"] for d in USERS["desa"] if d["desa"].startswith(kec + ".")]
        if desa:
            pages.append((f"/periksa/{random.choice(desa)}/", "dash: review, desa"))
        for url, name in pages:
            self.page(url, name)
            self.wait()

    tasks = [task_dashboards]
