//! Compose variable interpolation, resolved the way `docker compose` resolves it when the
//! variables are unset, keeping track of where each resolved byte came from.
//!
//! Compose replaces `$VAR` and `${VAR}` from the environment, `${VAR:-default}` and
//! `${VAR-default}` fall back to `default`, and `$$` is a literal `$`. upkeep has no
//! environment, so a variable with a default resolves to the default — what the file's
//! author declared the usual value to be — and any other variable form is unresolvable.
//! The default's text is in the file, so a tag that is exactly (part of) a default can be
//! edited in place: [`Interpolated::source_span`] maps a span of the resolved text back to
//! the source, and refuses spans that straddle a variable boundary.

use upkeep_types::Span;

/// A value with its variables replaced by their defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interpolated {
    /// The resolved text.
    pub text: String,
    /// Stretches of the resolved text copied byte for byte from the source.
    segments: Vec<Segment>,
}

/// `resolved` bytes of the resolved text are the `source_start..` bytes of the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Segment {
    resolved: Span,
    source_start: usize,
}

/// A variable that has no default (or a form upkeep cannot resolve, such as `${VAR:?}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unresolved;

/// Resolves `source`'s variables to their defaults.
pub fn interpolate(source: &str) -> Result<Interpolated, Unresolved> {
    let mut result = Interpolated {
        text: String::with_capacity(source.len()),
        segments: Vec::new(),
    };
    let mut rest_start = 0;
    while let Some(dollar) = source[rest_start..].find('$').map(|i| rest_start + i) {
        result.copy(source, rest_start, dollar);
        let after = &source[dollar + 1..];
        if after.starts_with('$') {
            // an escaped `$`: not a byte-for-byte copy, so no segment covers it
            result.text.push('$');
            rest_start = dollar + 2;
        } else if let Some(braced) = after.strip_prefix('{') {
            let close = braced.find('}').ok_or(Unresolved)?;
            let (default_start, default) = braced_default(&braced[..close])?;
            result.copy(
                source,
                dollar + 2 + default_start,
                dollar + 2 + default_start + default.len(),
            );
            rest_start = dollar + 2 + close + 1;
        } else if after.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
            return Err(Unresolved);
        } else {
            // a lone `$` is kept as text (and makes the image reference invalid later)
            result.copy(source, dollar, dollar + 1);
            rest_start = dollar + 1;
        }
    }
    result.copy(source, rest_start, source.len());
    Ok(result)
}

/// The default of the inside of `${…}` and its offset there; only `NAME:-default` and
/// `NAME-default` have one, and a default holding another variable is not resolved.
fn braced_default(inner: &str) -> Result<(usize, &str), Unresolved> {
    let name_end = inner
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(inner.len());
    let operator = &inner[name_end..];
    let default_start = if operator.starts_with(":-") {
        name_end + 2
    } else if operator.starts_with('-') {
        name_end + 1
    } else {
        return Err(Unresolved);
    };
    let default = &inner[default_start..];
    if name_end == 0 || default.contains('$') {
        return Err(Unresolved);
    }
    Ok((default_start, default))
}

impl Interpolated {
    fn copy(&mut self, source: &str, start: usize, end: usize) {
        if start == end {
            return;
        }
        let resolved_start = self.text.len();
        self.text.push_str(&source[start..end]);
        self.segments.push(Segment {
            resolved: Span::new(resolved_start, self.text.len()),
            source_start: start,
        });
    }

    /// Where the bytes at `span` of the resolved text are in the source, when they were
    /// copied from one contiguous place. An empty span (an insertion point) belongs to the
    /// stretch that ends there, so `:tag` or `@digest` is inserted next to what it follows.
    pub fn source_span(&self, span: Span) -> Option<Span> {
        let segment = self.segments.iter().find(|segment| {
            let resolved = segment.resolved;
            if span.start == span.end {
                resolved.start < span.start && span.start <= resolved.end
                    || span.start == 0 && resolved.start == 0
            } else {
                resolved.start <= span.start && span.end <= resolved.end
            }
        })?;
        let start = segment.source_start + (span.start - segment.resolved.start);
        Some(Span::new(start, start + span.end - span.start))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source_of<'a>(source: &'a str, interpolated: &Interpolated, span: Span) -> Option<&'a str> {
        interpolated
            .source_span(span)
            .map(|found| &source[found.range()])
    }

    #[test]
    fn text_without_variables_maps_to_itself() {
        let interpolated = interpolate("nginx:1.25").unwrap();
        assert_eq!(interpolated.text, "nginx:1.25");
        assert_eq!(
            source_of("nginx:1.25", &interpolated, Span::new(6, 10)),
            Some("1.25")
        );
    }

    #[test]
    fn a_tag_that_is_a_default_maps_into_the_braces() {
        let source = "${REGISTRY:-ghcr.io}/acme/api:${API_TAG:-2.4.1}";
        let interpolated = interpolate(source).unwrap();
        assert_eq!(interpolated.text, "ghcr.io/acme/api:2.4.1");
        let tag = Span::new(17, 22);
        assert_eq!(source_of(source, &interpolated, tag), Some("2.4.1"));
        let end = Span::new(22, 22);
        let insertion = interpolated.source_span(end).unwrap();
        assert_eq!(
            &source[insertion.end..],
            "}",
            "a digest goes after the default"
        );
    }

    #[test]
    fn a_tag_across_a_variable_boundary_does_not_map() {
        let source = "node:${NODE_VERSION-20}-alpine";
        let interpolated = interpolate(source).unwrap();
        assert_eq!(interpolated.text, "node:20-alpine");
        assert_eq!(interpolated.source_span(Span::new(5, 14)), None);
    }

    #[test]
    fn variables_without_a_default_are_unresolved() {
        for source in [
            "nginx:$TAG",
            "nginx:${TAG}",
            "nginx:${TAG:?tag is required}",
            "nginx:${TAG:+x}",
            "nginx:${TAG:-${OTHER}}",
            "nginx:${TAG:-1",
            "nginx:${:-1}",
        ] {
            assert_eq!(interpolate(source), Err(Unresolved), "{source}");
        }
    }

    #[test]
    fn escaped_dollar_is_a_literal_dollar() {
        let interpolated = interpolate("a$$b").unwrap();
        assert_eq!(interpolated.text, "a$b");
        assert_eq!(interpolated.source_span(Span::new(1, 3)), None);
        assert_eq!(
            interpolated.source_span(Span::new(2, 3)),
            Some(Span::new(3, 4))
        );
    }
}
