//! `reader`: any bytes, cut into chunks anywhere, through `RecordReader::push`/`finish`.
//!
//! Must never panic, and the cuts must not change what comes out: the same records (line,
//! oversized flag, every field's bytes), the same dialect and the same error as one push of the
//! whole file. Input layout: see `neptune_fuzz::split_plan`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use neptune::reader::{Dialect, FileError, RawRecord, RecordReader};
use neptune_fuzz::{plan_pushes, read_all, split_plan};

#[derive(Debug, PartialEq)]
struct Record {
    line: u64,
    oversized: bool,
    fields: Vec<Vec<u8>>,
}

#[derive(Debug, PartialEq)]
struct Outcome {
    records: Vec<Record>,
    result: Result<(), FileError>,
    dialect: Option<Dialect>,
}

fn read<'a>(pieces: impl IntoIterator<Item = &'a [u8]>) -> Outcome {
    let mut reader = RecordReader::new();
    let mut records = Vec::new();
    let mut collect = |r: RawRecord<'_>| -> Result<(), FileError> {
        // Every field of every record must be addressable (no slice out of bounds).
        let fields: Vec<Vec<u8>> = r.fields().map(<[u8]>::to_vec).collect();
        assert_eq!(fields.len(), r.len());
        assert_eq!(r.is_empty(), fields.is_empty());
        for i in 0..r.len() {
            assert!(r.text(i).is_some());
        }
        assert!(r.text(r.len()).is_none());
        assert!(r.line >= 1, "line numbers start at 1");
        records.push(Record {
            line: r.line,
            oversized: r.oversized,
            fields,
        });
        Ok(())
    };
    let result = read_all(&mut reader, pieces, &mut collect);
    // Each record starts on a later line than the one before.
    for pair in records.windows(2) {
        assert!(
            pair[0].line < pair[1].line,
            "line numbers did not go forward: {pair:?}"
        );
    }
    let dialect = result.is_ok().then(|| reader.dialect());
    Outcome {
        records,
        result,
        dialect,
    }
}

fuzz_target!(|data: &[u8]| {
    let (plan, file) = split_plan(data);
    let (reference, pieces) = plan_pushes(plan, file);
    let whole = read(reference.iter().copied());
    let cut = read(pieces.iter().copied());
    assert_eq!(
        whole,
        cut,
        "pushing the file in chunks of {:?} instead of {:?} changed what the reader hands out",
        pieces.iter().map(|p| p.len()).collect::<Vec<_>>(),
        reference.iter().map(|p| p.len()).collect::<Vec<_>>(),
    );
});
