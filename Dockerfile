# syntax=docker/dockerfile:1.7
# A first version: a static-ish release binary on a slim Debian base with git (upkeep
# lists files and, later, clones and pushes with the git CLI).
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin upkeep

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends git ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --create-home upkeep
COPY --from=build /src/target/release/upkeep /usr/local/bin/upkeep
USER 10001
ENTRYPOINT ["/usr/local/bin/upkeep"]
