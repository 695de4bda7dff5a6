//! [`Range`]: a parsed version requirement, with both its syntax and its meaning.
//!
//! Cargo, npm and Terraform requirements are all "alternatives of comparators over
//! partial versions" (`>=1.2, <2`, `^1.0.0 || ^2.0.0`, `~> 4.1`), differing in a few
//! rules: what a bare version means, whether `1.2` in `<=1.2` is a wildcard or
//! `1.2.0`, which operators and separators exist. A [`Dialect`] states those rules
//! and one parser serves all three schemes. Parsing keeps the syntax (operator,
//! spacing, precision, `v` prefix, wildcard letters) so that a new value can be written
//! in the user's own style, and desugars it once into plain bounds so that matching
//! is a loop over a few integer comparisons — no string is parsed twice.
//!
//! Prereleases follow the rule npm, Cargo and Terraform share: a prerelease version
//! matches only an alternative that names a prerelease of the same `major.minor.patch`.

mod parse;

pub(crate) use parse::parse_range;

use crate::version::{Identifier, MAX_RELEASE_PARTS, Version};

/// What a version without an operator means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Bare {
    /// Cargo: `1.2` is `^1.2`.
    Caret,
    /// npm, Terraform, SemVer: `1.2.3` is exactly that version (npm: `1.2` is `1.2.x`).
    Exact,
}

/// The syntax rules of one scheme's requirements.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Dialect {
    /// Meaning of a bare version.
    pub bare: Bare,
    /// npm, Cargo: a partial version in `=`, `>` or `<=` is an x-range (`<=1.2` is
    /// `<1.3.0`). Terraform pads with zeros instead (`<= 1.2` is `<= 1.2.0`).
    pub partial_is_wildcard: bool,
    /// Comparators are separated by commas (Cargo, Terraform) rather than spaces (npm).
    pub comma_separated: bool,
    /// `||` alternatives (npm).
    pub alternatives: bool,
    /// `1.2.3 - 2.3.4` hyphen ranges (npm).
    pub hyphen: bool,
    /// `*`, `x`, `X` wildcards.
    pub wildcards: bool,
    /// `^` and `~` (npm and Cargo; npm also reads `~>` as `~`).
    pub caret_tilde: bool,
    /// Terraform's `~>` and `!=`.
    pub pessimistic: bool,
    /// A leading `v` on versions (npm, Terraform).
    pub v_prefix: bool,
    /// Only a single exact version is a valid requirement (plain SemVer).
    pub exact_only: bool,
    /// Reject leading zeros in numbers (`01.2.3`), as npm and Cargo do; Terraform allows them.
    pub strict_numbers: bool,
    /// The operator that pins a version (`=` for Cargo, where a bare version is a caret).
    pub pin_operator: &'static str,
}

/// A comparison operator as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Bare,
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
    Caret,
    Tilde,
    /// `~>`: Terraform's pessimistic operator; npm's alias of `~`.
    TildeArrow,
}

impl Op {
    pub(crate) const BY_TEXT: [(&'static str, Op); 9] = [
        ("~>", Op::TildeArrow),
        (">=", Op::Ge),
        ("<=", Op::Le),
        ("!=", Op::Ne),
        (">", Op::Gt),
        ("<", Op::Lt),
        ("=", Op::Eq),
        ("^", Op::Caret),
        ("~", Op::Tilde),
    ];

    pub(crate) fn text(self) -> &'static str {
        match self {
            Op::Bare => "",
            Op::Eq => "=",
            Op::Ne => "!=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Caret => "^",
            Op::Tilde => "~",
            Op::TildeArrow => "~>",
        }
    }

    /// Upper bounds move only when the new version is past them.
    pub(crate) fn is_upper(self) -> bool {
        matches!(self, Op::Lt | Op::Le)
    }
}

/// One position of a partial version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Part {
    Number(u64),
    Wild(char),
}

/// A possibly partial version inside a requirement (`1`, `1.2`, `1.2.x`, `v1.2.3-rc.1`).
#[derive(Debug, Clone)]
pub(crate) struct Partial {
    pub v_prefix: bool,
    pub parts: Vec<Part>,
    pub prerelease: Vec<Identifier>,
    pub prerelease_text: String,
}

impl Partial {
    /// How many leading numbers were written (`2` for `1.2.x`, `0` for `*`).
    pub(crate) fn precision(&self) -> usize {
        self.parts
            .iter()
            .take_while(|part| matches!(part, Part::Number(_)))
            .count()
    }

    pub(crate) fn has_wildcard(&self) -> bool {
        self.parts.iter().any(|part| matches!(part, Part::Wild(_)))
    }

    fn number(&self, index: usize) -> u64 {
        match self.parts.get(index) {
            Some(Part::Number(number)) => *number,
            _ => 0,
        }
    }

    /// The lowest version the partial names: missing numbers are zeros.
    pub(crate) fn floor(&self) -> Version {
        let numbers: Vec<u64> = (0..3).map(|index| self.number(index)).collect();
        Version::from_parts("", &numbers, self.prerelease.clone(), "", false)
            .expect("three numbers fit")
    }

    /// The version just past the range `0..=index` of this partial (`1.2` at 0 → `2.0.0`).
    pub(crate) fn next(&self, index: usize) -> Version {
        let mut numbers: Vec<u64> = (0..3).map(|index| self.number(index)).collect();
        numbers[index] += 1;
        for number in &mut numbers[index + 1..] {
            *number = 0;
        }
        Version::from_parts("", &numbers, Vec::new(), "", false).expect("three numbers fit")
    }

    pub(crate) fn render(&self) -> String {
        let mut text = String::new();
        if self.v_prefix {
            text.push('v');
        }
        for (index, part) in self.parts.iter().enumerate() {
            if index > 0 {
                text.push('.');
            }
            match part {
                Part::Number(number) => text.push_str(&number.to_string()),
                Part::Wild(wild) => text.push(*wild),
            }
        }
        if !self.prerelease_text.is_empty() {
            text.push('-');
            text.push_str(&self.prerelease_text);
        }
        text
    }

    /// `version` written in this partial's shape: same precision, wildcards and `v`.
    /// A prerelease cannot be written at less than full precision, so it widens the shape.
    pub(crate) fn reshaped(&self, version: &Version, numbers: usize) -> Partial {
        let numbers = if version.is_prerelease() {
            numbers.max(3)
        } else {
            numbers
        };
        let mut parts: Vec<Part> = (0..numbers)
            .map(|index| Part::Number(version.release[index.min(MAX_RELEASE_PARTS - 1)]))
            .collect();
        parts.extend(
            self.parts
                .iter()
                .skip(numbers)
                .filter(|p| matches!(p, Part::Wild(_))),
        );
        Partial {
            v_prefix: self.v_prefix,
            parts,
            prerelease: version.prerelease.clone(),
            prerelease_text: prerelease_text(&version.prerelease),
        }
    }
}

pub(crate) fn prerelease_text(prerelease: &[Identifier]) -> String {
    prerelease
        .iter()
        .map(|identifier| match identifier {
            Identifier::Numeric(number) => number.to_string(),
            Identifier::Alphanumeric(text) => text.clone(),
        })
        .collect::<Vec<_>>()
        .join(".")
}

/// An operator and a partial version, with the spacing the user wrote between them.
#[derive(Debug, Clone)]
pub(crate) struct Comparator {
    pub op: Op,
    pub space: String,
    pub version: Partial,
}

impl Comparator {
    pub(crate) fn render(&self) -> String {
        format!("{}{}{}", self.op.text(), self.space, self.version.render())
    }
}

/// The comparators of one alternative.
#[derive(Debug, Clone)]
pub(crate) enum Clause {
    /// Comparators that must all hold, joined by `joiner` (`, ` or ` `).
    Comparators {
        items: Vec<Comparator>,
        joiner: String,
    },
    /// npm's `low - high`.
    Hyphen { low: Partial, high: Partial },
}

impl Clause {
    pub(crate) fn render(&self) -> String {
        match self {
            Clause::Comparators { items, joiner } => items
                .iter()
                .map(Comparator::render)
                .collect::<Vec<_>>()
                .join(joiner),
            Clause::Hyphen { low, high } => format!("{} - {}", low.render(), high.render()),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BoundOp {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
}

/// A desugared comparison against a full version.
#[derive(Debug, Clone)]
pub(crate) struct Bound {
    op: BoundOp,
    version: Version,
}

impl Bound {
    fn admits(&self, version: &Version) -> bool {
        let ordering = version.precedence(&self.version);
        match self.op {
            BoundOp::Lt => ordering.is_lt(),
            BoundOp::Le => ordering.is_le(),
            BoundOp::Gt => ordering.is_gt(),
            BoundOp::Ge => ordering.is_ge(),
            BoundOp::Eq => ordering.is_eq(),
            BoundOp::Ne => ordering.is_ne(),
        }
    }
}

/// One `||` alternative: its syntax and its bounds.
#[derive(Debug, Clone)]
pub(crate) struct Alternative {
    pub clause: Clause,
    pub(crate) bounds: Vec<Bound>,
    /// `major.minor.patch` of every prerelease the alternative names.
    pub(crate) anchors: Vec<[u64; 3]>,
}

impl Alternative {
    pub(crate) fn matches(&self, version: &Version) -> bool {
        self.bounds.iter().all(|bound| bound.admits(version))
            && (!version.is_prerelease() || self.anchors.contains(&version.triple()))
    }

    /// Whether any comparator bounds the range from above.
    pub(crate) fn has_upper_bound(&self) -> bool {
        match &self.clause {
            Clause::Comparators { items, .. } => items.iter().any(|c| c.op.is_upper()),
            Clause::Hyphen { high, .. } => high.precision() > 0,
        }
    }
}

/// What a requirement text turned out to be.
#[derive(Debug, Clone)]
pub(crate) enum RangeKind {
    /// A name resolved elsewhere (npm dist-tags like `latest`, node's `lts/*`).
    Tag,
    /// Exactly one version (docker tags, which have no ranges).
    Exact(Version),
    /// Comparators, possibly in `||` alternatives.
    Constraint {
        alternatives: Vec<Alternative>,
        or_separator: String,
        single_version: bool,
    },
}

/// A parsed requirement (`^1.2`, `>= 1.0, < 2.0`, `latest`). Opaque: build one with a
/// scheme's [`parse_range`](crate::Versioning::parse_range).
#[derive(Debug, Clone)]
pub struct Range {
    pub(crate) text: Box<str>,
    pub(crate) kind: RangeKind,
}

impl Range {
    /// The text this range was parsed from.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether `version` satisfies the range. A tag matches nothing.
    pub fn matches(&self, version: &Version) -> bool {
        match &self.kind {
            RangeKind::Tag => false,
            RangeKind::Exact(exact) => exact == version,
            RangeKind::Constraint { alternatives, .. } => alternatives
                .iter()
                .any(|alternative| alternative.matches(version)),
        }
    }

    /// Whether the range admits exactly one version (`=1.2.3`, npm `1.2.3`; not Cargo's
    /// bare `1.2.3`, which is a caret requirement).
    pub fn is_single_version(&self) -> bool {
        match &self.kind {
            RangeKind::Tag => false,
            RangeKind::Exact(_) => true,
            RangeKind::Constraint { single_version, .. } => *single_version,
        }
    }

    /// Whether the value is a name (npm dist-tag such as `latest`) rather than a range.
    pub fn is_tag(&self) -> bool {
        matches!(self.kind, RangeKind::Tag)
    }

    pub(crate) fn tag(text: &str) -> Range {
        Range {
            text: text.into(),
            kind: RangeKind::Tag,
        }
    }

    pub(crate) fn exact(version: Version) -> Range {
        Range {
            text: version.as_str().into(),
            kind: RangeKind::Exact(version),
        }
    }
}

pub(crate) fn bound(op: BoundOp, version: Version) -> Bound {
    Bound { op, version }
}

pub(crate) fn desugar(comparator: &Comparator, dialect: &Dialect, bounds: &mut Vec<Bound>) {
    let partial = &comparator.version;
    let precision = partial.precision();
    let floor = partial.floor();
    let wildcard = precision < 3 && (dialect.partial_is_wildcard || partial.has_wildcard());
    let op = match comparator.op {
        // `1.2.*` is an x-range whatever a bare version means.
        Op::Bare if partial.has_wildcard() || precision == 0 => Op::Eq,
        Op::Bare if dialect.bare == Bare::Caret => Op::Caret,
        Op::Bare => Op::Eq,
        Op::TildeArrow if !dialect.pessimistic => Op::Tilde,
        op => op,
    };
    if precision == 0 {
        // `*`, `x`: any version (`<*` and friends are nonsense and read the same way).
        return;
    }
    match op {
        Op::Eq if wildcard => {
            bounds.push(bound(BoundOp::Ge, floor));
            bounds.push(bound(BoundOp::Lt, partial.next(precision - 1)));
        }
        Op::Eq | Op::Bare => bounds.push(bound(BoundOp::Eq, floor)),
        Op::Ne => bounds.push(bound(BoundOp::Ne, floor)),
        Op::Gt if wildcard => bounds.push(bound(BoundOp::Ge, partial.next(precision - 1))),
        Op::Gt => bounds.push(bound(BoundOp::Gt, floor)),
        Op::Ge => bounds.push(bound(BoundOp::Ge, floor)),
        Op::Lt => bounds.push(bound(BoundOp::Lt, floor)),
        Op::Le if wildcard => bounds.push(bound(BoundOp::Lt, partial.next(precision - 1))),
        Op::Le => bounds.push(bound(BoundOp::Le, floor)),
        Op::Caret => {
            let first_nonzero = (0..precision)
                .find(|&index| partial.number(index) != 0)
                .unwrap_or(precision - 1);
            bounds.push(bound(BoundOp::Ge, floor));
            bounds.push(bound(BoundOp::Lt, partial.next(first_nonzero)));
        }
        Op::Tilde => {
            bounds.push(bound(BoundOp::Ge, floor));
            bounds.push(bound(
                BoundOp::Lt,
                partial.next(if precision == 1 { 0 } else { 1 }),
            ));
        }
        Op::TildeArrow => {
            // Only the right-most written number may grow; `~> 1` is just `>= 1`.
            bounds.push(bound(BoundOp::Ge, floor));
            if precision >= 2 {
                bounds.push(bound(BoundOp::Lt, partial.next(precision.min(3) - 2)));
            }
        }
    }
}

/// Whether `comparator` alone (ignoring the prerelease rule) admits `version`.
pub(crate) fn comparator_admits(
    comparator: &Comparator,
    dialect: &Dialect,
    version: &Version,
) -> bool {
    let mut bounds = Vec::new();
    desugar(comparator, dialect, &mut bounds);
    bounds.iter().all(|bound| bound.admits(version))
}
