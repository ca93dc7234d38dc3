"""One pod run as the kubelet runs it, outside a container: `python tests/kubelet_pod.py SPEC.json`.

tests/test_kubelet_probes.py writes SPEC from a rendered manifest and runs this script, in a
network namespace of its own when the machine allows it (``unshare --user --map-root-user --net``):
the pod's network, with loopback and a pod IP on it, as a pod has. This script then

1. gives the pod its IP (``--setup-network``: on ``lo``, the only device a new namespace has);
2. starts the native sidecars (init containers with ``restartPolicy: Always``) in order, each
   with exactly the environment SPEC gives it, and runs each one's startup probe as the kubelet
   does (initialDelaySeconds, periodSeconds, timeoutSeconds, failureThreshold) before the next;
3. starts the regular containers, and runs every container's readiness and liveness probes;
4. sends what the Service sends (GET the ServiceMonitor's path on the pod IP and the Service's
   targetPort); before all this, as a control, it connects to the pod IP on a port that listens
   on 127.0.0.1 only (refused, or the pod IP would be loopback);
5. stops the containers as the kubelet does (regular containers first, then the sidecars in
   reverse order): SIGTERM, terminationGracePeriodSeconds, then SIGKILL for what is left.

It prints one JSON report on stdout. Probes are HTTP GETs to the pod IP with the kubelet's
headers; like the kubelet, any status from 200 to 399 passes.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path


def probe(host: str, port: int, path: str, timeout: float) -> dict:
    """One httpGet probe as the kubelet sends it."""
    started = time.monotonic()
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"User-Agent": "kube-probe/1.32", "Accept": "*/*"})
        resp = conn.getresponse()
        body = resp.read()
        return {"ok": 200 <= resp.status < 400, "status": resp.status,
                "content_type": resp.getheader("Content-Type"), "body": body.decode("utf-8", "replace"),
                "seconds": round(time.monotonic() - started, 3)}
    except OSError as exc:
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}", "seconds": round(time.monotonic() - started, 3)}
    finally:
        conn.close()


def resolve_port(port: int | str, ports: dict[str, int]) -> int:
    return port if isinstance(port, int) else ports[port]


def run_probe(spec: dict, pod_ip: str, ports: dict[str, int], proc: subprocess.Popen, kind: str) -> dict:
    """A probe until it passes or fails failureThreshold times, at its period; a startup probe's full run."""
    get = spec["httpGet"]
    port = resolve_port(get["port"], ports)
    period, timeout = spec.get("periodSeconds", 10), spec.get("timeoutSeconds", 1)
    threshold = spec.get("failureThreshold", 3) if kind == "startup" else 1
    time.sleep(spec.get("initialDelaySeconds", 0))
    started, attempts = time.monotonic(), []
    while True:
        result = probe(pod_ip, port, get.get("path", "/"), timeout)
        attempts.append({k: v for k, v in result.items() if k != "body"})
        failures = sum(1 for a in attempts if not a["ok"])
        if result["ok"] or failures >= threshold or proc.poll() is not None:
            return {"ok": result["ok"], "host": pod_ip, "port": port, "path": get.get("path", "/"),
                    "attempts": attempts, "seconds": round(time.monotonic() - started, 3),
                    "allowed_seconds": spec.get("initialDelaySeconds", 0) + threshold * period,
                    "exit_code": proc.poll()}
        time.sleep(max(0.0, period - result["seconds"]))


def start(container: dict, workdir: Path) -> subprocess.Popen:
    log = open(workdir / f"{container['name']}.log", "wb")  # noqa: SIM115 -- the container's stdout, kept open
    # its own session: at the end, whatever the container started is killed with it, as its cgroup would be
    return subprocess.Popen(container["argv"], env=container["env"], cwd=container["cwd"], stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)


def stop(proc: subprocess.Popen, grace: float) -> int | None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)  # to the container's main process, as the runtime does
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # the rest of the container's processes
    except ProcessLookupError:
        pass
    proc.wait()
    return proc.returncode


def connects(host: str, port: int) -> bool:
    try:
        socket.create_connection((host, port), timeout=1.0).close()
        return True
    except OSError:
        return False


def loopback_only_control(pod_ip: str) -> dict:
    """The pod IP is not loopback: a port listening on 127.0.0.1 only takes loopback and refuses the pod IP."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        return {"port": port, "loopback_connects": connects("127.0.0.1", port),
                "pod_ip_connects": connects(pod_ip, port)}


def main() -> int:
    spec = json.loads(Path(sys.argv[1]).read_text())
    workdir = Path(spec["workdir"])
    pod_ip = spec["pod_ip"]
    if "--setup-network" in sys.argv:
        subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
        subprocess.run(["ip", "addr", "add", f"{pod_ip}/32", "dev", "lo"], check=True)
    report: dict = {"pod_ip": pod_ip, "containers": {}, "order": [], "control": loopback_only_control(pod_ip)}
    running: list[tuple[dict, subprocess.Popen]] = []
    try:
        sidecars = [c for c in spec["containers"] if c["sidecar"]]
        regular = [c for c in spec["containers"] if not c["sidecar"]]
        for c in sidecars + regular:
            proc = start(c, workdir)
            running.append((c, proc))
            report["order"].append(c["name"])
            entry = report["containers"][c["name"]] = {"pid": proc.pid}
            if "startupProbe" in c["probes"]:
                entry["startup"] = run_probe(c["probes"]["startupProbe"], pod_ip, c["ports"], proc, "startup")
                if not entry["startup"]["ok"]:
                    break  # the kubelet starts nothing after a sidecar that never started
        if all(report["containers"][c["name"]].get("startup", {"ok": True})["ok"] for c, _ in running):
            time.sleep(spec.get("settle_seconds", 0))  # let the regular containers do their first work
            for c, proc in running:
                entry = report["containers"][c["name"]]
                for key, name in (("readinessProbe", "readiness"), ("livenessProbe", "liveness")):
                    if key in c["probes"]:
                        entry[name] = run_probe(c["probes"][key], pod_ip, c["ports"], proc, name)
                entry["running"] = proc.poll() is None
            service = spec["service"]
            report["service"] = probe(pod_ip, service["port"], service["path"], 5.0)
            report["service"]["port"] = service["port"]
    finally:
        for c, proc in reversed(running):  # regular containers, then the sidecars in reverse order
            report["containers"][c["name"]]["exit_code"] = stop(proc, spec["grace_seconds"])
    for c, _ in running:
        report["containers"][c["name"]]["log"] = (workdir / f"{c['name']}.log").read_text(errors="replace")[-4000:]
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
