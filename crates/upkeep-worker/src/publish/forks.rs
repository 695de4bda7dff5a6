//! `forkProcessing`: whether upkeep works on a forked repository.
//!
//! A fork found by autodiscover usually belongs to someone who forked to send a patch
//! upstream: onboarding PRs and update PRs there would be noise, and a config file it
//! carries may be upstream's, not its owner's. So, as Renovate documents: `auto` (the
//! default) skips such a fork unless it has a config file of its own, and never
//! onboards it; a fork listed by name was chosen, and is processed; `enabled` processes
//! every fork, `disabled` none. The value is the repository's own (its config file, over
//! the bot's defaults), so a fork can opt in with `"forkProcessing": "enabled"`.

use upkeep_config::ForkProcessing;

/// Whether a forked repository is worked on; `Err` says why not.
pub fn fork_decision(
    setting: ForkProcessing,
    autodiscovered: bool,
    has_config_file: bool,
) -> Result<(), String> {
    match setting {
        ForkProcessing::Enabled => Ok(()),
        ForkProcessing::Disabled => {
            Err("the repository is a fork (`forkProcessing: disabled`)".to_owned())
        }
        ForkProcessing::Auto if !autodiscovered || has_config_file => Ok(()),
        ForkProcessing::Auto => Err(
            "the repository is a fork without its own config, found by autodiscover \
             (`forkProcessing: auto`; set it to `enabled` to process forks)"
                .to_owned(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forks_follow_fork_processing() {
        use ForkProcessing::{Auto, Disabled, Enabled};
        // (setting, autodiscovered, has its own config, processed)
        let cases = [
            (Auto, true, false, false),
            (Auto, true, true, true),
            (Auto, false, false, true),
            (Auto, false, true, true),
            (Enabled, true, false, true),
            (Enabled, false, false, true),
            (Disabled, false, true, false),
            (Disabled, true, true, false),
        ];
        for (setting, autodiscovered, has_config, processed) in cases {
            assert_eq!(
                fork_decision(setting, autodiscovered, has_config).is_ok(),
                processed,
                "{setting:?} autodiscovered={autodiscovered} config={has_config}"
            );
        }
    }
}
