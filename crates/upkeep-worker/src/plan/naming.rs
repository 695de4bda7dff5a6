//! Names: `depNameSanitized`, group slugs, and branch names that git accepts.
//!
//! Renovate's branch name is `{branchPrefix}{additionalBranchPrefix}{branchTopic}`
//! (docs: "Config Template Editing"); the topic is built from a sanitized dependency
//! name ([`sanitize_dep_name`]). The finished name is cleaned so that `git
//! check-ref-format` accepts it, and [`is_valid_branch_name`] states those rules.

/// Renovate's `depNameSanitized`: a leading `@types/` dropped (so `@types/node` shares
/// `node-20.x` with `node`, as in Renovate), the `@` of an npm scope dropped, `/`,
/// whitespace and `:` turned into `-`, runs of `-` collapsed, lower-cased.
/// `@scope/pkg` → `scope-pkg`, `ghcr.io/o/app` → `ghcr.io-o-app`.
pub fn sanitize_dep_name(dep_name: &str) -> String {
    let dep_name = dep_name.strip_prefix("@types/").unwrap_or(dep_name);
    let mut out = String::with_capacity(dep_name.len());
    for c in dep_name.chars() {
        match c {
            '@' => {}
            '/' | ':' => out.push('-'),
            c if c.is_whitespace() => out.push('-'),
            c => out.extend(c.to_lowercase()),
        }
    }
    collapse_hyphens(&out)
}

/// Renovate's slug of a `groupName` (docs, `groupSlug`: "devDependencies (non-major)" →
/// `devdependencies-non-major`): lower-cased, characters other than letters, digits,
/// whitespace and `-` removed, whitespace runs turned into one `-`.
pub fn slugify(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for c in text.chars() {
        if c.is_whitespace() {
            pending_space = !out.is_empty();
        } else if c.is_alphanumeric() || c == '-' {
            if pending_space {
                out.push('-');
                pending_space = false;
            }
            out.extend(c.to_lowercase());
        }
    }
    collapse_hyphens(&out).trim_matches('-').to_owned()
}

/// `branchNameStrict`: only ASCII letters, digits and `-` survive in the topic.
pub fn strict_topic(topic: &str) -> String {
    let replaced: String = topic
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    collapse_hyphens(&replaced).trim_matches('-').to_owned()
}

fn collapse_hyphens(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if !(c == '-' && out.ends_with('-')) {
            out.push(c);
        }
    }
    out
}

/// Makes `name` a valid git branch name, changing as little as possible: forbidden
/// characters become `-`, `..` becomes `.`, `@{` becomes `@-`, and each `/`-separated
/// component loses a leading `.`, a trailing `.` and a trailing `.lock`; empty
/// components disappear.
pub fn clean_branch_name(name: &str) -> String {
    let mut text: String = name
        .chars()
        .map(|c| if forbidden(c) { '-' } else { c })
        .collect();
    while text.contains("..") {
        text = text.replace("..", ".");
    }
    text = text.replace("@{", "@-");
    let components: Vec<String> = text
        .split('/')
        .map(clean_component)
        .filter(|component| !component.is_empty())
        .collect();
    let joined = components.join("/");
    if joined == "@" {
        "-".to_owned()
    } else {
        joined
    }
}

fn clean_component(component: &str) -> String {
    let mut component = component.trim_start_matches('.').to_owned();
    loop {
        let before = component.len();
        if let Some(stripped) = component.strip_suffix(".lock") {
            component = stripped.to_owned();
        }
        component = component.trim_end_matches('.').to_owned();
        if component.len() == before {
            return component;
        }
    }
}

fn forbidden(c: char) -> bool {
    c.is_ascii_control() || matches!(c, ' ' | '~' | '^' | ':' | '?' | '*' | '[' | '\\' | '\u{7f}')
}

/// Whether git accepts `name` as a branch name (`git check-ref-format --branch`): no
/// control characters, space, `~ ^ : ? * [ \`; no `..` or `@{`; not `@`; no empty
/// component (leading, trailing or doubled `/`); no component starting with `.` or
/// ending with `.lock`; not ending with `.`; not starting with `-`.
pub fn is_valid_branch_name(name: &str) -> bool {
    !name.is_empty()
        && name != "@"
        && !name.starts_with('-')
        && !name.ends_with('.')
        && !name.contains("..")
        && !name.contains("@{")
        && !name.chars().any(forbidden)
        && name
            .split('/')
            .all(|c| !c.is_empty() && !c.starts_with('.') && !c.ends_with(".lock"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dep_names_are_sanitized_like_renovate() {
        let cases = [
            ("react", "react"),
            ("@types/node", "node"),
            ("@babel/core", "babel-core"),
            ("ghcr.io/o/app", "ghcr.io-o-app"),
            (
                "registry.example.com:5000/team/Api",
                "registry.example.com-5000-team-api",
            ),
            ("hashicorp/aws", "hashicorp-aws"),
            ("serde_json", "serde_json"),
            ("a  b", "a-b"),
        ];
        for (name, expected) in cases {
            assert_eq!(sanitize_dep_name(name), expected, "{name}");
        }
    }

    #[test]
    fn group_names_slugify_like_the_docs_example() {
        let cases = [
            ("devDependencies (non-major)", "devdependencies-non-major"),
            ("react monorepo", "react-monorepo"),
            ("all non-major dependencies", "all-non-major-dependencies"),
            ("Node.js", "nodejs"),
            ("  spaced   out  ", "spaced-out"),
        ];
        for (name, expected) in cases {
            assert_eq!(slugify(name), expected, "{name}");
        }
    }

    #[test]
    fn branch_names_are_cleaned_until_git_accepts_them() {
        let cases = [
            ("upkeep/react-18.x", "upkeep/react-18.x"),
            ("upkeep/.hidden-1.x", "upkeep/hidden-1.x"),
            ("upkeep/a..b", "upkeep/a.b"),
            ("upkeep//x", "upkeep/x"),
            ("upkeep/x.lock", "upkeep/x"),
            ("upkeep/x.", "upkeep/x"),
            ("upkeep/what?*[now]", "upkeep/what---now]"),
            ("upkeep/at@{1}", "upkeep/at@-1}"),
            ("upkeep/tab\tname", "upkeep/tab-name"),
            ("/upkeep/x/", "upkeep/x"),
        ];
        for (name, expected) in cases {
            let cleaned = clean_branch_name(name);
            assert_eq!(cleaned, expected, "{name}");
            assert!(is_valid_branch_name(&cleaned), "{cleaned}");
        }
    }

    #[test]
    fn the_validator_rejects_what_git_rejects() {
        for name in [
            "", "@", "-x", "a..b", "a/.b", "a.lock", "a/", "/a", "a//b", "a b", "a~1", "a^", "a:b",
            "a@{b", "a.",
        ] {
            assert!(!is_valid_branch_name(name), "{name:?}");
        }
        for name in [
            "upkeep/react-18.x",
            "renovate/major-react-monorepo",
            "a@b",
            "upkeep/ghcr.io-o-app-1.x",
        ] {
            assert!(is_valid_branch_name(name), "{name:?}");
        }
    }

    #[test]
    fn strict_topics_keep_letters_digits_and_hyphens() {
        assert_eq!(strict_topic("ghcr.io-o-app-1.x"), "ghcr-io-o-app-1-x");
    }
}
