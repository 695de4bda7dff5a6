//! GitHub's limit on the length of a PR or issue body, applied without breaking the
//! Markdown: the body is cut at a line boundary, an open code block or `<details>` is
//! closed, and a note says what was left out. The limit counts characters.

/// The longest body GitHub accepts, in characters.
pub const BODY_LIMIT: usize = 65_536;

/// Room kept for the hidden marker and the truncation note.
const RESERVE: usize = 512;

/// `text` cut to fit in `limit` characters together with a marker.
pub fn fit(text: &str, limit: usize) -> String {
    let budget = limit.saturating_sub(RESERVE);
    if text.chars().count() <= budget {
        return text.to_owned();
    }
    let mut kept = String::new();
    let mut used = 0;
    let mut left_out = 0;
    for line in text.lines() {
        let length = line.chars().count() + 1;
        if left_out > 0 || used + length > budget {
            left_out += 1;
            continue;
        }
        used += length;
        kept.push_str(line);
        kept.push('\n');
    }
    let fences = kept
        .lines()
        .filter(|l| l.trim_start().starts_with("```"))
        .count();
    if fences % 2 == 1 {
        kept.push_str("```\n");
    }
    let opened = kept.matches("<details>").count();
    let closed = kept.matches("</details>").count();
    for _ in closed..opened {
        kept.push_str("\n</details>\n");
    }
    kept.push_str(&format!(
        "\n> [!NOTE]\n> {left_out} more lines were left out: GitHub limits a body to {BODY_LIMIT} characters.\n"
    ));
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_text_is_kept_as_is() {
        assert_eq!(fit("a\nb\n", BODY_LIMIT), "a\nb\n");
    }

    #[test]
    fn long_text_is_cut_at_a_line_and_blocks_are_closed() {
        let mut text = String::from("<details>\n```\n");
        for i in 0..10_000 {
            text.push_str(&format!("| line {i} | ünïcödé |\n"));
        }
        let fitted = fit(&text, BODY_LIMIT);
        assert!(fitted.chars().count() <= BODY_LIMIT - 100);
        assert!(fitted.contains("more lines were left out"));
        assert_eq!(fitted.matches("```").count() % 2, 0);
        assert!(fitted.contains("</details>"));
        assert!(
            fitted
                .lines()
                .all(|l| !l.starts_with("| line") || l.ends_with('|'))
        );
    }
}
