"""How a run executes its steps: in its own process, one step after the other (by default).

A run is one day in one process (one pod on Kubernetes, sized for one DuckDB step). Its steps
run in that process one at a time (``AISLAKE_EXECUTOR=in_process``, the default): DuckDB uses
every core within a step and a step may use the whole memory limit, so running two DuckDB steps
at once never paid, and a process per step cost 2-4 s of Python start-up each, a fifth of a
day's wall time and most of a small day's (``docs/benchmarks.md``). ``multiprocess`` keeps a
process per step (a step that crashes its process, a segfault or the OOM killer, then fails
alone), still one DuckDB step at a time; the ``duckdb`` pool bounds DuckDB steps across runs
either way.
"""

import dagster as dg

from aislake import settings
from aislake.instance import record_step_owner

# Tag of the steps that run DuckDB (silver, gold), each allowed AISLAKE_DUCKDB_MEMORY_LIMIT.
DUCKDB_STEP_TAGS = {"aislake/memory": "duckdb"}

RUN_EXECUTOR_CONFIG = {
    "tag_concurrency_limits": [
        {"key": key, "value": value, "limit": 1} for key, value in DUCKDB_STEP_TAGS.items()
    ]
}
EXECUTORS: dict[str, dg.ExecutorDefinition] = {
    "in_process": dg.in_process_executor,
    "multiprocess": dg.multiprocess_executor.configured(RUN_EXECUTOR_CONFIG, name="aislake_run"),
}


def run_executor(name: str | None = None) -> dg.ExecutorDefinition:
    """The executor ``name`` (default ``AISLAKE_EXECUTOR``, else ``in_process``)."""
    name = (name or settings.current().executor).strip().lower()
    if name not in EXECUTORS:
        raise ValueError(f"AISLAKE_EXECUTOR={name!r}: expected one of {', '.join(EXECUTORS)}")
    return EXECUTORS[name]


def record_step_process(context: dg.AssetExecutionContext) -> None:
    """Name this process on the run as the one running this pooled step, so that a slot it
    holds is freed once the process is gone (``aislake.instance.release_dead_runs``)."""
    step = context.get_step_execution_context().step.key
    record_step_owner(context.instance, context.run.run_id, step)


@dg.definitions
def execution() -> dg.Definitions:
    return dg.Definitions(executor=run_executor())
