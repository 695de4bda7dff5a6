#!/usr/bin/env python3
"""Benchmark: `upkeep lookup` of 500 unique packages (2,000 references) over slow registries.

The workload is fixed (seeded): 250 npm packages (a fifth of them scoped) referenced 4
times each across 100 package.json files, and 250 crates referenced 4 times each across
100 Cargo.toml files, with realistic ranges (`^`, `~`, exact, `>=…<…`; Cargo's bare,
`~`, `=` and `>=, <`). The checkout's `.npmrc` and `.cargo/config.toml` point at two
registries served by this script on loopback, each adding 20 ms to every response: npm
packuments at `/<name>` and `/@scope%2fname`, and a Cargo sparse index (`config.json`,
`ab/cd/name` files with `pubtime`). Both answer `If-None-Match` with 304 and count the
requests per path.

Each repetition runs `upkeep lookup --json --stats` three times on one cache directory:
1. cold: an empty cache directory;
2. warm: right after, within the cache TTLs (npm packuments and index files 15 min,
   `config.json` a day): expected to be served from the cache without a request;
3. stale: after ageing every cache entry by an hour (as for an hourly CronJob): the
   expired entries are revalidated, expected to be all 304s.

Reported per run: the median wall time, upkeep's peak RSS, requests (by the servers' count, checked against
upkeep's own `httpStats`), requests per unique package, the largest number of requests
for one path, 304s, and the theoretical floor requests / concurrency × latency, where
concurrency is the least of `--concurrency` and the HTTP client's per-host limit (16)
times the number of hosts. The baseline measured in the same run is the floor made real:
a minimal client (Python threads with keep-alive connections, `concurrency` of them)
fetching the same URLs from the same servers.

Usage: python3 benches/lookup.py [--runs N] [--concurrency N] [--latency-ms N] [--keep DIR]
"""

import argparse
import concurrent.futures
import hashlib
import http.client
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
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

HOST_CONCURRENCY = 16  # upkeep-http's default per-host limit (HttpOptions::host_concurrency)
CACHE_MAGIC = b"upkeep-http-cache 1\n"
WORDS = ["alpha", "beta", "gamma", "delta", "core", "util", "http", "json", "cli", "log",
         "test", "parse", "stream", "async", "config", "color", "date", "path", "glob",
         "cache", "queue", "crypto", "fs", "net", "proto", "schema", "types", "macro",
         "derive", "sync", "pool", "retry", "trace", "metrics", "codec", "buffer"]
SCOPES = ["@acme", "@types", "@babel", "@example", "@internal"]


# --------------------------------------------------------------------------- workload

def versions(rng):
    """A release history: majors with minors and patches, some prereleases, in order."""
    result = []
    for major in range(rng.randint(0, 2), rng.randint(3, 6)):
        for minor in range(rng.randint(1, 6)):
            for patch in range(rng.randint(1, 4)):
                result.append(f"{major}.{minor}.{patch}")
        if rng.random() < 0.3:
            result.append(f"{major + 1}.0.0-rc.{rng.randint(1, 3)}")
    return result


def timestamps(rng, count):
    start = 1_500_000_000 + rng.randint(0, 100_000_000)
    step = rng.randint(86_400, 30 * 86_400)
    return [time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(start + i * step))
            for i in range(count)]


def packument(rng, name, history):
    times = timestamps(rng, len(history))
    stable = [v for v in history if "-" not in v]
    deprecated = set(rng.sample(stable, min(2, len(stable)))) if rng.random() < 0.2 else set()
    versions_ = {}
    for version in history:
        entry = {
            "name": name, "version": version,
            "description": f"The {name} package",
            "license": "MIT",
            "dependencies": {f"dep-{i}": f"^{rng.randint(0, 9)}.0.0" for i in range(rng.randint(0, 4))},
            "dist": {"tarball": f"https://registry.example/{name}/-/{name.split('/')[-1]}-{version}.tgz",
                     "shasum": hashlib.sha1(f"{name}{version}".encode()).hexdigest(),
                     "integrity": "sha512-" + hashlib.sha512(f"{name}{version}".encode()).hexdigest()},
        }
        if version in deprecated:
            entry["deprecated"] = "use a newer version"
        versions_[version] = entry
    return {
        "_id": name, "name": name,
        "dist-tags": {"latest": stable[-1]},
        "versions": versions_,
        "time": {"created": times[0], "modified": times[-1], **dict(zip(history, times))},
        "repository": {"type": "git", "url": f"git+https://github.com/example/{name.strip('@')}.git"},
    }


def index_file(rng, name, history):
    lines = []
    for version, pubtime in zip(history, timestamps(rng, len(history))):
        lines.append(json.dumps({
            "name": name, "vers": version,
            "deps": [{"name": f"dep_{i}", "req": f"^{rng.randint(0, 3)}", "features": [],
                      "optional": False, "default_features": True, "target": None,
                      "kind": "normal"} for i in range(rng.randint(0, 3))],
            "cksum": hashlib.sha256(f"{name}{version}".encode()).hexdigest(),
            "features": {"default": ["std"], "std": []},
            "yanked": rng.random() < 0.05,
            "pubtime": pubtime.replace(".000Z", "Z"),
            "v": 2,
        }, separators=(",", ":")))
    return ("\n".join(lines) + "\n").encode()


def index_path(name):
    name = name.lower()
    if len(name) <= 2:
        return f"{len(name)}/{name}"
    if len(name) == 3:
        return f"3/{name[0]}/{name}"
    return f"{name[:2]}/{name[2:4]}/{name}"


def unique_names(rng, count, make):
    names = []
    while len(names) < count:
        name = make()
        if name not in names:
            names.append(name)
    return names


def npm_range(rng, history):
    stable = [v for v in history if "-" not in v]
    current = rng.choice(stable[: max(1, len(stable) * 3 // 4)])
    major, minor, _ = current.split(".")
    return rng.choice([f"^{current}", f"^{current}", f"~{current}", current,
                       f"{major}.{minor}.x", f">={current} <{int(major) + 1}.0.0"])


def cargo_requirement(rng, history):
    stable = [v for v in history if "-" not in v]
    current = rng.choice(stable[: max(1, len(stable) * 3 // 4)])
    major, minor, _ = current.split(".")
    return rng.choice([f"{major}.{minor}", f"{major}.{minor}", current, f"~{major}.{minor}",
                       f"={current}", f">={major}.{minor}, <{int(major) + 1}"])


def spread(rng, packages, references, per_file):
    """Files of `per_file` distinct packages, each package named `references` times."""
    files = []
    for _ in range(references):
        order = packages[:]
        rng.shuffle(order)
        files.extend(order[i:i + per_file] for i in range(0, len(order), per_file))
    return files


def generate(root, packages_per_ecosystem, references, seed=42):
    """Writes the checkout; returns {path: body} for the npm and the index servers."""
    rng = random.Random(seed)
    npm_names = unique_names(rng, packages_per_ecosystem, lambda: (
        f"{rng.choice(SCOPES)}/" if rng.random() < 0.2 else "") +
        f"{rng.choice(WORDS)}-{rng.choice(WORDS)}{rng.randint(0, 99)}")
    crate_names = unique_names(rng, packages_per_ecosystem, lambda:
                               f"{rng.choice(WORDS)}_{rng.choice(WORDS)}{rng.randint(0, 99)}")
    npm_files, index_files = {}, {}
    npm_history, crate_history = {}, {}
    for name in npm_names:
        npm_history[name] = versions(rng)
        body = json.dumps(packument(rng, name, npm_history[name])).encode()
        npm_files["/" + urllib.parse.quote(name, safe="@").lower()] = body
    for name in crate_names:
        crate_history[name] = versions(rng)
        index_files["/" + index_path(name)] = index_file(rng, name, crate_history[name])

    for number, names in enumerate(spread(rng, npm_names, references, 10)):
        directory = os.path.join(root, "web", f"app-{number:03d}")
        os.makedirs(directory, exist_ok=True)
        deps = {name: npm_range(rng, npm_history[name]) for name in names}
        keys = list(deps)
        manifest = {"name": f"@example/app-{number}", "version": "1.0.0", "private": True,
                    "dependencies": {k: deps[k] for k in keys[:7]},
                    "devDependencies": {k: deps[k] for k in keys[7:]}}
        with open(os.path.join(directory, "package.json"), "w") as handle:
            json.dump(manifest, handle, indent=2)
            handle.write("\n")
    for number, names in enumerate(spread(rng, crate_names, references, 10)):
        directory = os.path.join(root, "crates", f"svc-{number:03d}")
        os.makedirs(directory, exist_ok=True)
        lines = [f'[package]\nname = "svc-{number}"\nversion = "0.1.0"\nedition = "2021"\n',
                 "[dependencies]"]
        for position, name in enumerate(names):
            if position == 7:
                lines.append("\n[dev-dependencies]")
            requirement = cargo_requirement(rng, crate_history[name])
            features = ', features = ["std"]' if rng.random() < 0.3 else ""
            lines.append(f'{name} = {{ version = "{requirement}", registry = "bench"{features} }}')
        with open(os.path.join(directory, "Cargo.toml"), "w") as handle:
            handle.write("\n".join(lines) + "\n")
    subprocess.run(["git", "init", "-q", root], check=True)
    return npm_files, index_files, len(npm_names) + len(crate_names)


def write_registry_config(root, npm_url, index_url):
    with open(os.path.join(root, ".npmrc"), "w") as handle:
        handle.write(f"registry={npm_url}/\n")
    os.makedirs(os.path.join(root, ".cargo"), exist_ok=True)
    with open(os.path.join(root, ".cargo", "config.toml"), "w") as handle:
        handle.write(f'[registries.bench]\nindex = "sparse+{index_url}/"\n')
    subprocess.run(["git", "-C", root, "add", "-A"], check=True)


# --------------------------------------------------------------------------- registries

class Registry:
    """Static files on a loopback port, `latency` added to every response, ETag → 304."""

    def __init__(self, files, latency):
        self.files = {path: (body, '"%s"' % hashlib.sha256(body).hexdigest()[:32])
                      for path, body in files.items()}
        self.latency = latency
        self.lock = threading.Lock()
        self.reset()
        registry = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as real registries
            # headers and body go out in two writes: with Nagle's algorithm the body
            # would wait for the client's delayed ACK (40 ms), dwarfing the latency
            disable_nagle_algorithm = True

            def do_GET(self):
                time.sleep(registry.latency)
                key = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path)
                if key.startswith("/@"):  # /@scope%2fname, /@scope%2Fname or /@scope/name
                    key = "/" + urllib.parse.quote(key[1:], safe="@").lower()
                found = registry.files.get(key)
                etag = found and found[1]
                status = 404 if not found else 304 if self.headers.get("If-None-Match") == etag else 200
                registry.count(key, status)
                self.send_response(status)
                if found:
                    self.send_header("ETag", etag)
                body = found[0] if status == 200 else b"" if status == 304 else b'{"error":"not found"}'
                self.send_header("Content-Type", "application/json")
                if status != 304:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def reset(self):
        with self.lock:
            self.per_path, self.statuses = {}, {}

    def count(self, path, status):
        with self.lock:
            self.per_path[path] = self.per_path.get(path, 0) + 1
            self.statuses[status] = self.statuses.get(status, 0) + 1

    def close(self):
        self.server.shutdown()


# --------------------------------------------------------------------------- runs

def age_cache(directory, seconds):
    """Moves every entry's `storedAtMs` back, as if written `seconds` earlier."""
    for name in os.listdir(directory):
        if not name.endswith(".entry"):
            continue
        path = os.path.join(directory, name)
        with open(path, "rb") as handle:
            data = handle.read()
        if not data.startswith(CACHE_MAGIC):
            continue
        end = data.index(b"\n", len(CACHE_MAGIC))
        meta = json.loads(data[len(CACHE_MAGIC):end])
        meta["storedAtMs"] -= seconds * 1000
        with open(path, "wb") as handle:
            handle.write(CACHE_MAGIC + json.dumps(meta).encode() + data[end:])


def lookup(binary, checkout, cache_dir, concurrency, registries):
    for registry in registries:
        registry.reset()
    start = time.perf_counter()
    # the registries are what is measured: no OSV API (lookup asks api.osv.dev by default)
    # Output to files and os.wait4, so that the child's own peak RSS is known.
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        child = subprocess.Popen([binary, "lookup", "--json", "--stats", "--concurrency",
                                  str(concurrency), "--cache-dir", cache_dir, "--osv-api", "off",
                                  checkout],
                                 stdout=out, stderr=err)
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if child.returncode != 0:
        sys.exit(f"upkeep lookup failed ({child.returncode}): {stderr.decode()[-2000:]}")
    report = json.loads(stdout)
    report["_peak_rss_mib"] = usage.ru_maxrss / 1024
    if report["hostErrors"] or report["lookupErrors"]:
        sys.exit(f"lookup errors: {report['hostErrors'][:3]} {report['lookupErrors'][:3]}")
    per_path, statuses = {}, {}
    for registry in registries:
        for path, count in registry.per_path.items():
            per_path[registry.url + path] = count
        for status, count in registry.statuses.items():
            statuses[status] = statuses.get(status, 0) + count
    return wall, report, per_path, statuses


def baseline(urls, concurrency):
    """Seconds for a separate process (not sharing this one's GIL with the servers) to
    make the same GETs from `concurrency` threads with keep-alive connections."""
    done = subprocess.run([sys.executable, os.path.abspath(__file__), "--baseline-client",
                           str(concurrency)], input="\n".join(urls).encode(),
                          capture_output=True, check=True)
    return float(done.stdout)


def baseline_client(concurrency):
    urls = sys.stdin.read().split()
    local = threading.local()

    def fetch(url):
        parts = urllib.parse.urlsplit(url)
        connection = getattr(local, "connection", None)
        if connection is None or getattr(local, "netloc", None) != parts.netloc:
            connection = local.connection = http.client.HTTPConnection(parts.netloc)
            local.netloc = parts.netloc
        connection.request("GET", parts.path)
        response = connection.getresponse()
        response.read()
        return response.status

    start = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(concurrency) as pool:
        statuses = list(pool.map(fetch, urls))
    wall = time.perf_counter() - start
    if any(status != 200 for status in statuses):
        sys.exit("baseline: unexpected status")
    print(wall)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="repetitions (medians reported)")
    parser.add_argument("--concurrency", type=int, default=16, help="upkeep's --concurrency")
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument("--packages", type=int, default=250, help="unique packages per ecosystem")
    parser.add_argument("--references", type=int, default=4, help="references per package")
    parser.add_argument("--keep", help="generate the checkout here and keep it")
    parser.add_argument("--baseline-client", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.baseline_client:
        return baseline_client(args.baseline_client)

    subprocess.run(["cargo", "build", "--release", "--quiet", "--bin", "upkeep"],
                   cwd=ROOT, check=True)
    binary = os.path.join(ROOT, "target", "release", "upkeep")
    workdir = args.keep or tempfile.mkdtemp(prefix="upkeep-bench-lookup-")
    latency = args.latency_ms / 1000
    registries = []
    try:
        checkout = os.path.join(workdir, "repo")
        os.makedirs(checkout, exist_ok=True)
        npm_files, index_files, unique = generate(checkout, args.packages, args.references)
        index_files["/config.json"] = b'{"dl": "http://127.0.0.1/api/v1/crates", "api": "http://127.0.0.1"}'
        npm, index = Registry(npm_files, latency), Registry(index_files, latency)
        registries = [npm, index]
        write_registry_config(checkout, npm.url, index.url)
        concurrency = min(args.concurrency, HOST_CONCURRENCY * len(registries))

        phases = {"cold": [], "warm": [], "stale": []}
        baselines = []
        urls = [npm.url + path for path in npm_files] + [index.url + path for path in index_files]
        for repetition in range(args.runs):
            cache_dir = os.path.join(workdir, f"cache-{repetition}")
            shutil.rmtree(cache_dir, ignore_errors=True)
            for phase in phases:
                if phase == "stale":
                    age_cache(cache_dir, 3600)
                wall, report, per_path, statuses = lookup(binary, checkout, cache_dir,
                                                          args.concurrency, registries)
                phases[phase].append((wall, report, per_path, statuses))
            baselines.append(baseline(urls, concurrency))

        references = sum(1 for _, _, dep in iterate_deps(phases["cold"][0][1])
                         if not dep.get("skipReason"))
        updates = sum(len(dep.get("updates", [])) for _, _, dep in iterate_deps(phases["cold"][0][1]))
        summary = {
            "unique_packages": unique,
            "references": references,
            "updates_proposed": updates,
            "latency_ms": args.latency_ms,
            "concurrency": args.concurrency,
            "effective_concurrency": concurrency,
            "runs": args.runs,
            "baseline_fetch_all_once_median_s": round(statistics.median(baselines), 3),
        }
        for phase, results in phases.items():
            walls = [wall for wall, _, _, _ in results]
            _, report, per_path, statuses = results[-1]
            requests = sum(per_path.values())
            upkeep_total = report["httpStats"]["total"]
            if upkeep_total["requests"] != requests:
                sys.exit(f"{phase}: upkeep counted {upkeep_total['requests']} requests, "
                         f"the servers {requests}")
            floor = requests / concurrency * latency
            summary[phase] = {
                "wall_median_s": round(statistics.median(walls), 3),
                "wall_min_s": round(min(walls), 3),
                "requests": requests,
                "requests_per_unique_package": round(requests / unique, 3),
                "max_requests_for_one_path": max(per_path.values(), default=0),
                "index_config_requests": sum(count for path, count in per_path.items()
                                             if path.endswith("/config.json")),
                "status_200": statuses.get(200, 0),
                "status_304": statuses.get(304, 0),
                "status_404": statuses.get(404, 0),
                "cache_hits": upkeep_total["cacheHits"],
                "coalesced": upkeep_total["coalesced"],
                "theoretical_floor_s": round(floor, 3),
                "upkeep_peak_rss_mib": round(max(r["_peak_rss_mib"] for _, r, _, _ in results), 1),
                "ratio_to_floor": round(statistics.median(walls) / floor, 2) if floor else None,
            }
        summary["cold"]["ratio_to_baseline"] = round(
            summary["cold"]["wall_median_s"] / summary["baseline_fetch_all_once_median_s"], 2)
        print(json.dumps(summary, indent=2))
    finally:
        for registry in registries:
            registry.close()
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


def iterate_deps(report):
    for manager, files in report["packageFiles"].items():
        for package_file in files:
            for dep in package_file["deps"]:
                yield manager, package_file, dep


if __name__ == "__main__":
    main()
