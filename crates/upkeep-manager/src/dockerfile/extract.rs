//! Extraction: from scanned instructions to image dependencies.
//!
//! One forward pass over the instructions, keeping Docker's build-argument scopes (global
//! `ARG`s for `FROM` lines, the stage's own for `COPY --from` and `RUN --mount=from=`).
//! Every image word is substituted ([`super::args`]), then parsed by the shared
//! [`crate::docker_image`] grammar; its tag and digest spans are traced back to the bytes
//! they were read from, which may be an `ARG` default on another line. A tag or digest
//! whose bytes are not one contiguous run of the file (`node:${MAJOR}-alpine`) cannot be
//! edited in place, so that dependency is kept with `contains-variable`.
//!
//! Dependency types follow Renovate's documentation: `syntax` for the `# syntax=`
//! directive, `final` for the last stage's `FROM`, `stage` for the other `FROM`s. Images
//! copied or mounted from get types of their own, `copy-from` and `mount-from`, so that
//! rules aimed at base images (`final`) do not catch them. References to build stages
//! (`FROM build`, `COPY --from=build`, `--from=0`) are not dependencies and are left out,
//! as Renovate leaves them out; `FROM scratch` is kept with the `scratch` skip reason.
//!
//! What Docker refuses to build is an error here too: an unknown instruction, anything but
//! `ARG` before the first `FROM`, no `FROM` at all, a `FROM` without an image or with a
//! stray word, an invalid or duplicate stage name, an unclosed heredoc. An image
//! reference that does not parse is only that dependency's problem (`invalid-value`).

use std::collections::HashMap;
use std::ops::Range;

use upkeep_types::{Datasource, Dependency, PackageFile, SkipReason};

use super::args::{ArgValue, ExpandError, Scope, expand};
use super::instructions::{Instruction, Keyword, Scanned, scan};
use super::words::{mount_from, split_flags, split_words};
use crate::ExtractError;
use crate::docker_image::image_dependency;

pub(super) fn extract(
    package_file: &str,
    content: &str,
) -> Result<Option<PackageFile>, ExtractError> {
    // BuildKit's per-Dockerfile ignore file (`Dockerfile.dockerignore`) matches our file
    // patterns but is not a Dockerfile
    if package_file.ends_with(".dockerignore") {
        return Ok(None);
    }
    let scanned = scan(content)?;
    let stages = read_stages(content, &scanned)?;
    let mut package = PackageFile::new(package_file);
    package.deps = Extraction::new(content, &scanned, &stages).run();
    Ok(Some(package))
}

/// A `FROM` line: its image word (a range of the instruction text) and stage name.
struct FromLine {
    image: Range<usize>,
    name: Option<String>,
}

/// Every `FROM` of the file, in order, and the stage names (lowercased) to their index.
#[derive(Default)]
struct Stages {
    lines: Vec<FromLine>,
    by_name: HashMap<String, usize>,
}

/// Checks the file's stage structure and reads every `FROM`, in order.
fn read_stages(content: &str, scanned: &Scanned) -> Result<Stages, ExtractError> {
    let Some(first) = scanned
        .instructions
        .iter()
        .find(|instruction| instruction.keyword != Keyword::Arg)
    else {
        let message = if scanned.instructions.is_empty() {
            "the Dockerfile has no instructions"
        } else {
            "the Dockerfile has no `FROM` instruction"
        };
        return Err(ExtractError::at(message, 1, 1));
    };
    if first.keyword != Keyword::From {
        return Err(error_at(
            content,
            first,
            "only `ARG` may come before the first `FROM`",
        ));
    }
    let mut stages = Stages::default();
    for instruction in &scanned.instructions {
        if instruction.keyword != Keyword::From {
            continue;
        }
        let stage = read_from(content, instruction, scanned.escape)?;
        if let Some(name) = &stage.name
            && stages
                .by_name
                .insert(name.clone(), stages.lines.len())
                .is_some()
        {
            return Err(error_at(
                content,
                instruction,
                &format!("the stage name `{name}` is used twice"),
            ));
        }
        stages.lines.push(stage);
    }
    Ok(stages)
}

fn read_from(
    content: &str,
    instruction: &Instruction,
    escape: char,
) -> Result<FromLine, ExtractError> {
    let text = instruction.text.as_str();
    let (_, rest) = split_flags(text, instruction.arguments_start..text.len(), escape);
    let words: Vec<Range<usize>> = split_words(text, rest..text.len(), escape)
        .take(4)
        .collect();
    match words.as_slice() {
        [image] => Ok(FromLine {
            image: image.clone(),
            name: None,
        }),
        [image, as_word, name] if text[as_word.clone()].eq_ignore_ascii_case("as") => {
            let name = text[name.clone()].to_ascii_lowercase();
            if !is_valid_stage_name(&name) {
                return Err(error_at(
                    content,
                    instruction,
                    &format!("invalid stage name `{name}`"),
                ));
            }
            Ok(FromLine {
                image: image.clone(),
                name: Some(name),
            })
        }
        _ => Err(error_at(
            content,
            instruction,
            "`FROM` takes an image, optionally followed by `AS name`",
        )),
    }
}

/// BuildKit's rule for stage names (after lowercasing): a letter, then letters, digits,
/// `-`, `_` or `.`.
fn is_valid_stage_name(name: &str) -> bool {
    let mut characters = name.chars();
    characters
        .next()
        .is_some_and(|first| first.is_ascii_lowercase())
        && characters.all(|character| {
            character.is_ascii_lowercase()
                || character.is_ascii_digit()
                || matches!(character, '-' | '_' | '.')
        })
}

fn error_at(content: &str, instruction: &Instruction, message: &str) -> ExtractError {
    ExtractError::at_offset(message, content, instruction.offset)
}

/// Which names an image word must not be taken for.
#[derive(Clone, Copy)]
enum StageReference {
    /// `FROM`: a stage defined earlier in the file.
    Earlier(usize),
    /// `COPY --from` and `--mount=from=`: any stage of the file, or a stage index.
    AnyOrIndex,
}

struct Extraction<'a> {
    content: &'a str,
    scanned: &'a Scanned,
    stages: &'a Stages,
    deps: Vec<Dependency>,
}

impl<'a> Extraction<'a> {
    fn new(content: &'a str, scanned: &'a Scanned, stages: &'a Stages) -> Extraction<'a> {
        Extraction {
            content,
            scanned,
            stages,
            deps: Vec::new(),
        }
    }

    fn run(mut self) -> Vec<Dependency> {
        self.syntax_directive();
        let mut global = Scope::default();
        // the scope of each stage as it stands at its end, for stages built on it
        let mut finished: Vec<Scope> = Vec::with_capacity(self.stages.lines.len());
        let mut stage: Option<(usize, Scope)> = None;
        for instruction in &self.scanned.instructions {
            match (instruction.keyword, &mut stage) {
                (Keyword::Arg, None) => self.declare_args(instruction, &mut global, None),
                (Keyword::Arg, Some((_, scope))) => {
                    self.declare_args(instruction, scope, Some(&global));
                }
                (Keyword::From, _) => {
                    let index = stage.as_ref().map_or(0, |(index, _)| index + 1);
                    if let Some((_, scope)) = stage.take() {
                        finished.push(scope);
                    }
                    let parent = self.stage_base(instruction, index, &global);
                    let scope = parent
                        .and_then(|parent| finished.get(parent).cloned())
                        .unwrap_or_default();
                    stage = Some((index, scope));
                }
                (Keyword::Copy, Some((_, scope))) => self.copy_from(instruction, scope),
                (Keyword::Run, Some((_, scope))) => self.mount_from(instruction, scope),
                _ => {}
            }
        }
        self.deps
    }

    fn syntax_directive(&mut self) {
        let Some(directive) = self
            .scanned
            .directives
            .iter()
            .find(|directive| directive.name == "syntax")
        else {
            return;
        };
        let text = &self.content[directive.value.clone()];
        let mut dep = image_dependency(text, directive.value.start, directive.line);
        dep.dep_type = Some("syntax".to_owned());
        self.deps.push(dep);
    }

    /// Reads `ARG a=1 b="2" c` into `scope`; inside a stage, a bare name takes its
    /// global default (`global` is the global scope then).
    fn declare_args(&self, instruction: &Instruction, scope: &mut Scope, global: Option<&Scope>) {
        let text = instruction.text.as_str();
        let escape = self.scanned.escape;
        for word in split_words(text, instruction.arguments_start..text.len(), escape) {
            let (name, value) = match text[word.clone()].find('=') {
                Some(equals) => {
                    let default = word.start + equals + 1..word.end;
                    let value = expand(&instruction.text, default, scope, escape)
                        .map_or(ArgValue::Unset, ArgValue::Value);
                    (&text[word.start..word.start + equals], value)
                }
                None => {
                    let name = &text[word];
                    let inherited = global.and_then(|global| global.get(name)).cloned();
                    (name, inherited.unwrap_or(ArgValue::Unset))
                }
            };
            scope.declare(name, value);
        }
    }

    /// Adds the dependency of stage `index`'s `FROM`; returns the index of the stage it
    /// builds on when it names one.
    fn stage_base(
        &mut self,
        instruction: &Instruction,
        index: usize,
        global: &Scope,
    ) -> Option<usize> {
        let stage = &self.stages.lines[index];
        let dep_type = if index + 1 == self.stages.lines.len() {
            "final"
        } else {
            "stage"
        };
        let reference = StageReference::Earlier(index);
        match self.image(instruction, stage.image.clone(), global, reference) {
            Ok(mut dep) => {
                dep.dep_type = Some(dep_type.to_owned());
                self.deps.push(dep);
                None
            }
            Err(parent) => parent,
        }
    }

    fn copy_from(&mut self, instruction: &Instruction, scope: &Scope) {
        let text = instruction.text.as_str();
        let (flags, _) = split_flags(
            text,
            instruction.arguments_start..text.len(),
            self.scanned.escape,
        );
        for flag in flags {
            if let Some(value) = flag.value
                && text[flag.name].eq_ignore_ascii_case("from")
                && !value.is_empty()
            {
                self.push_image(instruction, value, scope, "copy-from");
            }
        }
    }

    fn mount_from(&mut self, instruction: &Instruction, scope: &Scope) {
        let text = instruction.text.as_str();
        let (flags, _) = split_flags(
            text,
            instruction.arguments_start..text.len(),
            self.scanned.escape,
        );
        for flag in flags {
            if let Some(value) = flag.value
                && text[flag.name].eq_ignore_ascii_case("mount")
                && let Some(from) = mount_from(text, value)
            {
                self.push_image(instruction, from, scope, "mount-from");
            }
        }
    }

    fn push_image(
        &mut self,
        instruction: &Instruction,
        word: Range<usize>,
        scope: &Scope,
        dep_type: &str,
    ) {
        if let Ok(mut dep) = self.image(instruction, word, scope, StageReference::AnyOrIndex) {
            dep.dep_type = Some(dep_type.to_owned());
            self.deps.push(dep);
        }
    }

    /// The dependency for the image word `word` of `instruction`, or, when the word names
    /// a build stage, `Err` with that stage's index (`None` for a stage index number).
    fn image(
        &self,
        instruction: &Instruction,
        word: Range<usize>,
        scope: &Scope,
        reference: StageReference,
    ) -> Result<Dependency, Option<usize>> {
        let raw = &instruction.text.as_str()[word.clone()];
        let line = self.line_of(instruction, word.start);
        let resolved = match expand(&instruction.text, word, scope, self.scanned.escape) {
            Ok(resolved) => resolved,
            Err(error) => {
                let reason = match error {
                    ExpandError::ContainsVariable => SkipReason::ContainsVariable,
                    ExpandError::Malformed => SkipReason::InvalidValue,
                };
                return Ok(unresolved(raw, line, reason));
            }
        };
        if let Some(stage) = self.stage_named(resolved.as_str(), reference) {
            return Err(stage);
        }
        let mut dep = image_dependency(resolved.as_str(), 0, line);
        match dep.skip_reason {
            // named as written: substituted text could change under another dependency's
            // update of a shared ARG, and the update's confirmation would then fail
            Some(SkipReason::InvalidValue) => {
                return Ok(unresolved(raw, line, SkipReason::InvalidValue));
            }
            Some(_) => {
                dep.location.value = None;
                dep.location.digest = None;
                return Ok(dep);
            }
            None => {}
        }
        let value = dep
            .location
            .value
            .and_then(|span| resolved.source_span(span.range()));
        let digest = dep
            .location
            .digest
            .and_then(|span| resolved.source_span(span.range()));
        match (value, digest) {
            (Some(value), Some(digest)) => {
                dep.location.value = Some(value);
                dep.location.digest = Some(digest);
                Ok(dep)
            }
            _ => {
                // the tag or digest is assembled from several places: no single edit
                let mut unresolved = unresolved(raw, line, SkipReason::ContainsVariable);
                unresolved.dep_name = dep.dep_name;
                Ok(unresolved)
            }
        }
    }

    /// The build stage `name` refers to, if it refers to one.
    fn stage_named(&self, name: &str, reference: StageReference) -> Option<Option<usize>> {
        let is_index = !name.is_empty() && name.bytes().all(|byte| byte.is_ascii_digit());
        if is_index && matches!(reference, StageReference::AnyOrIndex) {
            return Some(None);
        }
        let index = *self.stages.by_name.get(&name.to_ascii_lowercase())?;
        match reference {
            StageReference::Earlier(current) if index >= current => None,
            _ => Some(Some(index)),
        }
    }

    /// The 1-based file line of byte `position` of the instruction text.
    fn line_of(&self, instruction: &Instruction, position: usize) -> u32 {
        match instruction.text.source_span(position..position + 1) {
            Some(span) => instruction.line_at(span.start),
            None => instruction.line,
        }
    }
}

/// A dependency whose reference could not be read as written.
fn unresolved(raw: &str, line: u32, reason: SkipReason) -> Dependency {
    let mut dep = Dependency::new(raw, Some(Datasource::Docker)).skipped(reason);
    dep.replace_string = Some(raw.to_owned());
    dep.location.line = line;
    dep
}
