//! `neptune bench-stages` (hidden, for `make bench`): each stage timed on one core.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use neptune::model::Model;

use super::Unusable;

/// Median seconds of `runs` calls of `work`.
fn median_seconds(runs: usize, mut work: impl FnMut()) -> f64 {
    let mut times: Vec<f64> = (0..runs.max(1))
        .map(|_| {
            let started = std::time::Instant::now();
            work();
            started.elapsed().as_secs_f64()
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

/// The stages that the fast path changes, timed on one path: the reader alone, the reader with
/// parsing and encoding, and the whole scorer (output in memory). The encoded rows are left in
/// `vectors` for the model's stage.
fn path_stages(
    bytes: &[u8],
    model: &Model,
    runs: usize,
    general: bool,
    vectors: &mut Vec<[f64; neptune::schema::FEATURE_COUNT]>,
) -> serde_json::Value {
    use neptune::layout::Layout;
    use neptune::reader::{FileError, RawRecord, RecordReader};

    let reader = || {
        let reader = RecordReader::new();
        if general {
            reader.general_only()
        } else {
            reader
        }
    };
    let mut records = 0u64;
    let reader_seconds = median_seconds(runs, || {
        records = 0;
        let mut reader = reader();
        let mut count = |_: RawRecord<'_>| -> Result<(), FileError> {
            records += 1;
            Ok(())
        };
        reader.push(bytes, &mut count).expect("a readable file");
        reader.finish(&mut count).expect("a readable file");
    });
    // Records parsed and encoded into feature vectors (the reader's time included).
    let features_seconds = median_seconds(runs, || {
        vectors.clear();
        let mut reader = reader();
        let mut layout: Option<Layout> = None;
        let mut encode = |record: RawRecord<'_>| -> Result<(), FileError> {
            if layout.is_none() {
                let found = Layout::detect(&record)?;
                let header = found.has_header;
                layout = Some(found);
                if header {
                    return Ok(());
                }
            }
            let layout = layout.as_ref().expect("set by the first record");
            if let Ok(row) = neptune::features::parse_row(&record, layout) {
                vectors.push(model.encoding.encode(&row).0);
            }
            Ok(())
        };
        reader
            .push(bytes, &mut encode)
            .expect("a file with a header");
        reader.finish(&mut encode).expect("a usable file");
    });
    let mut out_bytes = 0;
    let scorer_seconds = median_seconds(runs, || {
        let mut scorer = neptune::score::Scorer::new(model, None);
        if general {
            scorer.general_only();
        }
        let mut batch = neptune::score::Batch::default();
        scorer.push(bytes, &mut batch).expect("a usable file");
        scorer.finish(&mut batch).expect("a usable file");
        out_bytes = batch.csv.len();
    });
    let mb = bytes.len() as f64 / 1e6;
    serde_json::json!({
        "records": records,
        "rows_scored": vectors.len(),
        "reader": { "seconds": reader_seconds, "mb_per_s": mb / reader_seconds },
        "reader_and_features": { "seconds": features_seconds, "rows_per_s": vectors.len() as f64 / features_seconds },
        "scorer_one_thread": { "seconds": scorer_seconds, "mb_per_s": mb / scorer_seconds, "output_bytes": out_bytes },
    })
}

pub(super) fn bench_stages(input: &Path, runs: usize) -> Result<ExitCode, Unusable> {
    let bytes = std::fs::read(input).with_context(|| format!("cannot read {}", input.display()))?;
    let model = Model::embedded();
    let mut vectors = Vec::new();
    // The general path (csv-core, the full parser, field-by-field output) first, then the fast
    // path: the same stages in the same run, so their ratio is fair.
    let general = path_stages(&bytes, &model, runs, true, &mut vectors);
    let mut report = path_stages(&bytes, &model, runs, false, &mut vectors);
    let mut total = 0.0;
    let model_seconds = median_seconds(runs, || {
        total += vectors.iter().map(|x| model.score(x)).sum::<f64>();
    });
    let fields = report.as_object_mut().expect("an object");
    fields.insert("input_bytes".into(), bytes.len().into());
    fields.insert("runs".into(), runs.into());
    fields.insert(
        "model".into(),
        serde_json::json!({ "seconds": model_seconds, "rows_per_s": vectors.len() as f64 / model_seconds, "checksum": total }),
    );
    fields.insert("general".into(), general);
    println!(
        "{}",
        serde_json::to_string_pretty(&report).expect("JSON of plain values")
    );
    Ok(ExitCode::SUCCESS)
}
