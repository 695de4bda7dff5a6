//! Repository presets (`github>owner/repo`, `local>owner/repo`) fetched through the
//! platform. upkeep-config resolves presets synchronously through a
//! [`PresetResolver`]; the platform is async. So resolution runs in rounds: load the
//! config with what was fetched so far, note every preset still missing, fetch those,
//! and load again — until nothing new is missing (nested presets take one round per
//! level).

use std::cell::RefCell;
use std::collections::BTreeMap;

use upkeep_config::presets::PresetSource;
use upkeep_config::{ExternalPreset, PresetFetchError, PresetResolver};
use upkeep_platform::{Platform, PlatformError};

/// The most rounds of fetching (the depth of nested repository presets).
const MAX_ROUNDS: usize = 8;

/// Presets fetched so far, and those asked for but not fetched yet.
#[derive(Debug, Default)]
pub struct PlatformPresets {
    fetched: BTreeMap<String, Result<String, PresetFetchError>>,
    missing: RefCell<BTreeMap<String, ExternalPreset>>,
}

impl PresetResolver for PlatformPresets {
    fn fetch(&self, preset: &ExternalPreset) -> Result<String, PresetFetchError> {
        if let Some(result) = self.fetched.get(&preset.key()) {
            return result.clone();
        }
        if matches!(preset.source, PresetSource::Github | PresetSource::Local) {
            self.missing
                .borrow_mut()
                .insert(preset.key(), preset.clone());
            // Only seen by a round whose result is thrown away.
            return Err(PresetFetchError::Failed("not fetched yet".into()));
        }
        Err(PresetFetchError::Failed(format!(
            "presets from `{}` are not supported on this platform",
            preset.key()
        )))
    }
}

impl PlatformPresets {
    /// Runs `load` until every repository preset it asks for has been fetched through
    /// `platform`; returns its last result.
    pub async fn resolve<P: Platform, T>(
        platform: &P,
        mut load: impl FnMut(&PlatformPresets) -> T,
    ) -> T {
        let mut presets = PlatformPresets::default();
        for _ in 0..MAX_ROUNDS {
            let result = load(&presets);
            let missing = std::mem::take(&mut *presets.missing.borrow_mut());
            if missing.is_empty() {
                return result;
            }
            for (key, preset) in missing {
                let fetched = fetch(platform, &preset).await;
                presets.fetched.insert(key, fetched);
            }
        }
        load(&presets)
    }
}

/// One preset file; `default.json` falls back to `renovate.json`, as Renovate does.
async fn fetch<P: Platform>(
    platform: &P,
    preset: &ExternalPreset,
) -> Result<String, PresetFetchError> {
    let reference = preset.tag.as_deref();
    let mut paths = vec![preset.file.as_str()];
    if preset.file == "default.json" {
        paths.push("renovate.json");
    }
    for path in paths {
        match platform.get_file(&preset.repository, path, reference).await {
            Ok(Some(text)) => return Ok(text),
            Ok(None)
            | Err(PlatformError::NotFound { .. } | PlatformError::RepositoryNotFound(_)) => {}
            Err(error) => return Err(PresetFetchError::Failed(error.to_string())),
        }
    }
    Err(PresetFetchError::NotFound)
}
