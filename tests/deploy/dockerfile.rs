//! The root Dockerfile: read with upkeep's own dockerfile manager (its base images are
//! dependencies upkeep keeps current) and instruction by instruction (the build's
//! output path, the copied binary, USER, ENTRYPOINT and HEALTHCHECK agree).

use upkeep_manager::Manager as _;
use upkeep_manager::dockerfile::Dockerfile;

/// One instruction: keyword (upper-case) and its arguments, continuations joined.
#[derive(Debug, Clone, PartialEq)]
struct Instruction {
    keyword: String,
    arguments: String,
}

/// Docker's reading: comments and blank lines dropped, `\` continues a line.
fn instructions(text: &str) -> Vec<Instruction> {
    let mut instructions = Vec::new();
    let mut pending = String::new();
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('#') || (trimmed.is_empty() && pending.is_empty()) {
            continue;
        }
        if let Some(continued) = trimmed.strip_suffix('\\') {
            pending.push_str(continued);
            pending.push(' ');
            continue;
        }
        pending.push_str(trimmed);
        let (keyword, arguments) = pending
            .split_once(char::is_whitespace)
            .unwrap_or((&pending, ""));
        instructions.push(Instruction {
            keyword: keyword.to_ascii_uppercase(),
            arguments: arguments.split_whitespace().collect::<Vec<_>>().join(" "),
        });
        pending.clear();
    }
    instructions
}

/// Instructions grouped by stage: (stage name, its instructions).
fn stages(instructions: &[Instruction]) -> Vec<(String, Vec<Instruction>)> {
    let mut stages: Vec<(String, Vec<Instruction>)> = Vec::new();
    for instruction in instructions {
        if instruction.keyword == "FROM" {
            let words: Vec<&str> = instruction.arguments.split(' ').collect();
            let name = match words.as_slice() {
                [.., as_word, name] if as_word.eq_ignore_ascii_case("as") => name.to_string(),
                _ => String::new(),
            };
            stages.push((name, vec![instruction.clone()]));
        } else if let Some((_, body)) = stages.last_mut() {
            body.push(instruction.clone());
        }
    }
    stages
}

fn exec_form(arguments: &str) -> Vec<String> {
    serde_json::from_str(arguments)
        .unwrap_or_else(|error| panic!("not an exec-form JSON array: `{arguments}`: {error}"))
}

fn stage<'a>(stages: &'a [(String, Vec<Instruction>)], name: &str) -> &'a [Instruction] {
    &stages
        .iter()
        .find(|(stage, _)| stage == name)
        .unwrap_or_else(|| panic!("no stage `{name}`"))
        .1
}

fn last<'a>(instructions: &'a [Instruction], keyword: &str) -> Option<&'a Instruction> {
    instructions.iter().rev().find(|i| i.keyword == keyword)
}

#[test]
fn the_binary_built_is_the_binary_copied_run_and_health_checked() {
    let text = super::read("Dockerfile");
    let stages = stages(&instructions(&text));

    // The build produces the package's one binary and copies it out of target/.
    let cargo_toml = super::read("Cargo.toml");
    assert!(cargo_toml.contains("[[bin]]\nname = \"upkeep\""));
    let build = stage(&stages, "build");
    let run = build
        .iter()
        .find(|i| i.keyword == "RUN" && i.arguments.contains("cargo build"))
        .expect("a cargo build");
    assert!(
        run.arguments.contains("--release --locked --bin upkeep"),
        "{run:?}"
    );
    let output = run
        .arguments
        .split("install -D target/release/upkeep ")
        .nth(1)
        .expect("the binary is installed out of target/")
        .split(' ')
        .next()
        .unwrap()
        .to_owned();

    // The runtime copies that file to where ENTRYPOINT and HEALTHCHECK run it.
    let runtime = stage(&stages, "runtime-slim");
    let copy = runtime
        .iter()
        .find(|i| i.keyword == "COPY" && i.arguments.starts_with("--from=build "))
        .expect("COPY --from=build");
    let words: Vec<&str> = copy.arguments.split(' ').collect();
    assert_eq!(words[1], output, "COPY takes what the build installed");
    let binary = words[2];
    assert_eq!(
        exec_form(&last(runtime, "ENTRYPOINT").unwrap().arguments),
        [binary]
    );
    let health = last(runtime, "HEALTHCHECK").unwrap();
    let command = exec_form(health.arguments.split(" CMD ").nth(1).unwrap());
    assert_eq!(command[0], binary);
    assert_eq!(command[1], "healthcheck");
    assert!(
        super::help("healthcheck").is_some(),
        "upkeep has a healthcheck subcommand"
    );
    assert!(command[2].ends_with("/healthz"), "{command:?}");
}

#[test]
fn both_variants_run_as_a_numeric_non_root_user() {
    let text = super::read("Dockerfile");
    let stages = stages(&instructions(&text));
    for name in ["runtime-slim", "runtime-full"] {
        let user = last(stage(&stages, name), "USER")
            .unwrap_or_else(|| panic!("{name} sets no USER"))
            .arguments
            .clone();
        let uid: u32 = user
            .split(':')
            .next()
            .unwrap()
            .parse()
            .unwrap_or_else(|_| panic!("{name}: USER `{user}` is not numeric"));
        assert_ne!(uid, 0, "{name} runs as root");
    }
    // The last stage picks the variant; the full one is the default.
    let (_, final_stage) = stages.last().unwrap();
    assert_eq!(final_stage[0].arguments, "runtime-${UPKEEP_VARIANT}");
    assert!(text.contains("ARG UPKEEP_VARIANT=full"));
    let full = stage(&stages, "runtime-full");
    let copies: Vec<&str> = full
        .iter()
        .filter(|i| i.keyword == "COPY")
        .map(|i| i.arguments.as_str())
        .collect();
    for tool in [
        "/usr/local/cargo/bin",
        "/usr/local/bin/node",
        "node_modules/npm",
    ] {
        assert!(
            copies.iter().any(|copy| copy.contains(tool)),
            "full variant lacks {tool}"
        );
    }
}

#[test]
fn upkeep_reads_its_own_base_images_as_pinned_dependencies() {
    let text = super::read("Dockerfile");
    let file = Dockerfile.extract("Dockerfile", &text).unwrap().unwrap();
    let images: Vec<(&str, &str)> = file
        .deps
        .iter()
        .filter(|dep| dep.skip_reason.is_none())
        .map(|dep| {
            (
                dep.dep_name.as_str(),
                dep.current_value.as_deref().unwrap_or(""),
            )
        })
        .collect();
    for image in ["rust", "node", "debian"] {
        let (_, tag) = images
            .iter()
            .find(|(name, _)| *name == image)
            .unwrap_or_else(|| panic!("`{image}` not extracted: {images:?}"));
        assert!(
            !tag.is_empty() && *tag != "latest",
            "`{image}` is not pinned: `{tag}`"
        );
    }
    // The builder's Rust is the workspace's rust-version.
    let cargo_toml = super::read("Cargo.toml");
    let rust_version = cargo_toml
        .lines()
        .find_map(|line| line.strip_prefix("rust-version = \""))
        .unwrap()
        .trim_end_matches('"');
    let (_, rust_tag) = images.iter().find(|(name, _)| *name == "rust").unwrap();
    assert!(
        rust_tag.starts_with(rust_version),
        "rust:{rust_tag} vs rust-version {rust_version}"
    );
}

#[test]
fn the_instruction_reader_joins_continuations_and_skips_comments() {
    let read = instructions("# c\nFROM a AS b\nRUN one \\\n    two\n\nUSER 1\n");
    assert_eq!(read.len(), 3);
    assert_eq!(read[1].arguments, "one two");
    assert_eq!(stages(&read)[0].0, "b");
}
