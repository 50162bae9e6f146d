//! Training, on every target: reads a labelled file through the same reader and encoding as
//! scoring, holds out a stratified share of each class, grows the project's own regression
//! forest ([`crate::forest`]) on the rest, picks the threshold from out-of-bag scores and judges
//! the model on the hold-out.
//!
//! Everything here is deterministic and free of clocks and threads, so `neptune train` and the
//! page (through `web.rs`) make the same model bytes from the same file and seed. [`Training`]
//! grows the forest one tree per [`Training::step`], for a progress bar and a cancel button;
//! [`train_bytes`] runs it all with a callback. The CLI adds the smartcore baselines and timings
//! (`crate::baselines`, native only).

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::features::{self, Encoding, FeatureVector};
use crate::forest::{ForestBuilder, ForestSettings, SplitMix};
use crate::layout::Layout;
use crate::metrics::{Confusion, Figures, roc_auc};
use crate::model::{FORMAT_VERSION, Model};
use crate::reader::{FileError, RawRecord, RecordReader};
use crate::schema::Label;
use crate::score::Rejection;

/// How strongly rare category names are pulled toward the overall attack share.
pub const CATEGORY_SMOOTHING: f64 = 10.0;
/// Share of each class held out for validation.
pub const HOLDOUT_SHARE: f64 = 0.2;
/// Rows each class needs, so that both sides of the split hold both classes.
pub const MIN_CLASS_ROWS: u64 = 5;

/// One labelled training row, parsed but not yet encoded.
#[derive(Debug, Clone)]
pub struct Example {
    /// The numeric features; the three category slots hold 0 until encoded.
    pub values: FeatureVector,
    /// `protocol_type`, `service` and `flag` as written (trimmed).
    pub categories: [Vec<u8>; 3],
    /// Labelled Neptune (true) or normal (false).
    pub attack: bool,
}

/// A labelled file, read.
#[derive(Debug, Default)]
pub struct Dataset {
    /// The rows labelled normal or Neptune that could be read, in file order.
    pub examples: Vec<Example>,
    /// Rows that could not be used, with reasons.
    pub rejected: Vec<Rejection>,
    /// Rows left out because they carry another attack's label or none.
    pub skipped: u64,
}

/// Why training could not run.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    /// The file cannot be read as a connection file.
    #[error(transparent)]
    File(#[from] FileError),
    /// The file has no label column.
    #[error("the training file has no label column (attack, label, class, ...)")]
    NoLabel,
    /// Fewer than [`MIN_CLASS_ROWS`] rows of normal or of Neptune.
    #[error(
        "the training file needs at least {MIN_CLASS_ROWS} normal and {MIN_CLASS_ROWS} Neptune rows; \
         it has {normal} normal and {neptune} Neptune rows ({skipped} rows of other attack types \
         or without a label, {rejected} rows that could not be read)"
    )]
    TooFewRows {
        /// Rows labelled normal that could be read.
        normal: u64,
        /// Rows labelled Neptune that could be read.
        neptune: u64,
        /// Rows of other attack types or without a label.
        skipped: u64,
        /// Rows that could not be read.
        rejected: u64,
    },
    /// The progress callback asked to stop.
    #[error("training was cancelled")]
    Cancelled,
    /// A smartcore baseline failed (`neptune train` without `--no-compare`); the text says how.
    #[error("{0}")]
    Baseline(String),
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

/// One line of the model comparison.
#[derive(Debug, Clone, Serialize)]
pub struct Candidate {
    /// What the model is, as the table shows it.
    pub name: String,
    /// Hold-out accuracy at the model's threshold, in [0, 1].
    pub accuracy: f64,
    /// Hold-out rows misjudged at the model's threshold.
    pub errors: u64,
    /// Hold-out ROC-AUC (NaN when the hold-out holds one class only).
    pub roc_auc: f64,
    /// Serialized size: smartcore's own postcard bytes for a baseline, the model file for the
    /// chosen forest.
    pub bytes: usize,
    /// Timings, filled in by the CLI (0 from the library, which reads no clock).
    pub fit_seconds: f64,
    /// Hold-out prediction time per row.
    pub predict_micros_per_row: f64,
    /// Whether the model gives graded scores rather than 0/1 votes (its ROC-AUC is then
    /// meaningful).
    pub has_scores: bool,
}

impl Candidate {
    /// Judges hold-out `scores` against the `truth` at `threshold`.
    pub fn judge(
        name: &str,
        scores: &[f64],
        truth: &[bool],
        threshold: f64,
        bytes: usize,
        has_scores: bool,
    ) -> Candidate {
        let (confusion, auc) = judge(scores, truth, threshold);
        let figures = confusion.figures();
        Candidate {
            name: name.to_string(),
            accuracy: figures.accuracy,
            errors: figures.errors,
            roc_auc: auc,
            bytes,
            fit_seconds: 0.0,
            predict_micros_per_row: 0.0,
            has_scores,
        }
    }
}

/// The confusion matrix at `threshold` and the ROC-AUC (NaN with one class).
fn judge(scores: &[f64], truth: &[bool], threshold: f64) -> (Confusion, f64) {
    let mut confusion = Confusion::default();
    for (&s, &t) in scores.iter().zip(truth) {
        confusion.add(t, s >= threshold);
    }
    let pairs: Vec<(f64, bool)> = scores.iter().copied().zip(truth.iter().copied()).collect();
    (confusion, roc_auc(&pairs).unwrap_or(f64::NAN))
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
    // A total order, ties broken by the label: the result cannot depend on the sort's algorithm.
    pairs.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
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

/// A labelled file split and encoded, ready for the forest (and, in the CLI, the baselines).
#[derive(Debug)]
pub struct Prepared {
    /// The category encoding, fitted on the training side only.
    pub encoding: Encoding,
    /// The training rows, encoded.
    pub train_x: Vec<FeatureVector>,
    /// Their labels: true for Neptune.
    pub train_y: Vec<bool>,
    /// The held-out rows, encoded.
    pub holdout_x: Vec<FeatureVector>,
    /// Their labels: true for Neptune.
    pub holdout_y: Vec<bool>,
    /// The seed of the split, which also seeds the forest grown on it.
    pub seed: u64,
    /// How many rows went where.
    pub counts: Counts,
}

/// Row counts of a training run, for the card and the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Counts {
    /// Rows labelled normal or Neptune and read.
    pub rows_used: u64,
    /// Rows labelled normal or Neptune that could not be read.
    pub rows_rejected: u64,
    /// Rows of other attack types or without a label.
    pub rows_skipped: u64,
    /// Rows the forest is grown on.
    pub training_rows: u64,
    /// Rows held out to judge the model.
    pub holdout_rows: u64,
}

/// Splits `data` with `seed` (stratified, [`HOLDOUT_SHARE`] of each class held out), fits the
/// encoding on the training side and encodes both sides. Refuses a file with fewer than
/// [`MIN_CLASS_ROWS`] rows of either class.
pub fn prepare(data: &Dataset, seed: u64) -> Result<Prepared, TrainError> {
    let neptune = data.examples.iter().filter(|e| e.attack).count() as u64;
    let normal = data.examples.len() as u64 - neptune;
    if normal < MIN_CLASS_ROWS || neptune < MIN_CLASS_ROWS {
        return Err(TrainError::TooFewRows {
            normal,
            neptune,
            skipped: data.skipped,
            rejected: data.rejected.len() as u64,
        });
    }
    let (training, holdout) = stratified_split(&data.examples, seed);
    let encoding = fit_encoding(data, &training);
    let labels =
        |rows: &[usize]| -> Vec<bool> { rows.iter().map(|&i| data.examples[i].attack).collect() };
    Ok(Prepared {
        train_x: encode_rows(data, &training, &encoding),
        train_y: labels(&training),
        holdout_x: encode_rows(data, &holdout, &encoding),
        holdout_y: labels(&holdout),
        encoding,
        seed,
        counts: Counts {
            rows_used: data.examples.len() as u64,
            rows_rejected: data.rejected.len() as u64,
            rows_skipped: data.skipped,
            training_rows: training.len() as u64,
            holdout_rows: holdout.len() as u64,
        },
    })
}

/// Where a training run is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TrainProgress {
    /// Trees grown so far.
    pub trees_built: u32,
    /// Trees the forest will have.
    pub trees: u32,
    /// Rows the forest is grown on.
    pub training_rows: u64,
    /// Rows held out to judge the model.
    pub holdout_rows: u64,
}

/// A training run grown one tree at a time: [`Training::step`] until it returns false, then
/// [`Training::finish`]. Dropping it cancels.
#[derive(Debug)]
pub struct Training {
    builder: ForestBuilder,
    encoding: Encoding,
    train_y: Vec<bool>,
    holdout_x: Vec<FeatureVector>,
    holdout_y: Vec<bool>,
    counts: Counts,
}

impl Training {
    /// Reads nothing: `data` is already read. Splits, encodes and sorts the training rows.
    pub fn new(data: &Dataset, seed: u64) -> Result<Training, TrainError> {
        Ok(Training::from_prepared(prepare(data, seed)?))
    }

    /// A run on rows already split and encoded (with the chosen forest settings and the split's
    /// seed).
    pub fn from_prepared(prepared: Prepared) -> Training {
        let settings = ForestSettings::chosen(prepared.seed);
        Training {
            builder: ForestBuilder::new(prepared.train_x, prepared.train_y.clone(), settings),
            encoding: prepared.encoding,
            train_y: prepared.train_y,
            holdout_x: prepared.holdout_x,
            holdout_y: prepared.holdout_y,
            counts: prepared.counts,
        }
    }

    /// How many trees are grown, of how many, and the sizes of the split.
    pub fn progress(&self) -> TrainProgress {
        TrainProgress {
            trees_built: self.builder.trees_built(),
            trees: self.builder.settings().trees,
            training_rows: self.counts.training_rows,
            holdout_rows: self.counts.holdout_rows,
        }
    }

    /// Grows the next tree; false when every tree is grown (then call [`Training::finish`]).
    pub fn step(&mut self) -> bool {
        self.builder.grow_next()
    }

    /// Grows what is left, picks the threshold from the out-of-bag scores and judges the model
    /// on the hold-out.
    pub fn finish(self) -> Trained {
        let settings = *self.builder.settings();
        let forest = self.builder.finish();
        let threshold = choose_threshold(&forest.oob_scores, &self.train_y);
        let model = Model::new(self.encoding, forest.trees, threshold);
        let scores: Vec<f64> = self.holdout_x.iter().map(|x| model.score(x)).collect();
        let (confusion, auc) = judge(&scores, &self.holdout_y, threshold);
        Trained {
            model,
            holdout: confusion.figures(),
            holdout_auc: auc,
            holdout_confusion: confusion,
            holdout_scores: scores,
            counts: self.counts,
            settings,
        }
    }
}

/// A trained model and how it did on the hold-out.
#[derive(Debug, Clone)]
pub struct Trained {
    /// The new model.
    pub model: Model,
    /// Its figures on the hold-out, at its threshold.
    pub holdout: Figures,
    /// Its ROC-AUC on the hold-out.
    pub holdout_auc: f64,
    /// Its confusion matrix on the hold-out, at its threshold.
    pub holdout_confusion: Confusion,
    /// The model's score of each hold-out row, in file order.
    pub holdout_scores: Vec<f64>,
    /// How many rows went where.
    pub counts: Counts,
    /// The forest's settings, seed included.
    pub settings: ForestSettings,
}

impl Trained {
    /// The model's line in the comparison table (timings left at 0).
    pub fn candidate(&self) -> Candidate {
        let figures = &self.holdout;
        Candidate {
            name: format!(
                "regression forest, {} trees, min leaf {}, depth ≤ {}, {} features per split (chosen)",
                self.settings.trees,
                self.settings.min_samples_leaf,
                self.settings
                    .max_depth
                    .map_or("∞".into(), |d| d.to_string()),
                self.settings.features_per_split,
            ),
            accuracy: figures.accuracy,
            errors: figures.errors,
            roc_auc: self.holdout_auc,
            bytes: self.model.to_bytes().len(),
            fit_seconds: 0.0,
            predict_micros_per_row: 0.0,
            has_scores: true,
        }
    }
}

/// How a model did on hold-out rows.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Evaluation {
    /// The model's threshold, at which `figures` and `confusion` are counted.
    pub threshold: f64,
    /// Accuracy, precision, recall and F1 on the hold-out rows.
    pub figures: Figures,
    /// The hold-out rows flagged and missed.
    pub confusion: Confusion,
    /// NaN when the rows hold one class only.
    pub roc_auc: f64,
}

impl Trained {
    /// The new model on its hold-out.
    pub fn evaluation(&self) -> Evaluation {
        Evaluation {
            threshold: self.model.threshold,
            figures: self.holdout,
            confusion: self.holdout_confusion,
            roc_auc: self.holdout_auc,
        }
    }
}

/// Another `model` (the built-in one, say) on the hold-out rows of the split made with `seed`,
/// each row encoded with that model's own encoding: the comparison the page shows.
pub fn evaluate_holdout(model: &Model, data: &Dataset, seed: u64) -> Evaluation {
    let (_, holdout) = stratified_split(&data.examples, seed);
    let truth: Vec<bool> = holdout.iter().map(|&i| data.examples[i].attack).collect();
    let scores: Vec<f64> = encode_rows(data, &holdout, &model.encoding)
        .iter()
        .map(|x| model.score(x))
        .collect();
    let (confusion, roc_auc) = judge(&scores, &truth, model.threshold);
    Evaluation {
        threshold: model.threshold,
        figures: confusion.figures(),
        confusion,
        roc_auc,
    }
}

/// Reads a labelled file and trains on it: what `neptune train --no-compare` and the page do.
/// `progress` is called once before the first tree and after each tree; returning false
/// cancels ([`TrainError::Cancelled`]).
pub fn train_bytes(
    bytes: &[u8],
    seed: u64,
    mut progress: impl FnMut(TrainProgress) -> bool,
) -> Result<Trained, TrainError> {
    let data = Dataset::read(bytes)?;
    let mut training = Training::new(&data, seed)?;
    loop {
        if !progress(training.progress()) {
            return Err(TrainError::Cancelled);
        }
        if !training.step() {
            break;
        }
    }
    Ok(training.finish())
}

/// The sha256 of ../shared/data/Train_Data.csv, the shipped model's training file: a card names
/// NSL-KDD as its data source only for that file.
pub const NSL_KDD_TRAIN_DATA_SHA256: &str =
    "da53513712c8b25dd077ddc015d1cee98f35d1d9f3666acab4a9d95462482fad";

/// The training file as the card names it.
#[derive(Debug, Clone, Default)]
pub struct DataSource {
    /// The file's name, without folders (none for standard input or a nameless drop).
    pub file: Option<String>,
    /// The sha256 of its bytes, in lower-case hex.
    pub sha256: String,
}

impl DataSource {
    /// The source of `bytes`, named `file` (`None`: a file without a name).
    pub fn new(file: Option<String>, bytes: &[u8]) -> DataSource {
        DataSource {
            file,
            sha256: sha256_hex(bytes),
        }
    }
}

/// The sha256 of `bytes` in lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}

/// The model card (models/neptune.card.json): what the model is, what it was trained on and how
/// it did on the hold-out. Written by training ([`card`]), read back by the CLI's `info`, the
/// page and the tests. Its JSON has its keys sorted (see [`ModelCard::to_json`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelCard {
    /// What the model detects, in words.
    pub name: String,
    /// The kind of model.
    pub kind: String,
    /// What a row's score means.
    pub score: String,
    /// Rows scoring at least this are flagged.
    pub threshold: f64,
    /// How the threshold was chosen.
    pub threshold_rule: String,
    /// The model file.
    pub model: CardModel,
    /// The training file and how its rows were used.
    pub training: CardTraining,
    /// The 41 features, in NSL-KDD's order.
    pub features: Vec<String>,
    /// Columns deliberately not used, with why.
    pub not_features: Vec<String>,
    /// How the categories are encoded, and the names training saw.
    pub categories: CardCategories,
    /// The figures on the hold-out rows.
    pub validation: CardValidation,
    /// The models compared on the same hold-out, the chosen one last.
    pub comparison: Vec<CardCandidate>,
    /// The data set the training file is, when it is the known NSL-KDD file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_source: Option<String>,
}

/// The model file, as the card describes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CardModel {
    /// Size of the model file.
    pub bytes: usize,
    /// Its sha256, lower-case hex.
    pub sha256: String,
    /// Trees in the forest.
    pub trees: usize,
    /// Nodes in all trees.
    pub nodes: usize,
    /// The file format's version.
    pub format: u32,
    /// The forest's hyper-parameters and seed.
    pub settings: ForestSettings,
}

/// The training file, as the card describes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CardTraining {
    /// The file's name, without folders (null for standard input or a nameless drop).
    pub file: Option<String>,
    /// The sha256 of its bytes.
    pub sha256: String,
    /// Rows used (training and hold-out).
    pub rows_used: u64,
    /// Rows that could not be read.
    pub rows_rejected: u64,
    /// Rows left out on purpose (other attacks).
    pub rows_skipped: u64,
    /// Rows the trees were grown on.
    pub training_rows: u64,
    /// Rows kept apart for the validation figures.
    pub holdout_rows: u64,
    /// How the hold-out was drawn.
    pub holdout: String,
}

/// The category encoding, as the card describes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CardCategories {
    /// How a name becomes a number.
    pub encoding: String,
    /// The names training saw, sorted.
    pub protocol_type: Vec<String>,
    /// The names training saw, sorted.
    pub service: Vec<String>,
    /// The names training saw, sorted.
    pub flag: Vec<String>,
}

/// The hold-out figures, as the card gives them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CardValidation {
    /// Hold-out rows.
    pub rows: u64,
    /// Share of rows judged right.
    pub accuracy: f64,
    /// Share of flagged rows that are attacks.
    pub precision: f64,
    /// Share of attacks flagged.
    pub recall: f64,
    /// Harmonic mean of precision and recall.
    pub f1: f64,
    /// Area under the ROC curve of the scores.
    pub roc_auc: f64,
    /// Rows judged wrong.
    pub errors: u64,
    /// The confusion counts.
    pub confusion: Confusion,
}

/// One line of the card's model comparison.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CardCandidate {
    /// The model and its settings.
    pub name: String,
    /// Hold-out accuracy at its threshold.
    pub accuracy: f64,
    /// Hold-out rows judged wrong.
    pub errors: u64,
    /// Hold-out ROC-AUC.
    pub roc_auc: f64,
    /// Its serialized size.
    pub bytes: usize,
}

impl ModelCard {
    /// The card as pretty JSON with sorted keys and a final line end: the bytes of
    /// models/neptune.card.json.
    pub fn to_json(&self) -> String {
        let value = serde_json::to_value(self).expect("a card always serializes");
        serde_json::to_string_pretty(&value).expect("JSON of plain values") + "\n"
    }

    /// Reads a card's JSON.
    pub fn from_json(text: &str) -> Result<ModelCard, serde_json::Error> {
        serde_json::from_str(text)
    }
}

/// The model card of `trained` (see [`ModelCard`]), with the comparison lines given (the chosen
/// model's line is added last). Deterministic: no timings, no absolute paths, so the CLI and the
/// page write the same card for the same file, name and seed.
pub fn model_card(trained: &Trained, source: &DataSource, baselines: &[Candidate]) -> ModelCard {
    let model_bytes = trained.model.to_bytes();
    let names = |which: usize| -> Vec<String> {
        trained.model.encoding.tables[which]
            .iter()
            .map(|(n, _)| n.clone())
            .collect()
    };
    let f = &trained.holdout;
    let counts = &trained.counts;
    ModelCard {
        name: "Neptune (SYN flood) detector".into(),
        kind: "random forest of regression trees on the 0/1 label (the project's own deterministic trainer, src/forest.rs), in a compact preorder form".into(),
        score: "mean of the trees' leaf values: the share of Neptune rows among similar training rows, in [0, 1]".into(),
        threshold: trained.model.threshold,
        threshold_rule: "fewest out-of-bag errors on the training split, middle of the widest such gap".into(),
        model: CardModel {
            bytes: model_bytes.len(),
            sha256: sha256_hex(&model_bytes),
            trees: trained.model.trees.len(),
            nodes: trained.model.node_count(),
            format: FORMAT_VERSION,
            settings: trained.settings,
        },
        training: CardTraining {
            file: source.file.clone(),
            sha256: source.sha256.clone(),
            rows_used: counts.rows_used,
            rows_rejected: counts.rows_rejected,
            rows_skipped: counts.rows_skipped,
            training_rows: counts.training_rows,
            holdout_rows: counts.holdout_rows,
            holdout: format!("stratified {}% per class, seed {}", HOLDOUT_SHARE * 100.0, trained.settings.seed),
        },
        features: crate::schema::FEATURES.iter().map(|f| f.name.to_string()).collect(),
        not_features: vec!["difficulty (lastflag, level): describes the data set, not the connection".into()],
        categories: CardCategories {
            encoding: format!("smoothed share of Neptune rows per name (smoothing {CATEGORY_SMOOTHING}); a name never seen gets the overall share"),
            protocol_type: names(0),
            service: names(1),
            flag: names(2),
        },
        validation: CardValidation {
            rows: f.rows,
            accuracy: f.accuracy,
            precision: f.precision,
            recall: f.recall,
            f1: f.f1,
            roc_auc: trained.holdout_auc,
            errors: f.errors,
            confusion: trained.holdout_confusion,
        },
        comparison: baselines
            .iter()
            .cloned()
            .chain([trained.candidate()])
            .map(|c| CardCandidate {
                name: c.name,
                accuracy: c.accuracy,
                errors: c.errors,
                roc_auc: c.roc_auc,
                bytes: c.bytes,
            })
            .collect(),
        data_source: (source.sha256 == NSL_KDD_TRAIN_DATA_SHA256).then(|| {
            "NSL-KDD KDDTrain+ (normal and neptune rows), Canadian Institute for Cybersecurity, University of New Brunswick".into()
        }),
    }
}

/// The model card's JSON (see [`ModelCard::to_json`]).
pub fn card(trained: &Trained, source: &DataSource, baselines: &[Candidate]) -> String {
    model_card(trained, source, baselines).to_json()
}
