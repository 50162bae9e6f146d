//! Opening an input: a file or standard input, gzip-compressed or not.

use std::fs::File;
use std::io::{self, Read};

use anyhow::Context;
use neptune::gunzip::{GZIP_MAGIC, GunzipReader, is_gzip};

/// Opens `input` (`-` is standard input). Gzip is recognized by its magic bytes, whatever the
/// name, and decompressed as it streams (every member, as `gzip -d` does), by the library's
/// reader the page uses too.
pub fn open(input: &str) -> anyhow::Result<Box<dyn Read + Send>> {
    // `Stdin`, not its lock: the reader may be handed to a reading thread (see `parts`).
    let mut raw: Box<dyn Read + Send> = if input == "-" {
        Box::new(io::stdin())
    } else {
        Box::new(File::open(input).with_context(|| format!("cannot open {input}"))?)
    };
    let mut head = Vec::with_capacity(GZIP_MAGIC.len());
    (&mut raw)
        .take(GZIP_MAGIC.len() as u64)
        .read_to_end(&mut head)
        .with_context(|| format!("cannot read {input}"))?;
    let gzip = is_gzip(&head);
    let whole = io::Cursor::new(head).chain(raw);
    Ok(if gzip {
        Box::new(GunzipReader::new(whole))
    } else {
        Box::new(whole)
    })
}
