#!/usr/bin/env python3
"""Benchmark: `upkeep run --platform github` over a fleet in the fake GitHub.

The workload is fixed (seeded). `--repos N` repositories (default 100) in one GitHub App
installation of the fake GitHub (`fake-github`, upkeep-testkit's in-process fake served
as a process: real bare git repositories over smart HTTP, App JWT and installation
tokens, every request checked against GitHub's OpenAPI description). Each repository
holds a `renovate.json` (`config:recommended`), a `package.json` with 4 npm dependencies
and a `Cargo.toml` with 3 crates drawn from a shared pool of 60 npm packages and 40
crates, all exact pins at the newest version — nothing to do — except `--outdated K`
repositories (default 10) whose first npm dependency is one minor behind: one PR each.
The registries are served by this script on loopback, 20 ms added to every response
(npm packuments; a Cargo sparse index), named by each repository's `.npmrc` and
`.cargo/config.toml`.

upkeep runs twice with `--autodiscover` and one cache directory:
1. first pass: dashboards created, K PRs opened;
2. second pass: nothing changed anywhere — every repository has nothing to do.

Reported per pass: wall time, peak RSS (VmHWM sampled every 20 ms), GitHub API calls
(reads, writes) in total and per repository from the fake's own counters, git
operations, registry requests and requests per unique package; for the first pass the
writes per new PR (writes in the K repositories minus their dashboard writes, over K);
for the second the calls of a repository with nothing to do (goal: at most 3 besides the
git fetch).

`--content-limit` is upkeep's pacing of content creation (PRs, issues): GitHub's
documented 80/min and 500/h by default — the first pass then waits for it (a new
Dependency Dashboard per repository is content) — or `off` to measure upkeep alone.

Usage: python3 benches/github.py [--repos N] [--outdated K] [--concurrency C]
       [--latency-ms N] [--content-limit M/H|off] [--keep DIR]
"""

import argparse
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lookup import Registry, index_path  # noqa: E402
from run import hwm, index_file, names, packument  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def build():
    subprocess.run(["cargo", "build", "--release", "--quiet", "--bin", "upkeep"], cwd=ROOT, check=True)
    subprocess.run(["cargo", "build", "--release", "--quiet", "-p", "upkeep-testkit", "--bin",
                    "fake-github"], cwd=ROOT, check=True)
    return (os.path.join(ROOT, "target", "release", "upkeep"),
            os.path.join(ROOT, "target", "release", "fake-github"))


def versions(rng):
    major = rng.randint(1, 6)
    return [f"{major}.{minor}.0" for minor in range(rng.randint(3, 6))]


def workload(args, rng, npm_url, index_url):
    npm_names = names(rng, 60, "-")
    crate_names = names(rng, 40, "_")
    histories = {name: versions(rng) for name in npm_names + crate_names}
    npm_files, index_files = {}, {}
    for name in npm_names:
        npm_files["/" + name] = json.dumps(packument(rng, name, histories[name], npm_url)).encode()
    for name in crate_names:
        index_files["/" + index_path(name)] = index_file(rng, name, histories[name])
    index_files["/config.json"] = json.dumps({"dl": f"{index_url}/dl"}).encode()
    repos = []
    for index in range(args.repos):
        deps = rng.sample(npm_names, 4)
        crates = rng.sample(crate_names, 3)
        pins = {d: histories[d][-1] for d in deps}
        if index < args.outdated:
            pins[deps[0]] = histories[deps[0]][-2]
        package = {"name": f"service-{index}", "version": "1.0.0", "private": True,
                   "dependencies": pins}
        cargo = "[package]\nname = \"service\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\n"
        cargo += "".join(f'{c} = {{ version = "={histories[c][-1]}", registry = "bench" }}\n'
                         for c in crates)
        repos.append({
            "name": f"acme/service-{index:04}",
            "files": {
                "renovate.json": json.dumps({"extends": ["config:recommended"]}, indent=2) + "\n",
                "package.json": json.dumps(package, indent=2) + "\n",
                "Cargo.toml": cargo,
                ".npmrc": f"registry={npm_url}/\n",
                ".cargo/config.toml": f'[registries.bench]\nindex = "sparse+{index_url}/"\n',
            },
        })
    return npm_files, index_files, repos, len(npm_names) + len(crate_names)


def with_etags(files):
    """Files in `Registry`'s shape (the servers start before their URLs are known)."""
    return {path: (body, '"%s"' % hashlib.sha256(body).hexdigest()[:32])
            for path, body in files.items()}


class Fake:
    def __init__(self, binary, spec_path):
        self.process = subprocess.Popen([binary, spec_path], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True)
        self.hello = json.loads(self.process.stdout.readline())

    def counters(self):
        self.process.stdin.write("counters\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())

    def reset(self):
        self.process.stdin.write("reset\n")
        self.process.stdin.flush()

    def close(self):
        self.process.stdin.close()
        self.process.wait()


def run(binary, fake, args, cache_dir, base_dir):
    env = dict(os.environ)
    with open(fake.hello["privateKeyPath"]) as handle:
        key = handle.read()
    env.update({
        "UPKEEP_GITHUB_APP_KEY": key,
        "UPKEEP_LOG_FORMAT": "json",
    })
    command = [binary, "run", "--platform", "github", "--endpoint", fake.hello["url"],
               "--github-app-id", str(fake.hello["appId"]), "--autodiscover",
               "--concurrency", str(args.concurrency), "--cache-dir", cache_dir,
               "--base-dir", base_dir, "--json", "--github-content-limit", args.content_limit,
               # the registries and GitHub are what is measured: no OSV API
               "--osv-api", "off"]
    start = time.time()
    child = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    peak = [0]
    output = {}
    readers = [threading.Thread(target=lambda n=n, s=s: output.__setitem__(n, s.read()))
               for n, s in (("stdout", child.stdout), ("stderr", child.stderr))]
    for reader in readers:
        reader.start()
    while os.waitid(os.P_PID, child.pid, os.WEXITED | os.WNOWAIT | os.WNOHANG) is None:
        value = hwm(child.pid)
        if value:
            peak[0] = max(peak[0], value)
        time.sleep(0.02)
    value = hwm(child.pid)
    if value:
        peak[0] = max(peak[0], value)
    _, status, _ = os.wait4(child.pid, 0)
    wall = time.time() - start
    for reader in readers:
        reader.join()
    code = os.waitstatus_to_exitcode(status)
    if code not in (0,):
        sys.stderr.write(output["stderr"].decode()[-4000:])
        raise SystemExit(f"upkeep exited {code}")
    return wall, peak[0] / 1024, json.loads(output["stdout"])


def summarize(name, wall, rss, counters, registries, unique, args, report):
    repos = counters["byRepo"]
    reads = sum(t["reads"] for t in repos.values())
    writes = sum(t["writes"] for t in repos.values())
    app = sum(t["reads"] + t["writes"] for t in counters["byInstallation"].values()) - reads - writes
    quiet = [f"acme/service-{i:04}" for i in range(args.outdated, args.repos)]
    quiet_calls = [repos.get(r, {"reads": 0, "writes": 0}) for r in quiet]
    quiet_total = [t["reads"] + t["writes"] for t in quiet_calls]
    requests = sum(sum(r.per_path.values()) for r in registries)
    result = {
        "pass": name, "wall_s": round(wall, 2), "peak_rss_mib": round(rss, 1),
        "api_reads": reads, "api_writes": writes, "api_other_calls": app,
        "git_ops": sum(counters["git"].values()),
        "quiet_repo_calls_max": max(quiet_total) if quiet_total else 0,
        "quiet_repo_calls_mean": round(sum(quiet_total) / len(quiet_total), 2) if quiet_total else 0,
        "registry_requests": requests,
        "registry_requests_per_unique_package": round(requests / unique, 2),
        "by_operation": counters["byOperation"],
    }
    if name == "first":
        outdated = [f"acme/service-{i:04}" for i in range(args.outdated)]
        pr_writes = sum(repos.get(r, {"writes": 0})["writes"] for r in outdated)
        quiet_writes = sum(t["writes"] for t in quiet_calls) / max(1, len(quiet_calls))
        # every repository writes its dashboard the same way; what is left is the PRs'
        result["writes_per_new_pr"] = round(pr_writes / max(1, args.outdated) - quiet_writes, 2)
        result["prs_opened"] = counters["byOperation"].get("pulls/create", 0)
    result["repositories_in_report"] = len(report.get("repositories", []))
    # Where the time goes: seconds per stage summed over repositories (they overlap
    # `--concurrency` at a time), and the per-repository mean of the whole run.
    stages = {}
    for repo in report.get("repositories", []):
        for stage, seconds in repo.get("timings", {}).items():
            stages[stage] = stages.get(stage, 0.0) + seconds
    result["stage_seconds_summed"] = {k: round(v, 1) for k, v in stages.items()}
    ran = [r for r in report.get("repositories", []) if "skipped" not in r]
    if ran:
        result["repo_seconds_mean"] = round(stages.get("total", 0.0) / len(ran), 3)
    result["summary"] = report.get("summary")
    return result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repos", type=int, default=100)
    parser.add_argument("--outdated", type=int, default=10)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--latency-ms", type=int, default=20)
    parser.add_argument("--keep")
    # GitHub paces content creation (80/min, 500/h); the fake does not enforce it, so
    # `off` measures upkeep itself and `80/500` what github.com would allow.
    parser.add_argument("--content-limit", default="80/500")
    args = parser.parse_args()
    upkeep, fake_github = build()
    work = args.keep or tempfile.mkdtemp(prefix="upkeep-bench-github-")
    os.makedirs(work, exist_ok=True)
    rng = random.Random(42)
    npm = Registry({}, args.latency_ms / 1000)
    index = Registry({}, args.latency_ms / 1000)
    npm_files, index_files, repos, unique = workload(args, rng, npm.url, index.url)
    npm.files = with_etags(npm_files)
    index.files = with_etags(index_files)
    spec = os.path.join(work, "spec.json")
    with open(spec, "w") as handle:
        # GitHub's documented installation budget: 5,000 an hour, plus 50 per repository
        # beyond 20, at most 12,500.
        budget = min(12500, 5000 + 50 * max(0, args.repos - 20))
        json.dump({"installations": [{"account": "acme", "repos": repos, "rateLimit": budget}]},
                  handle)
    fake = Fake(fake_github, spec)
    cache_dir = os.path.join(work, "cache")
    base_dir = os.path.join(work, "base")
    results = []
    try:
        for name in ("first", "second"):
            fake.reset()
            npm.reset()
            index.reset()
            wall, rss, report = run(upkeep, fake, args, cache_dir, base_dir)
            results.append(summarize(name, wall, rss, fake.counters(), (npm, index), unique, args,
                                     report))
    finally:
        fake.close()
        npm.close()
        index.close()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print(json.dumps({"repos": args.repos, "outdated": args.outdated,
                      "content_limit": args.content_limit,
                      "concurrency": args.concurrency, "latency_ms": args.latency_ms,
                      "passes": results}, indent=2))


if __name__ == "__main__":
    main()
