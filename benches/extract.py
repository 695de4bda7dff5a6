#!/usr/bin/env python3
"""Benchmark: `upkeep extract` over a synthetic monorepo of 10,000 manifests.

The workload is fixed (seeded): 2,500 each of Dockerfile, Terraform, Cargo.toml and
package.json files of realistic size, in a git repository with a root Cargo.lock and
package-lock.json, as a large monorepo has. upkeep runs pinned to one core (taskset), five
times; we report the median wall time, the peak RSS, and the ratio against a baseline
measured in the same run: reading every file once with `cat` (the I/O floor).

Usage: python3 benches/extract.py [--files-per-kind N] [--runs N] [--keep DIR]
"""

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

CRATES = ["serde", "serde_json", "tokio", "anyhow", "thiserror", "clap", "tracing",
          "reqwest", "regex", "rand", "chrono", "uuid", "futures", "bytes", "hyper",
          "axum", "tower", "once_cell", "itertools", "log", "env_logger", "toml",
          "sqlx", "prost", "tonic", "rayon", "parking_lot", "dashmap", "base64", "hex"]
NPM = ["react", "react-dom", "lodash", "express", "axios", "typescript", "eslint",
       "prettier", "jest", "webpack", "@babel/core", "@types/node", "@types/react",
       "vite", "vitest", "next", "zod", "dayjs", "uuid", "chalk", "commander", "debug",
       "rxjs", "@angular/core", "vue", "svelte", "tailwindcss", "postcss", "esbuild",
       "@testing-library/react", "ts-node", "nodemon", "dotenv", "cors", "helmet"]
IMAGES = ["node", "golang", "python", "rust", "alpine", "debian", "ubuntu", "nginx",
          "gcr.io/distroless/static-debian12", "ghcr.io/example/base", "redis",
          "registry.example.com:5000/team/builder"]
PROVIDERS = [("aws", "hashicorp/aws"), ("google", "hashicorp/google"),
             ("azurerm", "hashicorp/azurerm"), ("kubernetes", "hashicorp/kubernetes"),
             ("helm", "hashicorp/helm"), ("random", "hashicorp/random"),
             ("datadog", "DataDog/datadog"), ("cloudflare", "cloudflare/cloudflare")]
MODULES = ["terraform-aws-modules/vpc/aws", "terraform-aws-modules/eks/aws",
           "terraform-aws-modules/s3-bucket/aws", "terraform-aws-modules/iam/aws//modules/iam-role",
           "cloudposse/label/null", "terraform-google-modules/network/google"]


def version(rng):
    return f"{rng.randint(0, 5)}.{rng.randint(0, 30)}.{rng.randint(0, 20)}"


def dockerfile(rng, index):
    build, final = rng.sample(IMAGES, 2)
    return f"""# syntax=docker/dockerfile:1.7
# Service {index}: build stage, then a small runtime image.
ARG BASE_VERSION={rng.randint(10, 22)}
FROM --platform=$BUILDPLATFORM {build}:${{BASE_VERSION}} AS build
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/root/.cache \\
    make build && \\
    make test

FROM {final}:{version(rng)} AS runtime
LABEL org.opencontainers.image.source="https://github.com/example/svc-{index}"
COPY --from=build /src/bin/app /usr/local/bin/app
COPY --from=busybox:1.36 /bin/busybox /bin/busybox
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/app"]
"""


def terraform(rng, index):
    providers = rng.sample(PROVIDERS, 3)
    required = "\n".join(
        f'    {name} = {{\n      source  = "{source}"\n      version = "~> {rng.randint(1, 5)}.{rng.randint(0, 40)}"\n    }}'
        for name, source in providers)
    modules = "\n\n".join(
        f'module "m{i}" {{\n  source  = "{module}"\n  version = "{version(rng)}"\n\n  name = "svc-{index}-{i}"\n  tags = local.tags\n}}'
        for i, module in enumerate(rng.sample(MODULES, 3)))
    return f"""# Infrastructure for service {index}
terraform {{
  required_version = ">= 1.5.0"

  required_providers {{
{required}
  }}
}}

locals {{
  tags = {{
    service = "svc-{index}"
    owner   = "platform"
  }}
}}

{modules}

module "local" {{
  source = "../modules/common"
}}

resource "aws_s3_bucket" "logs" {{
  bucket = "svc-{index}-logs"
  tags   = local.tags
}}
"""


def cargo_toml(rng, index):
    deps = "\n".join(
        f'{name} = "{rng.randint(0, 2)}.{rng.randint(0, 40)}"' if rng.random() < 0.6 else
        f'{name} = {{ version = "{rng.randint(0, 2)}.{rng.randint(0, 40)}", features = ["full"] }}'
        for name in rng.sample(CRATES, 12))
    dev = "\n".join(f'{name} = "{rng.randint(0, 2)}.{rng.randint(0, 9)}"'
                    for name in rng.sample(CRATES, 3))
    return f"""[package]
name = "svc-{index}"
version = "0.{rng.randint(1, 9)}.0"
edition = "2021"
description = "Service number {index}"
license = "MIT OR Apache-2.0"

[dependencies]
{deps}
common = {{ path = "../common" }}
shared.workspace = true

[dev-dependencies]
{dev}

[target.'cfg(unix)'.dependencies]
libc = "0.2"

[profile.release]
lto = true
"""


def package_json(rng, index):
    deps = ",\n".join(f'    "{name}": "^{version(rng)}"' for name in rng.sample(NPM, 14))
    dev = ",\n".join(f'    "{name}": "~{version(rng)}"' for name in rng.sample(NPM, 10))
    return f"""{{
  "name": "@example/svc-{index}",
  "version": "1.{rng.randint(0, 9)}.0",
  "private": true,
  "description": "Service number {index}",
  "scripts": {{
    "build": "tsc -p .",
    "test": "vitest run",
    "lint": "eslint ."
  }},
  "dependencies": {{
{deps},
    "@example/common": "workspace:*"
  }},
  "devDependencies": {{
{dev}
  }},
  "engines": {{
    "node": ">=18"
  }}
}}
"""


def cargo_lock(rng):
    packages = []
    for name in sorted(CRATES + ["libc", "shared", "common"]):
        for _ in range(rng.randint(1, 2)):
            packages.append(f'[[package]]\nname = "{name}"\nversion = "{version(rng)}"\n'
                            f'source = "registry+https://github.com/rust-lang/crates.io-index"\n'
                            f'checksum = "{rng.getrandbits(256):064x}"\n')
    return "# This file is automatically @generated by Cargo.\nversion = 4\n\n" + "\n".join(packages)


def generate(root, per_kind, seed=42):
    rng = random.Random(seed)
    writers = [("Dockerfile", dockerfile), ("main.tf", terraform),
               ("Cargo.toml", cargo_toml), ("package.json", package_json)]
    for index in range(per_kind):
        directory = os.path.join(root, "services", f"svc-{index:04d}")
        os.makedirs(directory, exist_ok=True)
        for name, writer in writers:
            with open(os.path.join(directory, name), "w") as handle:
                handle.write(writer(rng, index))
    with open(os.path.join(root, "Cargo.lock"), "w") as handle:
        handle.write(cargo_lock(rng))
    subprocess.run(["git", "init", "-q", root], check=True)
    subprocess.run(["git", "-C", root, "add", "-A"], check=True)


def run(command, stdout=subprocess.DEVNULL):
    """Runs a command; returns (wall seconds, peak RSS in MiB, exit code)."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=stdout, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    return wall, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files-per-kind", type=int, default=2500)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", help="generate the monorepo here and keep it")
    args = parser.parse_args()

    subprocess.run(["cargo", "build", "--release", "--quiet", "--bin", "upkeep"],
                   cwd=ROOT, check=True)
    binary = os.path.join(ROOT, "target", "release", "upkeep")
    workdir = args.keep or tempfile.mkdtemp(prefix="upkeep-bench-extract-")
    try:
        generate(workdir, args.files_per_kind)
        files = subprocess.run(["git", "-C", workdir, "ls-files", "-z"], check=True,
                               capture_output=True).stdout
        pin = ["taskset", "-c", "0"] if shutil.which("taskset") else []
        baseline_cmd = pin + ["sh", "-c", f"cd '{workdir}' && git ls-files -z | xargs -0 cat"]
        upkeep_cmd = pin + [binary, "extract", "--json", workdir]
        # one warm-up of each so that both read from the page cache
        run(baseline_cmd)
        _, _, code = run(upkeep_cmd)
        if code not in (0, 3):
            sys.exit(f"upkeep extract failed with exit code {code}")
        baseline = [run(baseline_cmd)[0] for _ in range(args.runs)]
        results = [run(upkeep_cmd) for _ in range(args.runs)]
        walls = [wall for wall, _, _ in results]
        report = subprocess.run([binary, "extract", "--json", workdir], capture_output=True)
        deps = sum(len(f["deps"]) for files_ in json.loads(report.stdout)["packageFiles"].values()
                   for f in files_)
        summary = {
            "files": files.count(b"\0"),
            "dependencies": deps,
            "runs": args.runs,
            "upkeep_wall_median_s": round(statistics.median(walls), 3),
            "upkeep_wall_min_s": round(min(walls), 3),
            "upkeep_peak_rss_mib": round(max(rss for _, rss, _ in results), 1),
            "baseline_read_all_files_median_s": round(statistics.median(baseline), 3),
            "ratio_to_baseline": round(statistics.median(walls) / statistics.median(baseline), 2),
            "one_core": bool(pin),
        }
        print(json.dumps(summary, indent=2))
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
