"""Deployment: manifests rendered and validated offline, policies, Dockerfile lint, entry command, shutdown."""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
import yaml

from bench.server import ROOT, free_port, start_server, stop_server

KUBECTL = shutil.which("kubectl")
HADOLINT = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
OVERLAYS = ("standalone", "sidecar", "production-example")
needs_kubectl = pytest.mark.skipif(KUBECTL is None, reason="kubectl (with kustomize) is not installed")


def _render(overlay: str) -> list[dict]:
    out = subprocess.run([KUBECTL, "kustomize", str(ROOT / "k8s" / "overlays" / overlay)],
                         capture_output=True, text=True, check=True).stdout
    return [d for d in yaml.safe_load_all(out) if d]


def _pod_containers(doc: dict) -> list[dict]:
    spec = doc["spec"]["template"]["spec"]
    return spec.get("initContainers", []) + spec["containers"]


def _graceful_timeout() -> int:
    text = (ROOT / "service" / "gunicorn_conf.py").read_text()
    return int(re.search(r"^graceful_timeout = (\d+)", text, re.M).group(1))


@needs_kubectl
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_deploy_manifests_validate_against_kubernetes_schemas(overlay: str) -> None:
    import kubernetes_validate

    docs = _render(overlay)
    for doc in docs:
        if doc["kind"] == "ServiceMonitor":  # a CRD: no schema offline; checked by the policy tests
            assert doc["spec"]["endpoints"][0]["path"] == "/metrics"
            continue
        kubernetes_validate.validate(doc, "1.32.0", strict=True)
    assert {d["kind"] for d in docs} >= {"Service", "ServiceMonitor", "ConfigMap", "Deployment"}


@needs_kubectl
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_deploy_pods_follow_the_security_and_sizing_policy(overlay: str) -> None:
    deployments = [d for d in _render(overlay) if d["kind"] == "Deployment"]
    assert deployments
    for dep in deployments:
        spec = dep["spec"]["template"]["spec"]
        assert spec["securityContext"]["runAsNonRoot"] is True
        assert spec["terminationGracePeriodSeconds"] > _graceful_timeout() + 5
        for c in _pod_containers(dep):
            sc = c["securityContext"]
            assert sc["readOnlyRootFilesystem"] is True and sc["allowPrivilegeEscalation"] is False
            assert sc["capabilities"]["drop"] == ["ALL"]
            assert set(c["resources"]["requests"]) == set(c["resources"]["limits"]) == {"cpu", "memory"}
        winnow = [c for c in _pod_containers(dep) if c["name"] == "winnow"]
        assert len(winnow) == 1
        w = winnow[0]
        assert w["command"] == ["winnow", "serve"]
        assert w["readinessProbe"]["httpGet"]["path"] == "/readyz"
        assert w["startupProbe"]["httpGet"]["path"] == "/readyz"
        assert w["livenessProbe"]["httpGet"]["path"] == "/healthz"
        assert w["lifecycle"]["preStop"]["exec"]["command"][0] == "sleep"
        mounts = {m["mountPath"] for m in w["volumeMounts"]}
        env = {e["name"]: e["value"] for e in w["env"]}
        assert Path(env["WINNOW_METRICS_DIR"]).is_relative_to("/var/run/winnow") and "/var/run/winnow" in mounts


@needs_kubectl
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_deploy_hpa_owns_the_replica_count(overlay: str) -> None:
    docs = _render(overlay)
    scaled = {(h["spec"]["scaleTargetRef"]["kind"], h["spec"]["scaleTargetRef"]["name"])
              for h in docs if h["kind"] == "HorizontalPodAutoscaler"}
    for doc in docs:
        if (doc["kind"], doc["metadata"]["name"]) in scaled:
            # a fixed count would reset the HPA's choice on every apply
            assert "replicas" not in doc["spec"], f"{doc['kind']}/{doc['metadata']['name']} pins replicas"
    assert overlay == "sidecar" or scaled


@needs_kubectl
@pytest.mark.parametrize("overlay", ("standalone", "production-example"))
def test_deploy_pool_spreads_over_nodes_and_zones(overlay: str) -> None:
    (dep,) = [d for d in _render(overlay) if d["kind"] == "Deployment"]
    pod_labels = dep["spec"]["template"]["metadata"]["labels"]
    spread = dep["spec"]["template"]["spec"]["topologySpreadConstraints"]
    assert {c["topologyKey"] for c in spread} == {"kubernetes.io/hostname", "topology.kubernetes.io/zone"}
    for c in spread:
        assert c["maxSkew"] == 1 and c["labelSelector"]["matchLabels"].items() <= pod_labels.items()


@needs_kubectl
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_deploy_service_target_port_is_the_number_of_the_winnow_port(overlay: str) -> None:
    docs = _render(overlay)
    (service,) = [d for d in docs if d["kind"] == "Service"]
    (dep,) = [d for d in docs if d["kind"] == "Deployment"]
    (winnow,) = [c for c in _pod_containers(dep) if c["name"] == "winnow"]
    (port,) = service["spec"]["ports"]
    # a number: a name that points into a native sidecar was not resolved by some releases
    assert port["targetPort"] == winnow["ports"][0]["containerPort"] == 8000
    (monitor,) = [d for d in docs if d["kind"] == "ServiceMonitor"]
    assert monitor["spec"]["endpoints"][0]["port"] == port["name"]
    assert monitor["spec"]["selector"]["matchLabels"].items() <= service["metadata"]["labels"].items()


@needs_kubectl
def test_deploy_production_example_sets_registry_digest_and_prometheus_release_label() -> None:
    docs = _render("production-example")
    (dep,) = [d for d in docs if d["kind"] == "Deployment"]
    (winnow,) = dep["spec"]["template"]["spec"]["containers"]
    assert re.fullmatch(r"[a-z0-9.-]+\.[a-z]+/[a-z0-9/_-]+/winnow@sha256:[0-9a-f]{64}", winnow["image"])
    (monitor,) = [d for d in docs if d["kind"] == "ServiceMonitor"]
    assert monitor["metadata"]["labels"]["release"] == "kube-prometheus-stack"
    assert monitor["metadata"]["namespace"] == "winnow"
    # the README shows this overlay and the command that finds the label a Prometheus selects
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "k8s/overlays/production-example" in readme and "serviceMonitorSelector" in readme


@needs_kubectl
def test_deploy_sidecar_is_native_and_dashboard_ships() -> None:
    docs = _render("sidecar")
    (scraper,) = [d for d in docs if d["kind"] == "Deployment"]
    (winnow,) = scraper["spec"]["template"]["spec"]["initContainers"]
    assert winnow["restartPolicy"] == "Always"
    # the kubelet's probes and the Service connect to the pod IP (tests/test_kubelet_probes.py runs them)
    assert {e["name"]: e["value"] for e in winnow["env"]}.get("WINNOW_HOST", "0.0.0.0") in ("0.0.0.0", "::")
    service = next(d for d in docs if d["kind"] == "Service")
    assert service["spec"]["selector"] == scraper["spec"]["selector"]["matchLabels"]
    for overlay in OVERLAYS:
        (dashboard,) = [d for d in _render(overlay) if d["kind"] == "ConfigMap"]
        assert json.loads(dashboard["data"]["winnow-dashboard.json"])["uid"] == "winnow-quality"


def test_deploy_dockerfile_passes_hadolint() -> None:
    result = subprocess.run([HADOLINT, str(ROOT / "Dockerfile")], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def _dockerfile() -> tuple[list[str], dict[str, str]]:
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    final = text.split("\nFROM ")[-1]  # the final stage
    cmd = json.loads(re.search(r"^CMD (\[.*\])$", final, re.M).group(1))
    env: dict[str, str] = {}
    for line in re.findall(r"^ENV (.*)$", final, re.M):
        env.update(pair.split("=", 1) for pair in line.split())
    return cmd, env


def test_deploy_image_entry_command_and_defaults_start_the_service(tmp_path: Path) -> None:
    cmd, env = _dockerfile()
    assert cmd == ["winnow", "serve"] and "WINNOW_RULES_DIR" not in env  # the rules ship in the wheel
    port = free_port()
    env.pop("PATH")
    env.update(WINNOW_METRICS_DIR=str(tmp_path / "metrics"), WINNOW_HOST="127.0.0.1", WINNOW_PORT=str(port))
    exe = shutil.which(cmd[0]) or str(Path(sys.executable).parent / cmd[0])
    proc = subprocess.Popen([exe, *cmd[1:]], env={**os.environ, **env}, cwd=tmp_path,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as resp:
                    assert resp.status == 200
                    break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, "the image command did not start"
                time.sleep(0.2)
    finally:
        # cleanup, not the check: a worker still forking when SIGTERM comes can miss it, and the
        # master then waits its graceful_timeout (30 s) before it kills that worker (a CI failure)
        stop_server(proc)


@pytest.mark.integration
def test_deploy_sigterm_finishes_accepted_requests_and_refuses_new_ones(tmp_path: Path) -> None:
    proc, base = start_server(tmp_path, workers=2, WINNOW_MAX_TEXT_CHARS="5000000",
                              WINNOW_MAX_BODY_BYTES="8000000")
    port = int(base.rsplit(":", 1)[1])
    seed = (ROOT / "seeds" / "000_d69cd4827b63c906.txt").read_text(encoding="utf-8")
    body = json.dumps({"text": (seed + "\n") * 150}).encode()  # ~600 K characters: a slow request
    results: list[tuple[int, dict]] = []

    def slow_request() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        conn.request("POST", "/v1/clean", body=body, headers={"Content-Type": "application/json"})
        resp = conn.getresponse()
        results.append((resp.status, json.loads(resp.read())))

    threads = [threading.Thread(target=slow_request) for _ in range(6)]
    for t in threads:
        t.start()
    time.sleep(1.0)  # all six are accepted and being cleaned
    proc.send_signal(signal.SIGTERM)
    time.sleep(0.5)
    # a new request is never served: refused, or reset when the workers exit (hence the preStop pause)
    with pytest.raises(OSError):
        late = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        late.request("GET", "/healthz")
        late.getresponse().read()
    for t in threads:
        t.join(timeout=120)
    assert proc.wait(timeout=60) == 0
    assert len(results) == 6
    for status, answer in results:
        assert status == 200
        assert answer["stats"]["chars_in"] == len(json.loads(body)["text"])
        assert answer["spans"][-1]["end"] == answer["stats"]["chars_in"]
