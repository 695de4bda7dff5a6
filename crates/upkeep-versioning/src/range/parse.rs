//! Parsing requirement text under a [`Dialect`]: split `||` alternatives, split
//! comparators (by commas or by spaces, with npm's `>= 1.2` and hyphen ranges), read
//! operators and partial versions — recording the user's spacing and separators so the
//! value can be written back the same way — then desugar each alternative into bounds.

use super::{
    Alternative, Bare, BoundOp, Clause, Comparator, Dialect, Op, Part, Partial, Range, RangeKind,
    bound, desugar,
};
use crate::version::{parse_number, parse_prerelease};

/// Parses `text` under `dialect`; `None` if it is not a valid requirement.
pub(crate) fn parse_range(text: &str, dialect: &Dialect) -> Option<Range> {
    let trimmed = text.trim();
    let (pieces, or_separator) = if dialect.alternatives {
        split_alternatives(trimmed)
    } else {
        (vec![trimmed], String::new())
    };
    let alternatives = pieces
        .into_iter()
        .map(|piece| parse_alternative(piece, dialect))
        .collect::<Option<Vec<_>>>()?;
    let single_version = alternatives.len() == 1 && is_single(&alternatives[0].clause, dialect);
    if dialect.exact_only && !single_version {
        return None;
    }
    Some(Range {
        text: trimmed.into(),
        kind: RangeKind::Constraint {
            alternatives,
            or_separator,
            single_version,
        },
    })
}

fn split_alternatives(text: &str) -> (Vec<&str>, String) {
    let Some(index) = text.find("||") else {
        return (vec![text], String::new());
    };
    let before = text[..index].len() - text[..index].trim_end().len();
    let after = text[index + 2..].len() - text[index + 2..].trim_start().len();
    let separator = text[index - before..index + 2 + after].to_owned();
    (text.split("||").map(str::trim).collect(), separator)
}

fn is_single(clause: &Clause, dialect: &Dialect) -> bool {
    let Clause::Comparators { items, .. } = clause else {
        return false;
    };
    let [comparator] = items.as_slice() else {
        return false;
    };
    let exact_op =
        comparator.op == Op::Eq || (comparator.op == Op::Bare && dialect.bare == Bare::Exact);
    let precision = comparator.version.precision();
    exact_op
        && !comparator.version.has_wildcard()
        && precision > 0
        && (precision >= 3 || !dialect.partial_is_wildcard)
}

fn parse_alternative(text: &str, dialect: &Dialect) -> Option<Alternative> {
    let clause = parse_clause(text, dialect)?;
    let mut bounds = Vec::new();
    let mut anchors = Vec::new();
    match &clause {
        Clause::Comparators { items, .. } => {
            for comparator in items {
                desugar(comparator, dialect, &mut bounds);
                if !comparator.version.prerelease.is_empty() {
                    anchors.push(comparator.version.floor().triple());
                }
            }
        }
        Clause::Hyphen { low, high } => {
            if low.precision() > 0 {
                bounds.push(bound(BoundOp::Ge, low.floor()));
            }
            match high.precision() {
                0 => {}
                n if n >= 3 => bounds.push(bound(BoundOp::Le, high.floor())),
                n => bounds.push(bound(BoundOp::Lt, high.next(n - 1))),
            }
            for partial in [low, high] {
                if !partial.prerelease.is_empty() {
                    anchors.push(partial.floor().triple());
                }
            }
        }
    }
    Some(Alternative {
        clause,
        bounds,
        anchors,
    })
}

fn parse_clause(text: &str, dialect: &Dialect) -> Option<Clause> {
    if dialect.comma_separated {
        let joiner = comma_joiner(text);
        let items = text
            .split(',')
            .map(|piece| parse_comparator(piece.trim(), dialect))
            .collect::<Option<Vec<_>>>()?;
        return Some(Clause::Comparators { items, joiner });
    }
    let tokens: Vec<&str> = text.split_whitespace().collect();
    if dialect.hyphen && tokens.len() == 3 && tokens[1] == "-" {
        return Some(Clause::Hyphen {
            low: parse_partial(tokens[0], dialect)?,
            high: parse_partial(tokens[2], dialect)?,
        });
    }
    if tokens.is_empty() {
        // npm: an empty range is `*`.
        if !dialect.wildcards {
            return None;
        }
        return Some(Clause::Comparators {
            items: vec![parse_comparator("*", dialect)?],
            joiner: " ".to_owned(),
        });
    }
    let mut items = Vec::new();
    let mut pending_op: Option<&str> = None;
    for token in tokens {
        if token.bytes().all(|b| b"<>=~^!".contains(&b)) {
            if pending_op.is_some() {
                return None;
            }
            pending_op = Some(token);
            continue;
        }
        let comparator = match pending_op.take() {
            Some(op) => parse_comparator(&format!("{op} {token}"), dialect)?,
            None => parse_comparator(token, dialect)?,
        };
        items.push(comparator);
    }
    if pending_op.is_some() {
        return None;
    }
    Some(Clause::Comparators {
        items,
        joiner: " ".to_owned(),
    })
}

fn comma_joiner(text: &str) -> String {
    let Some(index) = text.find(',') else {
        return ", ".to_owned();
    };
    let before = &text[..index];
    let after = &text[index + 1..];
    let leading = &before[before.trim_end().len()..];
    let trailing = &after[..after.len() - after.trim_start().len()];
    format!("{leading},{trailing}")
}

fn parse_comparator(text: &str, dialect: &Dialect) -> Option<Comparator> {
    let (op, rest) = Op::BY_TEXT
        .iter()
        .find_map(|(op_text, op)| text.strip_prefix(op_text).map(|rest| (*op, rest)))
        .unwrap_or((Op::Bare, text));
    let allowed = match op {
        Op::Bare | Op::Eq | Op::Gt | Op::Ge | Op::Lt | Op::Le => {
            !dialect.exact_only || matches!(op, Op::Bare)
        }
        Op::Caret | Op::Tilde => dialect.caret_tilde,
        Op::TildeArrow => dialect.caret_tilde || dialect.pessimistic,
        Op::Ne => dialect.pessimistic,
    };
    if !allowed {
        return None;
    }
    let version = rest.trim_start();
    let space = rest[..rest.len() - version.len()].to_owned();
    if op == Op::Bare && !space.is_empty() {
        return None;
    }
    Some(Comparator {
        op,
        space,
        version: parse_partial(version, dialect)?,
    })
}

fn parse_partial(text: &str, dialect: &Dialect) -> Option<Partial> {
    let (v_prefix, rest) = match text.strip_prefix(['v', 'V']) {
        Some(rest) if dialect.v_prefix => (true, rest),
        Some(_) => return None,
        None => (false, text),
    };
    let rest = rest.split_once('+').map_or(rest, |(rest, _build)| rest);
    let (numbers, prerelease_text) = match rest.split_once('-') {
        Some((numbers, pre)) => (numbers, pre),
        None => (rest, ""),
    };
    let mut parts = Vec::new();
    for piece in numbers.split('.') {
        let part = match piece {
            "*" | "x" | "X" if dialect.wildcards => Part::Wild(piece.chars().next()?),
            _ => Part::Number(parse_number(piece, dialect.strict_numbers)?),
        };
        // No number after a wildcard (`1.x.3`).
        if matches!(part, Part::Number(_)) && parts.iter().any(|p| matches!(p, Part::Wild(_))) {
            return None;
        }
        parts.push(part);
    }
    if parts.is_empty() || parts.len() > 3 {
        return None;
    }
    let prerelease = if prerelease_text.is_empty() {
        if rest.ends_with('-') {
            return None;
        }
        Vec::new()
    } else if parts.len() == 3 && !parts.iter().any(|p| matches!(p, Part::Wild(_))) {
        parse_prerelease(prerelease_text)?
    } else {
        return None;
    };
    Some(Partial {
        v_prefix,
        parts,
        prerelease,
        prerelease_text: prerelease_text.to_owned(),
    })
}
