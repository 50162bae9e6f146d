//! Opening an input: a file or standard input, gzip-compressed or not.

use std::fs::File;
use std::io::{self, Read};

use anyhow::Context;
use flate2::read::MultiGzDecoder;

/// The first two bytes of every gzip member (RFC 1952).
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Opens `input` (`-` is standard input). Gzip is recognized by its magic bytes, whatever the
/// name, and decompressed as it streams (every member, as `gzip -d` does).
pub fn open(input: &str) -> anyhow::Result<Box<dyn Read>> {
    let mut raw: Box<dyn Read> = if input == "-" {
        Box::new(io::stdin().lock())
    } else {
        Box::new(File::open(input).with_context(|| format!("cannot open {input}"))?)
    };
    let mut head = Vec::with_capacity(GZIP_MAGIC.len());
    (&mut raw)
        .take(GZIP_MAGIC.len() as u64)
        .read_to_end(&mut head)
        .with_context(|| format!("cannot read {input}"))?;
    let gzip = head == GZIP_MAGIC;
    let whole = io::Cursor::new(head).chain(raw);
    Ok(if gzip {
        Box::new(GzipErrors(MultiGzDecoder::new(
            io::BufReader::with_capacity(1 << 16, whole),
        )))
    } else {
        Box::new(whole)
    })
}

/// Says that a read error came from decompressing, so the message names the cause.
struct GzipErrors<R>(R);

impl<R: Read> Read for GzipErrors<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf).map_err(|e| {
            let what = match e.kind() {
                io::ErrorKind::UnexpectedEof => "the gzip data is cut short".to_string(),
                io::ErrorKind::Interrupted => return e,
                _ => format!("the gzip data is damaged ({e})"),
            };
            io::Error::new(e.kind(), what)
        })
    }
}
