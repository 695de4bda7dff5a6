#!/usr/bin/env python3
"""Benchmark: `upkeep run --platform local` of 100 updates in 20 branches, lock files included.

The workload is fixed (seeded): a git repository holding a Cargo workspace (5 member
crates, 10 registry dependencies each, one root `Cargo.lock`) and 5 npm packages (10
dependencies each, one `package-lock.json` each). Every dependency is one major behind,
so there are exactly 100 updates; `renovate.json` groups them five by five (`groupName`)
into 20 branches, and lifts the branch limits. Both lock files are real: produced, before
the run, by `cargo generate-lockfile` and `npm install --package-lock-only` against two
registries served by this script on loopback, each adding 20 ms to every response: a
Cargo sparse index (`registry = "bench"`, `[registries.bench]` in `.cargo/config.toml`;
index entries only, cargo resolves lock files without downloading a crate) and npm
packuments (with `dist.tarball` and `dist.integrity`, never fetched) via `.npmrc`.

`upkeep run --platform local --json` then runs twice: cold (fresh npm cache and
CARGO_HOME, no upkeep cache) and once more (which must leave every branch as it is).
Reported per run: wall time, and the time spent in the lock file tools, measured by
putting timing shims for `cargo` and `npm` first on PATH (each appends the real tool's
elapsed time and peak RSS to a log). `upkeep_own_s` is the wall time minus the time
during which at least one tool was running. Peak RSS: upkeep's own (its VmHWM, sampled
from /proc every 20 ms until it exits) and the tools' largest (ru_maxrss reported to each
shim; ru_maxrss of the whole tree is only the largest single process of it).

Usage: python3 benches/run.py [--latency-ms N] [--keep DIR]
"""

import argparse
import base64
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
from lookup import Registry, index_path  # noqa: E402  (loopback registries, 20 ms, ETag)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORDS = ["alpha", "beta", "gamma", "delta", "core", "util", "http", "json", "cli", "log",
         "test", "parse", "stream", "async", "config", "color", "date", "path", "glob",
         "cache", "queue", "crypto", "fs", "net", "proto", "schema", "types", "macro"]
MEMBERS = 5          # workspace members, and npm packages
DEPS_PER_MEMBER = 10
GROUP_SIZE = 5

SHIM = """#!/usr/bin/env python3
import os, sys, time
real, log = {real!r}, {log!r}
start = time.time()
pid = os.fork()
if pid == 0:
    os.execv(real, [real] + sys.argv[1:])
_, status, usage = os.wait4(pid, 0)
end = time.time()
with open(log, "a") as handle:
    handle.write("%s %.6f %.6f %d %d %s\\n" % ({tool!r}, start, end, usage.ru_maxrss,
                 os.waitstatus_to_exitcode(status), " ".join(sys.argv[1:])))
sys.exit(os.waitstatus_to_exitcode(status) & 0xFF)
"""


# --------------------------------------------------------------------------- workload

def stamp(rng):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(1_550_000_000 + rng.randint(0, 10**8)))


def history(rng):
    """(older, current, newer major): the lock file gets `current`, the update `newer`."""
    major = rng.randint(1, 6)
    current = f"{major}.{rng.randint(0, 9)}.{rng.randint(0, 9)}"
    return [f"{major - 1}.{rng.randint(0, 9)}.0", current,
            f"{major + 1}.{rng.randint(0, 5)}.{rng.randint(0, 5)}"]


def packument(rng, name, versions, url):
    times = sorted(stamp(rng) for _ in versions)
    entries = {}
    for version in versions:
        fake = f"{name}@{version}".encode()
        entries[version] = {
            "name": name, "version": version, "license": "MIT",
            "dist": {"tarball": f"{url}/{name}/-/{name}-{version}.tgz",
                     "shasum": hashlib.sha1(fake).hexdigest(),
                     "integrity": "sha512-" + base64.b64encode(hashlib.sha512(fake).digest()).decode()},
        }
    return {"_id": name, "name": name, "dist-tags": {"latest": versions[-1]},
            "versions": entries,
            "time": {"created": times[0], "modified": times[-1], **dict(zip(versions, times))},
            "repository": {"type": "git", "url": f"git+https://github.com/example/{name}.git"}}


def index_file(rng, name, versions):
    times = sorted(stamp(rng) for _ in versions)
    return ("".join(json.dumps({
        "name": name, "vers": version, "deps": [],
        "cksum": hashlib.sha256(f"{name}{version}".encode()).hexdigest(),
        "features": {}, "yanked": False, "pubtime": pubtime, "v": 2,
    }, separators=(",", ":")) + "\n" for version, pubtime in zip(versions, times))).encode()


def names(rng, count, separator):
    found = []
    while len(found) < count:
        name = f"bench{separator}{rng.choice(WORDS)}{separator}{rng.choice(WORDS)}{rng.randint(0, 99)}"
        if name not in found:
            found.append(name)
    return found


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as handle:
        handle.write(text)


def generate(root, seed=42):
    """Writes the manifests; returns ({npm path: body}, {index path: body}, renovate config)."""
    rng = random.Random(seed)
    count = MEMBERS * DEPS_PER_MEMBER
    crates, packages = names(rng, count, "_"), names(rng, count, "-")
    crate_versions = {name: history(rng) for name in crates}
    npm_versions = {name: history(rng) for name in packages}
    npm_files = {"/" + name: packument(rng, name, npm_versions[name], "http://127.0.0.1:9")
                 for name in packages}
    npm_files = {path: json.dumps(body).encode() for path, body in npm_files.items()}
    index_files = {"/" + index_path(name): index_file(rng, name, crate_versions[name])
                   for name in crates}

    members = []
    for member in range(MEMBERS):
        chunk = crates[member * DEPS_PER_MEMBER:(member + 1) * DEPS_PER_MEMBER]
        lines = [f'[package]\nname = "svc-{member}"\nversion = "0.1.0"\nedition = "2021"\n',
                 "[dependencies]"]
        for name in chunk:
            major, minor, _ = crate_versions[name][1].split(".")
            lines.append(f'{name} = {{ version = "{major}.{minor}", registry = "bench" }}')
        write(os.path.join(root, "crates", f"svc-{member}", "Cargo.toml"), "\n".join(lines) + "\n")
        write(os.path.join(root, "crates", f"svc-{member}", "src", "lib.rs"), "")
        members.append(f'"crates/svc-{member}"')
    write(os.path.join(root, "Cargo.toml"),
          f"[workspace]\nresolver = \"2\"\nmembers = [{', '.join(members)}]\n")

    for member in range(MEMBERS):
        chunk = packages[member * DEPS_PER_MEMBER:(member + 1) * DEPS_PER_MEMBER]
        manifest = {"name": f"app-{member}", "version": "1.0.0", "private": True,
                    "dependencies": {name: "^" + npm_versions[name][1] for name in chunk}}
        write(os.path.join(root, "web", f"app-{member}", "package.json"),
              json.dumps(manifest, indent=2) + "\n")

    rules = []
    for prefix, group in (("crates", crates), ("web", packages)):
        for start in range(0, len(group), GROUP_SIZE):
            rules.append({"matchPackageNames": group[start:start + GROUP_SIZE],
                          "groupName": f"{prefix} {start // GROUP_SIZE:02d}"})
    config = {"prConcurrentLimit": 0, "prHourlyLimit": 0, "branchConcurrentLimit": 0,
              "packageRules": rules}
    write(os.path.join(root, "renovate.json"), json.dumps(config, indent=2) + "\n")
    return npm_files, index_files, len(rules)


def lock(root, env):
    """The real lock files, by the real tools, against the loopback registries."""
    subprocess.run(["cargo", "generate-lockfile", "--quiet"], cwd=root, env=env, check=True)
    for member in range(MEMBERS):
        subprocess.run(["npm", "install", "--package-lock-only", "--ignore-scripts",
                        "--no-audit", "--no-fund", "--silent"],
                       cwd=os.path.join(root, "web", f"app-{member}"), env=env, check=True)
    git = ["git", "-C", root, "-c", "user.name=bench", "-c", "user.email=bench@localhost"]
    subprocess.run(git + ["add", "-A"], check=True)
    subprocess.run(git + ["commit", "-q", "-m", "monorepo"], check=True)


# --------------------------------------------------------------------------- measuring

def shims(directory, log):
    os.makedirs(directory, exist_ok=True)
    for tool in ("cargo", "npm"):
        real = shutil.which(tool)
        if not real:
            sys.exit(f"{tool} not found on PATH")
        path = os.path.join(directory, tool)
        write(path, SHIM.format(real=real, log=log, tool=tool))
        os.chmod(path, 0o755)


def hwm(pid):
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def run(binary, checkout, env, log, base_dir):
    open(log, "w").close()
    start = time.time()
    child = subprocess.Popen([binary, "run", "--platform", "local", "--json",
                              "--base-dir", base_dir, checkout],
                             env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    peak = [0]
    done = threading.Event()

    def sample():
        while not done.is_set():
            value = hwm(child.pid)
            if value:
                peak[0] = max(peak[0], value)
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output = []
    readers = [threading.Thread(target=lambda s=s: output.append((s, s.read()))) for s in
               (child.stdout, child.stderr)]
    for reader in readers:
        reader.start()
    # peek at the status before reaping: VmHWM is gone once the process is waited for
    while True:
        value = hwm(child.pid)
        if value:
            peak[0] = max(peak[0], value)
        if os.waitid(os.P_PID, child.pid, os.WEXITED | os.WNOWAIT | os.WNOHANG) is not None:
            break
        time.sleep(0.01)
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    wall = time.time() - start
    done.set()
    for reader in readers:
        reader.join()
    streams = dict(output)
    stdout, stderr = streams[child.stdout], streams[child.stderr]
    if child.returncode not in (0, 3):
        sys.exit(f"upkeep run failed ({child.returncode}): {stderr.decode()[-3000:]}")
    report = json.loads(stdout)

    calls = []
    with open(log) as handle:
        for line in handle:
            tool, begin, end, rss, code, args = (line.rstrip("\n").split(" ", 5) + [""])[:6]
            calls.append((tool, float(begin), float(end), int(rss), int(code), args))
    intervals = sorted((begin, end) for _, begin, end, _, _, _ in calls)
    busy, covered_to = 0.0, 0.0
    for begin, end in intervals:  # the union: tools may run concurrently
        begin = max(begin, covered_to)
        if end > begin:
            busy += end - begin
            covered_to = end
    by_tool = {}
    for tool, begin, end, rss, code, _ in calls:
        entry = by_tool.setdefault(tool, {"calls": 0, "time_s": 0.0, "failed": 0, "peak_rss_mib": 0})
        entry["calls"] += 1
        entry["time_s"] += end - begin
        entry["failed"] += code != 0
        entry["peak_rss_mib"] = max(entry["peak_rss_mib"], round(rss / 1024, 1))
    for entry in by_tool.values():
        entry["time_s"] = round(entry["time_s"], 3)
    branches = report.get("branches", [])
    actions = {}
    for branch in branches:
        actions[branch.get("action")] = actions.get(branch.get("action"), 0) + 1
    return {
        "exit_code": child.returncode,
        "wall_s": round(wall, 3),
        "lockfile_tools_s": round(busy, 3),
        "upkeep_own_s": round(wall - busy, 3),
        "tools": by_tool,
        "upkeep_peak_rss_mib": round(peak[0] / 1024, 1),
        "tree_max_rss_mib": round(usage.ru_maxrss / 1024, 1),
        "branches": len(branches),
        "updates_in_branches": sum(len(branch.get("upgrades", [])) for branch in branches),
        "actions": actions,
        "artifact_errors": [(branch.get("name"), branch.get("artifactErrors"))
                            for branch in branches if branch.get("artifactErrors")][:5],
    }, report


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument("--keep", help="generate the checkout here and keep it")
    args = parser.parse_args()

    subprocess.run(["cargo", "build", "--release", "--quiet", "--bin", "upkeep"],
                   cwd=ROOT, check=True)
    binary = os.path.join(ROOT, "target", "release", "upkeep")
    workdir = args.keep or tempfile.mkdtemp(prefix="upkeep-bench-run-")
    registries = []
    try:
        checkout = os.path.join(workdir, "repo")
        os.makedirs(checkout, exist_ok=True)
        subprocess.run(["git", "init", "-q", "-b", "main", checkout], check=True)
        npm_files, index_files, groups = generate(checkout)
        npm = Registry({}, args.latency_ms / 1000)
        # the tarball URLs name the npm server (never fetched: lock files only)
        npm.files = {path: (body.replace(b"http://127.0.0.1:9", npm.url.encode()),
                            '"%s"' % hashlib.sha256(body).hexdigest()[:32])
                     for path, body in npm_files.items()}
        index = Registry(index_files, args.latency_ms / 1000)
        index.files["/config.json"] = (json.dumps({"dl": f"{index.url}/dl"}).encode(), '"config"')
        registries = [npm, index]
        # npm reads the project's .npmrc next to its package.json, not the repository root's
        for directory in [checkout] + [os.path.join(checkout, "web", f"app-{m}") for m in range(MEMBERS)]:
            write(os.path.join(directory, ".npmrc"), f"registry={npm.url}/\n")
        write(os.path.join(checkout, ".cargo", "config.toml"),
              f'[registries.bench]\nindex = "sparse+{index.url}/"\n')

        env = dict(os.environ)
        env.update({"CARGO_HOME": os.path.join(workdir, "cargo-home"),
                    "npm_config_cache": os.path.join(workdir, "npm-cache"),
                    "npm_config_update_notifier": "false",
                    "CARGO_TERM_COLOR": "never"})
        env.pop("UPKEEP_CONFIG_FILE", None)
        env.pop("UPKEEP_OSV_DB", None)
        # the workload has no vulnerability data: run asks api.osv.dev by default
        env["UPKEEP_OSV_API"] = "off"
        lock(checkout, env)
        # the run starts cold: nothing cached by the tools while the lock files were made
        shutil.rmtree(env["CARGO_HOME"], ignore_errors=True)
        shutil.rmtree(env["npm_config_cache"], ignore_errors=True)

        log = os.path.join(workdir, "tools.log")
        shims(os.path.join(workdir, "shims"), log)
        env["PATH"] = os.path.join(workdir, "shims") + os.pathsep + env["PATH"]
        base_dir = os.path.join(workdir, "scratch")
        os.makedirs(base_dir, exist_ok=True)

        summary = {"updates_expected": MEMBERS * DEPS_PER_MEMBER * 2,
                   "branches_expected": groups, "latency_ms": args.latency_ms}
        for phase in ("cold", "second"):
            for registry in registries:
                registry.reset()
            result, report = run(binary, checkout, env, log, base_dir)
            # registry requests by upkeep and the tools together
            result["requests"] = sum(sum(r.per_path.values()) for r in registries)
            summary[phase] = result
            if args.keep:
                write(os.path.join(workdir, f"report-{phase}.json"), json.dumps(report, indent=2))
        refs = subprocess.run(["git", "-C", checkout, "for-each-ref", "--format=%(refname:short)",
                               "refs/heads/"], capture_output=True, text=True, check=True)
        summary["branches_in_repository"] = len(refs.stdout.split()) - 1
        print(json.dumps(summary, indent=2))
    finally:
        for registry in registries:
            registry.close()
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
