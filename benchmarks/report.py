"""The end-of-run summary: a markdown table beside the peers, mean ranks, and two tallies."""

import json
from pathlib import Path

from peers import FAIL, mean_ranks
from scoring import beats, main_metric, within_noise

SYSTEM = "mlpilot"
METRIC_LABEL = {"auc": "AUC ↑", "logloss": "log loss ↓", "rmse": "RMSE ↓"}
COST_COLUMNS = [
    ("fit s", "fit_s", "{:.1f}"),
    ("predict s", "predict_s", "{:.2f}"),
    ("latency ms", "latency_ms", "{:.2f}"),
    ("peak RSS MB", "peak_rss_mb", "{:.0f}"),
    ("model MB", "model_mb", "{:.2f}"),
]


def read_records(path):
    """Records of a results file, the last one per dataset, in first-seen order."""
    latest = {}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.strip():
            record = json.loads(line)
            latest.pop(record["dataset"], None)  # a rerun moves to the end
            latest[record["dataset"]] = record
    return list(latest.values())


def own_figure(record):
    """mlpilot's main-metric figure: a number, or FAIL for an error or time-out.

    Rounded as peers.md rounds (4 decimals, 1 from 1000 up), so that figures that look
    equal in the table also tie in ranks and tallies.
    """
    if record.get("status") != "ok" or record.get("score") is None:
        return FAIL
    value = record["score"]
    return round(value, 1 if abs(value) >= 1000 else 4)


def fmt_figure(value, status="ok"):
    if value is None:
        return "—"
    if value == FAIL:
        return "TIMEOUT" if status == "timeout" else FAIL
    return f"{value:.1f}" if abs(value) >= 1000 else f"{value:.4f}"


def fmt_cost(value, pattern):
    return "—" if value is None else pattern.format(value)


def table_rows(records, peers):
    header = ["dataset", "task", "metric", SYSTEM] + peers.systems + [c[0] for c in COST_COLUMNS]
    rows = [header]
    for r in records:
        metric = main_metric(r["task"])
        row = [r["dataset"], r["task"], METRIC_LABEL[metric]]
        row.append(fmt_figure(own_figure(r), r.get("status")))
        row += [fmt_figure(peers.figure(r["dataset"], s)) for s in peers.systems]
        row += [fmt_cost(r.get(key), pattern) for _, key, pattern in COST_COLUMNS]
        rows.append(row)
    return rows


def markdown_table(rows):
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]

    def line(cells):
        return "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths)) + " |"

    return "\n".join([line(rows[0]), line(["-" * w for w in widths])] + [line(r) for r in rows[1:]])


def rank_lines(records, peers):
    figures = {r["dataset"]: {SYSTEM: own_figure(r), **peers.figures.get(r["dataset"], {})}
               for r in records}
    metrics = {r["dataset"]: main_metric(r["task"]) for r in records}
    systems = [SYSTEM] + peers.systems
    ranks = mean_ranks(figures, metrics, systems)
    lines = [f"Mean rank over the {len(records)} datasets of this run (1 = best, failures last; "
             "only systems with a figure on every dataset):"]
    for s in systems:
        if s in ranks:
            lines.append(f"- {s}: {ranks[s]:.2f}")
        else:
            have = sum(figures[d].get(s) is not None for d in figures)
            lines.append(f"- {s}: — (figures on {have}/{len(records)} datasets)")
    return lines


def tally_line(records, peers, reference, compare, wording):
    """'<wording>: k/n' over the datasets where the reference has a number (FAIL excluded)."""
    if reference is None:
        return None
    wins, losses = [], []
    for r in records:
        ref = peers.figure(r["dataset"], reference)
        if ref is None or ref == FAIL:
            continue
        own = own_figure(r)
        ok = own != FAIL and compare(own, ref, main_metric(r["task"]))
        (wins if ok else losses).append(r["dataset"])
    total = len(wins) + len(losses)
    tail = f" (not on: {', '.join(losses)})" if losses else ""
    return f"{wording.format(system=SYSTEM, reference=reference)}: {len(wins)}/{total}{tail}"


def budget_line(records):
    timed = [r for r in records if r.get("fit_s") is not None and r.get("budget")]
    over = [r for r in timed if r["fit_s"] > r["budget"]]
    if not timed:
        return None
    worst = max(timed, key=lambda r: r["fit_s"] / r["budget"])
    return (f"fit past its time limit on {len(over)}/{len(timed)} datasets "
            f"(worst: {worst['dataset']}, {worst['fit_s']:.1f} s for {worst['budget']:g} s)")


def failure_lines(records):
    lines = [f"- {r['dataset']}: {r['status']}: {r.get('error') or ''}"
             for r in records if r.get("status") != "ok"]
    lines += [f"- {r['dataset']}: latency not measured: {r['latency_error']}"
              for r in records if r.get("latency_error")]
    return ["", "Failures:"] + lines if lines else []


def summary(records, peers):
    """The whole summary as text."""
    if not records:
        return "No results."
    lgbm = peers.find_system("lightgbm")
    ag_medium = peers.find_system("autogluon", "medium")
    parts = [markdown_table(table_rows(records, peers)), ""] + rank_lines(records, peers) + [""]
    parts += [line for line in (
        tally_line(records, peers, lgbm, within_noise, "{system} >= {reference} (within noise)"),
        tally_line(records, peers, ag_medium, beats, "{system} beats {reference}"),
        budget_line(records),
    ) if line]
    parts += failure_lines(records)
    return "\n".join(parts)
