"""The lake's upkeep: a daily job that vacuums every table (``aislake.storage.upkeep``)."""

import datetime as dt

import dagster as dg

from aislake import settings
from aislake.defs.resources import LakeStorage
from aislake.storage.upkeep import vacuum


@dg.op(description="Removes from every table the files no version within the retention uses.")
def vacuum_lake_tables(context: dg.OpExecutionContext, storage: LakeStorage) -> dg.Output[int]:
    """Vacuums every table of the lake with ``AISLAKE_RETENTION_DAYS``; reports what went."""
    days = settings.current().retention_days
    done = vacuum(storage.store(), dt.timedelta(days=days))
    for table in done:
        if table.removed:
            context.log.info(
                f"{table.root}: removed {len(table.removed)} files "
                f"({table.bytes_removed / 1e6:.1f} MB)"
            )
    removed = sum(len(t.removed) for t in done)
    return dg.Output(
        removed,
        metadata={
            "tables": len(done),
            "files_removed": removed,
            "bytes_removed": sum(t.bytes_removed for t in done),
            "retention_days": days,
        },
    )


@dg.job(description="Vacuums the lake's tables (aislake vacuum), daily by lake_upkeep_schedule.")
def lake_upkeep_job() -> None:
    vacuum_lake_tables()


lake_upkeep_schedule = dg.ScheduleDefinition(
    name="lake_upkeep_schedule",
    job=lake_upkeep_job,
    cron_schedule="30 3 * * *",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Every night: files older than AISLAKE_RETENTION_DAYS that no version uses go.",
)


@dg.definitions
def upkeep_defs() -> dg.Definitions:
    return dg.Definitions(jobs=[lake_upkeep_job], schedules=[lake_upkeep_schedule])
