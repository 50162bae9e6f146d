//! One file scored in parts, on the CLI's threads or in the page's workers, with the bytes and
//! the summary of one scorer reading it whole. This module is the whole policy: how large the
//! parts are, where each one begins and ends, and when a file cannot be cut. The CLI
//! (`src/bin/neptune/parts.rs`) and the page (`www/run.js`, through the worker) only move bytes.
//!
//! A file is read as consecutive *ranges*: the start (at most [`FIRST_PART_BYTES`]), then ranges of
//! a size the caller picks within [`MIN_PART_BYTES`] and [`PART_BYTES`] (the last range may be
//! shorter). Each range becomes one *part*, cut at line ends:
//! - the start goes to the primary scorer ([`Scorer::push_start`](crate::score::Scorer::push_start)),
//!   which scores it up to its [`cut`] and learns the file's shape ([`PartContext`]);
//! - every later part is sent its range and the *look-behind*: the last [`LOOK_BEHIND_BYTES`] of the
//!   range before it (or all of it, when shorter). Its own bytes ([`bounds`]) are the look-behind
//!   after its cut (the start of a line the range before did not finish), then its range up to its
//!   own cut (all of it for the file's last range).
//!
//! Both sides of a boundary find the same cut, each from the same bytes: the last line end in the
//! last [`LOOK_BEHIND_BYTES`] of the range before it. A boundary with no line end that close,
//! or a part that holds a quote character (a quoted field may span lines, so a line end after it
//! may not end a record), or an ARFF file, cannot be cut: one scorer then reads on from there.

use serde::{Deserialize, Serialize};

use crate::layout::Layout;
use crate::reader::Dialect;

/// The start of a file, read by the primary scorer, which learns the file's shape from it (the
/// page's other workers learn it from the same bytes rather than wait: see www/run.js): small,
/// but enough for the reader to learn the file's shape (its first eight lines); a start too
/// short for that keeps the file with one scorer.
pub const FIRST_PART_BYTES: usize = 64 << 10;
/// The largest later part: a thread's or a worker's share at a time.
pub const PART_BYTES: usize = 4 << 20;
/// The smallest later part when a file is shared among workers (only the last may be shorter):
/// below this, messages and scorers cost more than the scoring.
pub const MIN_PART_BYTES: usize = 256 << 10;
/// How far before a boundary its line end must be, and the bytes of the range before that a
/// part is sent: lines longer than this keep the rest of the file with one scorer.
pub const LOOK_BEHIND_BYTES: usize = 64 << 10;

const _: () = assert!(LOOK_BEHIND_BYTES <= FIRST_PART_BYTES && LOOK_BEHIND_BYTES <= MIN_PART_BYTES);

/// What a scorer for a later part of a file needs from the scorer of its start: the file's
/// shape and the layout its first record gave. Parts cut at line ends can then be scored apart
/// (on other threads or in other workers) and their outputs concatenated in order: the bytes are
/// the same as one scorer's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartContext {
    /// The file's delimiter and quote, and whether it is ARFF.
    pub dialect: Dialect,
    /// Which column holds which feature, as the file's first record gave it.
    pub layout: Layout,
}

impl PartContext {
    /// Whether bytes of the file can be scored apart from what follows them: the file must not be
    /// ARFF and they must not hold a quote character (a quoted field may span lines).
    pub fn can_split(&self, bytes: &[u8]) -> bool {
        can_split(&self.dialect, bytes)
    }
}

/// Whether `bytes` of a file in `dialect` can be scored apart from what follows them (see
/// [`PartContext::can_split`]).
fn can_split(dialect: &Dialect, bytes: &[u8]) -> bool {
    !dialect.arff && memchr::memchr(dialect.quote, bytes).is_none()
}

/// Where a part sent `range` ends when a part follows it: just past the last line end in the
/// range's last [`LOOK_BEHIND_BYTES`]; `None` when there is none (the rest of the file then stays
/// with one scorer). The next part finds the same place in its look-behind.
pub fn cut(range: &[u8]) -> Option<usize> {
    let window = range.len().saturating_sub(LOOK_BEHIND_BYTES);
    last_line_end(&range[window..]).map(|end| window + end)
}

/// The look-behind sent with the part after `range`: its last [`LOOK_BEHIND_BYTES`].
pub fn look_behind(range: &[u8]) -> &[u8] {
    &range[range.len().saturating_sub(LOOK_BEHIND_BYTES)..]
}

/// A later part's own bytes: `before[carry..]` (the start of the line the range before did not
/// finish), then `range[..end]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounds {
    /// Where the part's first line starts in the look-behind.
    pub carry: usize,
    /// Where the part ends in its range.
    pub end: usize,
}

/// The bytes of the part sent `range` and `before` (the look-behind: see [`look_behind`]), which
/// is the file's last part when `last` (or the rest of the file, read by one scorer from here).
/// `None` when it cannot be scored apart from what follows it (see the module's introduction):
/// one scorer must then read the file from the part's start, `before[carry..]` where
/// `bounds(dialect, before, range, true)` puts it.
pub fn bounds(dialect: &Dialect, before: &[u8], range: &[u8], last: bool) -> Option<Bounds> {
    // An empty look-behind: the part starts the file's rest at a line start.
    let carry = if before.is_empty() { 0 } else { cut(before)? };
    if last {
        return Some(Bounds {
            carry,
            end: range.len(),
        });
    }
    let end = cut(range)?;
    let split = can_split(dialect, &before[carry..]) && can_split(dialect, &range[..end]);
    split.then_some(Bounds { carry, end })
}

/// Index just past the last line end (`\n`, or a `\r` not followed by `\n`) in `bytes`, if
/// there is one whose end is certain: a final `\r` might be half of a `\r\n`.
pub fn last_line_end(bytes: &[u8]) -> Option<usize> {
    let at = memchr::memrchr2(b'\n', b'\r', bytes)?;
    match bytes[at] {
        b'\n' => Some(at + 1),
        _ if at + 1 < bytes.len() => Some(at + 1),
        // A final `\r`: cut before it, at the previous line end.
        _ => last_line_end(&bytes[..at]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dialect(arff: bool) -> Dialect {
        Dialect {
            delimiter: b',',
            quote: b'"',
            arff,
        }
    }

    #[test]
    fn last_line_end_is_certain() {
        assert_eq!(last_line_end(b"a\nb\r"), Some(2));
        assert_eq!(last_line_end(b"a\r\nb"), Some(3));
        assert_eq!(last_line_end(b"a\rb"), Some(2));
        assert_eq!(last_line_end(b"ab"), None);
    }

    #[test]
    fn both_sides_of_a_boundary_cut_at_the_same_place() {
        let context = dialect(false);
        // Ranges of a file of short and long lines, every line end kind, cut at every offset.
        let mut file = Vec::new();
        for i in 0..4000 {
            let end: &[u8] = [&b"\n"[..], b"\r\n", b"\r"][i % 3];
            file.extend(std::iter::repeat_n(b'x', (i * 37) % 300));
            file.extend_from_slice(end);
        }
        for at in (LOOK_BEHIND_BYTES..file.len() - 1).step_by(97) {
            let (range, next) = file.split_at(at);
            let before = look_behind(range);
            let end = cut(range).expect("a line end within the look-behind");
            let b = bounds(&context, before, next, true).unwrap();
            assert_eq!(range.len() - before.len() + b.carry, end, "at {at}");
            // What the two parts hold is the file, cut after a line end that is certain.
            assert!(matches!(file[end - 1], b'\n' | b'\r'));
            assert!(
                file[end - 1] == b'\n' || file[end] != b'\n',
                "cut inside \\r\\n at {at}"
            );
        }
    }

    #[test]
    fn a_part_with_a_quote_or_a_long_line_is_not_cut() {
        let context = dialect(false);
        let line = |s: &str| format!("{s}\n").into_bytes();
        let before = line("a,b");
        let plain = [line("c,d"), line("e,f")].concat();
        assert_eq!(
            bounds(&context, &before, &plain, false),
            Some(Bounds { carry: 4, end: 8 })
        );
        let quoted = [line("\"c\",d"), line("e,f")].concat();
        assert_eq!(bounds(&context, &before, &quoted, false), None);
        // The last part may hold a quote: nothing is cut after it.
        assert!(bounds(&context, &before, &quoted, true).is_some());
        // A quote in the carry (a line the part before left) counts too.
        let carry_quote = [line("a,b"), b"\"x".to_vec()].concat();
        assert_eq!(bounds(&context, &carry_quote, &plain, false), None);
        // No line end in the look-behind's reach.
        let long = vec![b'x'; LOOK_BEHIND_BYTES + 10];
        assert_eq!(cut(&[line("a"), long.clone()].concat()), None);
        assert_eq!(
            bounds(&context, &before, &[line("a"), long].concat(), false),
            None
        );
        assert_eq!(bounds(&dialect(true), &before, &plain, false), None);
    }
}
