"""How a run executes its steps: a process per step, at most one DuckDB step at a time."""

import dagster as dg

# Tag of the steps that run DuckDB (silver, gold), each allowed AISLAKE_DUCKDB_MEMORY_LIMIT.
DUCKDB_STEP_TAGS = {"aislake/memory": "duckdb"}

# A run is one day in one process tree (one pod on Kubernetes, sized for one DuckDB step). The
# `duckdb` pool bounds DuckDB steps across runs; this bounds them within a run, where the
# multiprocess executor would otherwise start the five gold steps at once. DuckDB uses every
# core within its step, so little is lost.
RUN_EXECUTOR_CONFIG = {
    "tag_concurrency_limits": [
        {"key": key, "value": value, "limit": 1} for key, value in DUCKDB_STEP_TAGS.items()
    ]
}
run_executor = dg.multiprocess_executor.configured(RUN_EXECUTOR_CONFIG, name="aislake_run")


@dg.definitions
def execution() -> dg.Definitions:
    return dg.Definitions(executor=run_executor)
