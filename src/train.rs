//! Training (native only): reads a labelled file through the same reader and encoding as
//! scoring, compares model families on a stratified hold-out, and turns the chosen smartcore
//! forest into the compact [`Model`].
//!
//! smartcore keeps its trees private; the only way in is serde. [`convert_forest`] serializes the
//! fitted `RandomForestRegressor` with postcard and reads it back into mirror structs with the
//! same field order (postcard is not self-describing), then rewrites each tree in preorder,
//! folding splits whose two sides are the same leaf. A test checks that the result scores every
//! row exactly as smartcore's own `predict` does.

use std::time::Instant;

use serde::{Deserialize, Serialize};
use smartcore::ensemble::random_forest_classifier::{
    RandomForestClassifier, RandomForestClassifierParameters,
};
use smartcore::ensemble::random_forest_regressor::{
    RandomForestRegressor, RandomForestRegressorParameters,
};
use smartcore::linalg::basic::matrix::DenseMatrix;
use smartcore::linear::logistic_regression::{LogisticRegression, LogisticRegressionParameters};
use smartcore::tree::decision_tree_classifier::{
    DecisionTreeClassifier, DecisionTreeClassifierParameters,
};

use crate::features::{self, Encoding, FeatureVector};
use crate::layout::Layout;
use crate::metrics::{Confusion, Figures, roc_auc};
use crate::model::{FORMAT_VERSION, Model, Node, Tree};
use crate::reader::{FileError, RawRecord, RecordReader};
use crate::schema::{FEATURE_COUNT, Label};
use crate::score::Rejection;

/// How strongly rare category names are pulled toward the overall attack share.
pub const CATEGORY_SMOOTHING: f64 = 10.0;
/// Share of each class held out for validation.
pub const HOLDOUT_SHARE: f64 = 0.2;

/// One labelled training row, parsed but not yet encoded.
#[derive(Debug, Clone)]
pub struct Example {
    pub values: FeatureVector,
    pub categories: [Vec<u8>; 3],
    pub attack: bool,
}

/// A labelled file, read.
#[derive(Debug, Default)]
pub struct Dataset {
    pub examples: Vec<Example>,
    /// Rows that could not be used, with reasons.
    pub rejected: Vec<Rejection>,
    /// Rows left out because they carry another attack's label or none.
    pub skipped: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    #[error(transparent)]
    File(#[from] FileError),
    #[error("the training file has no label column (attack, label, class, ...)")]
    NoLabel,
    #[error("the training file needs both normal and Neptune rows")]
    OneClass,
    #[error("smartcore failed: {0}")]
    Smartcore(String),
}

fn smartcore_error(e: smartcore::error::Failed) -> TrainError {
    TrainError::Smartcore(e.to_string())
}

impl Dataset {
    /// Reads a labelled file (any layout the scorer accepts).
    pub fn read(bytes: &[u8]) -> Result<Dataset, TrainError> {
        let mut reader = RecordReader::new();
        let mut layout: Option<Layout> = None;
        let mut data = Dataset::default();
        let mut on_record = |record: RawRecord<'_>| -> Result<(), TrainError> {
            let Some(layout) = &layout else {
                let found = Layout::detect(&record)?;
                if found.label_column.is_none() {
                    return Err(TrainError::NoLabel);
                }
                let header = found.has_header;
                layout = Some(found);
                if header {
                    return Ok(());
                }
                return data.add(&record, layout.as_ref().expect("just set"));
            };
            data.add(&record, layout)
        };
        reader.push(bytes, &mut on_record)?;
        reader.finish(&mut on_record)?;
        Ok(data)
    }

    fn add(&mut self, record: &RawRecord<'_>, layout: &Layout) -> Result<(), TrainError> {
        let column = layout.label_column.ok_or(TrainError::NoLabel)?;
        let label = (column < record.len())
            .then(|| Label::parse(&String::from_utf8_lossy(record.field(column))))
            .flatten();
        let attack = match label {
            Some(Label::Normal) => false,
            Some(Label::Neptune) => true,
            _ => {
                self.skipped += 1;
                return Ok(());
            }
        };
        match features::parse_row(record, layout) {
            Ok(row) => self.examples.push(Example {
                values: row.values,
                categories: row.categories.map(<[u8]>::to_vec),
                attack,
            }),
            Err(problem) => self.rejected.push(Rejection {
                line: record.line,
                reason: problem.to_string(),
            }),
        }
        Ok(())
    }
}

/// SplitMix64: a tiny deterministic generator, so the split is the same on every machine.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = (self.next() % (i as u64 + 1)) as usize;
            items.swap(i, j);
        }
    }
}

/// Indices of a stratified split: (training, hold-out), each in ascending order.
pub fn stratified_split(examples: &[Example], seed: u64) -> (Vec<usize>, Vec<usize>) {
    let mut rng = SplitMix(seed);
    let mut training = Vec::new();
    let mut holdout = Vec::new();
    for class in [false, true] {
        let mut members: Vec<usize> = (0..examples.len())
            .filter(|&i| examples[i].attack == class)
            .collect();
        rng.shuffle(&mut members);
        let held = (members.len() as f64 * HOLDOUT_SHARE).round() as usize;
        holdout.extend_from_slice(&members[..held]);
        training.extend_from_slice(&members[held..]);
    }
    training.sort_unstable();
    holdout.sort_unstable();
    (training, holdout)
}

/// The encoding fitted on `rows` of `data`.
pub fn fit_encoding(data: &Dataset, rows: &[usize]) -> Encoding {
    Encoding::fit(
        rows.iter().map(|&i| {
            let e = &data.examples[i];
            (
                [
                    e.categories[0].as_slice(),
                    e.categories[1].as_slice(),
                    e.categories[2].as_slice(),
                ],
                e.attack,
            )
        }),
        CATEGORY_SMOOTHING,
    )
}

/// Encodes `rows` of `data` with the scoring path's own [`Encoding::encode`].
pub fn encode_rows(data: &Dataset, rows: &[usize], encoding: &Encoding) -> Vec<FeatureVector> {
    rows.iter()
        .map(|&i| {
            let e = &data.examples[i];
            let parsed = features::ParsedRow {
                values: e.values,
                categories: [&e.categories[0], &e.categories[1], &e.categories[2]],
            };
            encoding.encode(&parsed).0
        })
        .collect()
}

fn matrix(rows: &[FeatureVector]) -> Result<DenseMatrix<f64>, TrainError> {
    let values: Vec<Vec<f64>> = rows.iter().map(|r| r.to_vec()).collect();
    DenseMatrix::from_2d_vec(&values).map_err(smartcore_error)
}

/// Settings of the chosen forest.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct ForestSettings {
    pub trees: usize,
    pub min_samples_leaf: usize,
    pub max_depth: Option<u16>,
    pub seed: u64,
}

impl ForestSettings {
    pub fn chosen(seed: u64) -> Self {
        ForestSettings {
            trees: 40,
            min_samples_leaf: 3,
            max_depth: Some(14),
            seed,
        }
    }

    fn parameters(&self, keep_samples: bool) -> RandomForestRegressorParameters {
        let mut p = RandomForestRegressorParameters::default()
            .with_n_trees(self.trees)
            .with_min_samples_leaf(self.min_samples_leaf)
            .with_seed(self.seed)
            .with_keep_samples(keep_samples);
        if let Some(depth) = self.max_depth {
            p = p.with_max_depth(depth);
        }
        p
    }
}

/// One line of the model comparison.
#[derive(Debug, Clone, Serialize)]
pub struct Candidate {
    pub name: String,
    pub accuracy: f64,
    pub errors: u64,
    pub roc_auc: f64,
    /// Serialized size: smartcore's own postcard bytes, or the compact form for the chosen one.
    pub bytes: usize,
    pub fit_seconds: f64,
    /// Hold-out prediction time per row.
    pub predict_micros_per_row: f64,
    pub has_scores: bool,
}

fn judge(
    name: &str,
    scores: &[f64],
    truth: &[bool],
    threshold: f64,
    bytes: usize,
    (fit_seconds, predict_seconds): (f64, f64),
    has_scores: bool,
) -> Candidate {
    let mut confusion = Confusion::default();
    for (&s, &t) in scores.iter().zip(truth) {
        confusion.add(t, s >= threshold);
    }
    let figures = confusion.figures();
    let pairs: Vec<(f64, bool)> = scores.iter().copied().zip(truth.iter().copied()).collect();
    Candidate {
        name: name.to_string(),
        accuracy: figures.accuracy,
        errors: figures.errors,
        roc_auc: roc_auc(&pairs).unwrap_or(f64::NAN),
        bytes,
        fit_seconds,
        predict_micros_per_row: predict_seconds * 1e6 / scores.len().max(1) as f64,
        has_scores,
    }
}

fn postcard_len<T: Serialize>(value: &T) -> usize {
    postcard::to_allocvec(value).map_or(0, |b| b.len())
}

/// Compresses wide-ranged counts for the linear model, which the trees do not need.
fn log_scaled(rows: &[FeatureVector]) -> Vec<FeatureVector> {
    rows.iter().map(|r| r.map(f64::ln_1p)).collect()
}

/// Fits and judges the baselines the chosen forest is compared against.
pub fn compare_baselines(
    train_x: &[FeatureVector],
    train_y: &[bool],
    holdout_x: &[FeatureVector],
    holdout_y: &[bool],
    seed: u64,
    progress: &mut dyn FnMut(&str),
) -> Result<Vec<Candidate>, TrainError> {
    let labels: Vec<i32> = train_y.iter().map(|&a| i32::from(a)).collect();
    let x = matrix(train_x)?;
    let hx = matrix(holdout_x)?;
    let mut out = Vec::new();

    progress("logistic regression");
    let (lx, lhx) = (matrix(&log_scaled(train_x))?, log_scaled(holdout_x));
    let started = Instant::now();
    let lr = LogisticRegression::fit(&lx, &labels, LogisticRegressionParameters::default())
        .map_err(smartcore_error)?;
    let fit = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let coefficients: Vec<f64> = (0..FEATURE_COUNT)
        .map(|j| *smartcore::linalg::basic::arrays::Array::get(lr.coefficients(), (0, j)))
        .collect();
    let intercept = *smartcore::linalg::basic::arrays::Array::get(lr.intercept(), (0, 0));
    let scores: Vec<f64> = lhx
        .iter()
        .map(|row| {
            let z: f64 = intercept
                + row
                    .iter()
                    .zip(&coefficients)
                    .map(|(a, b)| a * b)
                    .sum::<f64>();
            1.0 / (1.0 + (-z).exp())
        })
        .collect();
    let predict = started.elapsed().as_secs_f64();
    out.push(judge(
        "logistic regression (log1p features)",
        &scores,
        holdout_y,
        0.5,
        postcard_len(&lr),
        (fit, predict),
        true,
    ));

    progress("decision tree");
    let started = Instant::now();
    let tree = DecisionTreeClassifier::fit(
        &x,
        &labels,
        DecisionTreeClassifierParameters::default().with_min_samples_leaf(1),
    )
    .map_err(smartcore_error)?;
    let fit = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let predicted: Vec<i32> = tree.predict(&hx).map_err(smartcore_error)?;
    let predict = started.elapsed().as_secs_f64();
    let scores: Vec<f64> = predicted.iter().map(|&p| f64::from(p)).collect();
    out.push(judge(
        "decision tree classifier (gini)",
        &scores,
        holdout_y,
        0.5,
        postcard_len(&tree),
        (fit, predict),
        false,
    ));

    progress("random forest classifier");
    let started = Instant::now();
    let forest = RandomForestClassifier::fit(
        &x,
        &labels,
        RandomForestClassifierParameters::default()
            .with_n_trees(40)
            .with_seed(seed),
    )
    .map_err(smartcore_error)?;
    let fit = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let predicted: Vec<i32> = forest.predict(&hx).map_err(smartcore_error)?;
    let predict = started.elapsed().as_secs_f64();
    let scores: Vec<f64> = predicted.iter().map(|&p| f64::from(p)).collect();
    out.push(judge(
        "random forest classifier, 40 trees (majority vote)",
        &scores,
        holdout_y,
        0.5,
        postcard_len(&forest),
        (fit, predict),
        false,
    ));
    Ok(out)
}

/// The fitted forest in smartcore's form, and the compact model made from it.
pub struct FittedForest {
    pub smartcore: RandomForestRegressor<f64, f64, DenseMatrix<f64>, Vec<f64>>,
    pub trees: Vec<Tree>,
    pub oob_scores: Vec<f64>,
    pub fit_seconds: f64,
}

/// Fits smartcore's regression forest on the 0/1 label and converts it.
pub fn fit_forest(
    train_x: &[FeatureVector],
    train_y: &[bool],
    settings: &ForestSettings,
) -> Result<FittedForest, TrainError> {
    let x = matrix(train_x)?;
    let y: Vec<f64> = train_y.iter().map(|&a| f64::from(u8::from(a))).collect();
    let started = Instant::now();
    let forest =
        RandomForestRegressor::fit(&x, &y, settings.parameters(true)).map_err(smartcore_error)?;
    let fit_seconds = started.elapsed().as_secs_f64();
    let oob_scores = forest.predict_oob(&x).map_err(smartcore_error)?;
    let trees = convert_forest(&forest)?;
    Ok(FittedForest {
        smartcore: forest,
        trees,
        oob_scores,
        fit_seconds,
    })
}

/// The threshold that makes the fewest out-of-bag errors: the middle of the widest gap among
/// the best candidates, so that it sits away from any training score.
pub fn choose_threshold(scores: &[f64], truth: &[bool]) -> f64 {
    let mut pairs: Vec<(f64, bool)> = scores
        .iter()
        .copied()
        .zip(truth.iter().copied())
        .filter(|(s, _)| s.is_finite())
        .collect();
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    // Threshold between pairs[i-1] and pairs[i]: rows from i on are flagged.
    let positives = pairs.iter().filter(|(_, t)| *t).count();
    let mut errors = pairs.len() - positives; // everything flagged: all normal rows are errors
    let mut best = (usize::MAX, 0.0, 0.5);
    for i in 0..=pairs.len() {
        if i > 0 {
            // pairs[i-1] is no longer flagged.
            if pairs[i - 1].1 {
                errors += 1;
            } else {
                errors -= 1;
            }
        }
        let low = if i == 0 { 0.0 } else { pairs[i - 1].0 };
        let high = if i == pairs.len() { 1.0 } else { pairs[i].0 };
        if high <= low {
            continue;
        }
        let gap = high - low;
        if errors < best.0 || (errors == best.0 && gap > best.1) {
            best = (errors, gap, (low + high) / 2.0);
        }
    }
    best.2
}

mod mirror {
    //! smartcore 0.7.0's serialized field order for `RandomForestRegressor<f64, ..>`
    //! (ensemble/random_forest_regressor.rs, ensemble/base_forest.rs, tree/base_tree.rs).
    //! smartcore is pinned with `=0.7.0` for this reason.
    use std::marker::PhantomData;

    use serde::Deserialize;

    #[derive(Deserialize)]
    pub struct Regressor {
        pub forest_regressor: Option<Forest>,
    }

    #[derive(Deserialize)]
    pub struct Forest {
        pub trees: Option<Vec<Tree>>,
        pub _num_features: Option<usize>,
        pub _samples: Option<Vec<Vec<bool>>>,
    }

    #[derive(Deserialize)]
    pub struct Tree {
        pub nodes: Vec<Node>,
        pub _parameters: Option<TreeParameters>,
        pub _depth: u16,
        pub _root_mass: f64,
        pub _phantom: [PhantomData<()>; 4],
    }

    #[derive(Deserialize)]
    pub struct TreeParameters {
        pub _max_depth: Option<u16>,
        pub _min_samples_leaf: usize,
        pub _min_samples_split: usize,
        pub _seed: Option<u64>,
        pub _splitter: Splitter,
    }

    #[derive(Deserialize)]
    pub enum Splitter {
        Random,
        Best,
    }

    #[derive(Deserialize)]
    pub struct Node {
        pub output: f64,
        pub split_feature: usize,
        pub split_value: Option<f64>,
        pub _split_score: Option<f64>,
        pub true_child: Option<usize>,
        pub false_child: Option<usize>,
    }
}

/// A tree as nested values, for folding before it is laid out in preorder.
enum Nested {
    Leaf(f64),
    Split {
        feature: u8,
        threshold: f64,
        mean: f32,
        left: Box<Nested>,
        right: Box<Nested>,
    },
}

fn nest(nodes: &[mirror::Node], id: usize, depth: usize) -> Result<Nested, TrainError> {
    let bad = || TrainError::Smartcore(format!("unexpected tree shape at node {id}"));
    let node = nodes.get(id).ok_or_else(bad)?;
    let (Some(left), Some(right)) = (node.true_child, node.false_child) else {
        return Ok(Nested::Leaf(node.output));
    };
    if depth > 512 {
        return Err(bad());
    }
    let threshold = node.split_value.ok_or_else(bad)?;
    let left = nest(nodes, left, depth + 1)?;
    let right = nest(nodes, right, depth + 1)?;
    if let (Nested::Leaf(a), Nested::Leaf(b)) = (&left, &right) {
        if a == b {
            return Ok(Nested::Leaf(*a));
        }
    }
    Ok(Nested::Split {
        feature: u8::try_from(node.split_feature).map_err(|_| bad())?,
        threshold,
        mean: node.output as f32,
        left: Box::new(left),
        right: Box::new(right),
    })
}

fn lay_out(tree: Nested, out: &mut Vec<Node>) {
    match tree {
        Nested::Leaf(value) => out.push(Node::Leaf(value)),
        Nested::Split {
            feature,
            threshold,
            mean,
            left,
            right,
        } => {
            let at = out.len();
            out.push(Node::Leaf(0.0));
            lay_out(*left, out);
            let right_at = out.len() as u32;
            lay_out(*right, out);
            out[at] = Node::Split {
                feature,
                threshold,
                right: right_at,
                mean,
            };
        }
    }
}

/// Reads smartcore's trees through serde and lays each out compactly.
pub fn convert_forest(
    forest: &RandomForestRegressor<f64, f64, DenseMatrix<f64>, Vec<f64>>,
) -> Result<Vec<Tree>, TrainError> {
    let bytes = postcard::to_allocvec(forest)
        .map_err(|e| TrainError::Smartcore(format!("serializing the forest: {e}")))?;
    let mirror: mirror::Regressor = postcard::from_bytes(&bytes)
        .map_err(|e| TrainError::Smartcore(format!("reading the forest back: {e}")))?;
    let trees = mirror
        .forest_regressor
        .and_then(|f| f.trees)
        .ok_or_else(|| TrainError::Smartcore("the forest has no trees".into()))?;
    trees
        .iter()
        .map(|tree| {
            let mut nodes = Vec::new();
            lay_out(nest(&tree.nodes, 0, 0)?, &mut nodes);
            Ok(Tree { nodes })
        })
        .collect()
}

/// Everything `neptune train` reports and writes.
pub struct Trained {
    pub model: Model,
    pub candidates: Vec<Candidate>,
    pub holdout: Figures,
    pub holdout_auc: f64,
    pub holdout_confusion: Confusion,
    pub training_rows: usize,
    pub holdout_rows: usize,
    pub settings: ForestSettings,
    /// smartcore's own postcard serialization of the chosen forest (its bootstrap samples
    /// included, as `keep_samples` needs them for the out-of-bag threshold).
    pub smartcore_bytes: usize,
}

/// Trains the compact model on `data` (the hold-out split is made with `seed`), comparing it
/// with the baselines when `compare` is set.
pub fn train(
    data: &Dataset,
    seed: u64,
    compare: bool,
    progress: &mut dyn FnMut(&str),
) -> Result<Trained, TrainError> {
    let (training, holdout) = stratified_split(&data.examples, seed);
    let train_y: Vec<bool> = training.iter().map(|&i| data.examples[i].attack).collect();
    let holdout_y: Vec<bool> = holdout.iter().map(|&i| data.examples[i].attack).collect();
    if !train_y.contains(&true) || !train_y.contains(&false) {
        return Err(TrainError::OneClass);
    }
    let encoding = fit_encoding(data, &training);
    let train_x = encode_rows(data, &training, &encoding);
    let holdout_x = encode_rows(data, &holdout, &encoding);

    let mut candidates = if compare {
        compare_baselines(&train_x, &train_y, &holdout_x, &holdout_y, seed, progress)?
    } else {
        Vec::new()
    };

    let settings = ForestSettings::chosen(seed);
    progress("random forest regressor (chosen)");
    let fitted = fit_forest(&train_x, &train_y, &settings)?;
    let threshold = choose_threshold(&fitted.oob_scores, &train_y);
    let smartcore_bytes = postcard_len(&fitted.smartcore);
    let model = Model::new(encoding, fitted.trees, threshold);
    let started = Instant::now();
    let scores: Vec<f64> = holdout_x.iter().map(|x| model.score(x)).collect();
    let predict = started.elapsed().as_secs_f64();
    let chosen = judge(
        &format!(
            "random forest regressor, {} trees, min leaf {}, compact (chosen)",
            settings.trees, settings.min_samples_leaf
        ),
        &scores,
        &holdout_y,
        threshold,
        model.to_bytes().len(),
        (fitted.fit_seconds, predict),
        true,
    );
    candidates.push(chosen.clone());

    let mut confusion = Confusion::default();
    for (&s, &t) in scores.iter().zip(&holdout_y) {
        confusion.add(t, s >= threshold);
    }
    Ok(Trained {
        model,
        candidates,
        holdout: confusion.figures(),
        holdout_auc: chosen.roc_auc,
        holdout_confusion: confusion,
        training_rows: training.len(),
        holdout_rows: holdout.len(),
        settings,
        smartcore_bytes,
    })
}

/// The model card (models/neptune.card.json): what the model is, what it was trained on and how
/// it did on the hold-out. Deterministic: no timings, no absolute paths.
pub fn card(
    trained: &Trained,
    data: &Dataset,
    data_sha256: &str,
    data_path: &std::path::Path,
    model_bytes: &[u8],
) -> String {
    use sha2::{Digest, Sha256};
    let names = |which: usize| -> Vec<&str> {
        trained.model.encoding.tables[which]
            .iter()
            .map(|(n, _)| n.as_str())
            .collect()
    };
    let f = &trained.holdout;
    let candidates: Vec<serde_json::Value> = trained
        .candidates
        .iter()
        .map(|c| {
            serde_json::json!({
                "name": c.name,
                "accuracy": c.accuracy,
                "errors": c.errors,
                "roc_auc": c.roc_auc,
                "bytes": c.bytes,
            })
        })
        .collect();
    let card = serde_json::json!({
        "name": "Neptune (SYN flood) detector",
        "kind": "random forest of regression trees (smartcore 0.7.0 RandomForestRegressor on the 0/1 label), converted to a compact preorder form",
        "score": "mean of the trees' leaf values: the share of Neptune rows among similar training rows, in [0, 1]",
        "threshold": trained.model.threshold,
        "threshold_rule": "fewest out-of-bag errors on the training split, middle of the widest such gap",
        "model": {
            "bytes": model_bytes.len(),
            "sha256": format!("{:x}", Sha256::digest(model_bytes)),
            "trees": trained.model.trees.len(),
            "nodes": trained.model.node_count(),
            "format": FORMAT_VERSION,
            "settings": trained.settings,
        },
        "training": {
            "file": data_path.file_name().map(|n| n.to_string_lossy().into_owned()),
            "sha256": data_sha256,
            "rows_used": data.examples.len(),
            "rows_rejected": data.rejected.len(),
            "rows_skipped": data.skipped,
            "training_rows": trained.training_rows,
            "holdout_rows": trained.holdout_rows,
            "holdout": format!("stratified {}% per class, seed {}", HOLDOUT_SHARE * 100.0, trained.settings.seed),
        },
        "features": crate::schema::FEATURES.iter().map(|f| f.name).collect::<Vec<_>>(),
        "not_features": ["difficulty (lastflag, level): describes the data set, not the connection"],
        "categories": {
            "encoding": format!("smoothed share of Neptune rows per name (smoothing {CATEGORY_SMOOTHING}); a name never seen gets the overall share"),
            "protocol_type": names(0),
            "service": names(1),
            "flag": names(2),
        },
        "validation": {
            "rows": f.rows,
            "accuracy": f.accuracy,
            "precision": f.precision,
            "recall": f.recall,
            "f1": f.f1,
            "roc_auc": trained.holdout_auc,
            "errors": f.errors,
            "confusion": trained.holdout_confusion,
        },
        "comparison": candidates,
        "data_source": "NSL-KDD KDDTrain+ (normal and neptune rows), Canadian Institute for Cybersecurity, University of New Brunswick",
    });
    serde_json::to_string_pretty(&card).expect("JSON of plain values") + "\n"
}
