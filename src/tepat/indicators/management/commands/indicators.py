"""`tepat indicators …`: poverty indicator series, targets and FGT from the command line.

    tepat indicators show [--region 35.13] [--format table|json] [--as-of YEAR]
    tepat indicators load
    tepat indicators import FILE --user USERNAME
    tepat indicators fgt FILE --line Z [--by kecamatan|desa] [--format table|json]
                         [--year Y --save --user USERNAME]
    tepat indicators fgt --synthetic N [--seed S] [--line Z] ...

`show` lists each indicator's values by year and poverty line, the change between consecutive
values in percentage points (index points for P1/P2, jiwa for counts) and relative per cent,
labelled, and the gap to every target. `fgt` computes P0, P1, P2 and the minimum transfer
(P1 × z × N) by region from a household file (CSV or Parquet); `--save` stores the values,
flagged `computed`, with the file named as source.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import IO, Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tepat.core import indicators as core
from tepat.verification.errors import RuleError


def _user(username: str | None) -> Any:
    from tepat.accounts.models import User

    if not username:
        raise CommandError("Sebutkan --user (admin kabupaten). / Pass --user (an admin "
                           "kabupaten).")
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(f"Pengguna {username!r} tidak ada. / No user {username!r}.")
    return user


def step_dict(step: core.Step, unit: str) -> dict[str, Any]:
    return {"from_year": step.from_year, "to_year": step.to_year, "old": step.old,
            "new": step.new, "change": round(step.change.pp, 6),
            "change_unit": "pp" if unit == core.PERCENT else "points" if unit == core.INDEX
            else unit,
            "relative_pct": None if step.change.relative_pct is None
            else round(step.change.relative_pct, 4),
            "label": step_label(step, unit)}


def step_label(step: core.Step, unit: str) -> str:
    """'+0.07 pp (+0.41% relatif)' for rates; '+1,790 jiwa (+0.88% relatif)' for counts."""
    if unit == core.PERCENT:
        return step.change.label()
    change = step.change
    amount = (f"{change.pp:+.2f} poin indeks" if unit == core.INDEX
              else f"{change.pp:+,.0f} {unit}")
    if change.relative_pct is None:
        return amount
    return f"{amount} ({change.relative_pct:+.2f}% relatif)"


def series_dict(s: core.Series) -> dict[str, Any]:
    return {
        "region_code": s.region_code, "region_name": s.region_name, "indicator": s.indicator,
        "label": s.label, "unit": s.unit,
        "segments": [{
            "line": seg.line, "line_label": seg.line_label,
            "points": [{"year": p.year, "month": p.month, "value": p.value, "unit": p.unit,
                        "source": p.source, "url": p.url, "source_kind": p.source_kind,
                        "flags": list(p.flags)} for p in seg.points],
            "steps": [step_dict(st, s.unit) for st in seg.steps],
        } for seg in s.segments],
        "gaps": [{
            "target_year": g.target.year, "target_value": g.target.value,
            "comparator": g.target.comparator, "level": g.target.level,
            "basis": g.target.basis, "latest_year": g.latest.year if g.latest else None,
            "latest_value": g.latest.value if g.latest else None, "gap": g.gap_pp,
            "gap_unit": "pp" if s.unit == core.PERCENT else s.unit, "met": g.met,
            "years_left": g.years_left,
        } for g in s.gaps],
        "conflicts": list(s.conflicts),
    }


def write_series_table(series: list[core.Series], out: IO[str]) -> None:
    for s in series:
        out.write(f"\n{s.label} — {s.region_name} ({s.region_code}); satuan / unit: {s.unit}\n")
        for seg in s.segments:
            out.write(f"  garis / line: {seg.line_label}\n")
            steps = {st.to_year: st for st in seg.steps}
            for p in seg.points:
                counted = s.unit in {core.JIWA, core.RUPIAH}
                value = f"{p.value:,.0f}" if counted else f"{p.value:.2f}"
                step = steps.get(p.year)
                change = f"{step.from_year}→{p.year}: {step_label(step, s.unit)}" if step else ""
                flags = f"[{','.join(p.flags)}]" if p.flags else ""
                out.write(f"    {p.year}  {value:>12}  {change:<44} {flags} {p.source[:60]}\n")
        for g in s.gaps:
            sign = "<" if g.target.comparator == "<" else "<="
            state = "tercapai / met" if g.met else "belum / not met" if g.met is False else "—"
            latest = (f"{g.latest.year}: {g.latest.value:.2f}, gap {g.gap_pp:+.2f}"
                      f"{' pp' if s.unit == core.PERCENT else ''}" if g.latest else "no value")
            out.write(f"  target {g.target.year} {sign} {g.target.value:g} ({g.target.level}, "
                      f"{g.target.basis}): {latest}; {state}; years left {g.years_left}\n")
        for text in s.conflicts:
            out.write(f"  KONFLIK / CONFLICT: {text}\n")


class Command(BaseCommand):
    help = "Indicator series, targets and FGT: show, load, import, fgt."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        show = sub.add_parser("show", help="series with changes and gaps to targets")
        show.add_argument("--region", default=None, help="default: the instance's kabupaten")
        show.add_argument("--format", choices=("table", "json"), default="table")
        show.add_argument("--as-of", type=int, default=None, help="year for 'years left'")
        sub.add_parser("load", help="load the packaged BPS series and targets")
        imp = sub.add_parser("import", help="import values from a CSV or xlsx file")
        imp.add_argument("file")
        imp.add_argument("--user", required=True)
        fgt = sub.add_parser("fgt", help="P0, P1, P2 and minimum transfer by region")
        fgt.add_argument("file", nargs="?")
        fgt.add_argument("--synthetic", type=int, default=None, metavar="N")
        fgt.add_argument("--seed", type=int, default=2024)
        fgt.add_argument("--line", type=float, default=None,
                         help="poverty line z, Rp/kapita/bulan")
        fgt.add_argument("--by", choices=("kecamatan", "desa"), default="kecamatan")
        fgt.add_argument("--year", type=int, default=None)
        fgt.add_argument("--save", action="store_true")
        fgt.add_argument("--user", default=None)
        fgt.add_argument("--format", choices=("table", "json"), default="table")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        getattr(self, f"_{action}")(**options)

    def _show(self, *, region: str, format: str, as_of: int | None, **_: Any) -> None:
        from tepat.indicators.selectors import overview
        from tepat.regions.selectors import regency

        region = region or regency()
        series = overview(region, as_of=as_of)
        if not series:
            raise CommandError(f"Tidak ada nilai indikator untuk wilayah {region}; jalankan "
                               f"`tepat indicators load`. / No indicator values for {region}.")
        if format == "json":
            self.stdout.write(json.dumps([series_dict(s) for s in series], ensure_ascii=False,
                                         indent=2))
        else:
            write_series_table(series, self.stdout)

    def _load(self, **_: Any) -> None:
        from tepat.indicators.services import load_packaged

        report = load_packaged()
        self.stdout.write(f"Dimuat / loaded: {report.rows} baris; {report.added} baru / added, "
                          f"{report.changed} berubah / changed, {report.unchanged} sama / "
                          f"unchanged; target {report.targets_added} baru / added, "
                          f"{report.targets_changed} berubah / changed")

    def _import(self, *, file: str, user: str, **_: Any) -> None:
        from tepat.indicators.services import import_observations

        path = Path(file)
        if not path.exists():
            raise CommandError(f"Berkas {file} tidak ada. / File {file} not found.")
        try:
            report = import_observations(_user(user), path)
        except RuleError as error:
            raise CommandError(str(error)) from None
        if not report.ok:
            for p in report.problems:
                self.stderr.write(f"{p.message_id}\n  {p.message_en}")
            raise CommandError(f"{len(report.problems)} masalah; tidak ada yang disimpan. / "
                               f"{len(report.problems)} problem(s); nothing was saved.")
        self.stdout.write(f"{report.file}: {report.rows} baris; {report.added} baru / added, "
                          f"{report.changed} berubah / changed, {report.unchanged} sama / "
                          f"unchanged")

    def _fgt(self, *, file: str | None, synthetic: int | None, seed: int, line: float | None,
             by: str, year: int | None, save: bool, user: str | None, format: str,
             **_: Any) -> None:
        from tepat.indicators import fgt
        from tepat.indicators.demo import region_names, synthetic_source
        from tepat.regions.selectors import regency
        from tepat.synth import consumption

        if (file is None) == (synthetic is None):
            raise CommandError("Sebutkan FILE atau --synthetic N. / Give FILE or --synthetic N.")
        if line is None and synthetic is None:
            raise CommandError("Sebutkan --line (garis kemiskinan, Rp/kapita/bulan). / Pass "
                               "--line (the poverty line).")
        z = line if line is not None else consumption.POVERTY_LINE_2023
        if save and (year is None or not user):
            raise CommandError("--save perlu --year dan --user. / --save needs --year and "
                               "--user.")
        try:
            if synthetic is not None:
                with tempfile.TemporaryDirectory() as workdir:
                    path = consumption.write(consumption.households(synthetic, seed,
                                                                      kabupaten=regency()),
                                             Path(workdir) / "households.parquet")
                    households = fgt.read_households(path, by=by)
                source = synthetic_source(synthetic, seed)
            else:
                households = fgt.read_households(Path(file), by=by)
                source = f"Dihitung Tepat dari berkas {Path(file).name}"
            run = fgt.compute(households, z, total=regency())
        except (fgt.FgtInputError, ValueError) as error:
            raise CommandError(str(error)) from None
        names = region_names()
        self._write_fgt(run.results, names, z, format)
        if save:
            from tepat.indicators.services import save_fgt

            regional = run.results[:-1]
            try:
                saved = save_fgt(_user(user), regional, year=year, source=source,
                                 region_names=names, synthetic=synthetic is not None)
            except RuleError as error:
                raise CommandError(str(error)) from None
            self.stdout.write(f"Disimpan / saved: {saved.added} baru / added, {saved.changed} "
                              f"berubah / changed, {saved.unchanged} sama / unchanged "
                              f"(flag computed)")

    def _write_fgt(self, results: list[core.RegionFGT], names: dict[str, str], z: float,
                   format: str) -> None:
        if format == "json":
            self.stdout.write(json.dumps([{**r.__dict__, "region_name": names.get(r.region, "")}
                                          for r in results], ensure_ascii=False, indent=2))
            return
        self.stdout.write(f"Garis kemiskinan / poverty line z = Rp {z:,.0f} per kapita per bulan;"
                          f" P0 dalam % jiwa; P1, P2 × 100; transfer minimum = P1 × z × N\n")
        header = (f"{'wilayah':<12}{'nama':<18}{'sampel RT':>10}{'jiwa':>12}{'jiwa miskin':>12}"
                  f"{'P0 %':>8}{'P1':>7}{'P2':>7}{'Rp juta/bulan':>15}{'Rp miliar/tahun':>17}")
        self.stdout.write(header)
        for r in results:
            self.stdout.write(
                f"{r.region:<12}{names.get(r.region, '')[:17]:<18}{r.households:>10,}"
                f"{r.persons:>12,.0f}{r.poor_persons:>12,.0f}{r.p0:>8.2f}{r.p1:>7.2f}"
                f"{r.p2:>7.2f}{r.transfer_month / 1e6:>15,.1f}{r.transfer_year / 1e9:>17,.2f}")
