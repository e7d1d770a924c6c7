"""The deployment recipes hold together: the container build file passes hadolint, the
Kubernetes manifests validate against the Kubernetes schemas (shipped inside
kubernetes-validate, so offline), and the compose file describes the scale-out topology.

What can run here runs elsewhere: the compose topology, as processes, is
``test_scale_out_replicas.py``, which also runs ``deploy/nginx/careergate-proxy.conf``.
No container registry or runtime is reachable here, so images are not built.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
KUBERNETES = DEPLOY / "kubernetes"
BIN = Path(sys.executable).parent


def manifests() -> dict[str, dict[str, Any]]:
    """Every Kubernetes object of the recipes, by kind."""
    found: dict[str, dict[str, Any]] = {}
    for path in sorted(KUBERNETES.glob("*.yaml")):
        for document in yaml.safe_load_all(path.read_text()):
            found[document["kind"]] = document
    return found


def test_the_container_build_file_passes_hadolint() -> None:
    done = subprocess.run(
        [str(BIN / "hadolint"), str(ROOT / "Dockerfile")], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
    text = (ROOT / "Dockerfile").read_text()
    assert "requirements.lock" in text  # the image installs what the lock pins


def test_the_kubernetes_manifests_validate_against_the_schemas() -> None:
    files = [p for p in sorted(KUBERNETES.glob("*.yaml")) if p.name != "kustomization.yaml"]
    done = subprocess.run(
        [str(BIN / "kubernetes-validate"), "--strict", "--quiet", *map(str, files)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    listed = yaml.safe_load((KUBERNETES / "kustomization.yaml").read_text())["resources"]
    assert sorted(listed) == sorted(p.name for p in files if p.name != "secret.example.yaml")


def test_the_deployment_probes_drains_and_is_guarded_by_a_disruption_budget() -> None:
    objects = manifests()
    pod = objects["Deployment"]["spec"]["template"]["spec"]
    gateway = pod["containers"][0]
    assert gateway["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert gateway["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert gateway["resources"]["requests"]
    assert gateway["resources"]["limits"]
    config = objects["ConfigMap"]["data"]
    drain = float(config["CAREERGATE_DRAIN_SECONDS"])
    grace = float(config["CAREERGATE_SHUTDOWN_GRACE_SECONDS"])
    assert pod["terminationGracePeriodSeconds"] > drain + grace  # never SIGKILLed mid-drain
    secret = {ref["secretRef"]["name"] for ref in gateway["envFrom"] if "secretRef" in ref}
    assert secret == {objects["Secret"]["metadata"]["name"]}
    assert objects["Job"]["spec"]["template"]["spec"]["containers"][0]["args"] == [
        "db",
        "upgrade",
    ]
    budget = objects["PodDisruptionBudget"]["spec"]
    assert budget["minAvailable"] < objects["Deployment"]["spec"]["replicas"]


def test_the_compose_file_runs_the_scale_out_topology() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    assert {"postgres", "redis", "migrate", "gateway", "worker", "nginx"} <= set(services)
    gateway = services["gateway"]
    assert gateway["deploy"]["replicas"] >= 2
    assert gateway["command"][:1] == ["serve"]
    assert "--workers" in gateway["command"]
    env = gateway["environment"]
    assert env["CAREERGATE_DATABASE_URL"].startswith("postgresql+asyncpg://")
    assert env["CAREERGATE_REDIS_URL"].startswith("redis://")
    assert services["worker"]["command"] == ["worker"]
    assert services["migrate"]["command"] == ["db", "upgrade"]
    for mount in services["nginx"]["volumes"]:
        assert (DEPLOY / mount.split(":")[0]).resolve().is_file()  # nginx's files exist


def test_docker_compose_accepts_the_compose_file() -> None:
    docker = shutil.which("docker")
    if docker is None:
        pytest.skip("docker is not installed")
    plugin = subprocess.run([docker, "compose", "version"], capture_output=True, text=True)
    if plugin.returncode != 0:
        pytest.skip("docker's compose plugin is not installed here")
    done = subprocess.run(
        [docker, "compose", "-f", str(DEPLOY / "compose.yaml"), "config", "--quiet"],
        capture_output=True,
        text=True,
        env={"CAREERGATE_MASTER_KEY": "placeholder", "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr
