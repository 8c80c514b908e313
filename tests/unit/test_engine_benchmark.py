"""benchmarks/engine.py still drives the engine's real calls (it asserts each answer)."""

from __future__ import annotations

import asyncio
import re

import pytest

from benchmarks import engine


def test_engine_benchmark_runs_every_call_and_prints_its_figure(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert engine.main(["--n", "3", "--rounds", "1"]) == 0
    figures = re.findall(r"^  (\S.*?) +(\d+\.\d) µs", capsys.readouterr().out, re.MULTILINE)
    names = [name for name, _ in figures]
    assert names == ["authorize", "code (confidential)", "code (PKCE)", "refresh"]


def test_engine_benchmark_flows_issue_real_tokens() -> None:
    bench = engine.EngineBench()

    async def flow() -> dict[str, object]:
        return await bench.token(bench.code_form(await bench.code_of("bench", False), False), True)

    answer = asyncio.run(flow())
    assert answer["token_type"] == "bearer"
    assert answer["scope"] == "account.read offline"
    assert str(answer["refresh_token"]).startswith("ory_rt_")
