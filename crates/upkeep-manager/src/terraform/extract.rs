//! Extraction for `terraform` (not written yet).

use upkeep_types::PackageFile;

use crate::ExtractError;

pub(super) fn extract(
    package_file: &str,
    _content: &str,
) -> Result<Option<PackageFile>, ExtractError> {
    Ok(Some(PackageFile::new(package_file)))
}
