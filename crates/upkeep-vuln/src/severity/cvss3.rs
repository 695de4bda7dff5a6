//! CVSS v3.0/v3.1 base scores, computed from the vector as the CVSS 3.1 specification
//! (section 7.1 and Appendix A) defines them.
//!
//! Only the eight base metrics count. Temporal and environmental metrics may follow
//! in a vector and are accepted but ignored, as every advisory database publishes base
//! scores. Version 3.0 vectors are scored with the 3.1 formulas: the two differ only in
//! the rounding function, and 3.1's `Roundup` is the floating-point-safe form of 3.0's.

/// A parsed CVSS v3 base vector.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cvss3 {
    attack_vector: f64,
    attack_complexity: f64,
    privileges_required: PrivilegesRequired,
    user_interaction: f64,
    scope_changed: bool,
    confidentiality: f64,
    integrity: f64,
    availability: f64,
}

/// Privileges Required weighs differently when the scope changes.
#[derive(Debug, Clone, Copy, PartialEq)]
enum PrivilegesRequired {
    None,
    Low,
    High,
}

impl Cvss3 {
    /// Parses `CVSS:3.x/AV:_/AC:_/PR:_/UI:_/S:_/C:_/I:_/A:_` (any metric order, extra
    /// temporal/environmental metrics allowed). `None` when a base metric is missing,
    /// repeated or has an unknown value.
    pub fn parse(vector: &str) -> Option<Cvss3> {
        let mut parts = vector.split('/');
        if !matches!(parts.next()?, "CVSS:3.0" | "CVSS:3.1") {
            return None;
        }
        let mut metrics: [Option<&str>; 8] = [None; 8];
        for part in parts {
            let (key, value) = part.split_once(':')?;
            let slot = match key {
                "AV" => 0,
                "AC" => 1,
                "PR" => 2,
                "UI" => 3,
                "S" => 4,
                "C" => 5,
                "I" => 6,
                "A" => 7,
                _ => continue,
            };
            if metrics[slot].replace(value).is_some() {
                return None;
            }
        }
        let [av, ac, pr, ui, s, c, i, a] = metrics;
        Some(Cvss3 {
            attack_vector: match av? {
                "N" => 0.85,
                "A" => 0.62,
                "L" => 0.55,
                "P" => 0.2,
                _ => return None,
            },
            attack_complexity: match ac? {
                "L" => 0.77,
                "H" => 0.44,
                _ => return None,
            },
            privileges_required: match pr? {
                "N" => PrivilegesRequired::None,
                "L" => PrivilegesRequired::Low,
                "H" => PrivilegesRequired::High,
                _ => return None,
            },
            user_interaction: match ui? {
                "N" => 0.85,
                "R" => 0.62,
                _ => return None,
            },
            scope_changed: match s? {
                "U" => false,
                "C" => true,
                _ => return None,
            },
            confidentiality: impact(c?)?,
            integrity: impact(i?)?,
            availability: impact(a?)?,
        })
    }

    /// The base score, 0.0 to 10.0 with one decimal.
    pub fn base_score(&self) -> f64 {
        let privileges = match (self.privileges_required, self.scope_changed) {
            (PrivilegesRequired::None, _) => 0.85,
            (PrivilegesRequired::Low, false) => 0.62,
            (PrivilegesRequired::Low, true) => 0.68,
            (PrivilegesRequired::High, false) => 0.27,
            (PrivilegesRequired::High, true) => 0.5,
        };
        let impact_sub_score =
            1.0 - (1.0 - self.confidentiality) * (1.0 - self.integrity) * (1.0 - self.availability);
        let impact = if self.scope_changed {
            7.52 * (impact_sub_score - 0.029) - 3.25 * (impact_sub_score - 0.02).powi(15)
        } else {
            6.42 * impact_sub_score
        };
        let exploitability =
            8.22 * self.attack_vector * self.attack_complexity * privileges * self.user_interaction;
        if impact <= 0.0 {
            return 0.0;
        }
        if self.scope_changed {
            round_up((1.08 * (impact + exploitability)).min(10.0))
        } else {
            round_up((impact + exploitability).min(10.0))
        }
    }
}

fn impact(value: &str) -> Option<f64> {
    match value {
        "H" => Some(0.56),
        "L" => Some(0.22),
        "N" => Some(0.0),
        _ => None,
    }
}

/// CVSS 3.1 Appendix A `Roundup`: the smallest one-decimal number not below `input`,
/// computed on integers so that `4.000000001` does not become `4.1`.
fn round_up(input: f64) -> f64 {
    let int_input = (input * 100_000.0).round() as i64;
    if int_input % 10_000 == 0 {
        int_input as f64 / 100_000.0
    } else {
        ((int_input / 10_000) + 1) as f64 / 10.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The vectors of the sample records, with the base scores NVD and GitHub publish.
    #[test]
    fn base_scores_match_published_scores() {
        let cases = [
            // GHSA-p6mc-m468-83gw (CVE-2020-8203, lodash)
            ("CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:H/A:H", 7.4),
            // GHSA-35jh-r3h4-6jhm (CVE-2021-23337, lodash)
            ("CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H", 7.2),
            // GHSA-xvch-5gv4-984h (minimist), GHSA-43w2-9j62-hq99 (smallvec)
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8),
            // GHSA-9wv6-86v2-598j (path-to-regexp), GHSA-m5pq-gvj9-9vr8 (regex)
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", 7.5),
            // GHSA-c2qf-rxjj-qqgw (semver)
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L", 5.3),
            // GHSA-p8p7-x288-28g6 (request): scope changed
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1),
            // GHSA-27h2-hvpr-p74q (jsonwebtoken)
            ("CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:L/I:H/A:L", 7.6),
            // GHSA-wcg3-cvx6-7396 (time)
            ("CVSS:3.1/AV:L/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", 6.2),
            // GHSA-fg7r-2g4j-5cgr (tokio)
            ("CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H", 8.1),
            // GHSA-7rrj-xr53-82p7 (tokio)
            ("CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:L/I:N/A:L", 5.4),
            // Specification examples beyond the samples: the maximum, a changed scope
            // with high privileges, no impact at all, and a 3.0 vector.
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10.0),
            ("CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:C/C:H/I:H/A:H", 9.1),
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", 0.0),
            ("CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1),
        ];
        for (vector, expected) in cases {
            let score = Cvss3::parse(vector).unwrap().base_score();
            assert_eq!(score, expected, "{vector}");
        }
    }

    #[test]
    fn temporal_metrics_are_accepted_and_ignored() {
        let vector = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L/E:P/RL:O/RC:C";
        assert_eq!(Cvss3::parse(vector).unwrap().base_score(), 5.3);
    }

    #[test]
    fn malformed_vectors_are_rejected() {
        for vector in [
            "",
            "CVSS:2.0/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L",
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N",
            "CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L",
            "CVSS:3.1/AV:N/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L",
            "CVSS:3.1/AV:N/AC/PR:N/UI:N/S:U/C:N/I:N/A:L",
            "CVSS:4.0/AV:N/AC:H/AT:N/PR:L/UI:A/VC:N/VI:N/VA:H/SC:N/SI:N/SA:H",
        ] {
            assert_eq!(Cvss3::parse(vector), None, "{vector}");
        }
    }

    #[test]
    fn round_up_follows_appendix_a() {
        assert_eq!(round_up(4.0), 4.0);
        assert_eq!(round_up(4.02), 4.1);
        assert_eq!(round_up(4.000_000_001), 4.0);
    }
}
