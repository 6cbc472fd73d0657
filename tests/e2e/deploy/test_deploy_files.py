"""The deployment files: lint, parse, wiring, and the Kubernetes objects the Helm values imply."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import dagster
import kubernetes_validate
import pytest
import yaml

from conftest import REPO

pytestmark = pytest.mark.deploy

DEPLOY = REPO / "deploy"
BIN = Path(sys.executable).parent
K8S_VERSION = "1.30"


def test_dockerfile_passes_hadolint() -> None:
    done = subprocess.run(
        [str(BIN / "hadolint"), str(DEPLOY / "Dockerfile")], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_dockerfile_is_multi_stage_pinned_and_not_root() -> None:
    text = (DEPLOY / "Dockerfile").read_text()
    bases = re.findall(r"^FROM (\S+)", text, flags=re.M)
    assert len(bases) == 2 and all(re.search(r":\d+\.\d+\.\d+-", b) for b in bases), bases
    final = text.split("\nFROM ")[-1]
    assert "USER 10001" in final
    assert "pip install" not in final and "apt-get" not in final  # no build tools at runtime
    assert '"dagster", "code-server", "start"' in final
    ignored = (REPO / ".dockerignore").read_text().split()
    assert {".git", ".venv", "data", "tests"} <= set(ignored)


@pytest.mark.parametrize("path", sorted(DEPLOY.rglob("*.yaml")), ids=lambda p: p.name)
def test_every_yaml_file_parses(path: Path) -> None:
    documents = [d for d in yaml.safe_load_all(path.read_text()) if d is not None]
    assert documents


def test_compose_wires_every_service() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    assert {"postgres", "minio", "minio-init", "code", "webserver", "daemon"} <= set(services)
    env = services["code"]["environment"]
    for key in (
        "DAGSTER_PG_HOST",
        "DAGSTER_PG_PASSWORD",
        "MINIO_ENDPOINT",
        "MINIO_ACCESS_KEY",
        "MINIO_SECRET_KEY",
        "AISLAKE_BUCKET",
    ):
        assert key in env, key
    assert env["MINIO_ENDPOINT"] == "minio:9000" and env["DAGSTER_PG_HOST"] == "postgres"
    for name in ("code", "webserver", "daemon"):
        assert services[name]["environment"] == env  # one wiring for all three
    for secret in ("DAGSTER_PG_PASSWORD", "MINIO_SECRET_KEY"):
        assert str(env[secret]).startswith("${"), "secrets come from deploy/.env"
    assert "mc mb --ignore-existing lake/ais-lake" in services["minio-init"]["entrypoint"]
    assert (
        services["code"]["depends_on"]["minio-init"]["condition"]
        == "service_completed_successfully"
    )
    workspace = yaml.safe_load((DEPLOY / "workspace.yaml").read_text())
    assert workspace["load_from"][0]["grpc_server"]["host"] == "code"


def test_production_instance_yaml_uses_postgres_and_queues_runs() -> None:
    config = yaml.safe_load((DEPLOY / "dagster.yaml").read_text())
    db = config["storage"]["postgres"]["postgres_db"]
    assert db["password"] == {"env": "DAGSTER_PG_PASSWORD"}
    assert db["scheme"] == "postgresql+psycopg2"
    assert config["run_coordinator"]["class"] == "QueuedRunCoordinator"
    assert config["concurrency"]["pools"]["default_limit"] >= 1
    assert config["run_retries"]["enabled"] is True


def _values() -> dict:
    return yaml.safe_load((DEPLOY / "helm" / "values.yaml").read_text())


def test_helm_values_match_the_dagster_release_and_launch_a_pod_per_run() -> None:
    text = (DEPLOY / "helm" / "values.yaml").read_text()
    assert f"--version {dagster.__version__}" in text  # chart and Dagster are released together
    values = _values()
    assert values["runLauncher"]["type"] == "K8sRunLauncher"
    launcher = values["runLauncher"]["config"]["k8sRunLauncher"]
    assert {"name": "aislake-minio"} in launcher["envSecrets"]
    deployment = values["dagster-user-deployments"]["deployments"][0]
    assert deployment["image"]["tag"] not in ("latest", "")
    assert deployment["dagsterApiGrpcArgs"] == ["-m", "aislake.definitions"]
    assert values["postgresql"]["postgresqlScheme"] == "postgresql+psycopg2"
    limit = launcher["runK8sConfig"]["containerConfig"]["resources"]["limits"]["memory"]
    duckdb = next(
        e["value"] for e in deployment["env"] if e["name"] == "AISLAKE_DUCKDB_MEMORY_LIMIT"
    )
    assert int(limit.removesuffix("Gi")) >= int(duckdb.removesuffix("GB")) + 2  # room for Python


def _implied_manifests() -> list[dict]:
    """What the chart renders from these values for aislake: the code location's Deployment and
    Service, and the Job the K8sRunLauncher creates per run (its pod template)."""
    values = _values()
    d = values["dagster-user-deployments"]["deployments"][0]
    image = f"{d['image']['repository']}:{d['image']['tag']}"
    env = [{"name": e["name"], "value": e["value"]} for e in d["env"]]
    env_from = [{"secretRef": {"name": s["name"]}} for s in d["envSecrets"]]
    labels = {"app.kubernetes.io/name": "aislake"}
    launcher = values["runLauncher"]["config"]["k8sRunLauncher"]["runK8sConfig"]
    return [
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "aislake-user-code", "labels": labels},
            "spec": {
                "replicas": 1,
                "selector": {"matchLabels": labels},
                "template": {
                    "metadata": {"labels": labels},
                    "spec": {
                        "securityContext": d["podSecurityContext"],
                        "containers": [
                            {
                                "name": "aislake",
                                "image": image,
                                "imagePullPolicy": d["image"]["pullPolicy"],
                                "args": [
                                    "dagster",
                                    "api",
                                    "grpc",
                                    "-h",
                                    "0.0.0.0",
                                    "-p",
                                    str(d["port"]),
                                    *d["dagsterApiGrpcArgs"],
                                ],
                                "ports": [{"name": "grpc", "containerPort": d["port"]}],
                                "env": env,
                                "envFrom": env_from,
                                "resources": d["resources"],
                            }
                        ],
                    },
                },
            },
        },
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "aislake", "labels": labels},
            "spec": {"selector": labels, "ports": [{"port": d["port"], "name": "grpc"}]},
        },
        {
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": {"name": "dagster-run-0123456789abcdef"},
            "spec": {
                "backoffLimit": 0,
                "template": {
                    "spec": {
                        "restartPolicy": "Never",
                        "securityContext": launcher["podSpecConfig"]["securityContext"],
                        "containers": [
                            {
                                "name": "dagster",
                                "image": image,
                                "args": ["dagster", "api", "execute_run", "{}"],
                                "env": env,
                                "envFrom": env_from,
                                "resources": launcher["containerConfig"]["resources"],
                            }
                        ],
                    },
                },
            },
        },
    ]


@pytest.mark.parametrize("manifest", _implied_manifests(), ids=lambda m: m["kind"])
def test_implied_kubernetes_objects_are_valid(manifest: dict) -> None:
    kubernetes_validate.validate(manifest, K8S_VERSION, strict=True)


@pytest.mark.parametrize("manifest", _values()["extraManifests"], ids=lambda m: m["kind"])
def test_the_nmea_receivers_objects_are_valid_and_wired(manifest: dict) -> None:
    kubernetes_validate.validate(manifest, K8S_VERSION, strict=True)
    if manifest["kind"] != "Deployment":
        return
    spec = manifest["spec"]
    assert spec["replicas"] == 1 and spec["strategy"]["type"] == "Recreate"  # one journal writer
    pod = spec["template"]["spec"]
    (container,) = pod["containers"]
    assert container["args"][:3] == ["aislake", "receive", "--tcp"]
    env = {e["name"]: e["value"] for e in container["env"]}
    mount = container["volumeMounts"][0]
    assert env["AISLAKE_NMEA_JOURNAL"] == mount["mountPath"]
    claims = {m["metadata"]["name"] for m in _values()["extraManifests"]}
    assert pod["volumes"][0]["persistentVolumeClaim"]["claimName"] in claims
    code = _values()["dagster-user-deployments"]["deployments"][0]
    assert container["image"] == f"{code['image']['repository']}:{code['image']['tag']}"
    # The receiver's command exists and takes these arguments.
    from aislake.cli import build_parser

    parsed = build_parser().parse_args(container["args"][1:])
    assert parsed.func.__name__ == "cmd_receive"


@pytest.mark.parametrize(
    "manifest",
    list(yaml.safe_load_all((DEPLOY / "k8s" / "secrets.example.yaml").read_text())),
    ids=lambda m: m["metadata"]["name"],
)
def test_secret_examples_are_valid(manifest: dict) -> None:
    kubernetes_validate.validate(manifest, K8S_VERSION, strict=True)


def test_an_invalid_manifest_is_caught() -> None:
    """The validator does reject what Kubernetes would (a wrong field type)."""
    broken = _implied_manifests()[0]
    broken["spec"]["replicas"] = "one"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, K8S_VERSION, strict=True)
