//! Storage: slugs, output paths, containment and atomic writes.
//!
//! Everything that decides *where* a page goes and *how* it reaches the disk lives here:
//!
//! - [`slug()`] turns a title into a safe file or directory name;
//! - [`plan_paths`] lays out the whole output tree from the sidebar, resolving collisions;
//! - [`resolve_in`] joins a planned path to the output directory, refusing anything that could
//!   leave it (defence in depth behind the slugs);
//! - [`write_atomic`] writes a file so that readers only ever see the old or the new content.

use std::path::PathBuf;

mod paths;
mod slug;
mod write;

pub use paths::{plan_paths, resolve_in, ItemLocation, MAX_DIR_LEVELS, MAX_RELATIVE_PATH_BYTES};
pub use slug::{slug, MAX_SLUG_LEN, RESERVED_NAME_SUFFIX};
pub use write::{
    remove_stray_temp_files, sha256_file, sync_dir, to_hex, write_atomic, TEMP_FILE_PREFIX,
};

/// Name of Wyrm's own state directory at the top of the output directory. No planned path
/// ever uses it.
pub const STATE_DIR_NAME: &str = ".wyrm";

/// A storage operation that failed, with the path involved.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// A relative path was absolute, empty, or contained `..` (or a drive prefix).
    #[error("refusing to write outside the output directory: {}", .0.display())]
    Escapes(PathBuf),
    /// A directory could not be created.
    #[error("cannot create directory {}: {source}", path.display())]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A file could not be written (or made durable).
    #[error("cannot write {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A file or directory could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A leftover temporary file could not be removed.
    #[error("cannot remove leftover temporary file {}: {source}", path.display())]
    Remove {
        path: PathBuf,
        source: std::io::Error,
    },
}
