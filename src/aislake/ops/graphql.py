"""A minimal client for the Dagster webserver's GraphQL API: asset backfills.

Dagster has no ``dagster asset backfill`` command and its Python GraphQL client has no backfill
method, so aislake calls the same mutations the UI's "Materialize > backfill" dialog calls.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any


class DagsterApiError(RuntimeError):
    """The webserver could not be reached, or refused the request."""


LAUNCH = """
mutation Launch($params: LaunchBackfillParams!) {
  launchPartitionBackfill(backfillParams: $params) {
    __typename
    ... on LaunchBackfillSuccess { backfillId }
    ... on PythonError { message }
    ... on UnauthorizedError { message }
    ... on InvalidStepError { invalidStepKey }
    ... on InvalidOutputError { invalidOutputName }
    ... on PartitionSetNotFoundError { message }
    ... on RunConflict { message }
    ... on InvalidSubsetError { message }
    ... on ConflictingExecutionParamsError { message }
    ... on NoModeProvidedError { message }
  }
}
"""

STATUS = """
query Backfill($id: String!) {
  partitionBackfillOrError(backfillId: $id) {
    __typename
    ... on PartitionBackfill {
      id status numPartitions
      assetBackfillData {
        assetBackfillStatuses {
          __typename
          ... on AssetPartitionsStatusCounts {
            assetKey { path }
            numPartitionsTargeted numPartitionsInProgress numPartitionsMaterialized
            numPartitionsFailed
          }
        }
      }
    }
    ... on PythonError { message }
    ... on BackfillNotFoundError { message }
  }
}
"""

REEXECUTE = """
mutation Retry($params: ReexecutionParams!) {
  reexecutePartitionBackfill(reexecutionParams: $params) {
    __typename
    ... on LaunchBackfillSuccess { backfillId }
    ... on PythonError { message }
    ... on UnauthorizedError { message }
  }
}
"""


@dataclass(frozen=True)
class AssetProgress:
    asset: str
    targeted: int
    in_progress: int
    materialized: int
    failed: int


@dataclass(frozen=True)
class BackfillStatus:
    backfill_id: str
    status: str
    assets: list[AssetProgress]

    @property
    def done(self) -> bool:
        return self.status not in ("REQUESTED", "CANCELING", "FAILING")

    @property
    def succeeded(self) -> bool:
        return self.status in ("COMPLETED", "COMPLETED_SUCCESS") and not any(
            a.failed for a in self.assets
        )


class DagsterWebserver:
    def __init__(self, url: str, timeout: float = 30) -> None:
        self.url = url.rstrip("/") + "/graphql"
        self.timeout = timeout

    def call(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        body = json.dumps({"query": query, "variables": variables}).encode()
        request = urllib.request.Request(
            self.url, data=body, headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                payload = json.loads(response.read())
        except urllib.error.HTTPError as exc:
            # The webserver answered: say what it said (GraphQL errors come as HTTP 500 too),
            # not that it cannot be reached.
            text = exc.read().decode(errors="replace")
            try:
                said = json.loads(text).get("errors") or text
            except ValueError:
                said = text
            raise DagsterApiError(
                f"the Dagster webserver at {self.url} answered HTTP {exc.code}: {str(said)[:2000]}"
            ) from exc
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            raise DagsterApiError(
                f"cannot reach the Dagster webserver at {self.url} ({exc}); start it with "
                "`dagster dev` (or set --url / AISLAKE_DAGSTER_URL)"
            ) from exc
        if payload.get("errors"):
            raise DagsterApiError(f"GraphQL errors: {payload['errors']}")
        data: dict[str, Any] = payload["data"]
        return data

    def launch_backfill(self, ranges: dict[str, tuple[str, str] | None], title: str) -> str:
        """Launch one asset backfill over each asset's partition range (None: an asset without
        partitions, materialised once); returns its id."""
        params = {
            "partitionsByAssets": [
                {"assetKey": {"path": [asset]}}
                if span is None
                else {
                    "assetKey": {"path": [asset]},
                    "partitions": {"range": {"start": span[0], "end": span[1]}},
                }
                for asset, span in ranges.items()
            ],
            "title": title,
        }
        result = self.call(LAUNCH, {"params": params})["launchPartitionBackfill"]
        if result["__typename"] != "LaunchBackfillSuccess":
            raise DagsterApiError(f"backfill refused ({result['__typename']}): {result}")
        return str(result["backfillId"])

    def backfill_status(self, backfill_id: str) -> BackfillStatus:
        result = self.call(STATUS, {"id": backfill_id})["partitionBackfillOrError"]
        if result["__typename"] != "PartitionBackfill":
            raise DagsterApiError(f"no backfill {backfill_id}: {result}")
        statuses = (result.get("assetBackfillData") or {}).get("assetBackfillStatuses") or []
        assets = [
            AssetProgress(
                "/".join(s["assetKey"]["path"]),
                s["numPartitionsTargeted"],
                s["numPartitionsInProgress"],
                s["numPartitionsMaterialized"],
                s["numPartitionsFailed"],
            )
            for s in statuses
            if s["__typename"] == "AssetPartitionsStatusCounts"
        ]
        return BackfillStatus(result["id"], result["status"], assets)

    def retry_failed(self, backfill_id: str) -> str:
        """A new backfill of the failed partitions (and what depends on them) only."""
        params = {"parentRunId": backfill_id, "strategy": "FROM_FAILURE"}
        result = self.call(REEXECUTE, {"params": params})["reexecutePartitionBackfill"]
        if result["__typename"] != "LaunchBackfillSuccess":
            raise DagsterApiError(f"re-execution refused ({result['__typename']}): {result}")
        return str(result["backfillId"])
