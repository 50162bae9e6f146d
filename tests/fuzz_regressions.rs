//! Inputs that broke the library, found by the fuzz targets in `fuzz/` (scripts/fuzz.sh) or
//! while writing them, minimized, and run here through the same public API as the target.
//!
//! Each test names its target and the invariant it broke. A fuzz input for `reader`/`score`
//! starts with a chunk plan (byte 0: plan length k % 8, then k sizes used in a cycle; see
//! fuzz/README.md); the tests below spell the plan out as the chunks it makes.
#![cfg(not(target_arch = "wasm32"))] // native only: `make test-wasm` runs tests/web.rs

use neptune::Model;
use neptune::reader::{FileError, MAX_RECORD_BYTES, RawRecord, RecordReader};
use neptune::schema::FEATURES;
use neptune::score::{Batch, Scorer, Summary, score_bytes};

type Records = Vec<(u64, Vec<Vec<u8>>)>;

/// The file pushed as `pieces`, the way the `reader` target reads it.
fn read(pieces: &[&[u8]]) -> Result<Records, FileError> {
    let mut reader = RecordReader::new();
    let mut records = Vec::new();
    let mut collect = |r: RawRecord<'_>| -> Result<(), FileError> {
        records.push((r.line, r.fields().map(<[u8]>::to_vec).collect()));
        Ok(())
    };
    for piece in pieces {
        reader.push(piece, &mut collect)?;
    }
    reader.finish(&mut collect)?;
    Ok(records)
}

/// The file pushed as `pieces` through `Scorer` with the embedded model, as the `score` target
/// (and `neptune score`, and the page) does: output bytes and summary.
fn score(pieces: &[&[u8]]) -> Result<(Vec<u8>, Summary), FileError> {
    let model = Model::embedded();
    let mut scorer = Scorer::new(&model, None);
    let mut batch = Batch::default();
    for piece in pieces {
        scorer.push(piece, &mut batch)?;
    }
    let summary = scorer.finish(&mut batch)?;
    Ok((batch.csv, summary))
}

fn bytes_one_by_one(file: &[u8]) -> Vec<&[u8]> {
    file.chunks(1).collect()
}

fn header() -> String {
    FEATURES
        .iter()
        .map(|f| f.name)
        .collect::<Vec<_>>()
        .join(",")
}

const ROW: &str = "0,tcp,http,SF,181,5450,0,0,0,0,0,1,0,0,0,0,0,0,0,0,0,0,8,8,0,0,0,0,1,0,0,9,9,1,0,0.11,0,0,0,0,0";

/// `reader`, cut invariant; fuzz input (minimized) `\x01\x01` + 8 x `\n` + `\xff`.
/// Pushed byte by byte, 8 blank lines filled the sniffer's quota of line ends, and it judged the
/// file by them alone: `FileError::Empty`. Pushed whole, the same file reads one record.
#[test]
fn leading_blank_lines_read_the_same_in_any_chunks() {
    let file = b"\n\n\n\n\n\n\n\n\xff";
    let expected = vec![(9, vec![b"\xff".to_vec()])];
    assert_eq!(read(&[file]), Ok(expected.clone()));
    assert_eq!(read(&bytes_one_by_one(file)), Ok(expected));
}

/// `score`, cut invariant, as a user meets it: a good file that starts with blank lines, read
/// from a pipe in small pieces (`... | neptune score -`), fails as "the file is empty".
#[test]
fn a_file_with_leading_blank_lines_scores_when_piped_in_small_pieces() {
    let file = format!("\n\n\n\n\n\n\n\n{}\n{ROW}\n", header());
    let whole = score(&[file.as_bytes()]).expect("scored in one push");
    assert_eq!(whole.1.rows, 1);
    let cut = score(&bytes_one_by_one(file.as_bytes())).expect("scored byte by byte");
    assert_eq!(cut.0, whole.0);
    assert_eq!(cut.1, whole.1);
}

/// `reader`, cut invariant, same root cause: the delimiter is sniffed from the lines that the
/// first pushes held. The first line alone says `;` (two of them, one comma); with the next
/// lines, `,` is the consistent choice. So the records depend on where the first cut fell.
#[test]
fn the_sniffed_delimiter_does_not_depend_on_the_first_chunk() {
    let file: &[u8] = b"a,b;c;d\n\n\n\n\n\n\n\n1,2\n3,4\n";
    let whole = read(&[file]).unwrap();
    let (head, rest) = file.split_at(15); // just after the 8th line end
    assert_eq!(read(&[head, rest]).unwrap(), whole);
}

/// `score`, cut invariant, same root cause: whether the start of the file is text is judged on
/// the sniff buffer (control characters against its length), so a file is "binary data" in one
/// push and a layout error when cut.
#[test]
fn the_binary_check_does_not_depend_on_the_first_chunk() {
    // 8 line ends in the first 9 bytes, one control character, then plenty of text.
    let mut file = b"\x01\n\n\n\n\n\n\n\n".to_vec();
    file.extend_from_slice(format!("{}\n{ROW}\n", header()).as_bytes());
    let whole = score(&[&file]);
    let (head, rest) = file.split_at(9);
    assert_eq!(score(&[head, rest]).map(|r| r.0), whole.map(|r| r.0));
}

/// `reader`, cut invariant, found with `NEPTUNE_FUZZ_TOLERATE=sniff-prefix` (minimized fuzz input
/// `\x03\x05\x00\x63_` + 8 x `\n` + 5 x `\xff` + `m`: after the sniffer's first chunk, chunks of
/// 5, 0 and 99 bytes). `push(&[])` is taken as the end of the file, so the record being read is
/// cut in two at that point: `\xff\xff\xff\xff\xff` and `m`, both on line 9.
#[test]
fn an_empty_push_is_not_the_end_of_the_file() {
    let pieces: [&[u8]; 4] = [b"_\n\n\n\n\n\n\n\n", b"\xff\xff\xff\xff\xff", b"", b"m"];
    let whole = read(&[&pieces.concat()]).unwrap();
    assert_eq!(
        whole,
        vec![
            (1, vec![b"_".to_vec()]),
            (9, vec![b"\xff\xff\xff\xff\xffm".to_vec()])
        ]
    );
    assert_eq!(read(&pieces).unwrap(), whole);
}

/// The same bug as a user of `Scorer` meets it: an empty chunk in the middle of a row.
#[test]
fn an_empty_chunk_does_not_split_a_row() {
    let file = format!(
        "{}\n{ROW}\n{ROW}\n{ROW}\n{ROW}\n{ROW}\n{ROW}\n{ROW}\n{ROW}\n",
        header()
    );
    let whole = score(&[file.as_bytes()]).unwrap();
    assert_eq!(whole.1.rows, 8);
    let (head, rest) = file.as_bytes().split_at(file.len() - 20);
    let cut = score(&[head, b"", rest]).unwrap();
    assert_eq!(cut.0, whole.0);
    assert_eq!(cut.1, whole.1);
}

/// `reader`, cut invariant, found by CI's 15-second fuzz pass (minimized fuzz input
/// `\x03\x01\x00\x00` + the file below: chunks of 1, 0 and 0 bytes), kept as the seed
/// `fuzz/seeds/reader/cut_at_chunk_end.bin`. Line 7's quote opens a field that runs past its
/// line end with the wrong number of fields, so line 7 is cut off alone; when that line end was
/// the last byte of a push, csv-core was handed the push's empty rest, took it for the end of
/// the file and closed the record the bytes after the cut had begun (lines 8 and 9, three
/// fields): `[]` and `||` instead of `["\n", "", ""]`.
#[test]
fn a_cut_at_the_end_of_a_chunk_does_not_end_the_file() {
    let file: &[u8] = b"||\ns\n\"\n\"\n\"\nl\n\"\n\"\n\"||";
    let whole = read(&[file]).unwrap();
    assert_eq!(
        whole.last().unwrap(),
        &(8, vec![b"\n".to_vec(), Vec::new(), Vec::new()])
    );
    for size in 1..file.len() {
        let pieces: Vec<&[u8]> = file.chunks(size).collect();
        assert_eq!(read(&pieces).unwrap(), whole, "in chunks of {size}");
    }
}

/// The same bug as a user of `Scorer` meets it: the rows after a stray quote depended on where
/// a read ended, so the page and the CLI (which read in different chunks) could disagree.
#[test]
fn rows_after_a_stray_quote_do_not_depend_on_the_chunks() {
    // After 8 rows (the reader decides the file's shape on its first lines): line 10's last
    // field opens a quote that line 11 closes with one field too many, so line 10 is cut off.
    // Line 11's own quote then opens a field that line 12 closes, with the file's 41 fields:
    // lines 11 and 12 are one record (a row rejected for its first field).
    let (forty, _) = ROW.rsplit_once(',').unwrap();
    let rows = format!("{ROW}\n").repeat(8);
    let file = format!("{}\n{rows}{forty},\"\n\",x\n\",{forty}\n{ROW}\n", header());
    let whole = score(&[file.as_bytes()]).unwrap();
    assert_eq!((whole.1.rows, whole.1.scored), (11, 9));
    for size in 1..80 {
        let pieces: Vec<&[u8]> = file.as_bytes().chunks(size).collect();
        let cut = score(&pieces).unwrap();
        assert!(cut.0 == whole.0, "output differs in chunks of {size}");
        assert_eq!(cut.1, whole.1, "summary differs in chunks of {size}");
    }
}

/// Not reachable by the fuzzer (its inputs are a few KB), found while writing the `score`
/// target's checks: a record longer than `MAX_RECORD_BYTES` is flagged oversized, but its field
/// ends still count the dropped bytes, so writing the rejected row slices out of bounds and
/// panics (the release CLI aborts).
#[test]
fn a_line_over_the_record_limit_is_rejected_not_a_panic() {
    let mut file = format!("{}\n", header()).into_bytes();
    file.resize(file.len() + MAX_RECORD_BYTES + 10, b'x');
    file.extend_from_slice(format!("\n{ROW}\n").as_bytes());
    let (_, summary) = score_bytes(&Model::embedded(), &file, None).expect("the file scores");
    assert_eq!(summary.rows, 2);
    assert_eq!(summary.scored, 1);
    assert_eq!(summary.rejected, 1);
    assert_eq!(summary.rejections[0].line, 2);
    assert!(summary.rejections[0].reason.contains("longer than"));
}

/// Same bug when the oversized record is the first one: `Layout::detect` reads its fields.
#[test]
fn an_oversized_first_line_is_an_error_not_a_panic() {
    let mut file = vec![b'x'; MAX_RECORD_BYTES + 10];
    file.extend_from_slice(format!("\n{ROW}\n").as_bytes());
    assert!(score_bytes(&Model::embedded(), &file, None).is_err());
}

/// A file scored as parts cut at `cuts` (line ends), as `neptune score` on several cores and the
/// page's workers do (the `parts` target): output bytes and merged summary.
fn score_in_parts(file: &[u8], cuts: &[usize]) -> Result<(Vec<u8>, Summary), FileError> {
    let model = Model::embedded();
    let mut primary = Scorer::new(&model, None);
    let mut batch = Batch::default();
    primary.push(&file[..cuts[0]], &mut batch)?;
    primary.write_header(&mut batch);
    let mut out = std::mem::take(&mut batch.csv);
    // No context yet (the label-encoding check has not run on a well-formed row): the rest of
    // the file goes through the primary, as the CLI does.
    let Some(context) = primary.part_context() else {
        primary.push(&file[cuts[0]..], &mut batch)?;
        let summary = primary.finish(&mut batch)?;
        out.append(&mut batch.csv);
        return Ok((out, summary));
    };
    let mut line_offset = primary.line_ends();
    let bounds: Vec<usize> = cuts.iter().copied().chain([file.len()]).collect();
    for pair in bounds.windows(2) {
        let part = &file[pair[0]..pair[1]];
        assert!(context.can_split(part));
        let mut scorer = Scorer::for_part(&model, None, &context)?;
        scorer.push(part, &mut batch)?;
        let summary = scorer.finish(&mut batch)?;
        out.append(&mut batch.csv);
        primary.merge(&summary, line_offset);
        line_offset += scorer.line_ends();
    }
    let summary = primary.finish(&mut batch)?;
    out.append(&mut batch.csv);
    Ok((out, summary))
}

/// `parts`, found while writing the target (src/score.rs `Scorer::for_part` sets
/// `categories_checked`): the label-encoding check runs on the first well-formed row. When the
/// primary's part has none, one scorer still refuses the label-encoded rows after it, but the
/// parts score them.
#[test]
fn parts_refuse_a_label_encoded_file_like_one_scorer() {
    let mut file = format!("{}\n", header());
    file.push_str(&"1,2,3\n".repeat(8));
    let cut = file.len();
    for _ in 0..3 {
        file.push_str(&ROW.replace("tcp,http,SF", "1,22,9"));
        file.push('\n');
    }
    let one = score_bytes(&Model::embedded(), file.as_bytes(), None);
    assert!(
        matches!(one, Err(FileError::LabelEncoded { .. })),
        "one scorer: {one:?}"
    );
    let parts = score_in_parts(file.as_bytes(), &[cut]);
    assert_eq!(parts.map(|r| r.1.rows), one.map(|r| r.1.rows));
}

/// `parts`, found while writing the target (src/score.rs `Summary::merge`): once 50 unknown
/// names of a column are kept, a later one is counted only if it was seen before. One scorer
/// keeps the names in the order it meets them; the merge takes a part's names in sorted order,
/// so with one slot left, one scorer keeps `zzz` (met first) and the parts keep `aaa`.
#[test]
fn parts_keep_the_same_unknown_names_as_one_scorer() {
    let mut file = format!("{}\n", header());
    for i in 0..49 {
        file.push_str(&ROW.replace("http", &format!("svc{i:02}")));
        file.push('\n');
    }
    let cut = file.len();
    for name in ["zzz", "aaa"] {
        file.push_str(&ROW.replace("http", name));
        file.push('\n');
    }
    let (one_csv, one) = score_bytes(&Model::embedded(), file.as_bytes(), None).unwrap();
    assert!(one.unknown_categories["service"].contains_key("zzz"));
    let (parts_csv, parts) = score_in_parts(file.as_bytes(), &[cut]).unwrap();
    assert_eq!(parts_csv, one_csv);
    assert_eq!(parts.unknown_categories, one.unknown_categories);
}

/// `parts`, found while writing the target: csv-core drops a UTF-8 byte order mark at the
/// start of the first input it reads, and a part's reader (`RecordReader::with_dialect`) is a
/// fresh csv-core reader. A line that starts with a BOM (two files joined with `cat`, the second
/// one saved with a BOM) loses it when a part starts there, and is scored instead of rejected.
#[test]
fn a_part_starting_with_a_byte_order_mark_reads_like_one_scorer() {
    let mut file = format!("{}\n", header());
    for _ in 0..8 {
        file.push_str(ROW);
        file.push('\n');
    }
    let cut = file.len();
    file.push('\u{feff}');
    file.push_str(ROW);
    file.push('\n');
    let (one_csv, one) = score_bytes(&Model::embedded(), file.as_bytes(), None).unwrap();
    assert_eq!(
        one.rejected, 1,
        "one scorer reads `\\u{{feff}}0` as the duration"
    );
    let (parts_csv, parts) = score_in_parts(file.as_bytes(), &[cut]).unwrap();
    assert_eq!(parts_csv, one_csv);
    assert_eq!(parts, one);
}

/// `reader`, found by the fuzzer after the sniffing fixes (src/reader.rs `find_arff_data`): an
/// ARFF `@data` line was accepted before its line end had arrived, so the header's line number
/// and the count of the line end that followed depended on where a chunk ended; likewise a
/// `@data` line ending in a `\r` whose `\n` came in the next chunk.
#[test]
fn an_arff_data_line_cut_by_a_chunk_reads_like_the_whole_file() {
    for line_end in ["\n", "\r\n", "\r"] {
        let text = [
            "% c",
            "@relation x",
            "@attribute 'a' real",
            "@attribute b real",
            "@data",
            "1,2",
            "3,4",
        ]
        .join(line_end);
        let whole = read(&[text.as_bytes()]).unwrap();
        for cut in 1..text.len() {
            let (a, b) = text.as_bytes().split_at(cut);
            assert_eq!(read(&[a, b]).unwrap(), whole, "{line_end:?} cut at {cut}");
        }
    }
}
