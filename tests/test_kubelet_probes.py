"""Every container of both overlays, started and probed as the kubelet would, outside a container.

For each overlay the manifests are rendered (`kubectl kustomize`, as tests/test_deploy.py does) and
the one workload's pod is run by tests/kubelet_pod.py: each container's command with exactly its
environment (the image's ENV from the Dockerfile, then the manifest's `env`; container paths
mapped to this checkout and to a directory per volume), then its startup, readiness and liveness
probes against the pod IP, never loopback, and what the Service sends (the ServiceMonitor's path
on the Service's targetPort).

The pod gets a network namespace of its own (``unshare --user --map-root-user --net``) with the
pod IP 10.244.0.7 beside loopback, so the ports are the manifest's own. Where namespaces are not
allowed, the pod shares the host's network: the pod IP is then this host's own non-loopback
address (else 127.0.0.2), and the test is skipped, with the reason, if a manifest port is taken.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client.parser import text_string_to_metric_families

from tests.test_deploy import _dockerfile, _render, needs_kubectl

pytestmark = [pytest.mark.integration, needs_kubectl]
HELPER = Path(__file__).with_name("kubelet_pod.py")
OVERLAYS = ("standalone", "sidecar")
POD_IP = "10.244.0.7"  # in the pod's own network namespace
BASE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"  # the base images' PATH


def _netns() -> bool:
    if os.environ.get("WINNOW_KUBELET_NETNS") == "0" or not shutil.which("unshare") or not shutil.which("ip"):
        return False
    probe = subprocess.run(["unshare", "--user", "--map-root-user", "--net", "ip", "link", "set", "lo", "up"],
                           capture_output=True)
    return probe.returncode == 0


def _host_ip() -> str:
    """This host's own non-loopback IPv4 address (no packet is sent), else another loopback address."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("192.0.2.1", 9))  # TEST-NET-1: only picks the route's source address
            address = s.getsockname()[0]
    except OSError:
        address = "127.0.0.1"
    return "127.0.0.2" if address.startswith("127.") else address


def _is_ours(image: str) -> bool:
    """The image the Dockerfile builds: `winnow:TAG`, or `REGISTRY/.../winnow[:TAG][@DIGEST]`."""
    return image.split("@")[0].rsplit("/", 1)[-1].split(":")[0] == "winnow"


def _translate(value: str, paths: dict[str, Path]) -> str:
    """A container path in an environment value, mapped to where that file is outside the container."""
    for inside in sorted(paths, key=len, reverse=True):
        if value == inside or value.startswith(inside.rstrip("/") + "/"):
            return str(paths[inside]) + value[len(inside):]
    return value


def _container(c: dict, pod: dict, volumes: dict[str, Path], tmp: Path) -> dict:
    paths: dict[str, Path] = {m["mountPath"]: volumes[m["name"]] for m in c.get("volumeMounts", [])}
    if _is_ours(c["image"]):
        cmd, env = _dockerfile()
        app = tmp / f"{c['name']}-app"  # the image's WORKDIR /app (the rules ship in the wheel)
        app.mkdir()
        paths.update({"/opt/winnow/bin": Path(sys.executable).parent, "/app": app})
        workdir = "/app"
    else:
        cmd, env, workdir = [], {"PATH": BASE_PATH}, str(tmp)
    env["PATH"] = env["PATH"].replace("$PATH", BASE_PATH)
    env.update({e["name"]: e["value"] for e in c.get("env", [])})  # the manifest's own, over the image's
    env = {k: (":".join(_translate(p, paths) for p in v.split(":")) if k == "PATH" else _translate(v, paths))
           for k, v in env.items()}
    if "/tmp" in paths:  # an emptyDir mounted on /tmp: the place programs make their temporary files
        env["TMPDIR"] = str(paths["/tmp"])
    env["HOSTNAME"] = pod["name"]
    argv = (c.get("command") or cmd[:1]) + (c.get("args") or ([] if c.get("command") else cmd[1:]))
    exe = shutil.which(argv[0], path=env["PATH"])
    assert exe, f"{argv[0]} is not on the container's PATH {env['PATH']}"
    probes = {k: c[k] for k in ("startupProbe", "readinessProbe", "livenessProbe") if k in c}
    return {"name": c["name"], "sidecar": c.get("restartPolicy") == "Always", "argv": [exe, *argv[1:]],
            "env": env, "cwd": _translate(c.get("workingDir", workdir), paths),
            "ports": {p["name"]: p["containerPort"] for p in c.get("ports", []) if "name" in p},
            "container_ports": [p["containerPort"] for p in c.get("ports", [])], "probes": probes}


def _pod(overlay: str, tmp: Path, pod_ip: str) -> tuple[dict, dict]:
    docs = _render(overlay)
    (workload,) = [d for d in docs if d["kind"] == "Deployment"]
    (service,) = [d for d in docs if d["kind"] == "Service"]
    (monitor,) = [d for d in docs if d["kind"] == "ServiceMonitor"]
    pod = workload["spec"]["template"]["spec"]
    assert service["spec"]["selector"].items() <= workload["spec"]["template"]["metadata"]["labels"].items()
    volumes = {}
    for v in pod.get("volumes", []):
        volumes[v["name"]] = tmp / "volumes" / v["name"]
        volumes[v["name"]].mkdir(parents=True)
    containers = [_container(c, {"name": workload["metadata"]["name"]}, volumes, tmp)
                  for c in pod.get("initContainers", []) + pod["containers"]]
    (port,) = service["spec"]["ports"]
    target = port["targetPort"]
    if isinstance(target, str):  # a name: the container port of that name
        target = next(c["ports"][target] for c in containers if target in c["ports"])
    (endpoint,) = [e for e in monitor["spec"]["endpoints"] if e["port"] == port["name"]]
    spec = {"workdir": str(tmp), "pod_ip": pod_ip, "containers": containers,
            "service": {"port": target, "path": endpoint.get("path", "/metrics")},
            "grace_seconds": pod.get("terminationGracePeriodSeconds", 30),
            "settle_seconds": 1.5 if any(not c["probes"] for c in containers) else 0}
    return spec, {"volumes": volumes, "workload": workload}


def _samples(text: str) -> dict[tuple[str, tuple], float]:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_kubelet_probes_pass_on_the_pod_ip_for_every_container(overlay: str, tmp_path: Path) -> None:
    netns = _netns()
    pod_ip = POD_IP if netns else _host_ip()
    spec, pod = _pod(overlay, tmp_path, pod_ip)
    if not netns:
        for port in {p for c in spec["containers"] for p in c["container_ports"]}:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    pytest.skip(f"no network namespace allowed here (unshare) and port {port} of the "
                                "manifest is taken on this host")
    (tmp_path / "spec.json").write_text(json.dumps(spec))
    argv = [sys.executable, str(HELPER), str(tmp_path / "spec.json")]
    if netns:
        argv = ["unshare", "--user", "--map-root-user", "--net", *argv, "--setup-network"]
    run = subprocess.run(argv, capture_output=True, text=True, timeout=240)
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)

    # the pod IP is not loopback: a port bound to 127.0.0.1 only takes loopback and refuses the pod IP
    assert report["control"] == {"port": report["control"]["port"], "loopback_connects": True,
                                 "pod_ip_connects": False}
    names = [c["name"] for c in spec["containers"]]
    sidecars = [c["name"] for c in spec["containers"] if c["sidecar"]]
    for c in spec["containers"]:
        got = report["containers"].get(c["name"], {})
        where = f"{overlay}/{c['name']} (log: {got.get('log', '')[-1500:]})"
        assert got, f"{where} was never started: a sidecar before it never passed its startup probe"
        for kind, key in (("startup", "startupProbe"), ("readiness", "readinessProbe"),
                          ("liveness", "livenessProbe")):
            if key in c["probes"]:
                result = got[kind]
                assert result["host"] == pod_ip and result["ok"], f"{kind} probe failed on {where}: {result}"
                assert result["seconds"] <= result["allowed_seconds"]
        assert got["running"], f"{where} exited during the probes"
        if c["name"] == "winnow":
            assert got["exit_code"] == 0, f"{where} did not stop cleanly on SIGTERM"
    assert report["order"] == sidecars + [n for n in names if n not in sidecars]  # sidecars first

    # what the Service (and through it the ServiceMonitor) sends: the pod IP, the targetPort
    service = report["service"]
    assert service["ok"] and service["status"] == 200, service
    assert service["content_type"] == CONTENT_TYPE_LATEST
    samples = _samples(service["body"])
    assert any(name == "winnow_build_info" and value == 1 for (name, _), value in samples.items())
    if overlay == "sidecar":  # the scraper reached its sidecar on 127.0.0.1:8000 and got an answer
        assert samples[("winnow_requests_total", (("endpoint", "/v1/clean"), ("status", "200")))] >= 1
        answer = json.loads(report["containers"]["scraper"]["log"].splitlines()[0])
        assert answer["spans"][0]["label"] == "ad"

    # the metrics volume outlives the container (an emptyDir): the server removed its own directory
    for c in spec["containers"]:
        metrics_dir = c["env"].get("WINNOW_METRICS_DIR")
        if metrics_dir:
            assert Path(metrics_dir).is_relative_to(tmp_path / "volumes")
            assert not list(Path(metrics_dir).glob("server-*")), "the private metrics directory was left behind"
