//! Behaviour of the whole manager (extract, then update through `update_dependency`) on
//! small Dockerfiles: scoping, stage references, lines and spans that the JSON fixtures
//! cannot show.

use upkeep_types::{Dependency, DependencyChange, SkipReason};

use super::Dockerfile;
use crate::{Manager, update_dependency};

const DIGEST: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

fn deps(content: &str) -> Vec<Dependency> {
    Dockerfile
        .extract("Dockerfile", content)
        .unwrap()
        .unwrap()
        .deps
}

fn summary(content: &str) -> Vec<(String, Option<String>, Option<SkipReason>)> {
    deps(content)
        .into_iter()
        .map(|dep| (dep.dep_name, dep.current_value, dep.skip_reason))
        .collect()
}

fn update(content: &str, index: usize, change: DependencyChange) -> String {
    let dep = &deps(content)[index];
    update_dependency(&Dockerfile, "Dockerfile", content, dep, &change).unwrap()
}

fn new_value(value: &str) -> DependencyChange {
    DependencyChange {
        new_value: Some(value.to_owned()),
        new_digest: None,
    }
}

#[test]
fn lines_are_where_the_image_is_written() {
    let content = "ARG V=1\n\nFROM \\\n  # note\n  alpine:3.20 AS a\nRUN --mount=type=cache,target=/x \\\n    --mount=from=busybox:1.36,target=/b true\nFROM node:${V}\n";
    let lines: Vec<u32> = deps(content).iter().map(|dep| dep.location.line).collect();
    assert_eq!(lines, [5, 7, 8]);
}

#[test]
fn stage_args_do_not_reach_from_lines() {
    let content = "FROM alpine:3.20 AS base\nARG IMAGE=busybox:1.36\nCOPY --from=${IMAGE} /bin/sh /bin/sh\nFROM ${IMAGE}\n";
    assert_eq!(
        summary(content),
        [
            ("alpine".to_owned(), Some("3.20".to_owned()), None),
            ("busybox".to_owned(), Some("1.36".to_owned()), None),
            (
                "${IMAGE}".to_owned(),
                None,
                Some(SkipReason::ContainsVariable)
            ),
        ]
    );
}

#[test]
fn a_stage_built_on_another_keeps_its_args_and_a_bare_arg_takes_the_global_default() {
    let content = "ARG TAG=1.36\nFROM alpine:3.20 AS base\nARG TOOL=busybox\nFROM base\nARG TAG\nCOPY --from=${TOOL}:${TAG} /bin/sh /bin/sh\n";
    let found = deps(content);
    assert_eq!(found[1].dep_name, "busybox");
    assert_eq!(found[1].current_value.as_deref(), Some("1.36"));
    // the tag is edited where it is written: on the global ARG line
    assert_eq!(
        update(content, 1, new_value("1.37")),
        content.replace("TAG=1.36", "TAG=1.37")
    );
}

#[test]
fn stage_references_are_case_insensitive_and_only_earlier_ones_count_for_from() {
    let content = "FROM later AS first\nFROM alpine:3.20 AS Later\nFROM LATER AS third\nCOPY --from=First /a /a\nCOPY --from=1 /b /b\n";
    let found = deps(content);
    let names: Vec<&str> = found.iter().map(|dep| dep.dep_name.as_str()).collect();
    // `FROM later` comes before the stage named `later`: Docker pulls an image
    assert_eq!(names, ["later", "alpine"]);
    assert_eq!(found[1].dep_type.as_deref(), Some("stage"));
}

#[test]
fn scratch_is_kept_as_the_final_stage() {
    let content = "FROM golang:1.22 AS build\nFROM scratch\nCOPY --from=build /app /app\n";
    let found = deps(content);
    assert_eq!(found[1].skip_reason, Some(SkipReason::Scratch));
    assert_eq!(found[1].dep_type.as_deref(), Some("final"));
    assert_eq!(found[0].dep_type.as_deref(), Some("stage"));
}

#[test]
fn one_arg_feeding_two_stages_updates_both() {
    let content = "ARG NODE=20.15.1\nFROM node:${NODE} AS build\nFROM node:$NODE\n";
    let updated = update(content, 0, new_value("22.4.1"));
    assert_eq!(
        updated,
        "ARG NODE=22.4.1\nFROM node:${NODE} AS build\nFROM node:$NODE\n"
    );
}

#[test]
fn digest_and_tag_from_two_args_written_in_reverse_order() {
    let content =
        format!("ARG DIGEST={DIGEST}\nARG TAG=1.2\nFROM ghcr.io/o/app:${{TAG}}@${{DIGEST}}\n");
    let new_digest = DIGEST.replace("0123", "9876");
    let updated = update(
        &content,
        0,
        DependencyChange {
            new_value: Some("1.3".to_owned()),
            new_digest: Some(new_digest.clone()),
        },
    );
    assert_eq!(
        updated,
        format!("ARG DIGEST={new_digest}\nARG TAG=1.3\nFROM ghcr.io/o/app:${{TAG}}@${{DIGEST}}\n")
    );
}

#[test]
fn a_whole_reference_in_an_arg_gets_a_tag_inserted_there() {
    let content = "ARG BASE=\"nginx\"\nFROM ${BASE}\n";
    assert_eq!(
        update(content, 0, new_value("1.27.0")),
        "ARG BASE=\"nginx:1.27.0\"\nFROM ${BASE}\n"
    );
}

#[test]
fn default_in_the_from_line_is_updated_there() {
    let content = "ARG BASE\nFROM ${BASE:-debian:bookworm-20240701-slim}\n";
    assert_eq!(
        update(content, 0, new_value("bookworm-20240722-slim")),
        "ARG BASE\nFROM ${BASE:-debian:bookworm-20240722-slim}\n"
    );
}

#[test]
fn escape_then_syntax_directive_both_count() {
    let content = "# escape=`\n# syntax=docker/dockerfile:1.7\nFROM alpine:3.20 `\n  AS a\n";
    let found = deps(content);
    assert_eq!(found[0].dep_type.as_deref(), Some("syntax"));
    assert_eq!(found[1].dep_name, "alpine");
}

#[test]
fn a_dockerignore_next_to_a_dockerfile_is_not_ours() {
    let extracted = Dockerfile
        .extract("app/Dockerfile.dockerignore", "node_modules\n")
        .unwrap();
    assert!(extracted.is_none());
}

#[test]
fn huge_files_stay_linear() {
    // many ARG names on one line, many stages, many COPY --from: each a map lookup
    let names: Vec<String> = (0..50_000).map(|index| format!("A{index}=1")).collect();
    let mut content = format!("ARG {}\n", names.join(" "));
    for index in 0..5_000 {
        content.push_str(&format!(
            "FROM alpine:3.{index} AS s{index}\nCOPY --from=s0 /a /a\n"
        ));
    }
    assert_eq!(deps(&content).len(), 5_000);
}

#[test]
fn an_invalid_reference_sharing_an_arg_does_not_block_the_update() {
    let content = "ARG V=18\nFROM node:${V} AS a\nFROM Node:${V}\n";
    let found = deps(content);
    assert_eq!(found[1].dep_name, "Node:${V}");
    assert_eq!(found[1].skip_reason, Some(SkipReason::InvalidValue));
    assert_eq!(
        update(content, 0, new_value("20")),
        content.replace("V=18", "V=20")
    );
}
