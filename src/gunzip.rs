//! Gzip, decompressed as it streams: every member, as `gzip -d` reads `cat a.gz b.gz`. The CLI
//! reads a gzip input through [`GunzipReader`]; the page's worker pushes the file's bytes through
//! [`Gunzip`]. The deflate data is inflated by miniz_oxide; this module reads the gzip framing
//! around it (RFC 1952: header, CRC-32 and length trailer), which keeps the wasm module small.

use std::io::{self, Read};

use miniz_oxide::inflate::stream::{InflateState, inflate};
use miniz_oxide::{DataFormat, MZError, MZFlush, MZStatus};

/// The first two bytes of every gzip member.
pub const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Whether `bytes` starts like gzip.
pub fn is_gzip(bytes: &[u8]) -> bool {
    bytes.starts_with(&GZIP_MAGIC)
}

/// Why gzip data could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GzipError {
    /// The data ends inside a member, or holds no member at all.
    #[error("the gzip data is cut short: the file ends inside a compressed member")]
    CutShort,
    /// The bytes are not valid gzip; the text says which check failed.
    #[error("the gzip data is damaged ({0})")]
    Damaged(&'static str),
}

/// Header flag bits (RFC 1952, 2.3.1).
const FHCRC: u8 = 1 << 1;
const FEXTRA: u8 = 1 << 2;
const FNAME: u8 = 1 << 3;
const FCOMMENT: u8 = 1 << 4;
const RESERVED: u8 = 0b1110_0000;
/// The compression method every gzip file uses: deflate.
const DEFLATE: u8 = 8;
/// CRC-32 and the length modulo 2^32, after each member's deflate data.
const TRAILER_BYTES: usize = 8;
/// Output inflated per call.
const OUT_BYTES: usize = 64 * 1024;

enum Stage {
    /// Reading a member's header; the bytes so far.
    Header(Vec<u8>),
    /// Inflating a member's data.
    Body {
        inflater: Box<InflateState>,
        crc: Crc32,
        length: u32,
    },
    /// Reading a member's trailer.
    Trailer {
        bytes: Vec<u8>,
        crc: u32,
        length: u32,
    },
}

/// A streaming gzip decoder: compressed bytes in, decompressed bytes out.
pub struct Gunzip {
    stage: Stage,
    members: u64,
    out: Vec<u8>,
}

impl Default for Gunzip {
    fn default() -> Self {
        Gunzip {
            stage: Stage::Header(Vec::new()),
            members: 0,
            out: vec![0; OUT_BYTES],
        }
    }
}

impl Gunzip {
    /// Decompresses `input`, the next bytes of the file, and returns what it yields.
    pub fn push(&mut self, mut input: &[u8]) -> Result<Vec<u8>, GzipError> {
        let mut yielded = Vec::new();
        // Whether the inflater may hold output that did not fit in `out`.
        let mut full = false;
        while !input.is_empty() || full {
            full = false;
            match &mut self.stage {
                Stage::Header(bytes) => {
                    let before = bytes.len();
                    bytes.extend_from_slice(input);
                    match header_length(bytes)? {
                        None => return Ok(yielded),
                        Some(length) => {
                            input = &input[length - before..];
                            self.stage = Stage::Body {
                                inflater: InflateState::new_boxed(DataFormat::Raw),
                                crc: Crc32::default(),
                                length: 0,
                            };
                        }
                    }
                }
                Stage::Body {
                    inflater,
                    crc,
                    length,
                } => {
                    let result = inflate(inflater, input, &mut self.out, MZFlush::None);
                    input = &input[result.bytes_consumed..];
                    full = result.bytes_written == self.out.len();
                    let written = &self.out[..result.bytes_written];
                    crc.update(written);
                    *length = length.wrapping_add(written.len() as u32);
                    yielded.extend_from_slice(written);
                    match result.status {
                        Ok(MZStatus::StreamEnd) => {
                            full = false;
                            self.stage = Stage::Trailer {
                                bytes: Vec::with_capacity(TRAILER_BYTES),
                                crc: crc.value(),
                                length: *length,
                            };
                        }
                        Ok(_) => {}
                        // No progress without more input: all of it was taken.
                        Err(MZError::Buf) if input.is_empty() => {}
                        Err(_) => return Err(GzipError::Damaged("invalid deflate data")),
                    }
                }
                Stage::Trailer { bytes, crc, length } => {
                    let take = (TRAILER_BYTES - bytes.len()).min(input.len());
                    bytes.extend_from_slice(&input[..take]);
                    input = &input[take..];
                    if bytes.len() == TRAILER_BYTES {
                        let word = |at: usize| {
                            u32::from_le_bytes(bytes[at..at + 4].try_into().expect("4 bytes"))
                        };
                        if word(0) != *crc {
                            return Err(GzipError::Damaged("the CRC-32 does not match"));
                        }
                        if word(4) != *length {
                            return Err(GzipError::Damaged("the length does not match"));
                        }
                        self.members += 1;
                        self.stage = Stage::Header(Vec::new());
                    }
                }
            }
        }
        Ok(yielded)
    }

    /// Ends the stream: an error unless it ended between whole members.
    pub fn finish(self) -> Result<(), GzipError> {
        match &self.stage {
            Stage::Header(bytes) if bytes.is_empty() && self.members > 0 => Ok(()),
            _ => Err(GzipError::CutShort),
        }
    }
}

/// The length of the member header at the start of `bytes`, or `None` when more bytes are
/// needed to know it.
fn header_length(bytes: &[u8]) -> Result<Option<usize>, GzipError> {
    let fixed = 10;
    if bytes.len() >= 2 && !is_gzip(bytes) {
        return Err(GzipError::Damaged(
            "data after a member is not another gzip member",
        ));
    }
    if bytes.len() < fixed {
        return Ok(None);
    }
    let flags = bytes[3];
    if bytes[2] != DEFLATE || flags & RESERVED != 0 {
        return Err(GzipError::Damaged("unknown compression method or flags"));
    }
    let mut at = fixed;
    if flags & FEXTRA != 0 {
        let Some(size) = bytes.get(at..at + 2) else {
            return Ok(None);
        };
        at += 2 + usize::from(u16::from_le_bytes([size[0], size[1]]));
    }
    for flag in [FNAME, FCOMMENT] {
        if flags & flag != 0 {
            // A zero-terminated string.
            match bytes
                .get(at..)
                .and_then(|rest| rest.iter().position(|&b| b == 0))
            {
                Some(end) => at += end + 1,
                None => return Ok(None),
            }
        }
    }
    if flags & FHCRC != 0 {
        at += 2;
    }
    Ok((bytes.len() >= at).then_some(at))
}

/// CRC-32 (IEEE 802.3, reflected), as gzip's trailer holds it.
#[derive(Default)]
struct Crc32(u32);

/// The CRC-32 of `bytes` (also the model file's checksum).
pub(crate) fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = Crc32::default();
    crc.update(bytes);
    crc.value()
}

/// One entry per byte value, built at compile time (1 KB).
const CRC_TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
            k += 1;
        }
        table[i] = c;
        i += 1;
    }
    table
};

impl Crc32 {
    fn update(&mut self, bytes: &[u8]) {
        let mut c = !self.0;
        for &b in bytes {
            c = CRC_TABLE[((c ^ u32::from(b)) & 0xFF) as usize] ^ (c >> 8);
        }
        self.0 = !c;
    }

    fn value(&self) -> u32 {
        self.0
    }
}

/// Reads gzip from `inner` and hands out the decompressed bytes.
pub struct GunzipReader<R> {
    inner: R,
    gunzip: Option<Gunzip>,
    compressed: Vec<u8>,
    ready: Vec<u8>,
    taken: usize,
}

impl<R: Read> GunzipReader<R> {
    /// Decompresses `inner` as it is read; damaged or cut-short gzip is an `InvalidData` error.
    pub fn new(inner: R) -> Self {
        GunzipReader {
            inner,
            gunzip: Some(Gunzip::default()),
            compressed: vec![0; 1 << 16],
            ready: Vec::new(),
            taken: 0,
        }
    }
}

impl<R: Read> Read for GunzipReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.taken == self.ready.len() {
            let Some(gunzip) = &mut self.gunzip else {
                return Ok(0);
            };
            let n = match self.inner.read(&mut self.compressed) {
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            let invalid = |e: GzipError| io::Error::new(io::ErrorKind::InvalidData, e.to_string());
            if n == 0 {
                let gunzip = self.gunzip.take().expect("checked above");
                gunzip.finish().map_err(invalid)?;
                return Ok(0);
            }
            self.ready = gunzip.push(&self.compressed[..n]).map_err(invalid)?;
            self.taken = 0;
        }
        let n = buf.len().min(self.ready.len() - self.taken);
        buf[..n].copy_from_slice(&self.ready[self.taken..self.taken + n]);
        self.taken += n;
        Ok(n)
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use flate2::{Compression, GzBuilder, write::GzEncoder};
    use std::io::Write;

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
        encoder.write_all(bytes).unwrap();
        encoder.finish().unwrap()
    }

    fn gunzip_in_pieces(compressed: &[u8], piece: usize) -> Result<Vec<u8>, GzipError> {
        let mut gunzip = Gunzip::default();
        let mut out = Vec::new();
        for chunk in compressed.chunks(piece) {
            out.extend(gunzip.push(chunk)?);
        }
        gunzip.finish()?;
        Ok(out)
    }

    fn text() -> Vec<u8> {
        (0..20_000u32)
            .flat_map(|i| format!("{i},tcp,http,SF,{}\n", i * 7919 % 1000).into_bytes())
            .collect()
    }

    #[test]
    fn members_are_read_one_after_another_in_any_pieces() {
        let text = text();
        let (a, b) = text.split_at(123_457);
        // The second member has a name, a comment, an extra field and a header CRC.
        let mut named = GzBuilder::new()
            .filename("part2.csv")
            .comment("second")
            .extra(vec![1, 2, 3])
            .write(Vec::new(), Compression::best());
        named.write_all(b).unwrap();
        let two = [gzip(a), named.finish().unwrap()].concat();
        assert!(is_gzip(&two));
        for piece in [1, 7, 4096, 1 << 20] {
            assert_eq!(
                gunzip_in_pieces(&two, piece).unwrap(),
                text,
                "pieces of {piece}"
            );
        }
        let mut read = Vec::new();
        GunzipReader::new(&two[..]).read_to_end(&mut read).unwrap();
        assert_eq!(read, text);
        assert_eq!(gunzip_in_pieces(&gzip(b""), 3).unwrap(), b"");
    }

    #[test]
    fn cut_short_or_damaged_data_is_an_error() {
        let whole = gzip(&text());
        for cut in [
            1,
            2,
            9,
            10,
            11,
            whole.len() / 2,
            whole.len() - 8,
            whole.len() - 1,
        ] {
            assert_eq!(
                gunzip_in_pieces(&whole[..cut], 100),
                Err(GzipError::CutShort),
                "cut at {cut} of {}",
                whole.len()
            );
        }
        assert!(gunzip_in_pieces(b"", 1).is_err());
        for at in [whole.len() / 2, whole.len() - 6, whole.len() - 2] {
            let mut damaged = whole.clone();
            damaged[at] ^= 0x55;
            assert!(
                matches!(gunzip_in_pieces(&damaged, 100), Err(GzipError::Damaged(_))),
                "a flipped byte at {at}"
            );
        }
        let mut trailing = whole.clone();
        trailing.extend_from_slice(b"garbage");
        assert!(matches!(
            gunzip_in_pieces(&trailing, 100),
            Err(GzipError::Damaged(_))
        ));
        let mut reader = GunzipReader::new(&whole[..whole.len() / 2]);
        let error = reader.read_to_end(&mut Vec::new()).unwrap_err();
        assert_eq!(error.to_string(), GzipError::CutShort.to_string());
    }
}
