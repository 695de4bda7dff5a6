//! The offline database, for air-gapped installs: OSV records from disk, indexed once.
//!
//! [`OfflineDatabase::open`] takes either
//!
//! - a directory, walked recursively in name order: every `*.json` file is one record
//!   (a checkout of an advisory repository's OSV export, or records unpacked by hand),
//!   every `*.zip` file is a dump; hidden entries (`.git`) are skipped; or
//! - one `*.zip` file: OSV's per-ecosystem dump (`<ecosystem>/all.zip`, one JSON record
//!   per entry).
//!
//! A broken record is reported in [`LoadReport::errors`] and skipped. A directory or
//! archive that cannot be read at all is an error: silently losing a whole dump would
//! read as "no vulnerabilities", which is the one answer upkeep must never invent.

use std::fs::{self, File};
use std::io::{self, Read, Seek};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::advisory::Advisory;
use crate::database::{BoxFuture, DatabaseError, PackageQuery, VulnerabilitySource};
use crate::index::{AdvisoryIndex, IndexBuilder, LoadReport};

/// OSV records loaded from a directory or a zip dump.
#[derive(Debug)]
pub struct OfflineDatabase {
    path: PathBuf,
    index: AdvisoryIndex,
    report: LoadReport,
}

impl OfflineDatabase {
    /// Loads and indexes every record under `path` (a directory or a `.zip` dump).
    pub fn open(path: &Path) -> Result<OfflineDatabase, DatabaseError> {
        let mut builder = IndexBuilder::new();
        let metadata = fs::metadata(path).map_err(|source| read_error(path, source))?;
        if metadata.is_dir() {
            load_directory(&mut builder, path)?;
        } else {
            load_zip_file(&mut builder, path)?;
        }
        let (index, report) = builder.finish();
        Ok(OfflineDatabase {
            path: path.to_owned(),
            index,
            report,
        })
    }

    /// The index, for synchronous queries.
    pub fn index(&self) -> &AdvisoryIndex {
        &self.index
    }

    /// The index, taken out of the database (to share it across lookups).
    pub fn into_index(self) -> AdvisoryIndex {
        self.index
    }

    /// What loading saw: counts and the records skipped.
    pub fn report(&self) -> &LoadReport {
        &self.report
    }

    /// The path the records came from.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl VulnerabilitySource for OfflineDatabase {
    fn name(&self) -> String {
        format!("offline OSV database `{}`", self.path.display())
    }

    fn advisories<'a>(
        &'a self,
        packages: &'a [PackageQuery],
    ) -> BoxFuture<'a, Result<Vec<Arc<[Advisory]>>, DatabaseError>> {
        let answers = packages
            .iter()
            .map(|package| self.index.advisories(package.ecosystem, &package.name))
            .collect();
        Box::pin(std::future::ready(Ok(answers)))
    }
}

fn read_error(path: &Path, source: io::Error) -> DatabaseError {
    DatabaseError::Read {
        path: path.to_owned(),
        source,
    }
}

fn load_directory(builder: &mut IndexBuilder, dir: &Path) -> Result<(), DatabaseError> {
    let mut entries = fs::read_dir(dir)
        .and_then(|entries| {
            entries
                .map(|entry| entry.map(|e| e.path()))
                .collect::<io::Result<Vec<_>>>()
        })
        .map_err(|source| read_error(dir, source))?;
    entries.sort();
    for path in entries {
        let Some(name) = path.file_name().and_then(|name| name.to_str()) else {
            continue;
        };
        if name.starts_with('.') {
            continue;
        }
        if path.is_dir() {
            load_directory(builder, &path)?;
        } else if name.ends_with(".json") {
            match fs::read(&path) {
                Ok(bytes) => builder.add_json(&path.display().to_string(), &bytes),
                Err(error) => builder.add_unreadable(&path.display().to_string(), &error),
            }
        } else if name.ends_with(".zip") {
            load_zip_file(builder, &path)?;
        }
    }
    Ok(())
}

fn load_zip_file(builder: &mut IndexBuilder, path: &Path) -> Result<(), DatabaseError> {
    let file = File::open(path).map_err(|source| read_error(path, source))?;
    load_zip(
        builder,
        &path.display().to_string(),
        io::BufReader::new(file),
    )
}

/// The largest record a dump entry may inflate to (the biggest real OSV records, long
/// `versions` lists, are a few hundred KiB).
const MAX_RECORD_BYTES: u64 = 64 * 1024 * 1024;

/// Adds every `*.json` entry of a zip dump; `source` names the archive in reports.
///
/// # Memory
///
/// Entries are read raw and inflated by one decompressor reset for each entry, into one
/// reused buffer, and each record goes straight into the builder's compact form. The
/// zip reader's own path would allocate a fresh inflate state (about 47 KiB, 64-byte
/// aligned) per entry; interleaved with the index's small long-lived allocations, the
/// allocator could not reuse those blocks and the heap grew by one per record — an
/// `all.zip` of 20,000 records peaked at 390 MiB resident in about half the runs
/// instead of 80 MiB.
pub fn load_zip<R: Read + Seek>(
    builder: &mut IndexBuilder,
    source: &str,
    reader: R,
) -> Result<(), DatabaseError> {
    let archive_error = |error: zip::result::ZipError| DatabaseError::Archive {
        path: source.to_owned(),
        reason: error.to_string(),
    };
    let mut archive = zip::ZipArchive::new(reader).map_err(archive_error)?;
    let mut inflater = Inflater::default();
    for index in 0..archive.len() {
        let mut entry = archive.by_index_raw(index).map_err(archive_error)?;
        let name = entry
            .name()
            .map(|name| name.into_owned())
            .unwrap_or_default();
        if entry.is_dir() || !name.ends_with(".json") {
            continue;
        }
        let entry_source = format!("{source}!{name}");
        match inflater.read_entry(&mut entry) {
            Ok(bytes) => builder.add_json(&entry_source, bytes),
            Err(error) => builder.add_unreadable(&entry_source, &error),
        }
    }
    Ok(())
}

/// One raw-deflate decompressor and the buffers it fills, reused for every entry.
struct Inflater {
    decompress: flate2::Decompress,
    compressed: Vec<u8>,
    record: Vec<u8>,
}

impl Default for Inflater {
    fn default() -> Self {
        Inflater {
            // zip entries are raw deflate streams, without a zlib header
            decompress: flate2::Decompress::new(false),
            compressed: Vec::new(),
            record: Vec::new(),
        }
    }
}

impl Inflater {
    /// The entry's bytes, checked against its size and CRC-32.
    fn read_entry<R: Read>(&mut self, entry: &mut zip::read::ZipFile<'_, R>) -> io::Result<&[u8]> {
        let size = entry.size();
        if size > MAX_RECORD_BYTES {
            return Err(io::Error::other(format!(
                "the entry inflates to {size} bytes, more than a record can be"
            )));
        }
        self.record.clear();
        match entry.compression() {
            zip::CompressionMethod::Stored => {
                entry.take(size).read_to_end(&mut self.record)?;
            }
            zip::CompressionMethod::Deflated => {
                self.compressed.clear();
                entry.read_to_end(&mut self.compressed)?;
                self.inflate(size)?;
            }
            other => {
                return Err(io::Error::other(format!(
                    "compression method {other} is not supported (OSV dumps use deflate)"
                )));
            }
        }
        if self.record.len() as u64 != size {
            return Err(io::Error::other(format!(
                "the entry holds {} bytes, its header says {size}",
                self.record.len()
            )));
        }
        let mut crc = flate2::Crc::new();
        crc.update(&self.record);
        if crc.sum() != entry.crc32() {
            return Err(io::Error::other("the entry's CRC-32 does not match"));
        }
        Ok(&self.record)
    }

    /// Inflates `compressed` into `record`, at most `size` bytes.
    fn inflate(&mut self, size: u64) -> io::Result<()> {
        self.decompress.reset(false);
        // one byte of room past the declared size tells a lying header from a full one
        self.record.reserve(size as usize + 1);
        loop {
            let (read_before, written_before) =
                (self.decompress.total_in(), self.decompress.total_out());
            let status = self
                .decompress
                .decompress_vec(
                    &self.compressed[read_before as usize..],
                    &mut self.record,
                    flate2::FlushDecompress::Finish,
                )
                .map_err(io::Error::other)?;
            if status == flate2::Status::StreamEnd || self.record.len() as u64 > size {
                // a size other than the header's is reported by the caller
                return Ok(());
            }
            if self.record.len() == self.record.capacity() {
                self.record.reserve(4096);
            } else if self.decompress.total_in() == read_before
                && self.decompress.total_out() == written_before
            {
                return Err(io::Error::other("the deflate stream ends early"));
            }
        }
    }
}
