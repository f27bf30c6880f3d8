"""`--reference-env`: Lifeboat against itself in another configuration, runs alternating.

Two stacks run side by side (each its own API, worker, database and buckets): the one under
test (`--lifeboat-env`) and the reference (the same plus `--reference-env`, e.g.
LIFEBOAT_ENCRYPTION=off). Each round backs up on both, then restores each one's own new
backup into the benchmark database; the order flips every round (AB, BA, AB, …) so a machine
getting busier or quieter weighs on both alike. Every run is kept; the medians are compared.
"""

import logging
import statistics
from pathlib import Path
from typing import Any

from bench import dataset
from bench.graphql import GraphQL
from bench.lifeboat import run_backup, run_restore
from bench.measure import load_average
from bench.stack import Stack, lifeboat_stack

log = logging.getLogger("bench")

KINDS = ("backup", "restore")


def _run(kind: str, stack: Stack, gql: GraphQL, backup_id: str, timeout: float) -> dict[str, Any]:
    dataset.settle()
    load = load_average()
    if kind == "backup":
        figures = run_backup(stack, gql, timeout)
    else:
        figures = run_restore(stack, gql, backup_id, timeout)
    worker_cpu = figures["cpu"]["cpu_seconds"].get("worker")
    return {
        "wall_seconds": figures["wall_seconds"],
        "worker_cpu_seconds": worker_cpu,
        "load_before": load,
        "backup_id": figures.get("backup_id", backup_id),
        "size_bytes": figures.get("size_bytes"),
    }


def compare(
    overrides: dict[str, str],
    reference: dict[str, str],
    rounds: int,
    timeout: float,
    logs: Path,
) -> dict[str, Any]:
    """Alternate both configurations `rounds` times; every run, medians and their ratios."""
    configs = {"tested": overrides, "reference": {**overrides, **reference}}
    runs: dict[str, dict[str, list[dict[str, Any]]]] = {
        name: {kind: [] for kind in KINDS} for name in configs
    }
    with (
        lifeboat_stack(dataset.DATABASE, logs / "tested", configs["tested"]) as tested,
        lifeboat_stack(dataset.DATABASE, logs / "reference", configs["reference"]) as ref,
    ):
        stacks = {"tested": tested, "reference": ref}
        clients = {name: GraphQL(stack.api_url, stack.token) for name, stack in stacks.items()}
        try:
            for round_number in range(max(rounds, 1)):
                order = ["tested", "reference"]
                if round_number % 2:
                    order.reverse()
                for kind in KINDS:
                    for name in order:
                        # A restore restores the backup this stack made in this round.
                        own = runs[name]["backup"][-1]["backup_id"] if kind == "restore" else ""
                        figures = _run(kind, stacks[name], clients[name], own, timeout)
                        seconds = figures["wall_seconds"]
                        log.info("round %d, %s %s: %.2f s", round_number + 1, name, kind, seconds)
                        runs[name][kind].append(figures)
        finally:
            for client in clients.values():
                client.close()
            dataset.settle()  # the next `make bench` finds the dataset as generated
    return {"configs": configs_without_keys(configs), "runs": runs, **summary(runs)}


def configs_without_keys(configs: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
    """The configurations as reported: a key is never written into the results."""
    return {
        name: {k: "(set)" if "KEY" in k else v for k, v in env.items()}
        for name, env in configs.items()
    }


def summary(runs: dict[str, dict[str, list[dict[str, Any]]]]) -> dict[str, Any]:
    medians = {
        name: {kind: statistics.median(r["wall_seconds"] for r in by_kind[kind]) for kind in KINDS}
        for name, by_kind in runs.items()
    }
    ratios = {
        kind: round(medians["tested"][kind] / medians["reference"][kind], 3) for kind in KINDS
    }
    return {"medians": medians, "ratios": ratios}


def render(ab: dict[str, Any]) -> str:
    """Every run, the medians and the ratios, as printed at the end of `make bench`."""
    lines = [
        "A/B, runs alternating (tested: "
        + (", ".join(f"{k}={v}" for k, v in ab["configs"]["tested"].items()) or "defaults")
        + "; reference adds "
        + ", ".join(
            f"{k}={v}"
            for k, v in ab["configs"]["reference"].items()
            if ab["configs"]["tested"].get(k) != v
        )
        + ")"
    ]
    for kind in KINDS:
        for name in ("tested", "reference"):
            figures = ", ".join(
                f"{r['wall_seconds']:.2f} s (load {r['load_before'][0]:.2f})"
                for r in ab["runs"][name][kind]
            )
            median = ab["medians"][name][kind]
            lines.append(f"  {kind:7} {name:9} median {median:6.2f} s  runs: {figures}")
        lines.append(f"  {kind:7} ratio tested/reference: {ab['ratios'][kind]:.3f}")
    return "\n".join(lines)
