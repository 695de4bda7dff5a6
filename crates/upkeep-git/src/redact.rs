//! Redaction of credentials in text that came from git or names a remote.
//!
//! upkeep never puts a token in a URL, but a user or a platform might hand over a URL
//! that carries one (`https://x-access-token:TOKEN@host/…`), and git echoes URLs in its
//! messages. Everything that leaves this crate — error messages, display forms of
//! remotes — goes through [`redact_url`] or [`redact_text`].

/// The placeholder written instead of a secret.
pub const REDACTED: &str = "***";

/// A URL with any `user:password@` or `token@` part replaced by `***@`.
///
/// `user@host` without a password is kept for `ssh://` and scp-like remotes, where the
/// user name is not a secret (`git@github.com:owner/repo`).
pub fn redact_url(url: &str) -> String {
    redact_text(url, &[])
}

/// `text` with credentials in URLs and every occurrence of each secret replaced by
/// `***`.
pub fn redact_text(text: &str, secrets: &[&str]) -> String {
    let mut out = redact_userinfo(text);
    for secret in secrets {
        if !secret.is_empty() {
            out = out.replace(secret, REDACTED);
        }
    }
    out
}

/// Replaces the user-info part of every `scheme://userinfo@host` in `text`.
fn redact_userinfo(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(index) = rest.find("://") {
        let (before, after) = rest.split_at(index + 3);
        out.push_str(before);
        let authority_end = after
            .find(|c: char| c == '/' || c == '?' || c == '#' || c.is_whitespace())
            .unwrap_or(after.len());
        let authority = &after[..authority_end];
        match authority.rfind('@') {
            Some(at) => {
                let scheme = before[..index]
                    .rsplit(|c: char| !c.is_ascii_alphanumeric() && c != '+')
                    .next();
                let userinfo = &authority[..at];
                let keep_user = scheme
                    .is_some_and(|s| s.eq_ignore_ascii_case("ssh") || s.ends_with("+ssh"))
                    && !userinfo.contains(':');
                if keep_user {
                    out.push_str(authority);
                } else {
                    out.push_str(REDACTED);
                    out.push_str(&authority[at..]);
                }
            }
            None => out.push_str(authority),
        }
        rest = &after[authority_end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_in_https_url_is_redacted() {
        assert_eq!(
            redact_url("https://x-access-token:ghs_abc@github.com/o/r.git"),
            "https://***@github.com/o/r.git"
        );
        assert_eq!(
            redact_url("https://ghp_abc@github.com/o/r"),
            "https://***@github.com/o/r"
        );
    }

    #[test]
    fn urls_without_credentials_are_unchanged() {
        for url in [
            "https://github.com/o/r.git",
            "file:///tmp/remote.git",
            "ssh://git@github.com/o/r.git",
            "git@github.com:o/r.git",
            "/tmp/plain/path",
        ] {
            assert_eq!(redact_url(url), url);
        }
    }

    #[test]
    fn urls_inside_messages_are_redacted() {
        assert_eq!(
            redact_text(
                "fatal: unable to access 'https://u:p@h.example/r/': 403 and https://h2/x",
                &[]
            ),
            "fatal: unable to access 'https://***@h.example/r/': 403 and https://h2/x"
        );
    }

    #[test]
    fn known_secrets_are_redacted_anywhere() {
        assert_eq!(
            redact_text("password=s3cr3t\n", &["s3cr3t", ""]),
            "password=***\n"
        );
    }
}
