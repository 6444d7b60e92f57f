"""The soak bench (bench/soak.py), short: 3 workstations for about 15 s on the fault suite's cluster.

Every service call succeeds, every change notice sent is heard (and every status transition made
was announced), and with the workstations gone the database has exactly the connections it had
before (the listener): no leak.
"""

from __future__ import annotations

import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench"
SECONDS = 15
WORKSTATIONS = 3


def test_three_workstations_for_15_seconds_no_errors_no_lost_notices_no_leaked_connections(faults_url, figures):
    sys.path.insert(0, str(BENCH))
    try:
        import soak
    finally:
        sys.path.remove(str(BENCH))

    report = soak.run_soak(faults_url, workstations=WORKSTATIONS, seconds=SECONDS, sample_every=3)
    lines: list[str] = []
    soak.print_report(report, out=lines.append)
    assert report.errors == [], "\n".join(lines)
    assert report.prescriptions_done >= WORKSTATIONS  # each workstation got through at least one counter day
    assert report.calls["fill"] >= report.prescriptions_done
    assert report.picked_up == report.calls["pickup: complete sale"] == report.prescriptions_done  # every bag sold
    assert report.notices_sent > 0 and report.notices_heard == report.notices_sent, "\n".join(lines)
    assert report.transitions_made >= 4 * report.prescriptions_done  # received, validated, in progress, ready
    assert report.transitions_lost == 0, "\n".join(lines)
    assert report.connections[1] > report.connections_baseline  # the workstations were connected
    assert report.connections_end == report.connections_baseline, "\n".join(lines)
    assert report.ok
    figures(
        f"soak, {WORKSTATIONS} workstations x {SECONDS} s (pytest)",
        f"{report.prescriptions_done} prescriptions intake to will-call and picked up, errors 0 "
        f"({report.review_reloads} reviews reloaded after another counter re-ran DUR), "
        f"notices {report.notices_sent} sent / {report.notices_heard} heard, connections {report.connections} (baseline, max, end)",
    )
