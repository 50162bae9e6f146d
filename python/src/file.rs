//! A file scored to a file: the library's [`Scorer`] on one thread, so the bytes are those of
//! `neptune score` (which runs the same scorer, on parts that give the same bytes).

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use neptune::gunzip::{GZIP_MAGIC, GunzipReader, is_gzip};
use neptune::model::Model;
use neptune::score::{Batch, Scorer, Summary};

/// Bytes read at a time.
const CHUNK_BYTES: usize = 4 << 20;

/// Why a file could not be scored.
pub enum FileFailure {
    /// Reading or writing failed.
    Io(io::Error),
    /// The input cannot be used as a whole (the CLI's exit status 2).
    Unusable(String),
}

impl From<io::Error> for FileFailure {
    fn from(e: io::Error) -> Self {
        FileFailure::Io(e)
    }
}

/// Scores `input` (plain or gzip) into `output`. A regular (or new) output file is written
/// under a temporary name beside it and renamed when complete, so an unusable input leaves an
/// existing file as it was; anything else (a FIFO, a device) is written in place.
pub fn score_file(
    model: &Model,
    input: &Path,
    output: &Path,
    threshold: Option<f64>,
) -> Result<Summary, FileFailure> {
    let mut reader = open(input)?;
    let in_place = fs::metadata(output).is_ok_and(|m| !m.is_file());
    let temporary = (!in_place).then(|| temporary_beside(output));
    let target = temporary.as_deref().unwrap_or(output);
    let file = if in_place {
        OpenOptions::new().write(true).open(target)?
    } else {
        OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(target)?
    };
    let result = write_scored(model, &mut reader, file, threshold);
    match (&result, &temporary) {
        (Ok(_), Some(temporary)) => fs::rename(temporary, output)?,
        (Err(_), Some(temporary)) => {
            let _ = fs::remove_file(temporary);
        }
        _ => {}
    }
    result
}

fn write_scored(
    model: &Model,
    reader: &mut dyn Read,
    file: File,
    threshold: Option<f64>,
) -> Result<Summary, FileFailure> {
    let mut writer = BufWriter::with_capacity(1 << 20, file);
    let mut scorer = Scorer::new(model, threshold);
    let mut batch = Batch::default();
    let mut chunk = vec![0; CHUNK_BYTES];
    loop {
        let n = match reader.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e.into()),
        };
        scorer
            .push(&chunk[..n], &mut batch)
            .map_err(|e| FileFailure::Unusable(e.to_string()))?;
        writer.write_all(&batch.csv)?;
        batch.clear();
    }
    let summary = scorer
        .finish(&mut batch)
        .map_err(|e| FileFailure::Unusable(e.to_string()))?;
    writer.write_all(&batch.csv)?;
    writer.flush()?;
    writer.get_ref().sync_all().or_else(|e| {
        // A FIFO or a terminal cannot be synced; a regular file can.
        if e.kind() == io::ErrorKind::InvalidInput {
            Ok(())
        } else {
            Err(e)
        }
    })?;
    Ok(summary)
}

/// Opens `path`, decompressing gzip (recognized by its first bytes) as it streams.
fn open(path: &Path) -> io::Result<Box<dyn Read + Send>> {
    let mut file = File::open(path)?;
    let mut head = Vec::with_capacity(GZIP_MAGIC.len());
    (&mut file)
        .take(GZIP_MAGIC.len() as u64)
        .read_to_end(&mut head)?;
    let gzip = is_gzip(&head);
    let whole = io::Cursor::new(head).chain(file);
    Ok(if gzip {
        Box::new(GunzipReader::new(whole))
    } else {
        Box::new(whole)
    })
}

/// A name beside `output` that no other run uses.
fn temporary_beside(output: &Path) -> PathBuf {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let name = output
        .file_name()
        .map_or_else(|| "scored".into(), |n| n.to_string_lossy().into_owned());
    output.with_file_name(format!(
        ".{name}.{}-{}.partial",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ))
}
