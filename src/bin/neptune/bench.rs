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

pub(super) fn bench_stages(input: &Path, runs: usize) -> Result<ExitCode, Unusable> {
    use neptune::layout::Layout;
    use neptune::reader::{FileError, RawRecord, RecordReader};

    let bytes = std::fs::read(input).with_context(|| format!("cannot read {}", input.display()))?;
    let model = Model::embedded();
    let mut records = 0u64;
    let reader_seconds = median_seconds(runs, || {
        let mut reader = RecordReader::new();
        let mut count = |_: RawRecord<'_>| -> Result<(), FileError> {
            records += 1;
            Ok(())
        };
        reader.push(&bytes, &mut count).expect("a readable file");
        reader.finish(&mut count).expect("a readable file");
    });
    records /= runs.max(1) as u64;
    // Records parsed and encoded into feature vectors (the reader's time included).
    let mut vectors = Vec::new();
    let features_seconds = median_seconds(runs, || {
        vectors.clear();
        let mut reader = RecordReader::new();
        let mut layout: Option<Layout> = None;
        let mut encode = |record: RawRecord<'_>| -> Result<(), FileError> {
            let Some(layout) = &layout else {
                let found = Layout::detect(&record)?;
                let header = found.has_header;
                layout = Some(found);
                if !header {
                    return Err(FileError::Layout("bench-stages needs a header".into()));
                }
                return Ok(());
            };
            if let Ok(row) = neptune::features::parse_row(&record, layout) {
                vectors.push(model.encoding.encode(&row).0);
            }
            Ok(())
        };
        reader
            .push(&bytes, &mut encode)
            .expect("a file with a header");
        reader.finish(&mut encode).expect("a file with a header");
    });
    let mut total = 0.0;
    let model_seconds = median_seconds(runs, || {
        total += vectors.iter().map(|x| model.score(x)).sum::<f64>();
    });
    let mut out_bytes = 0;
    let scorer_seconds = median_seconds(runs, || {
        let (csv, _) = neptune::score::score_bytes(&model, &bytes, None).expect("a usable file");
        out_bytes = csv.len();
    });
    let mb = bytes.len() as f64 / 1e6;
    let report = serde_json::json!({
        "input_bytes": bytes.len(),
        "records": records,
        "rows_scored": vectors.len(),
        "runs": runs,
        "reader": { "seconds": reader_seconds, "mb_per_s": mb / reader_seconds },
        "reader_and_features": { "seconds": features_seconds, "rows_per_s": vectors.len() as f64 / features_seconds },
        "model": { "seconds": model_seconds, "rows_per_s": vectors.len() as f64 / model_seconds, "checksum": total },
        "scorer_one_thread": { "seconds": scorer_seconds, "mb_per_s": mb / scorer_seconds, "output_bytes": out_bytes },
    });
    println!(
        "{}",
        serde_json::to_string_pretty(&report).expect("JSON of plain values")
    );
    Ok(ExitCode::SUCCESS)
}
