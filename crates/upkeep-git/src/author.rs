//! `gitAuthor`: the identity upkeep commits as, in Renovate's `Name <email>` format.
//!
//! Renovate accepts an RFC 5322 mailbox (`Renovate Bot <bot@renovateapp.com>`,
//! `"Quoted Name" <a@b>`) or a bare address, and GitHub App addresses such as
//! `upkeep[bot] <123+upkeep[bot]@users.noreply.github.com>` that a strict RFC 5322
//! parser rejects. This parser accepts exactly those shapes and rejects anything git
//! could not store in a commit header (angle brackets or newlines in a name or address).
//! A bare address gets its local part as the name, because git refuses an empty name.

use std::fmt;
use std::str::FromStr;

use crate::error::GitError;

/// A commit identity: the author and committer of every commit upkeep makes.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct GitAuthor {
    name: String,
    email: String,
}

impl GitAuthor {
    /// Builds an identity from its parts, checking that git can store them.
    pub fn new(name: impl Into<String>, email: impl Into<String>) -> Result<Self, GitError> {
        let name = name.into();
        let email = email.into();
        let input = format!("{name} <{email}>");
        check_email(&email).map_err(|reason| invalid(&input, reason))?;
        check_name(&name).map_err(|reason| invalid(&input, reason))?;
        Ok(GitAuthor { name, email })
    }

    /// Parses Renovate's `gitAuthor` text: `Name <email>`, `"Name" <email>`, or `email`.
    pub fn parse(input: &str) -> Result<Self, GitError> {
        let text = input.trim();
        if text.is_empty() {
            return Err(invalid(input, "empty"));
        }
        let Some(open) = text.rfind('<') else {
            check_email(text).map_err(|reason| invalid(input, reason))?;
            let local = text.split('@').next().unwrap_or(text);
            return GitAuthor::new(local, text).map_err(|_| invalid(input, "no usable name"));
        };
        let Some(email) = text[open + 1..].strip_suffix('>') else {
            return Err(invalid(
                input,
                "text after the closing `>` or no closing `>`",
            ));
        };
        let mut name = text[..open].trim();
        if let Some(quoted) = name.strip_prefix('"').and_then(|n| n.strip_suffix('"')) {
            name = quoted.trim();
        }
        if name.is_empty() {
            let local = email.split('@').next().unwrap_or(email);
            return GitAuthor::new(local, email.trim()).map_err(|_| invalid(input, "bad address"));
        }
        check_email(email.trim()).map_err(|reason| invalid(input, reason))?;
        check_name(name).map_err(|reason| invalid(input, reason))?;
        Ok(GitAuthor {
            name: name.to_owned(),
            email: email.trim().to_owned(),
        })
    }

    /// The display name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The e-mail address; commits by other addresses on an upkeep branch mean a human
    /// touched it.
    pub fn email(&self) -> &str {
        &self.email
    }
}

impl fmt::Display for GitAuthor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} <{}>", self.name, self.email)
    }
}

impl FromStr for GitAuthor {
    type Err = GitError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        GitAuthor::parse(text)
    }
}

fn invalid(input: &str, reason: &'static str) -> GitError {
    GitError::InvalidAuthor {
        input: input.to_owned(),
        reason,
    }
}

fn check_email(email: &str) -> Result<(), &'static str> {
    if email
        .chars()
        .any(|c| matches!(c, '<' | '>') || c.is_control())
    {
        return Err("the address contains `<`, `>` or a control character");
    }
    if email.chars().any(char::is_whitespace) {
        return Err("the address contains whitespace");
    }
    match email.rsplit_once('@') {
        Some((local, domain)) if !local.is_empty() && !domain.is_empty() => Ok(()),
        _ => Err("the address is not of the form `local@domain`"),
    }
}

fn check_name(name: &str) -> Result<(), &'static str> {
    if name.trim().is_empty() {
        return Err("the name is empty");
    }
    if name
        .chars()
        .any(|c| matches!(c, '<' | '>') || c.is_control())
    {
        return Err("the name contains `<`, `>` or a control character");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(text: &str) -> (String, String) {
        let author = GitAuthor::parse(text).unwrap();
        (author.name().to_owned(), author.email().to_owned())
    }

    #[test]
    fn renovate_default_author_parses() {
        assert_eq!(
            parts("Renovate Bot <bot@renovateapp.com>"),
            ("Renovate Bot".into(), "bot@renovateapp.com".into())
        );
    }

    #[test]
    fn quoted_name_loses_its_quotes() {
        assert_eq!(
            parts(r#""upkeep, the bot" <u@example.com>"#),
            ("upkeep, the bot".into(), "u@example.com".into())
        );
    }

    #[test]
    fn github_app_bot_address_is_accepted() {
        assert_eq!(
            parts("upkeep[bot] <123+upkeep[bot]@users.noreply.github.com>"),
            (
                "upkeep[bot]".into(),
                "123+upkeep[bot]@users.noreply.github.com".into()
            )
        );
    }

    #[test]
    fn bare_address_takes_its_local_part_as_name() {
        assert_eq!(
            parts("bot@example.com"),
            ("bot".into(), "bot@example.com".into())
        );
        assert_eq!(
            parts("<bot@example.com>"),
            ("bot".into(), "bot@example.com".into())
        );
    }

    #[test]
    fn malformed_authors_are_rejected() {
        for text in [
            "",
            "Name <no-at-sign>",
            "Name <a@b",
            "Name <a@b> trailing",
            "Na<me <a@b>",
            "Na\nme <a@b>",
            "just a name",
        ] {
            assert!(
                GitAuthor::parse(text).is_err(),
                "{text:?} should be rejected"
            );
        }
    }

    #[test]
    fn display_round_trips() {
        let author = GitAuthor::parse("  Bot   <bot@x.org> ").unwrap();
        assert_eq!(author.to_string(), "Bot <bot@x.org>");
        assert_eq!(author.to_string().parse::<GitAuthor>().unwrap(), author);
    }
}
