#!/usr/bin/env python3
"""Regenerates crates/upkeep-testkit/fixtures/github-openapi.json.

The fake GitHub in upkeep-testkit checks every request it receives and every response
it sends against GitHub's published REST description (the `@octokit/openapi` npm
package, `generated/api.github.com.json`, OpenAPI 3.0). This script keeps only the
operations the fake implements and the components they reference (transitively), and
drops prose (`description`, `example(s)`) to keep the fixture small.

Usage (from the repository root; needs Node's `npm` and Python 3 only):

    python3 scripts/github-openapi-subset.py            # npm pack into a temp dir
    python3 scripts/github-openapi-subset.py API.json   # use an extracted description

To add an operation to the fake, add it to OPERATIONS and rerun.
"""

import json
import os
import subprocess
import sys
import tarfile
import tempfile

PACKAGE = "@octokit/openapi"
VERSION = "23.0.2"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUTPUT = os.path.join(ROOT, "crates/upkeep-testkit/fixtures/github-openapi.json")

# (method, path) of every REST operation the fake implements.
OPERATIONS = [
    ("get", "/app"),
    ("get", "/app/installations"),
    ("post", "/app/installations/{installation_id}/access_tokens"),
    ("get", "/installation/repositories"),
    ("get", "/rate_limit"),
    ("get", "/user"),
    ("get", "/user/repos"),
    ("get", "/repos/{owner}/{repo}"),
    ("get", "/repos/{owner}/{repo}/git/ref/{ref}"),
    ("get", "/repos/{owner}/{repo}/git/matching-refs/{ref}"),
    ("post", "/repos/{owner}/{repo}/git/refs"),
    ("patch", "/repos/{owner}/{repo}/git/refs/{ref}"),
    ("delete", "/repos/{owner}/{repo}/git/refs/{ref}"),
    ("post", "/repos/{owner}/{repo}/git/blobs"),
    ("post", "/repos/{owner}/{repo}/git/trees"),
    ("post", "/repos/{owner}/{repo}/git/commits"),
    ("get", "/repos/{owner}/{repo}/git/commits/{commit_sha}"),
    ("get", "/repos/{owner}/{repo}/contents/{path}"),
    ("get", "/repos/{owner}/{repo}/pulls"),
    ("post", "/repos/{owner}/{repo}/pulls"),
    ("get", "/repos/{owner}/{repo}/pulls/{pull_number}"),
    ("patch", "/repos/{owner}/{repo}/pulls/{pull_number}"),
    ("put", "/repos/{owner}/{repo}/pulls/{pull_number}/merge"),
    ("post", "/repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers"),
    ("get", "/repos/{owner}/{repo}/issues"),
    ("post", "/repos/{owner}/{repo}/issues"),
    ("get", "/repos/{owner}/{repo}/issues/{issue_number}"),
    ("patch", "/repos/{owner}/{repo}/issues/{issue_number}"),
    ("get", "/repos/{owner}/{repo}/issues/{issue_number}/comments"),
    ("post", "/repos/{owner}/{repo}/issues/{issue_number}/comments"),
    ("patch", "/repos/{owner}/{repo}/issues/comments/{comment_id}"),
    ("post", "/repos/{owner}/{repo}/issues/{issue_number}/labels"),
    ("post", "/repos/{owner}/{repo}/issues/{issue_number}/assignees"),
    ("get", "/repos/{owner}/{repo}/commits/{ref}/status"),
    ("post", "/repos/{owner}/{repo}/statuses/{sha}"),
    ("get", "/repos/{owner}/{repo}/commits/{ref}/check-runs"),
]

PROSE = {"description", "example", "examples"}


def load_description(argv):
    if len(argv) > 1:
        with open(argv[1], encoding="utf-8") as f:
            return json.load(f)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            ["npm", "pack", "--silent", f"{PACKAGE}@{VERSION}"],
            cwd=tmp,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        (tgz,) = [n for n in os.listdir(tmp) if n.endswith(".tgz")]
        with tarfile.open(os.path.join(tmp, tgz)) as tar:
            member = tar.extractfile("package/generated/api.github.com.json")
            return json.load(member)


def strip(node, in_properties=False):
    """Drops prose keys, but never a schema property that happens to be named so."""
    if isinstance(node, dict):
        return {
            k: strip(v, k == "properties")
            for k, v in node.items()
            if in_properties or k not in PROSE
        }
    if isinstance(node, list):
        return [strip(v) for v in node]
    return node


def refs(node, found):
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            found.add(ref)
        for v in node.values():
            refs(v, found)
    elif isinstance(node, list):
        for v in node:
            refs(v, found)


def main(argv):
    api = load_description(argv)
    paths = {}
    for method, path in OPERATIONS:
        item = api["paths"][path]
        out = paths.setdefault(path, {})
        if "parameters" in item:
            out["parameters"] = item["parameters"]
        out[method] = item[method]
    paths = strip(paths)

    components = {}
    pending = set()
    refs(paths, pending)
    done = set()
    while pending:
        ref = pending.pop()
        if ref in done:
            continue
        done.add(ref)
        _, _, kind, name = ref.split("/", 3)
        if kind == "examples":
            continue
        value = strip(api["components"][kind][name])
        components.setdefault(kind, {})[name] = value
        refs(value, pending)

    subset = {
        "openapi": api["openapi"],
        "info": {
            "title": api["info"]["title"],
            "version": api["info"]["version"],
            "x-source": f"npm {PACKAGE}@{VERSION} generated/api.github.com.json",
            "x-regenerate": "python3 scripts/github-openapi-subset.py",
        },
        "paths": dict(sorted(paths.items())),
        "components": {k: dict(sorted(v.items())) for k, v in sorted(components.items())},
    }
    os.makedirs(os.path.dirname(OUTPUT), exist_ok=True)
    with open(OUTPUT, "w", encoding="utf-8") as f:
        json.dump(subset, f, indent=1, sort_keys=False)
        f.write("\n")
    ops = sum(1 for p in paths.values() for k in p if k != "parameters")
    print(f"{OUTPUT}: {ops} operations, "
          f"{sum(len(v) for v in components.values())} components, "
          f"{os.path.getsize(OUTPUT)} bytes")


if __name__ == "__main__":
    main(sys.argv)
