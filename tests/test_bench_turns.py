"""bench.run's taking turns: every function runs once per round, in the same order."""

from __future__ import annotations

from bench.run import _iqr, timed_in_turns


def test_timed_in_turns_calls_each_once_per_round() -> None:
    calls: list[str] = []

    def make(name: str, phase: float):
        def fn(phases: dict[str, float]) -> str:
            calls.append(name)
            phases["step"] = phase
            return name

        return fn

    out = timed_in_turns({"a": make("a", 1.0), "b": make("b", 2.0)}, runs=3, warmup=1)
    assert calls == ["a", "b"] * 4
    assert {k: len(v["runs_s"]) for k, v in out.items()} == {"a": 3, "b": 3}
    assert out["a"]["phases_s"] == {"step": 1.0}
    assert out["b"]["phases_s"] == {"step": 2.0}
    assert out["b"]["result"] == "b"
    assert out["a"]["min_s"] <= out["a"]["median_s"]


def test_iqr_needs_four_values() -> None:
    assert _iqr([0.1, 0.2, 0.3]) == "n/a"
    assert _iqr([0.1, 0.2, 0.3, 0.4, 0.5]) == "0.15-0.45 s"
