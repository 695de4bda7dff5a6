# syntax=docker/dockerfile:1.7
#
# upkeep's image: `docker build -t upkeep .` (the full variant) or
# `docker build --build-arg UPKEEP_VARIANT=slim -t upkeep:slim .`.
#
# - full (default): git, cargo and node/npm, so upkeep refreshes Cargo.lock
#   (`cargo update -p NAME --precise V`) and package-lock.json
#   (`npm install --package-lock-only --ignore-scripts`) itself.
# - slim: git only. It finds, looks up and updates dependencies in manifests,
#   Dockerfiles and Terraform files, but cannot refresh a Cargo.lock or a
#   package-lock.json: such updates fail their lock file step and are reported as
#   artifact errors on the branch, as Renovate does without its tool binaries.
#
# Both run as the numeric user 10001 (Kubernetes `runAsNonRoot` can check a number,
# not a name) and work with a read-only root filesystem: everything upkeep writes
# goes under /work (clones), /cache (the registry cache) and /tmp, which the
# deployment mounts as volumes.

ARG UPKEEP_VARIANT=full

# --- build -----------------------------------------------------------------------
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
# The binary is copied out of target/, which is a cache mount and gone after RUN.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --bin upkeep \
    && install -D target/release/upkeep /out/upkeep

# --- node/npm for the full variant ------------------------------------------------
FROM node:22-bookworm-slim AS node

# --- slim runtime ----------------------------------------------------------------
FROM debian:bookworm-slim AS runtime-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends git ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 upkeep \
    && useradd --system --uid 10001 --gid 10001 --home-dir /work upkeep \
    && mkdir -p /work /cache \
    && chown 10001:10001 /work /cache
# HOME, CARGO_HOME and the npm cache live on the writable volumes.
ENV HOME=/work \
    CARGO_HOME=/work/.cargo \
    npm_config_cache=/tmp/npm-cache \
    UPKEEP_CACHE=/cache
COPY --from=build /out/upkeep /usr/local/bin/upkeep
WORKDIR /work
USER 10001:10001
ENTRYPOINT ["/usr/local/bin/upkeep"]
CMD ["--help"]
# For `serve`; a CronJob pod's health is its exit code. No curl in the image: the
# binary asks itself.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD ["/usr/local/bin/upkeep", "healthcheck", "http://127.0.0.1:8080/healthz"]

# --- full runtime: the slim one plus the lock file tools ----------------------------
FROM runtime-slim AS runtime-full
USER root
# The Rust toolchain of the build stage (rustup's minimal profile: cargo and rustc,
# which cargo asks for the host triple), read-only under /usr/local.
COPY --from=build /usr/local/rustup /usr/local/rustup
COPY --from=build /usr/local/cargo/bin /usr/local/cargo/bin
COPY --from=node /usr/local/bin/node /usr/local/bin/node
COPY --from=node /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/npm
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
    && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx
ENV RUSTUP_HOME=/usr/local/rustup \
    PATH=/usr/local/cargo/bin:$PATH
USER 10001:10001

# --- the image ---------------------------------------------------------------------
FROM runtime-${UPKEEP_VARIANT}
