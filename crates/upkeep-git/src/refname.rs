//! Branch names: validation by `git check-ref-format --branch` rules, and the clean-up
//! Renovate applies to a rendered `branchName` template.
//!
//! Validation runs before a name reaches git's argument vector, so a name can never be
//! read as an option (`-x`) or a revision expression (`a..b`, `x@{1}`, `y^`).
//! [`clean_branch_name`] follows Renovate's `cleanBranchName` (which runs the
//! `clean-git-ref` package and then a few more replacements, plus the optional
//! `branchNameStrict` pass), so that the same config yields the same branch names as
//! Renovate. Lower-casing is not part of it: Renovate lower-cases the pieces that go into
//! the template (`depNameSanitized`, `groupSlug`), not the finished name.

/// Why a name is not a valid branch name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{name}` is not a valid branch name: {reason}")]
pub struct RefNameError {
    /// The rejected name.
    pub name: String,
    /// The rule it breaks.
    pub reason: &'static str,
}

/// Checks a short branch name (without `refs/heads/`) against git's rules.
pub fn validate_branch_name(name: &str) -> Result<(), RefNameError> {
    let fail = |reason| {
        Err(RefNameError {
            name: name.to_owned(),
            reason,
        })
    };
    if name.is_empty() {
        return fail("it is empty");
    }
    if name.starts_with('-') {
        return fail("it starts with `-`");
    }
    if name == "@" || name == "HEAD" {
        return fail("it is reserved");
    }
    if name.contains("..") {
        return fail("it contains `..`");
    }
    if name.contains("@{") {
        return fail("it contains `@{`");
    }
    if name.ends_with('.') {
        return fail("it ends with `.`");
    }
    if let Some(bad) = name.chars().find(|&c| {
        c.is_ascii_control() || matches!(c, ' ' | '~' | '^' | ':' | '?' | '*' | '[' | '\\')
    }) {
        return fail(match bad {
            ' ' => "it contains a space",
            c if c.is_ascii_control() => "it contains a control character",
            _ => "it contains one of `~ ^ : ? * [ \\`",
        });
    }
    for component in name.split('/') {
        if component.is_empty() {
            return fail("it has an empty `/` component (leading, trailing or doubled `/`)");
        }
        if component.starts_with('.') {
            return fail("a `/` component starts with `.`");
        }
        if component.ends_with(".lock") {
            return fail("a `/` component ends with `.lock`");
        }
    }
    Ok(())
}

/// Whether `branch` is one of upkeep's: it starts with the non-empty `prefix`
/// (`branchPrefix`, e.g. `upkeep/`) and has something after it.
pub fn is_owned_branch(branch: &str, prefix: &str) -> bool {
    !prefix.is_empty() && branch.len() > prefix.len() && branch.starts_with(prefix)
}

/// Renovate's `cleanBranchName`: makes a rendered branch-name template a usable ref.
///
/// With `strict` (`branchNameStrict`), every special character after `prefix` becomes
/// `-` as well, `/` included.
pub fn clean_branch_name(name: &str, prefix: &str, strict: bool) -> String {
    let mut text = name.to_owned();
    if strict {
        let (kept, rest) = match text.strip_prefix(prefix) {
            Some(rest) => (prefix, rest),
            None => ("", text.as_str()),
        };
        let replaced: String = rest
            .chars()
            .map(|c| {
                if "`~!@#$%^&*()_=+[]\\|{};':\",.<>?/".contains(c) {
                    '-'
                } else {
                    c
                }
            })
            .collect();
        text = format!("{kept}{replaced}");
    }
    text = clean_git_ref(&text);
    // Leading or trailing dot (the first one only, as in Renovate's non-global regex).
    if let Some(rest) = text.strip_prefix('.') {
        text = rest.to_owned();
    } else if let Some(rest) = text.strip_suffix('.') {
        text = rest.to_owned();
    }
    text = text.replace("/.", "/");
    text.retain(|c| !c.is_whitespace());
    text = text
        .chars()
        .map(|c| if "[]?:\\^~".contains(c) { '-' } else { c })
        .collect();
    let components: Vec<&str> = text
        .split('/')
        .map(|component| component.trim_matches('-'))
        .collect();
    collapse_dashes(&components.join("/"))
}

/// The `clean-git-ref` package's `clean`, step for step.
fn clean_git_ref(value: &str) -> String {
    let mut text = value
        .replace("./", "/")
        .replace("..", ".")
        .replace(' ', "-");
    if text.starts_with(['~', '^', ':', '?', '*', '\\', '-']) {
        text.remove(0);
    }
    text = text
        .chars()
        .map(|c| if "~^:?*\\".contains(c) { '-' } else { c })
        .collect();
    if text.ends_with(['~', '^', ':', '?', '*', '\\', '-']) {
        text.pop();
    }
    text = text.replace("@{", "-");
    for suffix in [".", "/", ".lock"] {
        if let Some(rest) = text.strip_suffix(suffix) {
            text = rest.to_owned();
        }
    }
    text
}

fn collapse_dashes(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c == '-' && out.ends_with('-') {
            continue;
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_branch_names_are_valid() {
        for name in [
            "main",
            "upkeep/serde-1.x",
            "renovate/major-react-monorepo",
            "feature/a.b",
            "x@y",
        ] {
            assert_eq!(validate_branch_name(name), Ok(()), "{name}");
        }
    }

    #[test]
    fn names_git_rejects_are_invalid() {
        for name in [
            "", "-rf", "@", "HEAD", "a..b", "a@{1}", "a.", "a b", "a~1", "a^", "a:b", "a?", "a*",
            "a[b", "a\\b", "/a", "a/", "a//b", "a/.b", "a.lock", "a.lock/b", "a\tb", "a\u{7f}",
        ] {
            assert!(
                validate_branch_name(name).is_err(),
                "{name:?} should be rejected"
            );
        }
    }

    #[test]
    fn owned_branches_need_the_prefix_and_a_topic() {
        assert!(is_owned_branch("upkeep/serde-1.x", "upkeep/"));
        assert!(!is_owned_branch("upkeep/", "upkeep/"));
        assert!(!is_owned_branch("main", "upkeep/"));
        assert!(!is_owned_branch("main", ""));
    }

    #[test]
    fn clean_branch_name_matches_renovate() {
        let cases = [
            ("renovate/foo-1.x", "renovate/foo-1.x"),
            ("renovate/.foo", "renovate/foo"),
            ("renovate/foo.", "renovate/foo"),
            ("renovate/foo bar", "renovate/foo-bar"),
            ("renovate/foo~bar^baz:qux?", "renovate/foo-bar-baz-qux"),
            ("renovate/foo..bar", "renovate/foo.bar"),
            ("renovate/foo.lock", "renovate/foo"),
            ("renovate/-foo-", "renovate/foo"),
            ("renovate/foo---bar", "renovate/foo-bar"),
            ("renovate/[foo]", "renovate/foo"),
            ("renovate/@{foo", "renovate/foo"),
        ];
        for (input, expected) in cases {
            assert_eq!(
                clean_branch_name(input, "renovate/", false),
                expected,
                "{input}"
            );
        }
    }

    #[test]
    fn strict_branch_names_keep_only_the_prefix_slash() {
        assert_eq!(
            clean_branch_name("renovate/@scope/pkg-1.x", "renovate/", true),
            "renovate/scope-pkg-1-x"
        );
    }

    #[test]
    fn cleaned_names_validate() {
        for input in [
            "renovate/a b c",
            "renovate/x..y.lock",
            "renovate/~weird^:name?",
        ] {
            let cleaned = clean_branch_name(input, "renovate/", false);
            assert_eq!(validate_branch_name(&cleaned), Ok(()), "{cleaned}");
        }
    }
}
