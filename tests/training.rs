//! Training on a small slice: repeatable byte for byte with the same seed, through the library and
//! through `neptune train`; files that cannot train a model are refused in plain words.
#![cfg(feature = "cli")]
#![cfg(not(target_arch = "wasm32"))] // native only: `make test-wasm` runs tests/web.rs

mod common;
mod synthetic;

use std::process::Command;

use common::{Connection, Draws, SplitMix, Table, hand_written};
use neptune::Model;
use neptune::train::{self, DataSource, Dataset, TrainError, Trained, Training};

/// A labelled training slice: Train_Data's header and first 3,000 rows, or, without the data,
/// 1,500 rows made by jittering the hand-written connections.
fn slice() -> Vec<u8> {
    let rows = common::train_connections(3000);
    if !rows.is_empty() {
        return common::csv(&Table::data_file_layout(&rows));
    }
    let templates = hand_written();
    let mut rng = SplitMix(11);
    let rows: Vec<Connection> = (0..1500)
        .map(|i| {
            let mut c = templates[i % templates.len()].clone();
            for column in [0, 4, 5, 22, 23, 31, 32] {
                let value: f64 = c.features[column].parse().expect("a number");
                let jitter = rng.pick(20) as f64;
                c.features[column] = format!("{}", value + jitter);
            }
            c
        })
        .collect();
    common::csv(&Table::data_file_layout(&rows))
}

fn train(data: &Dataset, seed: u64) -> Result<Trained, TrainError> {
    let mut training = Training::new(data, seed)?;
    while training.step() {}
    Ok(training.finish())
}

#[test]
fn training_twice_with_the_same_seed_gives_identical_model_bytes() {
    let data = Dataset::read(&slice()).expect("a labelled file");
    assert!(data.rejected.is_empty());
    let first = train(&data, 7).expect("training");
    let second = train(&data, 7).expect("training");
    let bytes = first.model.to_bytes();
    assert!(bytes == second.model.to_bytes(), "same seed, same bytes");
    assert_eq!(first.holdout_confusion, second.holdout_confusion);
    // The bytes load back into the same model.
    let loaded = Model::from_bytes(&bytes).expect("valid model bytes");
    assert_eq!(loaded.to_bytes(), bytes);
    assert!(first.holdout.accuracy >= 0.95, "{:?}", first.holdout);
    // Another seed gives another split and another forest.
    let other = train(&data, 8).expect("training");
    assert!(other.model.to_bytes() != bytes);
}

#[test]
fn neptune_train_twice_writes_byte_identical_model_and_card_files() {
    let dir = tempfile::TempDir::new().unwrap();
    let data = dir.path().join("slice.csv");
    std::fs::write(&data, slice()).unwrap();
    let mut written = Vec::new();
    for run in ["a", "b"] {
        let out = dir.path().join(run).join("model.postcard");
        let status = Command::new(env!("CARGO_BIN_EXE_neptune"))
            .args(["train", "--no-compare", "--seed", "5", "--data"])
            .arg(&data)
            .arg("--out")
            .arg(&out)
            .output()
            .expect("neptune train runs");
        assert_eq!(
            status.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&status.stderr)
        );
        let model = std::fs::read(&out).unwrap();
        let card = std::fs::read_to_string(out.with_extension("card.json")).unwrap();
        written.push((model, card));
    }
    assert!(written[0].0 == written[1].0, "model files differ");
    assert_eq!(written[0].1, written[1].1, "card files differ");
    let model = Model::from_bytes(&written[0].0).expect("a valid model");
    let card: serde_json::Value = serde_json::from_str(&written[0].1).expect("JSON");
    assert_eq!(card["model"]["bytes"], written[0].0.len());
    assert_eq!(card["model"]["trees"], model.trees.len());
    assert_eq!(card["threshold"], model.threshold);
    assert_eq!(card["training"]["file"], "slice.csv");
}

#[test]
fn train_bytes_reports_progress_tree_by_tree_and_can_be_cancelled() {
    let bytes = slice();
    let mut seen = Vec::new();
    let trained = train::train_bytes(&bytes, 7, |p| {
        seen.push(p.trees_built);
        true
    })
    .expect("training");
    assert_eq!(
        seen,
        (0..=40).collect::<Vec<u32>>(),
        "once before and after each tree"
    );
    let data = Dataset::read(&bytes).unwrap();
    let stepped = train(&data, 7).unwrap();
    assert!(trained.model.to_bytes() == stepped.model.to_bytes());
    // The card is the same text from the same bytes, name and seed.
    let source = DataSource::new(Some("slice.csv".into()), &bytes);
    assert_eq!(
        train::card(&trained, &source, &[]),
        train::card(&stepped, &source, &[])
    );
    let error = train::train_bytes(&bytes, 7, |p| p.trees_built < 3).expect_err("cancelled");
    assert!(matches!(error, TrainError::Cancelled), "{error}");
}

#[test]
fn a_training_file_without_labels_is_refused() {
    let table = Table::new(&hand_written(), &common::standard_names(), None, None);
    let error = Dataset::read(&common::csv(&table)).unwrap_err();
    assert!(matches!(error, TrainError::NoLabel), "{error}");
    assert_eq!(
        error.to_string(),
        "the training file has no label column (attack, label, class, ...)"
    );
}

#[test]
fn a_training_file_with_one_class_is_refused() {
    let normal: Vec<Connection> = hand_written().into_iter().filter(|c| !c.attack).collect();
    let data = Dataset::read(&common::csv(&Table::data_file_layout(&normal))).unwrap();
    let error = train(&data, 1).expect_err("one class");
    assert!(
        matches!(error, TrainError::TooFewRows { neptune: 0, .. }),
        "{error}"
    );
    assert!(
        error
            .to_string()
            .starts_with("the training file needs at least 5 normal and 5 Neptune rows; it has"),
        "{error}"
    );
}

#[test]
fn training_reads_rows_through_the_scoring_reader() {
    let label = |i: usize, c: &Connection| match i {
        2 => "smurf.".to_string(),
        3 => String::new(),
        _ => common::label_names(i, c),
    };
    let mut table = Table::new(
        &hand_written(),
        &common::standard_names(),
        Some(("class", &label)),
        None,
    );
    table.rows[5][4] = "-1".to_string();
    let data = Dataset::read(&common::csv(&table)).unwrap();
    assert_eq!(data.examples.len(), 5);
    assert_eq!(data.skipped, 2, "another attack type and an empty label");
    assert_eq!(data.rejected.len(), 1);
    assert_eq!(data.rejected[0].line, 7);
    assert_eq!(
        data.rejected[0].reason,
        "`src_bytes` is `-1`, but it cannot be negative"
    );
}

#[test]
fn cross_target_the_synthetic_fixture_trains_to_the_model_the_wasm_test_expects() {
    let bytes = synthetic::labelled_file(synthetic::ROWS, synthetic::FIXTURE_SEED);
    let trained = train::train_bytes(&bytes, synthetic::TRAIN_SEED, |_| true).expect("training");
    assert!(trained.holdout.accuracy >= 0.95, "{:?}", trained.holdout);
    let model = trained.model.to_bytes();
    // tests/web.rs asserts the same constant on wasm32.
    assert_eq!(
        train::sha256_hex(&model),
        synthetic::MODEL_SHA256,
        "the model bytes changed: if on purpose, update synthetic::MODEL_SHA256 (and run make test-wasm)"
    );
}
