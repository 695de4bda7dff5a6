//! Writing a new requirement for a new version, in the user's own style.
//!
//! The rule behind every case: keep the operator, the spacing, the precision
//! (`^1.2` stays two numbers), the wildcard letters (`1.x` → `2.x`) and the `v`
//! prefix; change only the numbers. Every rewritten value is parsed again and must
//! admit the new version, so a shape that cannot express it yields `None` instead of a
//! silently wrong requirement.

use crate::range::{
    Alternative, Clause, Comparator, Dialect, Op, Partial, RangeKind, comparator_admits,
    parse_range,
};
use crate::{RangeStrategy, Version};

/// What [`Versioning::get_new_value`](crate::Versioning::get_new_value) is asked.
#[derive(Debug, Clone, Copy)]
pub struct NewValueRequest<'a> {
    /// The requirement as written in the manifest (`^1.2`, `~> 4.0`, `18-alpine`).
    pub current_value: &'a str,
    /// The strategy, already resolved with [`RangeStrategy::resolve`]; `auto` is read
    /// as `replace`.
    pub range_strategy: RangeStrategy,
    /// The version in use today (from a lock file or the value), when known.
    pub current_version: Option<&'a Version>,
    /// The version to move to.
    pub new_version: &'a Version,
}

/// How a clause's numbers move.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Move {
    /// Lower bounds follow the new version, upper bounds move past it if needed.
    Replace,
    /// Lower bounds stay, upper bounds move past the new version if needed.
    Widen,
}

/// The new value for a comparator-based requirement (cargo, npm, hashicorp, semver).
pub(crate) fn constraint_new_value(
    dialect: &Dialect,
    request: &NewValueRequest<'_>,
) -> Option<String> {
    let current = request.current_value.trim();
    let range = parse_range(current, dialect)?;
    let RangeKind::Constraint {
        alternatives,
        or_separator,
        single_version,
    } = &range.kind
    else {
        return None;
    };
    let new = request.new_version;
    let strategy = match request.range_strategy {
        RangeStrategy::Auto => RangeStrategy::Replace,
        strategy => strategy,
    };
    let in_range = range.matches(new);
    let candidate = if *single_version {
        // A pinned value stays pinned, in its own style (`=1.2.3`, `v1.2.3`).
        match strategy {
            RangeStrategy::InRangeOnly if !in_range => return None,
            _ => rewrite_single(alternatives, new),
        }
    } else {
        match strategy {
            RangeStrategy::Pin => {
                let v_prefix = first_partial(alternatives).is_some_and(|p| p.v_prefix);
                format!("{}{}", dialect.pin_operator, full_text(new, v_prefix))
            }
            RangeStrategy::InRangeOnly => return in_range.then(|| current.to_owned()),
            RangeStrategy::Replace | RangeStrategy::UpdateLockfile | RangeStrategy::Widen
                if in_range =>
            {
                return Some(current.to_owned());
            }
            RangeStrategy::Replace | RangeStrategy::UpdateLockfile | RangeStrategy::Auto => {
                let last = alternatives.last()?;
                move_clause(&last.clause, dialect, new, Move::Replace)?
            }
            RangeStrategy::Widen => widen(alternatives, or_separator, dialect, new)?,
            RangeStrategy::Bump => bump(alternatives, or_separator, dialect, new)?,
        }
    };
    let parsed = parse_range(&candidate, dialect)?;
    parsed.matches(new).then_some(candidate)
}

fn first_partial(alternatives: &[Alternative]) -> Option<&Partial> {
    match &alternatives.first()?.clause {
        Clause::Comparators { items, .. } => items.first().map(|c| &c.version),
        Clause::Hyphen { low, .. } => Some(low),
    }
}

fn full_text(version: &Version, v_prefix: bool) -> String {
    let numbers: Vec<String> = version.release().iter().map(u64::to_string).collect();
    let mut text = format!("{}{}", if v_prefix { "v" } else { "" }, numbers.join("."));
    if version.is_prerelease() {
        text.push('-');
        text.push_str(&crate::range::prerelease_text(version.prerelease()));
    }
    text
}

fn rewrite_single(alternatives: &[Alternative], new: &Version) -> String {
    let Some(Clause::Comparators { items, .. }) = alternatives.first().map(|a| &a.clause) else {
        return full_text(new, false);
    };
    let comparator = &items[0];
    // Keep a short pin (`= 1.2`) short when the new version fits it, else write it out.
    let written = comparator.version.precision();
    let fits = new
        .release()
        .iter()
        .skip(written)
        .all(|&number| number == 0);
    let precision = if fits {
        written
    } else {
        new.precision().min(3)
    };
    Comparator {
        op: comparator.op,
        space: comparator.space.clone(),
        version: comparator.version.reshaped(new, precision),
    }
    .render()
}

fn widen(
    alternatives: &[Alternative],
    or_separator: &str,
    dialect: &Dialect,
    new: &Version,
) -> Option<String> {
    let last = alternatives.last()?;
    if alternatives.len() > 1 || (dialect.alternatives && !last.has_upper_bound()) {
        let added = move_clause(&last.clause, dialect, new, Move::Replace)?;
        let separator = if or_separator.is_empty() {
            " || "
        } else {
            or_separator
        };
        let existing: Vec<String> = alternatives.iter().map(|a| a.clause.render()).collect();
        return Some(format!("{}{separator}{added}", existing.join(separator)));
    }
    let mode = if last.has_upper_bound() {
        Move::Widen
    } else {
        Move::Replace
    };
    move_clause(&last.clause, dialect, new, mode)
}

fn bump(
    alternatives: &[Alternative],
    or_separator: &str,
    dialect: &Dialect,
    new: &Version,
) -> Option<String> {
    // With alternatives, bump the one the new version falls in (else the last).
    let index = alternatives
        .iter()
        .position(|a| a.matches(new))
        .unwrap_or(alternatives.len() - 1);
    let mut rendered: Vec<String> = alternatives.iter().map(|a| a.clause.render()).collect();
    rendered[index] = move_clause(&alternatives[index].clause, dialect, new, Move::Replace)?;
    let separator = if or_separator.is_empty() {
        " || "
    } else {
        or_separator
    };
    Some(rendered.join(separator))
}

fn move_clause(clause: &Clause, dialect: &Dialect, new: &Version, mode: Move) -> Option<String> {
    let moved = match clause {
        Clause::Comparators { items, joiner } => Clause::Comparators {
            items: items
                .iter()
                .map(|comparator| move_comparator(comparator, dialect, new, mode))
                .collect(),
            joiner: joiner.clone(),
        },
        Clause::Hyphen { low, high } => Clause::Hyphen {
            low: match mode {
                Move::Replace => low.reshaped(new, low.precision()),
                Move::Widen => low.clone(),
            },
            high: {
                let as_upper = Comparator {
                    op: Op::Le,
                    space: String::new(),
                    version: high.clone(),
                };
                if high.precision() == 0 || comparator_admits(&as_upper, dialect, new) {
                    high.clone()
                } else {
                    raise_upper(&as_upper, dialect, new)
                }
            },
        },
    };
    Some(moved.render())
}

fn move_comparator(
    comparator: &Comparator,
    dialect: &Dialect,
    new: &Version,
    mode: Move,
) -> Comparator {
    let precision = comparator.version.precision();
    let version = if precision == 0 || comparator.op == Op::Ne {
        comparator.version.clone()
    } else if comparator.op.is_upper() {
        if comparator_admits(comparator, dialect, new) {
            comparator.version.clone()
        } else {
            raise_upper(comparator, dialect, new)
        }
    } else {
        match mode {
            Move::Replace => comparator.version.reshaped(new, precision),
            Move::Widen => comparator.version.clone(),
        }
    };
    Comparator {
        op: comparator.op,
        space: comparator.space.clone(),
        version,
    }
}

/// Moves an upper bound past `new`, keeping its granularity: `<2.0` → `<3.0`,
/// `<1.5` → `<1.7` for `1.6.2`; `<=` becomes the new version at the bound's precision.
fn raise_upper(comparator: &Comparator, dialect: &Dialect, new: &Version) -> Partial {
    let partial = &comparator.version;
    let precision = partial.precision();
    if comparator.op == Op::Le {
        let reshaped = partial.reshaped(new, precision);
        let candidate = Comparator {
            op: Op::Le,
            space: String::new(),
            version: reshaped.clone(),
        };
        if comparator_admits(&candidate, dialect, new) {
            return reshaped;
        }
        return partial.reshaped(new, 3);
    }
    let granularity = (0..precision)
        .rev()
        .find(|&index| matches!(partial.parts[index], crate::range::Part::Number(n) if n != 0))
        .unwrap_or(precision - 1);
    let mut numbers = [new.major(), new.minor(), new.patch()];
    numbers[granularity] += 1;
    for number in &mut numbers[granularity + 1..] {
        *number = 0;
    }
    let next = Version::from_parts("", &numbers, Vec::new(), "", false).expect("three numbers fit");
    partial.reshaped(&next, precision)
}
