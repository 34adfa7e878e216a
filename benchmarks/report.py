"""The end-of-run summary: a markdown table beside the peers, mean ranks, mlpilot against
LightGBM defaults by a paired bootstrap (noise.py), and the tally against AutoGluon medium."""

import json
from pathlib import Path

from peers import FAIL, mean_ranks
from noise import LOWER, RESAMPLES, UPPER, WORSE
from scoring import beats, main_metric

SYSTEM = "mlpilot"
METRIC_NAME = {"auc": "AUC", "logloss": "log loss", "rmse": "RMSE"}
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


def fmt_signed(value, reference):
    return f"{value:+.1f}" if abs(reference) >= 1000 else f"{value:+.4f}"


def comparison_line(record, comparison, peers, lgbm):
    """'- name: verdict: metric diff [lower, upper] (mlpilot a, LightGBM defaults b)'."""
    name = record["dataset"]
    if record.get("status") != "ok":
        return f"- {name}: {WORSE}: mlpilot {record.get('status') or 'failed'}"
    if not comparison or not comparison.get("verdict"):
        reason = (comparison or {}).get("reason") or "not compared"
        return f"- {name}: no verdict: {reason}"
    c = comparison
    diff, lower, upper = (fmt_signed(c[k], c["b"]) for k in ("diff", "lower", "upper"))
    text = (f"- {name}: {c['verdict']}: {METRIC_NAME[c['metric']]} {diff} [{lower}, {upper}] "
            f"(mlpilot {fmt_figure(c['a'])}, LightGBM defaults {fmt_figure(c['b'])}")
    listed = peers.figure(name, lgbm) if lgbm else None
    if isinstance(listed, float) and fmt_figure(listed) != fmt_figure(c["b"]):
        text += f"; peers.md {fmt_figure(listed)}"
    return text + ")"


def baseline_lines(records, comparisons, peers, lgbm):
    """Per dataset the bootstrap verdict against LightGBM defaults, then the 'not worse' count.

    ``comparisons``: dataset -> noise.paired_bootstrap's dict, or {"reason": why none}; without
    a verdict there, the record's own ``vs_baseline`` (stored by the run) is used. A failed
    mlpilot run counts as worse.
    """
    lines = ["mlpilot against LightGBM defaults refitted on the same split (paired bootstrap "
             f"over the test rows, {RESAMPLES} resamples; difference and its {LOWER}th-"
             f"{UPPER}th percentiles, positive = mlpilot better):"]
    worse, unknown, judged = [], [], 0
    for r in records:
        found = comparisons.get(r["dataset"])
        comparison = found if found and found.get("verdict") else r.get("vs_baseline") or found
        lines.append(comparison_line(r, comparison, peers, lgbm))
        failed = r.get("status") != "ok"
        verdict = WORSE if failed else (comparison or {}).get("verdict")
        if verdict is None:
            unknown.append(r["dataset"])
            continue
        judged += 1
        if verdict == WORSE:
            worse.append(r["dataset"])
    tail = [f"worse on: {', '.join(worse)}"] if worse else []
    tail += [f"no verdict on: {', '.join(unknown)}"] if unknown else []
    lines.append(f"not worse than LightGBM defaults (paired bootstrap, {UPPER - LOWER} %): "
                 f"{judged - len(worse)}/{judged}" + (f" ({'; '.join(tail)})" if tail else ""))
    return lines


def summary(records, peers, comparisons=None):
    """The whole summary as text; ``comparisons`` as in ``baseline_lines``."""
    if not records:
        return "No results."
    lgbm = peers.find_system("lightgbm")
    ag_medium = peers.find_system("autogluon", "medium")
    parts = [markdown_table(table_rows(records, peers)), ""] + rank_lines(records, peers) + [""]
    parts += baseline_lines(records, comparisons or {}, peers, lgbm) + [""]
    parts += [line for line in (
        tally_line(records, peers, ag_medium, beats, "{system} beats {reference}"),
        budget_line(records),
    ) if line]
    parts += failure_lines(records)
    return "\n".join(parts)
