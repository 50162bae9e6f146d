//! Where `neptune score -o FILE` writes, without ever losing or destroying a byte.
//!
//! - A regular file (or a new one) is written to a temporary file of its own in the same folder
//!   (a unique name, created exclusively, so two runs never share one) and renamed over the
//!   destination once complete: an unusable input or an interrupted run leaves the destination
//!   as it was and no temporary file behind.
//! - A destination that exists and is not a regular file (`/dev/null`, a FIFO, a terminal) is
//!   written in place: renaming over it would replace the device or leave the FIFO's reader
//!   waiting forever.
//! - A symbolic link is followed: its target is what gets written, and the link stays a link.
//! - A directory is refused in plain words.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::{Context, bail};
use tempfile::NamedTempFile;

/// The temporary file being written, removed by the signal handler on SIGINT/SIGTERM/SIGHUP.
static PENDING: Mutex<Option<PathBuf>> = Mutex::new(None);

/// The exit code of a run stopped by a signal (128 + SIGINT, as shells report it).
const INTERRUPTED: i32 = 130;

pub enum Output {
    Stdout(io::StdoutLock<'static>),
    /// Not a regular file: written in place.
    InPlace(File),
    /// A temporary file beside `target`, renamed over it by [`Output::commit`].
    Replace {
        temp: NamedTempFile,
        target: PathBuf,
        _registered: Registered,
    },
}

/// Keeps the temporary file's name where the signal handler finds it, while the file exists.
pub struct Registered;

impl Registered {
    fn new(path: &Path) -> Registered {
        *PENDING.lock().unwrap_or_else(|e| e.into_inner()) = Some(path.to_path_buf());
        Registered
    }
}

impl Drop for Registered {
    fn drop(&mut self) {
        // The temporary file removes itself when dropped, or was renamed: forget its name.
        *PENDING.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }
}

impl Output {
    /// Opens `path` for writing as described in the module's documentation; `None` is stdout.
    pub fn open(path: Option<&Path>) -> anyhow::Result<Output> {
        let Some(path) = path else {
            return Ok(Output::Stdout(io::stdout().lock()));
        };
        if path.as_os_str().to_string_lossy().ends_with('/') || path.is_dir() {
            bail!(
                "{} is a directory: give the output file's name (for example {})",
                path.display(),
                path.join("scored.csv").display()
            );
        }
        let target = match std::fs::symlink_metadata(path) {
            Ok(meta) if meta.file_type().is_symlink() => match std::fs::canonicalize(path) {
                Ok(target) => target,
                // A dangling link: creating the file through it creates its target.
                Err(_) => return create_in_place(path),
            },
            _ => path.to_path_buf(),
        };
        let existing = match std::fs::metadata(&target) {
            Ok(meta) if !meta.is_file() => return write_in_place(&target),
            Ok(meta) => Some(meta.permissions()),
            Err(_) => None,
        };
        let dir = match target.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        let name = target.file_name().unwrap_or_default().to_string_lossy();
        let prefix = format!(".{name}.");
        let mut builder = tempfile::Builder::new();
        builder.prefix(&prefix).suffix(".partial");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            // A new file gets the permissions any new file gets (the umask applies); a file
            // that is replaced keeps its own.
            builder.permissions(std::fs::Permissions::from_mode(0o666));
        }
        let temp = builder
            .tempfile_in(dir)
            .with_context(|| format!("cannot create a file in {}", dir.display()))?;
        if let Some(permissions) = existing {
            temp.as_file()
                .set_permissions(permissions)
                .with_context(|| format!("cannot write {}", target.display()))?;
        }
        let registered = Registered::new(temp.path());
        Ok(Output::Replace {
            temp,
            target,
            _registered: registered,
        })
    }

    pub fn writer(&mut self) -> &mut dyn Write {
        match self {
            Output::Stdout(out) => out,
            Output::InPlace(file) => file,
            Output::Replace { temp, .. } => temp.as_file_mut(),
        }
    }

    /// Puts the complete output in place.
    pub fn commit(self) -> anyhow::Result<()> {
        let Output::Replace { temp, target, .. } = self else {
            return Ok(());
        };
        // Held while renaming, so that a signal arriving now waits and then finds nothing to
        // remove.
        let mut pending = PENDING.lock().unwrap_or_else(|e| e.into_inner());
        temp.persist(&target)
            .map_err(|e| e.error)
            .with_context(|| format!("cannot write {}", target.display()))?;
        *pending = None;
        Ok(())
    }
}

fn create_in_place(path: &Path) -> anyhow::Result<Output> {
    let file = File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    Ok(Output::InPlace(file))
}

fn write_in_place(path: &Path) -> anyhow::Result<Output> {
    let file = OpenOptions::new()
        .write(true)
        .open(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(Output::InPlace(file))
}

/// On SIGINT, SIGTERM or SIGHUP: remove the temporary output file, then exit.
pub fn remove_partial_output_on_signals() {
    // Failing to install the handler only loses the clean-up; the run itself is unaffected.
    let _ = ctrlc::set_handler(|| {
        let pending = PENDING.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(path) = pending {
            let _ = std::fs::remove_file(path);
        }
        std::process::exit(INTERRUPTED);
    });
}
