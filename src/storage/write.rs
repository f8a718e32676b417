//! Atomic writes: a file is either its old content or its new content, never a mix.
//!
//! The bytes go to a temporary file in the *target directory* (a rename is only atomic within
//! one file system), which is flushed to disk and then renamed over the target; finally the
//! directory is flushed so the rename itself survives a crash. A crash can therefore leave
//! only a stray temporary file behind, never a truncated page, and
//! [`remove_stray_temp_files`] cleans those up on the next run.

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::Path;

use sha2::{Digest, Sha256};
use tempfile::NamedTempFile;

use super::StorageError;

/// Name prefix of the temporary files. Hidden (leading dot) so file browsers and static site
/// generators skip them, and distinctive so that cleaning up cannot hit a user's file.
pub const TEMP_FILE_PREFIX: &str = ".wyrm-tmp-";

/// Writes `bytes` to `path` atomically, creating missing parent directories, and returns the
/// SHA-256 of `bytes` as lowercase hex.
///
/// Readers of `path` see either the previous file or the complete new one. On error the
/// temporary file is removed and `path` is untouched.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<String, StorageError> {
    let dir = parent_dir(path);
    fs::create_dir_all(dir).map_err(|source| StorageError::CreateDir {
        path: dir.to_path_buf(),
        source,
    })?;
    let write_error = |source| StorageError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut temp = create_temp_file_in(dir).map_err(write_error)?;
    temp.write_all(bytes).map_err(write_error)?;
    temp.as_file().sync_all().map_err(write_error)?;
    // On failure the returned error owns the temporary file and deletes it when dropped.
    temp.persist(path)
        .map_err(|error| write_error(error.error))?;
    sync_dir(dir).map_err(write_error)?;
    Ok(sha256_hex(bytes))
}

/// Removes the temporary files that interrupted writes left anywhere under `root`, returning
/// how many were removed. A missing `root` has none.
///
/// Call it before writing starts: a write in progress would lose its temporary file. Symbolic
/// links are not followed, so nothing outside `root` is touched.
pub fn remove_stray_temp_files(root: &Path) -> Result<usize, StorageError> {
    if !root.exists() {
        return Ok(0);
    }
    let mut removed = 0;
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in read_dir(&dir)? {
            let entry = entry.map_err(|source| StorageError::Read {
                path: dir.clone(),
                source,
            })?;
            let path = entry.path();
            let file_type = entry.file_type().map_err(|source| StorageError::Read {
                path: path.clone(),
                source,
            })?;
            if file_type.is_dir() {
                pending.push(path);
            } else if is_temp_file_name(&entry.file_name()) {
                fs::remove_file(&path).map_err(|source| StorageError::Remove { path, source })?;
                removed += 1;
            }
        }
    }
    Ok(removed)
}

/// The SHA-256 of a file's content as lowercase hex, read in chunks so large files are fine.
pub fn sha256_file(path: &Path) -> Result<String, StorageError> {
    let read_error = |source| StorageError::Read {
        path: path.to_path_buf(),
        source,
    };
    let mut file = File::open(path).map_err(read_error)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0; 64 * 1024];
    loop {
        let read = match file.read(&mut buffer) {
            Ok(0) => break,
            Ok(read) => read,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(read_error(error)),
        };
        hasher.update(&buffer[..read]);
    }
    Ok(to_hex(&hasher.finalize()))
}

fn sha256_hex(bytes: &[u8]) -> String {
    to_hex(&Sha256::digest(bytes))
}

/// Bytes as lowercase hex.
pub fn to_hex(digest: &[u8]) -> String {
    digest.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// The directory `path` is in; `.` for a bare file name.
fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    }
}

fn read_dir(dir: &Path) -> Result<fs::ReadDir, StorageError> {
    fs::read_dir(dir).map_err(|source| StorageError::Read {
        path: dir.to_path_buf(),
        source,
    })
}

fn is_temp_file_name(name: &std::ffi::OsStr) -> bool {
    name.to_str()
        .is_some_and(|name| name.starts_with(TEMP_FILE_PREFIX))
}

/// A temporary file in `dir`, named `.wyrm-tmp-…`, deleted when dropped unless persisted.
///
/// tempfile creates files readable by their owner only; on Unix we ask for the usual mode
/// (0666 minus the umask) instead, so the renamed page has the same permissions as any file
/// the user creates.
fn create_temp_file_in(dir: &Path) -> io::Result<NamedTempFile> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(TEMP_FILE_PREFIX);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(fs::Permissions::from_mode(0o666));
    }
    builder.tempfile_in(dir)
}

/// Flushes a directory so a rename inside it is durable. Only Unix can open directories for
/// this; some file systems cannot sync them, which is not an error worth failing a write for.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        let result = File::open(dir).and_then(|handle| handle.sync_all());
        if let Err(error) = result {
            let unsupported = matches!(
                error.kind(),
                io::ErrorKind::InvalidInput | io::ErrorKind::Unsupported
            );
            if !unsupported {
                return Err(error);
            }
        }
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    const ABC_SHA256: &str = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    /// Paths of the temporary files directly in `dir`.
    fn temp_files_in(dir: &Path) -> Vec<PathBuf> {
        fs::read_dir(dir)
            .unwrap()
            .map(|entry| entry.unwrap())
            .filter(|entry| is_temp_file_name(&entry.file_name()))
            .map(|entry| entry.path())
            .collect()
    }

    #[test]
    fn writes_content_and_returns_its_sha256() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("page.md");
        assert_eq!(write_atomic(&path, b"abc").unwrap(), ABC_SHA256);
        assert_eq!(fs::read(&path).unwrap(), b"abc");
        assert_eq!(write_atomic(&path, b"").unwrap(), EMPTY_SHA256);
        assert_eq!(fs::read(&path).unwrap(), b"");
    }

    #[test]
    fn creates_missing_parent_directories() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a/b/c/page.md");
        write_atomic(&path, b"x").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"x");
    }

    #[test]
    fn replaces_existing_file_and_leaves_no_temp_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("page.md");
        fs::write(&path, "old content that is longer").unwrap();
        write_atomic(&path, b"new").unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "new");
        assert!(temp_files_in(dir.path()).is_empty());
    }

    #[test]
    fn temp_file_is_hidden_in_the_target_directory() {
        let dir = tempfile::tempdir().unwrap();
        let temp = create_temp_file_in(dir.path()).unwrap();
        assert_eq!(temp.path().parent(), Some(dir.path()));
        let name = temp
            .path()
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        assert!(name.starts_with(TEMP_FILE_PREFIX), "{name}");
        drop(temp);
        assert!(temp_files_in(dir.path()).is_empty());
    }

    #[test]
    fn failed_write_removes_temp_file_and_keeps_target() {
        let dir = tempfile::tempdir().unwrap();
        // A non-empty directory where the file should go makes the rename fail.
        let path = dir.path().join("page.md");
        fs::create_dir(&path).unwrap();
        fs::write(path.join("keep"), "kept").unwrap();
        let error = write_atomic(&path, b"data").unwrap_err();
        assert!(matches!(error, StorageError::Io { .. }), "{error:?}");
        assert!(error.to_string().starts_with("cannot write "), "{error}");
        assert!(error.to_string().contains("page.md"), "{error}");
        assert!(temp_files_in(dir.path()).is_empty());
        assert_eq!(fs::read_to_string(path.join("keep")).unwrap(), "kept");
    }

    #[test]
    fn parent_that_is_a_file_is_a_create_dir_error() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("file");
        fs::write(&file, "x").unwrap();
        let error = write_atomic(&file.join("page.md"), b"data").unwrap_err();
        assert!(matches!(error, StorageError::CreateDir { .. }), "{error:?}");
        assert!(error.to_string().starts_with("cannot create directory "));
    }

    #[cfg(unix)]
    #[test]
    fn written_file_has_ordinary_permissions() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let ordinary = dir.path().join("ordinary");
        File::create(&ordinary).unwrap();
        let written = dir.path().join("written");
        write_atomic(&written, b"x").unwrap();
        let mode = |path: &Path| fs::metadata(path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&written), mode(&ordinary));
    }

    #[test]
    fn sha256_file_matches_write_atomic() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.bin");
        let bytes: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        let written = write_atomic(&path, &bytes).unwrap();
        assert_eq!(sha256_file(&path).unwrap(), written);
        assert_eq!(written.len(), 64);
        assert!(written
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
    }

    #[test]
    fn sha256_of_missing_file_is_a_read_error() {
        let dir = tempfile::tempdir().unwrap();
        let error = sha256_file(&dir.path().join("missing.md")).unwrap_err();
        assert!(matches!(error, StorageError::Read { .. }));
        assert!(error.to_string().contains("missing.md"), "{error}");
    }

    #[test]
    fn stray_temp_files_are_removed_recursively() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir_all(root.join("a/b")).unwrap();
        fs::create_dir_all(root.join(".wyrm")).unwrap();
        for stray in [
            ".wyrm-tmp-1",
            "a/.wyrm-tmp-x",
            "a/b/.wyrm-tmp-yy",
            ".wyrm/.wyrm-tmp-z",
        ] {
            fs::write(root.join(stray), "partial").unwrap();
        }
        for keep in [
            "page.md",
            "a/wyrm-tmp-no-dot.md",
            "a/b/.wyrm-tmp",
            ".wyrm/state.json",
        ] {
            fs::write(root.join(keep), "keep").unwrap();
        }
        // `.wyrm-tmp` alone (without the trailing dash) is not ours.
        assert_eq!(remove_stray_temp_files(root).unwrap(), 4);
        assert_eq!(remove_stray_temp_files(root).unwrap(), 0);
        for keep in [
            "page.md",
            "a/wyrm-tmp-no-dot.md",
            "a/b/.wyrm-tmp",
            ".wyrm/state.json",
        ] {
            assert!(root.join(keep).exists(), "{keep} was removed");
        }
    }

    #[test]
    fn stray_temp_file_cleanup_of_missing_root_is_empty() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            remove_stray_temp_files(&dir.path().join("nope")).unwrap(),
            0
        );
    }

    #[cfg(unix)]
    #[test]
    fn stray_temp_file_cleanup_does_not_follow_symlinks() {
        let outside = tempfile::tempdir().unwrap();
        let stray_outside = outside.path().join(".wyrm-tmp-outside");
        fs::write(&stray_outside, "not ours").unwrap();
        let dir = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(outside.path(), dir.path().join("link")).unwrap();
        assert_eq!(remove_stray_temp_files(dir.path()).unwrap(), 0);
        assert!(stray_outside.exists());
    }

    #[test]
    fn bare_file_names_are_written_in_the_current_directory() {
        assert_eq!(parent_dir(Path::new("page.md")), Path::new("."));
        assert_eq!(parent_dir(Path::new("a/page.md")), Path::new("a"));
    }
}
