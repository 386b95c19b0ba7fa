"""The one command line, `python -m helpers <command>`, over the functions notebooks call."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from pathlib import Path

from helpers import paths


class UserError(Exception):
    """A mistake by the user (bad path, bad value): printed as one line, exit code 2."""


def _cmd_reference(args: argparse.Namespace) -> int:
    from helpers.intake.reference import build_reference

    for path in build_reference():
        print(f"wrote {path}")
    return 0


def _cmd_sample(args: argparse.Namespace) -> int:
    from helpers.sample.generate import generate_sample

    out = Path(args.out) if args.out else paths.sample_dir()
    manifest = generate_sample(out, seed=args.seed)
    print(f"wrote {len(manifest)} extracts under {out} (seed {args.seed}):")
    for kind, part in manifest.groupby("kind", sort=True):
        print(f"  {kind:<18} {len(part):>3} file(s) {part['bytes'].sum():>12,} bytes")
    return 0


def _cmd_ingest(args: argparse.Namespace) -> int:
    from helpers.intake.ingest import describe_columns, ingest
    from helpers.intake.messages import ExtractError

    if args.columns:
        for col in describe_columns(args.kind):
            need = "required" if col["required"] else "must be present" if col["must_be_present"] else "optional"
            mapping = f", mapped by data/reference/mappings/{col['mapping']}.csv" if col["mapping"] else ""
            print(f"{col['column']} ({need}{mapping}): {', '.join(col['aliases']) or '-'}")
        return 0
    if not args.file:
        raise UserError("ingest: give --file (or --columns to list the kind's columns)")
    try:
        result = ingest(args.kind, Path(args.file), decimal=args.decimal, keep=tuple(args.keep or ()))
    except ExtractError as exc:
        raise UserError(str(exc)) from None
    if args.quarantine:
        result.rejected.to_csv(args.quarantine, index=False)
    s = result.summary()
    if args.json:
        print(json.dumps(s, ensure_ascii=False, default=str))
        return 0
    print(
        f"{s['file']} ({s['kind']}): {s['rows_read']} rows read, {s['accepted']} accepted, {s['rejected']} quarantined, "
        f"{s['unmapped_rows']} with unmapped values"
    )
    for e in s["errors"]:
        sheet = f", sheet {e['sheet']}" if "sheet" in e else ""
        print(f"  line {e['line']}{sheet}, column {e['column']}, value {e['value']!r}: {e['reason']}")
    for u in s["unmapped"]:
        print(f"  unmapped in {u['column']}: {u['value']!r} ({u['rows']} rows)")
    for note in s["notes"]:
        print(f"  note: {note['text']}")
    for column, count in s["cpr_replaced"].items():
        print(f"  {count} CPR number(s) in column {column} replaced by a pseudonym or [CPR]")
    return 0


def _cmd_mappings(args: argparse.Namespace) -> int:
    import pandas as pd

    from helpers.intake import mappings
    from helpers.intake.ingest import KINDS, ingest
    from helpers.intake.messages import ExtractError

    try:
        result = ingest(args.kind, Path(args.file))
    except ExtractError as exc:
        raise UserError(str(exc)) from None
    tables = {c.name: c.parse.removeprefix("map:") for c in KINDS[args.kind].columns if c.parse.startswith("map:")}
    frames = []
    for column, name in tables.items():
        raw = result.accepted.loc[result.accepted[column] == mappings.UNMAPPED, f"{column}_raw"]
        frames.append(mappings.suggest(raw, name).assign(column=column))
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    target = Path(args.out or f"{Path(args.file).stem}_unmapped.csv")
    out.to_csv(target, index=False, lineterminator="\n")
    print(
        f"wrote {len(out)} unmapped value(s) with suggestions to {target}; confirm them and copy value,mapped rows into "
        f"{mappings.local_dir()}/<table>.csv"
    )
    return 0


def _cmd_build(args: argparse.Namespace) -> int:
    from helpers.warehouse.build import build

    try:
        report = build()
    except (FileNotFoundError, PermissionError) as exc:
        raise UserError(str(exc)) from None
    except OSError as exc:
        raise UserError(f"cannot write the warehouse or its staging files: {exc}") from None
    log = report.ingested
    failed = log[log["failed"].notna()]
    print(
        f"ingested {len(log) - len(failed)} of {len(log)} files: {log['rows_read'].sum():,} rows read, {log['accepted'].sum():,} accepted, "
        f"{log['rejected'].sum():,} quarantined (see {paths.data_dir() / 'quarantine'}/), {log['unmapped'].sum():,} with unmapped values"
    )
    own = log[log["origin"] != "sample"]
    if len(own):
        print(
            f"from the workspace {paths.workspace_dir()}: {len(own)} extract(s); the sample's data of the same "
            f"municipalities and kinds left out ({len(report.left_out)} file(s), {log['replaced'].sum():,} more rows)"
        )
    for row in failed.itertuples():
        print(f"  FAILED {row.file}: {row.failed}", file=sys.stderr)
    print(f"built {paths.warehouse_path()}:")
    for row in report.view_rows.itertuples():
        print(f"  {row.view:<42} {row.rows:>9,} rows")
    print(f"data-quality checks: {len(report.checks)} finding(s)")
    for name, part in report.checks.groupby("check_name", sort=True):
        print(f"  {name} ({len(part)}):")
        for text in part["description"].head(args.show):
            print(f"    - {text}")
        if len(part) > args.show:
            print(f"    ... and {len(part) - args.show} more")
    return 1 if len(failed) else 0


def _cmd_add(args: argparse.Namespace) -> int:
    from helpers.intake import workspace
    from helpers.intake.messages import ExtractError
    from helpers.intake.privacy import mask

    failed = 0
    for name in args.files:
        shown = mask(name)  # a file named after a citizen is never printed with the number
        try:
            added = workspace.add(Path(name), args.kind, args.municipality, args.snapshot)
        except ExtractError as exc:
            print(f"error: {exc}", file=sys.stderr)
            failed += 1
            continue
        except OSError as exc:
            raise UserError(f"cannot copy {shown} into the workspace {paths.workspace_dir()}: {exc}") from None
        s = added.result.summary()
        whose = added.municipality_code or "several municipalities"
        when = f", snapshot {added.snapshot_date}" if added.snapshot_date else ""
        start, end = added.period
        print(
            f"{shown}: {added.kind}, municipality {whose}{when}, period {start or '-'} to {end or '-'}: "
            f"{s['rows_read']} rows read, {s['accepted']} accepted, {s['rejected']} quarantined, "
            f"{s['unmapped_rows']} with unmapped values"
        )
        if added.already:
            print(f"  already in the workspace as {added.already}: not added again")
            continue
        print(f"  copied to {paths.workspace_dir() / added.file}")
        for old in added.replaced:
            print(f"  replaces {old} (moved to replaced/)")
        for other in added.overlaps:
            print(f"  warning: {other} covers some of the same months; both are read (python -m helpers remove FILE)")
        for e in s["errors"][: args.show]:
            print(f"  line {e['line']}, column {e['column']}, value {e['value']!r}: {e['reason']}")
        if len(s["errors"]) > args.show:
            print(
                f"  ... and {len(s['errors']) - args.show} more (python -m helpers ingest --kind {added.kind} --file ...)"
            )
        for u in s["unmapped"]:
            print(
                f"  unmapped in {u['column']}: {u['value']!r} ({u['rows']} rows): python -m helpers mappings --suggest"
            )
        for note in s["notes"]:
            print(f"  note: {note['text']}")
    if failed:
        return 2
    print("next: python -m helpers build, then python -m helpers status")
    return 0


def _cmd_remove(args: argparse.Namespace) -> int:
    from helpers.intake import workspace
    from helpers.intake.messages import ExtractError

    try:
        removed = workspace.remove(args.file)
    except ExtractError as exc:
        raise UserError(str(exc)) from None
    print(f"removed {removed} from the workspace (kept under replaced/); next: python -m helpers build")
    return 0


def _cmd_fetch(args: argparse.Namespace) -> int:
    from helpers.intake import statbank
    from helpers.intake.messages import ExtractError

    for table in args.table or list(statbank.TABLES):
        try:
            got = statbank.fetch(table)
        except statbank.Offline as exc:
            print(
                f"no network: StatBank cannot be reached ({exc}); the data the warehouse has stays",
                file=sys.stderr,
            )
            return 1
        except statbank.Refused as exc:
            print(f"StatBank refused the query for {table}: {exc}; the data the warehouse has stays", file=sys.stderr)
            return 1
        except ExtractError as exc:
            raise UserError(str(exc)) from None
        s = got.added.result.summary()
        start, end = got.added.period
        print(
            f"{table}: {got.bytes:,} bytes to {got.path} (source and query in {got.sidecar.name}), {start} to {end}: "
            f"{s['rows_read']:,} rows read, {s['accepted']:,} accepted, {s['rejected']:,} quarantined"
        )
        for note in s["notes"]:
            print(f"  note: {note['text']}")
    print("next: python -m helpers build (the benchmark then reads these in place of the embedded sample's)")
    return 0


def _cmd_status(args: argparse.Namespace) -> int:
    from helpers.warehouse import status

    try:
        lines = status.report(args.municipality)
    except (ValueError, FileNotFoundError) as exc:
        raise UserError(str(exc)) from None
    for line in lines:
        print(line)
    return 0


def _cmd_reports(args: argparse.Namespace) -> int:
    from helpers.render import batch
    from helpers.render.parameters import pairs

    try:
        planned = batch.plan(
            args.only,
            pairs(args.filter, "--filter"),
            pairs(args.set, "--set"),
            args.municipality,
            Path(args.out) if args.out else None,
        )
    except (ValueError, FileNotFoundError) as exc:
        raise UserError(str(exc)) from None
    for note in planned.notes:
        print(f"note: {note}", file=sys.stderr)
    if args.list:
        for spec, params, _ in planned.jobs:
            print(f"{spec.name:<13} {json.dumps(params, ensure_ascii=False)}")
        print(f"{len(planned.jobs)} report(s) into {planned.out_dir}")
        return 0
    results = batch.run(planned, workers=args.workers, force=args.force)
    failed, reused = [r for r in results if r.error], sum(r.reused for r in results)
    print(
        f"rendered {len(results) - len(failed) - reused} of {len(results)} reports, {reused} unchanged since rendered "
        f"from the same inputs; index: {planned.out_dir / 'index.html'}"
    )
    if planned.what_if:
        print("what-if: settings differ from the published reports, which are left as they were")
    for r in failed:
        print(f"  FAILED {r.report}/{r.slug} at cell {r.failing_cell}: {r.error}", file=sys.stderr)
    return 1 if failed else 0


def _cmd_bench(args: argparse.Namespace) -> int:
    from helpers.bench import run

    try:
        results = run(repeat=args.repeat, parts=tuple(args.only or ()))
    except (FileNotFoundError, ValueError) as exc:
        raise UserError(str(exc)) from None
    for key, value in results.items():
        print(f"  {key:<34} {value:8.3f}")
    print(f"wrote {paths.ROOT / 'reports' / 'bench' / 'results.json'}")
    return 0


def _cmd_benchmark(args: argparse.Namespace) -> int:
    from helpers import labels
    from helpers.render.formats import format_number
    from helpers.warehouse.marts import UNPROTECTED_WARNING, key_figures

    try:
        frame = key_figures(
            args.area, args.year, args.by, args.region, args.prices, args.base_year, protect=not args.unprotected
        )
    except (ValueError, FileNotFoundError) as exc:
        raise UserError(str(exc)) from None
    if args.unprotected:
        print(f"benchmark: {UNPROTECTED_WARNING}", file=sys.stderr)
    if args.json:
        rows = frame.astype(object).where(frame.notna(), None).to_dict(orient="records")
        payload = {"area": args.area, "year": args.year, "by": args.by, "protected": not args.unprotected}
        print(json.dumps(payload | {"rows": rows}, ensure_ascii=False))
    elif args.format == "csv":
        print(frame.to_csv(index=False), end="")
    else:
        marker = frame["protection"].map({"small": labels.SMALL_TEXT, "complement": labels.HIDDEN}).fillna("")

        def shown(column: str, decimals: int) -> list[str]:
            return [format_number(v, decimals) or m for v, m in zip(frame[column], marker)]

        table = frame.drop(columns="protection").assign(
            expenditure_per_inhabitant=[format_number(v, 0) for v in frame["expenditure_per_inhabitant"]],
            unit_cost=shown("unit_cost", 0),
            users_per_10000=shown("users_per_10000", 1),
        )
        print(table.to_string(index=False))
        if marker.ne("").any():
            print(
                f"{labels.SMALL_TEXT}: built on fewer than {labels.SMALL} users; {labels.HIDDEN}: hidden so that such a "
                "count cannot be computed back (as on the benchmark pages; --unprotected shows them for your own use)"
            )
    return 0


def _cmd_progression(args: argparse.Namespace) -> int:
    import pandas as pd

    from helpers import labels
    from helpers.analysis import progression
    from helpers.intake.extracts import read_registrations
    from helpers.intake.messages import ExtractError
    from helpers.intake.privacy import load_key

    frames, rows = [], {"read": 0, "accepted": 0, "rejected": 0, "unmapped": 0}
    for name in args.registrations:
        path = Path(name)
        if not path.is_file():
            raise UserError(f"{path}: no such file")
        try:
            frame, found, notes = read_registrations(path, load_key())
        except (ValueError, ExtractError) as exc:
            raise UserError(str(exc)) from None
        _report_rows(name, found, notes)
        frames.append(frame)
        rows = {k: rows[k] + found[k] for k in rows}
    frame = progression.select(pd.concat(frames, ignore_index=True), args.municipality or labels.COUNTRY_CODE)
    if frame.empty:
        raise UserError(f"no registrations for municipality {args.municipality}")
    summary = progression.summary(frame) | {"rows": rows}
    if args.json:
        print(json.dumps(summary, ensure_ascii=False))
        return 0
    fulfilment = summary["goal_fulfilment"]["overall"]
    print(
        f"cases {summary['cases']}, with 2+ registrations {summary['with_2_registrations']}, with 3+ {summary['with_3_registrations']}"
        f" ({rows['rejected']} rows quarantined)"
    )
    print(f"goals set at the first registration: {100 * summary['goals_set_share']:.1f} %")
    print(f"goals fully or partially met: {100 * fulfilment['fully_or_partially']:.1f} % of {fulfilment['n']} assessed")
    for pair, months in summary["months_between_registrations"].items():
        print(f"months between registrations {pair}: {months}")
    return 0


def _as_of(text: str | None):
    import datetime as dt

    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        raise UserError(f"--as-of: not a date YYYY-MM-DD: {text}") from None


def _report_rows(name: str, rows: dict[str, int], notes: list[str] = ()) -> None:
    """Rows read, accepted, quarantined and unmapped of one extract, on stderr: nothing is dropped silently."""
    print(
        f"{name}: {rows['read']} rows read, {rows['accepted']} accepted, {rows['rejected']} quarantined"
        + (" (see python -m helpers ingest)" if rows["rejected"] else "")
        + f", {rows['unmapped']} with unmapped values",
        file=sys.stderr,
    )
    for note in notes:
        print(f"{name}: {note}", file=sys.stderr)


def _read(reader, name: str, totals: dict[str, int] | None = None):
    """An extract through its ingest kind, its counts on stderr (and added to `totals`); a missing file or column is one line."""
    from helpers.intake.messages import ExtractError
    from helpers.intake.privacy import load_key

    if not Path(name).is_file():
        raise UserError(f"{name}: no such file")
    try:
        frame, rows = reader(Path(name), load_key())
    except (ValueError, ExtractError) as exc:
        raise UserError(str(exc)) from None
    except OSError as exc:
        raise UserError(f"cannot read the pseudonym key or {name}: {exc}") from None
    _report_rows(name, rows)
    if totals is not None:
        for k in totals:
            totals[k] += rows[k]
    return frame


def _warehouse_forecast(args: argparse.Namespace):
    """The expected result from the warehouse (as the forecast report and the packs show it); user mistakes exit 2."""
    from helpers.reports import expected_result

    if args.cases or args.actuals or args.pool:
        raise UserError("--municipality reads the warehouse; --cases, --actuals and --pool are for a case extract")
    if not args.area:
        raise UserError("--municipality needs --area children or adults")
    try:
        return expected_result.compute(args.municipality, args.area, _as_of(args.as_of), args.year)
    except (ValueError, FileNotFoundError) as exc:
        raise UserError(str(exc)) from None


def _same_areas(actuals, cases, name: str | None):
    """The booking lines of the case extract's areas, as the warehouse gives each area's forecast its own (by measure,
    else account function); lines of another area or of none are left out, counted on stderr and in the JSON."""
    if actuals is None:
        return None, {}
    areas = set(cases["area"].dropna()) - {"unmapped"}
    area = actuals["area"].where(actuals["area"] != "unmapped")  # an unfamiliar area word says no area
    none = area.isna()
    other = area.notna() & ~area.isin(areas) if areas else none & False
    left_out = {
        key: {"rows": int(hit.sum()), "amount": round(float(actuals.loc[hit, "amount"].sum()), 2)}
        for key, hit in (("other_area", other), ("no_area", none))
    }
    for key, text in (("other_area", "of another area"), ("no_area", "of no area (no measure, no account function)")):
        if left_out[key]["rows"]:
            print(
                f"{name}: {left_out[key]['rows']} booking line(s) {text} left out ({left_out[key]['amount']:.2f} kr.)",
                file=sys.stderr,
            )
    return actuals[~(other | none)], left_out


def _file_rules(cases):
    """The forecast's reference rules for a case extract, as the warehouse applies them: the measures' age limits, their
    account functions, and 65 where every line's municipality moves citizens to the elderly area then."""
    from helpers.analysis import forecast
    from helpers.intake import reference

    settings = reference.municipal_settings().set_index("municipality_code")["move_to_elderly_at_65"]
    municipalities = set(cases["municipality_code"].dropna()) if "municipality_code" in cases else set()
    moves = len(municipalities) == 1 and bool(settings.get(next(iter(municipalities)), False))
    return forecast.Rules.of(reference.measures(), moves)


def _cmd_forecast(args: argparse.Namespace) -> int:
    from helpers.analysis import forecast
    from helpers.intake.extracts import read_actuals, read_cases
    from helpers.render.formats import format_number

    if args.municipality:
        er = _warehouse_forecast(args)
        result, payload = er.result, er.as_json()
    elif args.cases and args.year:
        rows = {"read": 0, "accepted": 0, "rejected": 0, "unmapped": 0}
        rules = _file_rules(cases := _read(read_cases, args.cases, rows))
        actuals = _read(read_actuals, args.actuals, rows) if args.actuals else None
        actuals, left_out = _same_areas(actuals, cases, args.actuals)
        result = forecast.forecast(cases, args.year, _as_of(args.as_of), actuals, args.pool, rules=rules)
        payload = result.as_json() | {"rows": rows, "bookings_left_out": left_out}
    else:
        raise UserError("give --municipality CODE --area AREA (the warehouse) or --cases FILE --year YEAR (an extract)")
    if args.json:
        print(json.dumps(payload, ensure_ascii=False))
        return 0
    print(f"Prognose {result.year}" + (f" pr. {result.as_of:%d.%m.%Y}" if result.as_of else ""))
    for label, key in (
        ("Igangværende sager", "current_total"),
        ("Forventede sager", "expected_total"),
        ("Pulje (skøn)", "pool"),
        ("Prognose i alt", "forecast_total"),
        ("Budget", "budget"),
        ("Afvigelse", "deviation"),
    ):
        if key in payload:
            print(f"  {label:<22}{format_number(payload[key]):>18} kr.")
    for month, value in result.by_month().items():
        print(f"  {month:<22}{format_number(value):>18} kr.")
    later = {str(result.year + 1): payload["next_year_total"], **payload["shadow_years"]}
    for year, value in later.items():
        print(f"  {year + ' (kendte sager)':<22}{format_number(value):>18} kr.")
    if payload.get("interval", {}).get("low") is not None:
        interval = payload["interval"]
        print(
            f"  80 %-interval: {format_number(interval['low'])} - {format_number(interval['high'])} kr. ({interval['method']})"
        )
    for overlap in result.overlaps:
        print(
            f"  advarsel: overlappende perioder for {overlap['case_id']} ({overlap['measure']}) fra {overlap['start_date']}"
        )
    for ended in payload["ended_without_end_date"]:
        print(
            f"  advarsel: {ended['case_id']} ({ended['measure']}) afsluttet uden slutdato, regnet til {ended['costed_to']}"
        )
    for line in payload["unplaced"]:
        print(
            f"  advarsel: bogføring uden indsats {line['case_id']} {line['month']}: {format_number(line['amount'], 2)} kr."
        )
    return 0


def _cmd_backtest(args: argparse.Namespace) -> int:
    from helpers.render.formats import format_number

    er = _warehouse_forecast(args)
    bt = er.backtest
    payload = {"municipality": er.municipality, "area": er.area, "year": er.year, "as_of": er.as_of.isoformat()}
    payload |= bt.as_json() | {"interval": er.interval_json()}
    if args.json:
        print(json.dumps(payload, ensure_ascii=False))
        return 0
    if not bt.years:
        print(f"Ingen afsluttede år med månedlige sagsudtræk før {er.year}: intet at måle prognosen på.")
        return 0
    print(
        f"Backtest {er.municipality} {er.area}: prognoser lavet ved hver månedsafslutning i {', '.join(map(str, bt.years))}"
    )
    print(
        f"  {'måned':<6}{'prognose':>10}{'budget':>10}{'sidste år':>11}{'bogført x12/m':>15}{'sidste md.':>12}  (gns. abs. fejl, pct.)"
    )
    for r in bt.by_month().itertuples():
        cells = [getattr(r, f"{m}_mae_pct") for m in ("forecast", "budget", "last_year", "run_rate", "last_month")]
        print(
            f"  {r.month:<6}"
            + "".join(f"{'-' if pd_na(c) else format_number(c, 1):>{w}}" for c, w in zip(cells, (10, 10, 11, 15, 12)))
        )
    i = payload["interval"]
    if i["method"] == "none":
        print("80 %-interval: intet (ingen tidligere fejl ved samme månedsafslutning)")
    else:
        print(
            f"80 %-interval for {er.year}: {format_number(i['low'])} - {format_number(i['high'])} kr. ({i['method']}, {i['errors']} fejl)"
        )
    return 0


def pd_na(value) -> bool:
    """A missing score (no year to compare on)."""
    return value is None or value != value


def _cmd_forecast_diff(args: argparse.Namespace) -> int:
    from helpers.analysis import forecast
    from helpers.intake.extracts import read_cases
    from helpers.render.formats import format_number

    rows = {"read": 0, "accepted": 0, "rejected": 0, "unmapped": 0}
    before, after = _read(read_cases, args.before, rows), _read(read_cases, args.after, rows)
    rules = _file_rules(after)
    result = forecast.diff(before, after, args.year, _as_of(args.as_of), rules)
    if args.json:
        print(json.dumps(result | {"rows": rows}, ensure_ascii=False))
        return 0
    print(
        f"Før {format_number(result['before_total'])} kr., efter {format_number(result['after_total'])} kr., "
        f"ændring {format_number(result['change'])} kr. ({len(result['items'])} sager)"
    )
    for item in result["items"]:
        print(f"  {item['case_id']}  {item['measure']:<26}{format_number(item['change']):>14} kr.  {item['reason']}")
    return 0


def _cmd_docs(args: argparse.Namespace) -> int:
    from helpers.warehouse import contracts

    contracts.write_doc()
    print(f"wrote {contracts.DOC} from the contracts in sql/marts/_marts.yml")
    return 0


def lab_copies(folder: Path) -> list[str]:
    """Working copies of the notebooks in `folder` for JupyterLab, so running and saving them never changes the tracked
    notebooks (JupyterLab saves outputs and kernel metadata into the file it opened). An existing copy is kept: it
    holds the analyst's work. Returns a line for each copy made, and for each copy older than its tracked notebook."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = []
    for tracked in sorted((paths.ROOT / "notebooks").glob("*.ipynb")):
        copy = folder / tracked.name
        if not copy.exists():
            shutil.copyfile(tracked, copy)
            lines.append(f"copied {tracked.name}")
        elif tracked.stat().st_mtime > copy.stat().st_mtime:
            lines.append(
                f"kept your {copy}; notebooks/{tracked.name} changed since: delete the copy to get the new one"
            )
    return lines


def _cmd_caseworker_key(args: argparse.Namespace) -> int:
    import pandas as pd

    from helpers.intake.extracts import caseworker_key
    from helpers.intake.readers import ExtractError

    try:
        key = (
            pd.concat([caseworker_key(Path(f)) for f in args.file])
            .groupby(["in_extract", "pseudonym"], as_index=False)["lines"]
            .sum()
        )
    except ExtractError as exc:
        raise UserError(str(exc)) from None
    if args.out:
        key.rename(columns={"in_extract": "sagsbehandler", "pseudonym": "pseudonym", "lines": "sagslinjer"}).to_csv(
            args.out, sep=";", index=False, encoding="utf-8-sig", lineterminator="\r\n"
        )
        print(f"wrote the key for {len(key)} caseworker(s) to {args.out}; keep it inside the administration")
        return 0
    for r in key.itertuples():
        print(f"{r.pseudonym}  {r.in_extract}  ({r.lines} case lines)")
    return 0


def _cmd_lab(args: argparse.Namespace) -> int:
    folder = Path(args.dir) if args.dir else paths.ROOT / "lab"
    for line in lab_copies(folder):
        print(line)
    as_root = (
        os.geteuid() == 0 and "--allow-root" not in args.jupyter
    )  # a container or CI runs as root; Jupyter refuses
    options = [
        f"--ServerApp.root_dir={folder}",
        "--KernelManager.transport_encryption=auto",
        *(["--allow-root"] if as_root else []),
        *args.jupyter,
    ]
    from jupyterlab.labapp import LabApp

    # JupyterLab in this process, so stopping it stops the server; after helpers' import, so its jsonschema builds no
    # IRI parsers (a second of the server's start, src/helpers/__init__.py)
    LabApp.launch_instance(options)
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with one sub-command per task."""
    from helpers.intake.ingest import KINDS

    parser = argparse.ArgumentParser(prog="python -m helpers", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True, metavar="command")

    p = sub.add_parser(
        "reference", help="rebuild data/reference/municipalities.csv and regions.csv from the real DAWA files"
    )
    p.set_defaults(func=_cmd_reference)

    p = sub.add_parser("sample", help="generate the embedded sample extracts (deterministic from the seed)")
    p.add_argument("--out", help="output folder (default data/sample)")
    p.add_argument("--seed", type=int, default=2017, help="random seed (default 2017)")
    p.set_defaults(func=_cmd_sample)

    p = sub.add_parser("ingest", help="validate one extract: every row accepted or quarantined with a reason")
    p.add_argument("--kind", required=True, choices=sorted(KINDS), help="what the file holds")
    p.add_argument("--file", help="CSV (; , or tab separated, UTF-8 or Windows-1252) or XLSX")
    p.add_argument(
        "--columns", action="store_true", help="list the kind's columns with the names real systems give them"
    )
    p.add_argument(
        "--decimal", choices=[",", "."], help="decimal separator of a text file (default: decided per column)"
    )
    p.add_argument(
        "--keep",
        action="append",
        metavar="COLUMN",
        help="also carry this column the kind does not read (CPR numbers "
        "in it replaced by [CPR]); names, phone numbers and notes are otherwise never read",
    )
    p.add_argument(
        "--json",
        action="store_true",
        help="print {rows_read, accepted, rejected, unmapped_rows, errors, unmapped, notes} as JSON",
    )
    p.add_argument("--quarantine", help="also write the quarantined rows (line, reason, raw) to this CSV")
    p.set_defaults(func=_cmd_ingest)

    p = sub.add_parser(
        "mappings", help="list an extract's unmapped values with counts and best guesses, as a CSV to confirm"
    )
    p.add_argument("--suggest", action="store_true", required=True, help="write the suggestions (the only action)")
    p.add_argument("--kind", required=True, choices=sorted(KINDS))
    p.add_argument("--file", required=True)
    p.add_argument("--out", help="output CSV (default <file>_unmapped.csv in the current folder)")
    p.set_defaults(func=_cmd_mappings)

    p = sub.add_parser(
        "add",
        help="add the municipality's own extracts to the workspace (kind from the header, municipality and snapshot "
        "from the rows)",
    )
    p.add_argument("files", nargs="+", metavar="FILE", help="extracts as the systems deliver them (CSV, XLSX, XLS)")
    p.add_argument("--kind", choices=sorted(KINDS), help="what the files hold (default: told by the header)")
    p.add_argument("--municipality", help="whose extracts (3-digit code or name; default: the rows' municipality)")
    p.add_argument("--snapshot", help="YYYY-MM-DD: the date a case extract was taken (default: the rows' Dato column)")
    p.add_argument("--show", type=int, default=10, help="quarantined rows to print per file (default 10)")
    p.set_defaults(func=_cmd_add)

    p = sub.add_parser("remove", help="take an extract out of the workspace (kept under replaced/)")
    p.add_argument("file", help="the extract as `status` lists it")
    p.set_defaults(func=_cmd_remove)

    p = sub.add_parser(
        "fetch",
        help="fetch public data into the workspace: `fetch statbank` gets REGK31 (expenditure) and FOLK1A (population)",
    )
    p.add_argument("source", choices=["statbank"], help="where from: statbank (Statistics Denmark's API)")
    p.add_argument("--table", nargs="+", choices=["REGK31", "FOLK1A"], help="only these tables (default both)")
    p.set_defaults(func=_cmd_fetch)

    p = sub.add_parser("status", help="what the warehouse holds per municipality and kind, and what each report lacks")
    p.add_argument("--municipality", help="one municipality in full (3-digit code or name)")
    p.set_defaults(func=_cmd_status)

    p = sub.add_parser(
        "build", help="ingest the sample and the workspace, build data/warehouse.duckdb from sql/ (idempotent)"
    )
    p.add_argument("--show", type=int, default=5, help="findings to print per check (default 5)")
    p.set_defaults(func=_cmd_build)

    p = sub.add_parser(
        "benchmark",
        help="key figures per region or municipality: expenditure per inhabitant, users per 10,000, unit cost",
    )
    p.add_argument("--area", required=True, choices=["children", "adults"])
    p.add_argument("--year", required=True, type=int)
    p.add_argument(
        "--by",
        default="region",
        choices=["region", "municipality"],
        help="regions and the whole country, or municipalities",
    )
    p.add_argument("--region", help="region code 081-085 (with --by municipality: its municipalities)")
    p.add_argument("--prices", default="current", choices=["current", "fixed"])
    p.add_argument("--base-year", type=int, help="price base year for fixed prices (default: the latest year)")
    p.add_argument("--json", action="store_true", help="print {area, year, by, protected, rows} as JSON")
    p.add_argument("--format", default="table", choices=["table", "csv"], help="output for people (default table)")
    p.add_argument(
        "--unprotected",
        action="store_true",
        help="also show figures on fewer than 5 users and the cells hidden to protect them (the benchmark pages hide "
        "both): for your own analysis only, never to publish or share",
    )
    p.set_defaults(func=_cmd_benchmark)

    p = sub.add_parser(
        "progression", help="progression and goal fulfilment from registration extracts (VUM, goals, follow-up)"
    )
    p.add_argument(
        "--registrations", required=True, nargs="+", metavar="FILE", help="registration extract(s), CSV or XLSX"
    )
    p.add_argument("--municipality", help="only this municipality's cases (3-digit code)")
    p.add_argument("--json", action="store_true", help="print the figures as JSON")
    p.set_defaults(func=_cmd_progression)

    p = sub.add_parser(
        "forecast",
        help="the year's expected result case by case (dispositionsregnskab), from the warehouse or an extract",
    )
    p.add_argument(
        "--municipality", help="3-digit code: the expected result from the warehouse, as the reports show it"
    )
    p.add_argument("--area", choices=["children", "adults"], help="children or adults (for --municipality)")
    p.add_argument("--cases", help="case periods (the cases ingest kind), CSV or XLSX")
    p.add_argument(
        "--year", type=int, help="the year forecast (with --cases: required; warehouse: default the as-of date's)"
    )
    p.add_argument(
        "--as-of",
        help="YYYY-MM-DD: months to this date are to date; actuals replace them (warehouse: default the latest snapshot)",
    )
    p.add_argument("--actuals", help="booked actuals: case_id or cpr, [measure,] month (YYYY-MM), amount")
    p.add_argument("--pool", type=float, default=0.0, help="pool (skøn) for unknown inflow and outflow, kr.")
    p.add_argument("--json", action="store_true", help="print totals, 12 months and one entry per case as JSON")
    p.set_defaults(func=_cmd_forecast)

    p = sub.add_parser(
        "backtest",
        help="the forecasts made at each month-end of past complete years against the final result and naive baselines",
    )
    p.add_argument("--municipality", required=True, help="3-digit code")
    p.add_argument("--area", choices=["children", "adults"], required=True)
    p.add_argument("--year", type=int, help="the year whose interval is given (default: the as-of date's)")
    p.add_argument("--as-of", help="YYYY-MM-DD (default: the latest snapshot)")
    p.add_argument("--json", action="store_true", help="print the rows, the scores by month and overall, the interval")
    p.set_defaults(func=_cmd_backtest, cases=None, actuals=None, pool=0.0)

    p = sub.add_parser(
        "forecast-diff", help="the change in the forecast between two case extracts, per case with a reason"
    )
    p.add_argument("--before", required=True, help="last month's case extract")
    p.add_argument("--after", required=True, help="this month's case extract")
    p.add_argument("--year", required=True, type=int)
    p.add_argument("--as-of", help="YYYY-MM-DD")
    p.add_argument("--json", action="store_true", help="print {before_total, after_total, change, items} as JSON")
    p.set_defaults(func=_cmd_forecast_diff)

    p = sub.add_parser(
        "reports",
        help="render the report notebooks for every parameter set from the warehouse (docs/reports.md)",
        description="Render the reports. Filters choose among the published parameter sets; settings change what a "
        "report computes, and a run whose settings differ from the published reports writes to reports/what-if/<settings>/, "
        "leaving the published reports and reports/index.json as they were. Every key and value is checked before any "
        "report starts (exit 2 with the valid keys or values).",
    )
    p.add_argument(
        "--only",
        nargs="+",
        metavar="NAME",
        help="only these reports: benchmark, data_quality, forecast, indicators, progression",
    )
    p.add_argument(
        "--filter",
        action="extend",
        nargs="+",
        metavar="KEY=VALUE",
        help="only the published sets with this value (repeatable): region=085, area=children|adults, municipality=479, "
        "audience=politicians|finance|department",
    )
    p.add_argument(
        "--set",
        action="extend",
        nargs="+",
        metavar="KEY=VALUE",
        help="a setting for the reports that take it (repeatable), e.g. year=2022, as_of=2024-06-30, period=2024-Q2, "
        'price_base_year=2020, hourly_rate=550, exclude=\'{"259": "reason"}\'; other than published: a what-if folder',
    )
    p.add_argument(
        "--municipality",
        metavar="CODE",
        help="a municipality's reports: its forecast reports, key-figure packs and progression, and its region's benchmark "
        "and data-quality reports with it highlighted, in reports/municipality/<name>/",
    )
    p.add_argument("--out", metavar="DIR", help="the published reports' folder (default reports/)")
    p.add_argument(
        "--list", action="store_true", help="print the parameter sets the run would render, and render nothing"
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="render every chosen report again (by default a report whose warehouse, notebook, code and parameters are "
        "unchanged since it was rendered is kept or copied from data/cache/reports/)",
    )
    p.add_argument(
        "--workers",
        type=int,
        help="parallel workers (default: the cores plus one, at most 3, and one for every 4 reports to render)",
    )
    p.set_defaults(func=_cmd_reports)

    p = sub.add_parser(
        "caseworker-key",
        help="the department's own key from its case extracts: each caseworker and the pseudonym the packs show",
    )
    p.add_argument("file", nargs="+", help="case extracts (cases kind), as the case system delivers them")
    p.add_argument("--out", help="write the key as CSV (semicolons, UTF-8 with BOM) instead of printing it")
    p.set_defaults(func=_cmd_caseworker_key)

    p = sub.add_parser(
        "lab", help="JupyterLab on working copies of the notebooks (lab/), so the tracked notebooks stay unchanged"
    )
    p.add_argument("--dir", help="folder of the working copies (default lab/, ignored by git)")
    p.add_argument("jupyter", nargs="*", help="further JupyterLab options after --, e.g. -- --port=8899 --no-browser")
    p.set_defaults(func=_cmd_lab)

    p = sub.add_parser(
        "docs", help="write docs/marts.md (the marts and helpers.data's columns) from sql/marts/_marts.yml"
    )
    p.set_defaults(func=_cmd_docs)

    p = sub.add_parser("bench", help="benchmarks as ratios run side by side; writes reports/bench/results.json")
    p.add_argument("--repeat", type=int, default=3, help="runs per measurement; the fastest counts (default 3)")
    p.add_argument(
        "--only",
        nargs="+",
        metavar="PART",
        help="only these parts: ingest, reports, forecast, explorer, national (the others' figures stay in results.json)",
    )
    p.set_defaults(func=_cmd_bench)
    return parser


class _Masked:
    """stderr with every CPR-like number masked (DDMMYY-xxxx): messages name files and values, never a person."""

    def __init__(self, stream) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        from helpers.intake.privacy import mask

        return self._stream.write(mask(text))

    def __getattr__(self, name: str):
        return getattr(self._stream, name)


def main(argv: list[str] | None = None) -> int:
    """Run a command; user mistakes print one line to stderr and exit 2. Messages on stderr are masked. A reader that
    stops reading (`build | head`) ends the command quietly; Ctrl-C is one line, exit 130."""
    args = build_parser().parse_args(argv)
    stderr, sys.stderr = sys.stderr, _Masked(sys.stderr)
    try:
        return args.func(args)
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # the reader went away: nothing more to print, and Python must not complain when it flushes stdout at exit
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    finally:
        sys.stderr = stderr
