#!/usr/bin/env python3
"""Benchmark: `upkeep audit` of a package-lock.json with 2,000 packages.

The workload is fixed (seeded): an npm project whose lock file holds 2,000 registry
packages (a quarter of them nested under another package's node_modules, each with up
to three dependencies and their ranges), and an OSV dump of synthetic npm records
shaped like GitHub's (ECOSYSTEM ranges, CVSS v3 vectors, aliases): 400 of them about
packages in the lock file, the rest about other packages, as a real dump is mostly
about packages a project does not use. The dump is written as OSV's `npm/all.zip`.

Two measurements:

1. offline: `upkeep audit --json --osv-db all.zip`, pinned to one core, five runs:
   median wall time and peak RSS;
2. OSV API: the same records served on loopback by a small OSV API written here
   (`POST /v1/querybatch`, `GET /v1/vulns/{id}`), `upkeep audit --osv-api URL`: the
   number of batch requests (goal: one per 1,000 packages), detail requests (goal: one
   per advisory id named by the answers), and the wall time.

Usage: python3 benches/audit.py [--packages N] [--records N] [--runs N] [--keep DIR]
                                [--binary PATH]
"""

import argparse
import http.server
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

VECTORS = [
    "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
    "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H",
    "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:H/A:H",
    "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:L/I:N/A:L",
    "CVSS:3.1/AV:L/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L",
]


def name_of(index):
    return f"@bench/pkg-{index:05d}" if index % 7 == 0 else f"bench-pkg-{index:05d}"


def version(rng):
    return f"{rng.randint(0, 4)}.{rng.randint(0, 20)}.{rng.randint(0, 15)}"


def generate_lock(rng, packages):
    """package.json naming 50 direct dependencies, and the lock file."""
    entries = {}
    names = [name_of(index) for index in range(packages)]
    versions = {name: version(rng) for name in names}
    top = names[: packages * 3 // 4]
    nested = names[packages * 3 // 4:]
    direct = top[:50]
    root = {"name": "bench-app", "version": "1.0.0",
            "dependencies": {name: f"^{versions[name]}" for name in direct}}
    entries[""] = root
    for name in top:
        deps = rng.sample(top, rng.randint(0, 3))
        entry = {"version": versions[name],
                 "resolved": f"https://registry.npmjs.org/{name}/-/x-{versions[name]}.tgz"}
        deps = [dep for dep in deps if dep != name]
        if deps:
            entry["dependencies"] = {dep: f"^{versions[dep]}" for dep in deps}
        entries[f"node_modules/{name}"] = entry
    for name in nested:
        parent = rng.choice(top)
        entries[f"node_modules/{parent}/node_modules/{name}"] = {
            "version": versions[name],
            "resolved": f"https://registry.npmjs.org/{name}/-/x-{versions[name]}.tgz",
        }
        parent_entry = entries[f"node_modules/{parent}"]
        parent_entry.setdefault("dependencies", {})[name] = f"~{versions[name]}"
    lock = {"name": "bench-app", "version": "1.0.0", "lockfileVersion": 3,
            "requires": True, "packages": entries}
    package_json = {"name": "bench-app", "version": "1.0.0",
                    "dependencies": root["dependencies"]}
    return package_json, lock


def record(rng, index, package):
    fixed = f"{rng.randint(1, 5)}.{rng.randint(0, 20)}.{rng.randint(0, 15)}"
    second = f"{rng.randint(5, 9)}.0.0"
    ghsa = f"GHSA-bnch-{index:04d}-{rng.randint(1000, 9999)}"
    return {
        "schema_version": "1.4.0",
        "id": ghsa,
        "modified": f"2025-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}T00:00:00Z",
        "published": "2024-01-01T00:00:00Z",
        "aliases": [f"CVE-2024-{10000 + index}"],
        "summary": f"Synthetic advisory {index} about {package}",
        "details": "Generated for the upkeep audit benchmark.",
        "severity": [{"type": "CVSS_V3", "score": rng.choice(VECTORS)}],
        "affected": [{
            "package": {"ecosystem": "npm", "name": package},
            "ranges": [{"type": "ECOSYSTEM", "events": [
                {"introduced": "0"}, {"fixed": fixed},
                {"introduced": second}, {"fixed": f"{second[0]}.0.1"}]}],
            "database_specific": {"source": "benchmark"},
        }],
        "references": [{"type": "ADVISORY",
                        "url": f"https://github.com/advisories/{ghsa}"}],
        "database_specific": {"severity": "HIGH", "github_reviewed": True},
    }


def generate(workdir, packages, records, seed=42):
    rng = random.Random(seed)
    project = os.path.join(workdir, "project")
    os.makedirs(project, exist_ok=True)
    package_json, lock = generate_lock(rng, packages)
    with open(os.path.join(project, "package.json"), "w") as out:
        json.dump(package_json, out, indent=2)
    with open(os.path.join(project, "package-lock.json"), "w") as out:
        json.dump(lock, out, indent=2)
    in_lock = rng.sample(range(packages), min(400, packages))
    all_records = []
    for index in range(records):
        if index < len(in_lock):
            package = name_of(in_lock[index])
        else:
            package = f"other-pkg-{index:06d}"
        all_records.append(record(rng, index, package))
    dump = os.path.join(workdir, "all.zip")
    with zipfile.ZipFile(dump, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in all_records:
            archive.writestr(f"{item['id']}.json", json.dumps(item, indent=2))
    return project, dump, all_records


class OsvApi(http.server.ThreadingHTTPServer):
    """The two OSV API calls upkeep makes, counting requests."""

    daemon_threads = True

    def __init__(self, records):
        super().__init__(("127.0.0.1", 0), OsvHandler)
        self.records = {item["id"]: json.dumps(item).encode() for item in records}
        self.modified = {item["id"]: item["modified"] for item in records}
        self.by_package = {}
        for item in records:
            for affected in item["affected"]:
                key = (affected["package"]["ecosystem"], affected["package"]["name"])
                self.by_package.setdefault(key, []).append(item["id"])
        self.lock = threading.Lock()
        self.batches = 0
        self.queries = 0
        self.details = {}


class OsvHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body):
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        server = self.server
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        queries = body["queries"]
        if len(queries) > 1000:
            return self.reply(400, b'{"message": "too many queries"}')
        results = []
        for query in queries:
            package = query["package"]
            ids = server.by_package.get((package["ecosystem"], package["name"]), [])
            vulns = [{"id": id_, "modified": server.modified[id_]} for id_ in ids]
            results.append({"vulns": vulns} if vulns else {})
        with server.lock:
            server.batches += 1
            server.queries += len(queries)
        self.reply(200, json.dumps({"results": results}).encode())

    def do_GET(self):
        server = self.server
        id_ = self.path.rsplit("/", 1)[-1]
        with server.lock:
            server.details[id_] = server.details.get(id_, 0) + 1
        if id_ in server.records:
            self.reply(200, server.records[id_])
        else:
            self.reply(404, b'{"message": "Bug not found."}')


GNU_TIME = "/usr/bin/time"


def run(command, stdout=subprocess.DEVNULL):
    """Runs a command; returns (wall seconds, peak RSS in MiB, exit code).

    The peak RSS is measured by GNU time, which starts the command from its own small
    process: a child forked from this script would count this script's memory (the
    generated records, the OSV API's state, over 100 MiB) as its own peak, because
    `ru_maxrss` survives `exec`."""
    if not os.path.exists(GNU_TIME):
        sys.exit(f"{GNU_TIME} (GNU time) is needed to measure peak RSS: apt-get install time")
    with tempfile.NamedTemporaryFile("r") as measured:
        start = time.perf_counter()
        done = subprocess.run([GNU_TIME, "-f", "%M", "-o", measured.name] + command,
                              stdout=stdout, stderr=subprocess.DEVNULL)
        wall = time.perf_counter() - start
        peak_kib = int(measured.read().strip().splitlines()[-1])
    return wall, peak_kib / 1024, done.returncode


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--packages", type=int, default=2000)
    parser.add_argument("--records", type=int, default=20000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", help="generate the workload here and keep it")
    parser.add_argument("--binary", help="measure this upkeep binary (default: build the "
                        "release one), e.g. a copy of an earlier build to compare")
    args = parser.parse_args()

    if args.binary:
        binary = os.path.abspath(args.binary)
    else:
        subprocess.run(["cargo", "build", "--release", "--quiet", "--bin", "upkeep"],
                       cwd=ROOT, check=True)
        binary = os.path.join(ROOT, "target", "release", "upkeep")
    workdir = args.keep or tempfile.mkdtemp(prefix="upkeep-bench-audit-")
    env = {key: value for key, value in os.environ.items()
           if key not in ("UPKEEP_OSV_DB", "UPKEEP_OSV_API")}
    try:
        project, dump, records = generate(workdir, args.packages, args.records)
        pin = ["taskset", "-c", "0"] if shutil.which("taskset") else []
        offline_cmd = pin + [binary, "audit", "--json", "--osv-db", dump, project]
        _, _, code = run(offline_cmd)
        if code not in (0, 4):
            sys.exit(f"upkeep audit failed with exit code {code}")
        results = [run(offline_cmd) for _ in range(args.runs)]
        walls = [wall for wall, _, _ in results]
        report = json.loads(subprocess.run(offline_cmd, capture_output=True, env=env).stdout)

        server = OsvApi(records)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        api_cmd = pin + [binary, "audit", "--json", "--osv-api",
                         f"http://127.0.0.1:{server.server_address[1]}", project]
        api_wall, api_rss, api_code = run(api_cmd)
        api_report = json.loads(subprocess.run(api_cmd, capture_output=True, env=env).stdout)
        server.shutdown()
        # the second run above asked again: halve the counters for one run
        named = {id_ for id_ in server.details}
        summary = {
            "lock_file_packages": args.packages,
            "osv_records_in_dump": args.records,
            "vulnerable_package_versions": len(report["vulnerabilities"]),
            "advisories_found": report["summary"]["total"],
            "runs": args.runs,
            "offline_wall_median_s": round(statistics.median(walls), 3),
            "offline_wall_min_s": round(min(walls), 3),
            "offline_peak_rss_mib": round(max(rss for _, rss, _ in results), 1),
            "api_exit_code": api_code,
            "api_wall_s": round(api_wall, 3),
            "api_peak_rss_mib": round(api_rss, 1),
            "api_batch_requests_per_run": server.batches // 2,
            "api_queries_per_run": server.queries // 2,
            "api_detail_requests_per_run": sum(server.details.values()) // 2,
            "api_distinct_advisory_ids": len(named),
            "api_details_once_per_advisory": all(n == 2 for n in server.details.values()),
            "api_same_answer_as_offline": api_report["vulnerabilities"] == report["vulnerabilities"],
            "one_core": bool(pin),
        }
        print(json.dumps(summary, indent=2))
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
