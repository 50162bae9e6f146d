//! Moving the threshold without rescoring (issue 12): the summary's counts per exact score give,
//! for any threshold, what scoring again with that threshold counts.

mod common;

use common::{
    Table, base_rows, csv, label_names, model, score_in_pieces, standard_names, test_connections,
};
use neptune::score::score_bytes;

fn labelled_input() -> Vec<u8> {
    // The shared rows and more of Test_Data: the model is sure of most rows, and the test needs
    // several distinct scores.
    let mut rows = base_rows().to_vec();
    rows.extend(test_connections(3000));
    let table = Table::new(
        &rows,
        &standard_names(),
        Some(("label", &|i: usize, c: &common::Connection| match i % 7 {
            // Some rows of other kinds, so every count has something to count.
            3 => "smurf".to_string(),
            5 => "anomaly".to_string(),
            6 => String::new(),
            _ => label_names(i, c),
        })),
        None,
    );
    csv(&table)
}

#[test]
fn counts_per_score_give_the_confusion_of_any_threshold() {
    let input = labelled_input();
    let (_, summary) = score_bytes(model(), &input, None).unwrap();
    let counts = &summary.score_counts;
    assert!(counts.complete);
    let sorted = counts.sorted();
    assert!(
        sorted.len() > 5,
        "the fixture has several distinct scores: {}",
        sorted.len()
    );
    let total: u64 = sorted.iter().flat_map(|(_, c)| c).sum();
    assert_eq!(total, summary.scored);
    let between = (sorted[3].0 + sorted[4].0) / 2.0;
    for threshold in [0.0, 1.0, between, sorted[5].0, model().threshold, 0.35] {
        let (_, at) = score_bytes(model(), &input, Some(threshold)).unwrap();
        let flagged = counts.flagged_at(threshold);
        assert_eq!(flagged.iter().sum::<u64>(), at.flagged, "{threshold}");
        let confusion = at.labelled.unwrap().confusion;
        assert_eq!(flagged[1], confusion.false_positive, "{threshold}");
        assert_eq!(flagged[2], confusion.true_positive, "{threshold}");
    }
}

#[test]
fn counts_of_parts_merged_equal_the_whole_files() {
    let input = labelled_input();
    let whole = score_in_pieces(&input, &[]).unwrap().2;
    // Parts as the CLI and the page score them: a part context from the start, then later
    // parts cut at line ends, merged in order.
    let mut primary = neptune::score::Scorer::new(model(), None);
    let mut batch = neptune::score::Batch::default();
    let cut = neptune::parts::last_line_end(&input[..input.len() / 3]).unwrap();
    primary.push(&input[..cut], &mut batch).unwrap();
    let context = primary.part_context().expect("a context");
    let mut offset = primary.line_ends();
    let rest = &input[cut..];
    let middle = neptune::parts::last_line_end(&rest[..rest.len() / 2]).unwrap();
    for part in [&rest[..middle], &rest[middle..]] {
        let mut scorer = neptune::score::Scorer::for_part(model(), None, &context).unwrap();
        let mut part_batch = neptune::score::Batch::default();
        scorer.push(part, &mut part_batch).unwrap();
        let summary = scorer.finish(&mut part_batch).unwrap();
        primary.merge(&summary, offset);
        offset += scorer.line_ends();
    }
    let merged = primary.finish(&mut batch).unwrap();
    assert_eq!(merged.score_counts, whole.score_counts);
    // And across the page's wire format (postcard), unchanged.
    let bytes = postcard::to_allocvec(&merged).unwrap();
    let back: neptune::score::Summary = postcard::from_bytes(&bytes).unwrap();
    assert_eq!(back.score_counts, whole.score_counts);
}
