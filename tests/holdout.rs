//! The embedded model on the real data (skipped, with a note, when ../shared/data is absent):
//! its hold-out figures recomputed and compared with its card, the quality bars, Test_Data
//! through the CLI, and a headerless KDDTrain+-style copy of Train_Data scoring like the original.
#![cfg(feature = "cli")]
#![cfg(not(target_arch = "wasm32"))] // native only: `make test-wasm` runs tests/web.rs

mod common;

use common::{data_file, parse_csv, score_columns};
use neptune::Model;
use neptune::metrics::{Confusion, roc_auc};
use neptune::model::{EMBEDDED_CARD, EMBEDDED_MODEL};
use neptune::train::{self, Dataset};
use sha2::{Digest, Sha256};

fn card() -> serde_json::Value {
    serde_json::from_str(EMBEDDED_CARD).expect("the card is JSON")
}

#[test]
fn the_embedded_model_meets_the_quality_bars_and_its_card_on_the_holdout() {
    assert!(
        EMBEDDED_MODEL.len() <= 64 * 1024,
        "the model must stay within 64 KB"
    );
    let card = card();
    assert_eq!(card["model"]["bytes"], EMBEDDED_MODEL.len());
    assert_eq!(
        card["model"]["sha256"],
        format!("{:x}", Sha256::digest(EMBEDDED_MODEL))
    );
    let Some(bytes) = data_file("Train_Data.csv") else {
        return;
    };
    assert_eq!(
        card["training"]["sha256"],
        format!("{:x}", Sha256::digest(&bytes)),
        "the card describes this Train_Data.csv"
    );
    let data = Dataset::read(&bytes).expect("Train_Data reads");
    assert_eq!(card["training"]["rows_used"], data.examples.len());
    assert_eq!(card["training"]["rows_rejected"], data.rejected.len());
    let seed = card["model"]["settings"]["seed"].as_u64().unwrap();
    assert_eq!(seed, 42);
    let (training, holdout) = train::stratified_split(&data.examples, seed);
    assert_eq!(card["training"]["training_rows"], training.len());
    assert_eq!(card["training"]["holdout_rows"], holdout.len());
    // The model's own encoding, not one refitted here.
    let model = Model::embedded();
    let holdout_x = train::encode_rows(&data, &holdout, &model.encoding);
    let mut confusion = Confusion::default();
    let mut scored = Vec::new();
    for (x, &i) in holdout_x.iter().zip(&holdout) {
        let score = model.score(x);
        let attack = data.examples[i].attack;
        confusion.add(attack, score >= model.threshold);
        scored.push((score, attack));
    }
    let figures = confusion.figures();
    let auc = roc_auc(&scored).expect("both classes");
    assert!(figures.accuracy >= 0.9998, "accuracy {}", figures.accuracy);
    assert!(auc >= 0.9999, "ROC-AUC {auc}");
    // Exactly the card's figures.
    let v = &card["validation"];
    assert_eq!(v["rows"], figures.rows);
    assert_eq!(v["errors"], figures.errors);
    assert_eq!(v["accuracy"].as_f64(), Some(figures.accuracy));
    assert_eq!(v["precision"].as_f64(), Some(figures.precision));
    assert_eq!(v["recall"].as_f64(), Some(figures.recall));
    assert_eq!(v["f1"].as_f64(), Some(figures.f1));
    assert_eq!(v["roc_auc"].as_f64(), Some(auc));
    assert_eq!(v["confusion"], serde_json::to_value(confusion).unwrap());
}

#[test]
fn test_data_through_the_cli_writes_all_21712_rows() {
    let Some(bytes) = data_file("Test_Data.csv") else {
        return;
    };
    let dir = tempfile::TempDir::new().unwrap();
    let out = dir.path().join("scored.csv");
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_neptune"))
        .arg("score")
        .arg(common::data_dir().join("Test_Data.csv"))
        .arg("-o")
        .arg(&out)
        .output()
        .expect("neptune runs");
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("21712 rows: 21712 scored"), "{stderr}");
    let output = std::fs::read(&out).unwrap();
    let records = parse_csv(&output).expect("valid CSV");
    assert_eq!(records.len(), 1 + 21_712);
    let input_header = std::str::from_utf8(&bytes).unwrap().lines().next().unwrap();
    assert_eq!(
        records[0].join(","),
        format!("{input_header},attack_score,predicted_attack")
    );
    assert!(
        records[1..]
            .iter()
            .all(|r| r.len() == 44 && !r[42].is_empty())
    );
    assert!(
        output == common::score(&bytes).0,
        "the CLI writes what the library writes"
    );
}

#[test]
fn a_headerless_kddtrain_plus_copy_of_train_data_scores_like_the_original() {
    let Some(bytes) = data_file("Train_Data.csv") else {
        return;
    };
    // Drop the header; `attack` 0/1 becomes `normal`/`neptune`, and `lastflag` follows it as
    // NSL-KDD's difficulty: `...,neptune,21`.
    let mut headerless = String::new();
    for line in std::str::from_utf8(&bytes).unwrap().lines().skip(1) {
        let fields: Vec<&str> = line.split(',').collect();
        let label = match fields[42] {
            "0" => "normal",
            "1" => "neptune",
            other => panic!("unexpected label {other}"),
        };
        headerless.push_str(&format!(
            "{},{label},{}\n",
            fields[..41].join(","),
            fields[41]
        ));
    }
    let (original, original_summary) = common::score(&bytes);
    let (copy, copy_summary) = common::score(headerless.as_bytes());
    let original = parse_csv(&original).unwrap();
    let copy = parse_csv(&copy).unwrap();
    assert_eq!(copy.len(), original.len());
    assert_eq!(copy[0][41..43], ["label", "difficulty"]);
    assert!(score_columns(&copy[1..]) == score_columns(&original[1..]));
    assert_eq!(copy_summary.rows, 86_845);
    assert_eq!(copy_summary.rejected, 0);
    assert_eq!(copy_summary.labelled, original_summary.labelled);
    let labelled = copy_summary.labelled.expect("labelled");
    assert_eq!(
        labelled.confusion.true_positive + labelled.confusion.false_negative,
        32_998
    );
}
