//! `fast_path`: any bytes, cut into chunks anywhere, through the fast path and the general one.
//!
//! The reader's plain-line lane, the short-decimal row parser and the verbatim line writer stand
//! in for csv-core and the general parser on most lines; `RecordReader::general_only` and
//! `Scorer::general_only` switch them off. The two must hand out the same records (line, flags,
//! fields) and error, and score to the same output bytes, row outcomes and summary, or error.
//! Input layout: see `neptune_fuzz::split_plan`.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use neptune::reader::{FileError, RawRecord, RecordReader};
use neptune::score::{Batch, Scorer};
use neptune::Model;
use neptune_fuzz::{chunks, read_all, split_plan};

fn model() -> &'static Model {
    static MODEL: OnceLock<Model> = OnceLock::new();
    MODEL.get_or_init(Model::embedded)
}

/// The records a reader hands out and how reading ended, as text.
fn read(pieces: &[&[u8]], general: bool) -> String {
    let mut reader = RecordReader::new();
    if general {
        reader = reader.general_only();
    }
    let mut out = String::new();
    let mut collect = |r: RawRecord<'_>| -> Result<(), FileError> {
        let fields: Vec<&[u8]> = r.fields().collect();
        out.push_str(&format!(
            "{} {} {} {} {fields:?}\n",
            r.line, r.oversized, r.too_many_fields, r.unclosed_quote
        ));
        Ok(())
    };
    let result = read_all(&mut reader, pieces.iter().copied(), &mut collect);
    format!("{out}{result:?} {:?}", reader.dialect())
}

/// Output bytes, then the row outcomes and the summary or error as text (Debug text compares a
/// NaN with a NaN as equal).
fn score(pieces: &[&[u8]], general: bool) -> (Vec<u8>, String) {
    let mut scorer = Scorer::new(model(), None);
    if general {
        scorer.general_only();
    }
    let mut batch = Batch::default();
    let mut result = Ok(());
    for piece in pieces {
        result = scorer.push(piece, &mut batch);
        if result.is_err() {
            break;
        }
    }
    let result = result.and_then(|()| scorer.finish(&mut batch));
    (batch.csv, format!("{:?}\n{result:?}", batch.rows))
}

fuzz_target!(|data: &[u8]| {
    let (plan, file) = split_plan(data);
    let pieces = chunks(plan, file);
    assert_eq!(
        read(&pieces, false),
        read(&pieces, true),
        "the plain-line lane read other records"
    );
    let (fast, general) = (score(&pieces, false), score(&pieces, true));
    assert!(
        fast == general,
        "the fast path scored differently\nfast:    {:?}\n{}\ngeneral: {:?}\n{}",
        String::from_utf8_lossy(&fast.0),
        fast.1,
        String::from_utf8_lossy(&general.0),
        general.1
    );
});
