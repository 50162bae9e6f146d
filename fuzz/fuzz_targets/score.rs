//! `score`: any bytes, cut into chunks anywhere, through `Scorer` with the embedded model.
//!
//! Must never panic; the cuts must not change the output bytes, the rows' outcomes, the summary
//! or the error; and the counts must add up: rows = scored + rejected, one outcome and one output
//! record per row (plus the header line), each outcome pointing at its own output line.
//! Input layout: see `neptune_fuzz::split_plan`.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use neptune::reader::FileError;
use neptune::score::{Batch, RowOutcome, Scorer, Summary, HISTOGRAM_BINS, KEPT_REJECTIONS};
use neptune::Model;
use neptune_fuzz::{plan_pushes, read_output, split_plan};

fn model() -> &'static Model {
    static MODEL: OnceLock<Model> = OnceLock::new();
    MODEL.get_or_init(Model::embedded)
}

#[derive(Debug)]
struct Outcome {
    csv: Vec<u8>,
    /// Outcomes with their line ranges made absolute (batches are cleared between pushes).
    rows: Vec<RowOutcome>,
    result: Result<Summary, FileError>,
}

fn score<'a>(pieces: impl IntoIterator<Item = &'a [u8]>) -> Outcome {
    let mut scorer = Scorer::new(model(), None);
    let mut batch = Batch::default();
    let mut csv = Vec::new();
    let mut rows = Vec::new();
    let mut take = |batch: &mut Batch| {
        for row in &batch.rows {
            assert!(row.csv_start < row.csv_end && row.csv_end <= batch.csv.len());
            assert_eq!(
                batch.csv[row.csv_end - 1],
                b'\n',
                "a row's output ends its line"
            );
            rows.push(RowOutcome {
                csv_start: row.csv_start + csv.len(),
                csv_end: row.csv_end + csv.len(),
                ..*row
            });
        }
        csv.extend_from_slice(&batch.csv);
        batch.clear();
    };
    let mut result = Ok(());
    for piece in pieces {
        result = scorer.push(piece, &mut batch);
        take(&mut batch);
        if result.is_err() {
            break;
        }
    }
    let result = result.and_then(|()| {
        let summary = scorer.finish(&mut batch);
        take(&mut batch);
        summary
    });
    Outcome { csv, rows, result }
}

fn check_counts(outcome: &Outcome) {
    let Ok(summary) = &outcome.result else {
        return;
    };
    assert_eq!(summary.rows, summary.scored + summary.rejected);
    assert_eq!(
        summary.rows,
        outcome.rows.len() as u64,
        "one outcome per row"
    );
    assert!(summary.flagged <= summary.scored);
    assert_eq!(summary.histogram.len(), HISTOGRAM_BINS);
    assert_eq!(summary.histogram.iter().sum::<u64>(), summary.scored);
    assert_eq!(
        summary.rejections.len() as u64,
        summary.rejected.min(KEPT_REJECTIONS as u64)
    );
    let scored = outcome.rows.iter().filter(|r| r.score.is_some()).count() as u64;
    let flagged = outcome.rows.iter().filter(|r| r.flagged).count() as u64;
    assert_eq!(scored, summary.scored);
    assert_eq!(flagged, summary.flagged);
    if let Some(labelled) = &summary.labelled {
        let other: u64 = labelled.other_attacks.values().map(|o| o.rows).sum();
        let groups: u64 = labelled.attack_groups.values().map(|g| g.rows).sum();
        assert_eq!(
            labelled.confusion.rows() + other + groups + labelled.unlabelled,
            summary.scored
        );
    }
    if summary.score_counts.complete {
        let counted: u64 = summary
            .score_counts
            .sorted()
            .iter()
            .flat_map(|(_, c)| c)
            .sum();
        assert_eq!(
            counted, summary.scored,
            "every scored row is counted at its score"
        );
    }

    // The output read back: a header, then one record per row, each where its outcome says.
    let records = read_output(&outcome.csv);
    if outcome.csv.is_empty() {
        assert_eq!(summary.rows, 0);
        return;
    }
    assert_eq!(
        records.len() as u64,
        summary.rows + 1,
        "the output holds a header and one record per row"
    );
    let header_width = records[0].len();
    assert_eq!(
        header_width,
        summary.columns + 2,
        "the header: the columns, then two"
    );
    assert_eq!(
        &records[0][header_width - 2..],
        [b"attack_score".as_slice(), b"predicted_attack"]
    );
    for (row, record) in outcome.rows.iter().zip(&records[1..]) {
        // The outcome's range is exactly this record.
        let own = read_output(&outcome.csv[row.csv_start..row.csv_end]);
        assert_eq!(own.len(), 1);
        assert_eq!(&own[0], record);
        assert!(
            record.len() >= header_width,
            "a row is padded to the header's width"
        );
        let (score, verdict) = (&record[record.len() - 2], &record[record.len() - 1]);
        match row.score {
            Some(s) => {
                assert!((0.0..=1.0).contains(&s), "score {s}");
                assert_eq!(score, format!("{s:.6}").as_bytes());
                assert_eq!(verdict, if row.flagged { b"1" } else { b"0" });
                assert_eq!(row.flagged, s >= summary.threshold);
            }
            None => {
                assert!(score.is_empty() && verdict.is_empty());
                assert!(!row.flagged);
            }
        }
    }
}

/// Summaries hold floats; their Debug text compares NaN with NaN as equal, `==` would not.
fn same(a: &Outcome, b: &Outcome) -> bool {
    a.csv == b.csv && format!("{:?}{:?}", a.rows, a.result) == format!("{:?}{:?}", b.rows, b.result)
}

fuzz_target!(|data: &[u8]| {
    let (plan, file) = split_plan(data);
    let (reference, pieces) = plan_pushes(plan, file);
    let whole = score(reference.iter().copied());
    check_counts(&whole);
    // `score_bytes` is the one-push path.
    if let [file] = reference[..] {
        match neptune::score::score_bytes(model(), file, None) {
            Ok((csv, summary)) => {
                assert_eq!(csv, whole.csv);
                let expected = whole.result.as_ref().expect("score_bytes succeeded");
                assert_eq!(format!("{summary:?}"), format!("{expected:?}"));
            }
            Err(e) => assert_eq!(Some(&e), whole.result.as_ref().err()),
        }
    }
    let cut = score(pieces.iter().copied());
    check_counts(&cut);
    assert!(
        same(&whole, &cut),
        "pushing the file in chunks of {:?} instead of {:?} changed the result:\nwhole: {whole:?}\ncut:   {cut:?}",
        pieces.iter().map(|p| p.len()).collect::<Vec<_>>(),
        reference.iter().map(|p| p.len()).collect::<Vec<_>>(),
    );
});
