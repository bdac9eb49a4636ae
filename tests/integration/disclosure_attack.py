#!/usr/bin/env python3
"""An attack on one week of published summaries, written apart from the audit.

Reads what leaves the building for one week (the summary.public_* views) with
psql, writes for every hidden count an integer programme in CPLEX LP format
from what README documents a reader may rely on, and solves it with glpsol
(Debian's glpk-utils) twice: the least and the greatest value the count can
take. Python standard library only; none of daemon/core/disclosure*.c is used.

What a reader knows, per week (README "How the rates are counted", "Small
numbers"):
  - a hidden count is a whole number >= 1 (zeros are published);
  - per setting and group, week x setting events = the sum of the regions'
    events, and the same for events without activity;
  - events + events without activity of the week x setting row = the same sum
    over Fitzpatrick types, and over training classes; the events of those
    tables are among the row's events (sum <= the row's events);
  - in each row of each table, `any` >= every group and `any` <= their sum
    (for unregistered counts, per setting and region);
  - setting comparisons repeat the week x setting events of the setting and of
    medical_clinic.

--source flags reads instead the exact tables with their *_suppressed flags,
which is what the public views of migration 002 showed: the pattern before
any audit.

Prints one line per hidden cell it narrows to fewer than --width values
("narrow ...", "pinned ..." when to one), then
"hidden=N pinned=P narrow=Q". Exit status 0 unless something failed.
"""
import argparse
import csv
import io
import os
import re
import subprocess
import sys
import tempfile

TABLES = {
    # name: (view, exact table, key column)
    "ws": ("public_rates_week_setting", "rates_week_setting", None),
    "fitz": ("public_rates_fitzpatrick", "rates_fitzpatrick", "fitzpatrick"),
    "region": ("public_rates_region", "rates_region", "region"),
    "training": ("public_rates_training", "rates_training", "medically_trained"),
}


def psql(conninfo, query):
    out = subprocess.run(["psql", "-X", "-q", "--csv", conninfo, "-c", query],
                         check=True, capture_output=True, text=True, timeout=60).stdout
    rows = list(csv.DictReader(io.StringIO(out)))
    for r in rows:
        if "k" in r and r["k"] == "":
            r["k"] = None
    return rows


def shown(value, hidden_flag=None):
    """The published value as an int, or None when it reads 'suppressed'."""
    if hidden_flag is not None:
        return None if hidden_flag == "t" else int(value)
    return None if value == "suppressed" else int(value)


def read_week(conninfo, week, source):
    """cells: {(table, setting, key, group, column): value or None}; a NULL
    key (psql prints it empty) is None."""
    cells = {}
    for name, (view, exact, keycol) in TABLES.items():
        key = f"{keycol}::text" if keycol else "NULL::text"
        if source == "public":
            rows = psql(conninfo, f"SELECT setting, {key} AS k, complication_group AS g, events, "
                        f"events_without_activity AS ewa FROM summary.{view} WHERE week = '{week}'")
            for r in rows:
                cells[(name, r["setting"], r["k"], r["g"], "e")] = shown(r["events"])
                cells[(name, r["setting"], r["k"], r["g"], "a")] = shown(r["ewa"])
        else:
            rows = psql(conninfo, f"SELECT setting, {key} AS k, complication_group AS g, events, "
                        f"events_without_activity AS ewa, events_suppressed AS es, "
                        f"events_without_activity_suppressed AS eas FROM summary.{exact} "
                        f"WHERE week = '{week}'")
            for r in rows:
                cells[(name, r["setting"], r["k"], r["g"], "e")] = shown(r["events"], r["es"])
                cells[(name, r["setting"], r["k"], r["g"], "a")] = shown(r["ewa"], r["eas"])
    if source == "public":
        rows = psql(conninfo, "SELECT setting, region AS k, complication_group AS g, cases "
                    f"FROM summary.public_unregistered_counts WHERE week = '{week}'")
        for r in rows:
            cells[("unreg", r["setting"], r["k"], r["g"], "e")] = shown(r["cases"])
        comparisons = psql(conninfo, "SELECT setting, complication_group AS g, events, "
                           "reference_events FROM summary.public_setting_comparisons "
                           f"WHERE week = '{week}'")
    else:
        rows = psql(conninfo, "SELECT setting, region AS k, complication_group AS g, cases, "
                    "cases_suppressed AS cs FROM summary.unregistered_counts "
                    f"WHERE week = '{week}'")
        for r in rows:
            cells[("unreg", r["setting"], r["k"], r["g"], "e")] = shown(r["cases"], r["cs"])
        comparisons = []
    return cells, comparisons


def relations(cells, comparisons):
    """Yields (terms [(coef, cell)], sense, rhs) for everything a reader knows."""
    by_sg = {}
    by_row = {}
    for c in cells:
        table, setting, key, group, col = c
        if table != "unreg":
            by_sg.setdefault((setting, group), []).append(c)
        by_row.setdefault((table, setting, key, col), []).append(c)
    for (setting, group), members in by_sg.items():
        ws_e, ws_a = ("ws", setting, None, group, "e"), ("ws", setting, None, group, "a")
        if ws_e not in cells:
            continue
        parts = lambda t, col: [c for c in members if c[0] == t and c[4] == col]
        if parts("region", "e"):
            for col, total in (("e", ws_e), ("a", ws_a)):
                yield [(1, total)] + [(-1, c) for c in parts("region", col)], "=", 0
        for t in ("fitz", "training"):
            if not parts(t, "e"):
                continue
            yield ([(1, ws_e), (1, ws_a)] + [(-1, c) for c in parts(t, "e") + parts(t, "a")],
                   "=", 0)
            yield [(-1, ws_e)] + [(1, c) for c in parts(t, "e")], "<=", 0
    for (table, setting, key, col), members in by_row.items():
        anys = [c for c in members if c[3] == "any"]
        groups = [c for c in members if c[3] != "any"]
        if not anys or not groups:
            continue
        yield [(1, anys[0])] + [(-1, g) for g in groups], "<=", 0
        for g in groups:
            yield [(1, anys[0]), (-1, g)], ">=", 0
    for r in comparisons:
        for col, setting in (("events", r["setting"]), ("reference_events", "medical_clinic")):
            if r[col] != "suppressed" and ("ws", setting, None, r["g"], "e") in cells:
                yield [(1, ("ws", setting, None, r["g"], "e"))], "=", int(r[col])


def lp_text(cells, rels, names, objective, sense):
    lines = ["Maximize" if sense == "max" else "Minimize", f" obj: {names[objective]}",
             "Subject To"]
    n = 0
    for terms, op, rhs in rels:
        lhs, const = [], 0
        for coef, c in terms:
            if cells[c] is None:
                lhs.append(f"{'+' if coef > 0 else '-'} {abs(coef)} {names[c]}")
            else:
                const += coef * cells[c]
        if not lhs:
            continue
        n += 1
        lines.append(f" r{n}: {' '.join(lhs)} {op} {rhs - const}")
    lines.append("Bounds")
    lines += [f" {names[c]} >= 1" for c in names]
    lines += ["General", " " + " ".join(names.values()), "End"]
    return "\n".join(lines) + "\n"


def solve(text, workdir):
    path = os.path.join(workdir, "attack.lp")
    out = os.path.join(workdir, "attack.out")
    with open(path, "w") as f:
        f.write(text)
    run = subprocess.run(["glpsol", "--lp", path, "-o", out], capture_output=True, text=True,
                         timeout=60)
    if "UNBOUNDED" in run.stdout:
        return None
    with open(out) as f:
        report = f.read()
    if "INTEGER OPTIMAL" not in report:
        raise RuntimeError("glpsol: " + run.stdout[-400:])
    return int(round(float(re.search(r"Objective:\s+obj = (\S+)", report).group(1))))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("conninfo")
    ap.add_argument("week", help="the Monday of the week, YYYY-MM-DD")
    ap.add_argument("--width", type=int, default=5, help="values a hidden cell must keep")
    ap.add_argument("--source", choices=("public", "flags"), default="public")
    args = ap.parse_args()
    cells, comparisons = read_week(args.conninfo, args.week, args.source)
    rels = list(relations(cells, comparisons))
    hidden = [c for c, v in cells.items() if v is None]
    names = {c: f"x{i}" for i, c in enumerate(hidden)}
    pinned = narrow = 0
    with tempfile.TemporaryDirectory() as workdir:
        for c in hidden:
            lo = solve(lp_text(cells, rels, names, c, "min"), workdir)
            hi = solve(lp_text(cells, rels, names, c, "max"), workdir)
            if hi is not None and hi - lo < args.width - 1:
                what = "pinned" if hi == lo else "narrow"
                pinned += hi == lo
                narrow += hi != lo
                print(f"{what} {'/'.join(str(x) for x in c)} {lo}..{hi}")
    print(f"hidden={len(hidden)} pinned={pinned} narrow={narrow}")


if __name__ == "__main__":
    sys.exit(main())
