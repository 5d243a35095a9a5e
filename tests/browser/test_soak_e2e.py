"""The soak (bench/soak.py), run briefly: its machinery works and the app gives no errors.

A few sessions for seconds, not twenty for minutes: this shows that the protocol clients,
the Chromium session, the memory sampling and (for the deployment) the kill and the
reconnects all work, and fails on any error a session meets. Nothing here is timed: the
figures are bench/soak.py's to report (bench/SOAK.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bench.soak import Plan, soak

pytestmark = pytest.mark.browser


def _errors(result: dict[str, Any]) -> list[str]:
    return [
        f"{e['start']:.1f} s {e['client']} {e['kind']} [{e['phase']}]: {e['error']}"
        for e in result["summary"]["error_list"]
    ]


def _common_checks(result: dict[str, Any], app_processes: list[str]) -> None:
    summary = result["summary"]
    groups = summary["groups"]
    assert groups["protocol reruns"]["requests"] > 0
    assert groups["browser actions"]["requests"] > 0, "the Chromium session did nothing"
    assert summary["by_kind"]["browser:open"]["errors"] == 0
    assert summary["saved"] >= 2, result["events"]
    assert summary["saved_missing_at_end"] == []
    assert summary["threads_left"] == []
    for name in app_processes:
        memory = summary["memory"][name]
        assert memory["samples"] >= 5 and memory["peak"] > 0, memory


def test_a_short_soak_of_one_app_process_meets_no_errors(chromium: Path) -> None:
    plan = Plan(
        mode="single",
        sessions=4,
        browsers=1,
        duration=12,
        think=(0.5, 2.0),
        settle=2,
        release_wait=0,
        savers=2,
    )
    result = soak(plan)
    assert result["summary"]["errors"] == 0, _errors(result)
    _common_checks(result, ["app"])
    assert result["summary"]["memory"]["app"]["after_close"] is not None


def test_a_short_soak_of_the_deployment_survives_the_kill_of_a_process(
    chromium: Path, nginx_installed: None, postgres_installed: None
) -> None:
    plan = Plan(
        mode="deploy",
        sessions=5,
        browsers=1,
        duration=26,
        kill_at=14,
        think=(0.5, 2.0),
        settle=2,
        release_wait=0,
        savers=2,
    )
    result = soak(plan)
    summary = result["summary"]
    by_phase = summary["errors_by_phase"]
    # Requests in flight when the process died may fail; nothing before it or after the
    # sessions were back.
    assert by_phase["before"] == 0 and by_phase["after"] == 0, _errors(result)
    kill = summary["kill"]
    # The Chromium session is on the killed process (the soak kills the one it reaches).
    assert "b1" in kill["clients_on_it"]
    assert kill["clients_not_back"] == [], (kill, _errors(result))
    assert kill["lost_but_not_on_it"] == [], kill
    assert set(kill["clients_that_lost_their_connection"]) == set(kill["clients_on_it"]), kill
    assert kill["saved_before"] >= 2, result["events"]
    assert kill["saved_missing_after_kill"] == []
    _common_checks(result, [n for n in summary["memory"] if n.startswith("app-")])
    survivor = next(n for n in summary["memory"] if n.startswith("app-") and n != kill["process"])
    assert summary["memory"][survivor]["after_close"] is not None
