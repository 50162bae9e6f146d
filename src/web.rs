//! The WebAssembly surface: a thin adapter from JavaScript to [`Scorer`] and to training
//! ([`Trainer`], `neptune train --no-compare`'s code), nothing the CLI lacks.
//!
//! The worker creates one [`WasmScorer`] per file, pushes the file's chunks, and gets back per
//! chunk the scored CSV bytes (the download is their concatenation, byte for byte what
//! `neptune score` writes) and typed arrays describing each row for the results table.

use std::cell::RefCell;
use std::sync::OnceLock;

use js_sys::{Float64Array, Object, Reflect, Uint8Array, Uint32Array};
use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::camel::Camel;
use crate::model::{EMBEDDED_CARD, Model};
use crate::parts::{self, PartContext};
use crate::score::{Batch, Scorer, Summary};

static MODEL: OnceLock<Model> = OnceLock::new();

fn model() -> &'static Model {
    MODEL.get_or_init(Model::embedded)
}

thread_local! {
    /// Models read from model files, by the file's sha256. Scorers borrow their model for
    /// `'static`, so each distinct file is decoded once and kept for the module's life: a page
    /// loads a handful of models of tens of KB.
    static LOADED: RefCell<Vec<(String, &'static Model)>> = const { RefCell::new(Vec::new()) };
}

/// The model a scorer uses: the embedded one, or the model file `bytes` (checked whole by
/// [`Model::from_bytes`]: a damaged or foreign file is refused in plain words).
fn model_for(bytes: Option<&[u8]>) -> Result<&'static Model, JsError> {
    let Some(bytes) = bytes else {
        return Ok(model());
    };
    let sha256 = crate::train::sha256_hex(bytes);
    if let Some(found) = LOADED.with_borrow(|loaded| {
        loaded
            .iter()
            .find(|(sha, _)| *sha == sha256)
            .map(|(_, m)| *m)
    }) {
        return Ok(found);
    }
    let loaded: &'static Model = Box::leak(Box::new(Model::from_bytes(bytes)?));
    LOADED.with_borrow_mut(|all| all.push((sha256, loaded)));
    Ok(loaded)
}

#[wasm_bindgen(start)]
fn start() {
    console_error_panic_hook::set_once();
}

/// Scores one file pushed in chunks.
#[wasm_bindgen]
pub struct WasmScorer {
    scorer: Scorer<'static>,
    batch: Batch,
    /// A later part's context (see `forPart`): what `partBounds` checks the part against.
    context: Option<PartContext>,
    /// Batches leave out `csv`: the caller copies it where it wants it (`copyCsv`).
    csv_on_request: bool,
}

#[wasm_bindgen]
impl WasmScorer {
    /// A scorer with the embedded model, or with the model file `model` (its bytes; throws
    /// when they are not a usable model file); `threshold` overrides the model's own.
    #[wasm_bindgen(constructor)]
    pub fn new(threshold: Option<f64>, model: Option<Vec<u8>>) -> Result<WasmScorer, JsError> {
        Ok(WasmScorer::wrapping(
            Scorer::new(model_for(model.as_deref())?, threshold),
            None,
        ))
    }

    /// A scorer whose output for a Zeek conn.log carries the 41 features computed for each
    /// connection before the score columns (`neptune score --features`): what [`explain`] needs
    /// for a conn.log row, whose window features come from the connections before it.
    /// `model`: as for the constructor.
    #[wasm_bindgen(js_name = withZeekFeatures)]
    pub fn with_zeek_features(
        threshold: Option<f64>,
        model: Option<Vec<u8>>,
    ) -> Result<WasmScorer, JsError> {
        Ok(WasmScorer::wrapping(
            Scorer::new(model_for(model.as_deref())?, threshold).with_zeek_features(true),
            None,
        ))
    }

    /// A scorer for a later part of the file (see [`crate::parts`]): `context` is the
    /// `context` of the primary scorer's `pushStart`. Its output has no header; its line numbers
    /// count from the part's first line. `model`: as for the constructor (the first part's).
    #[wasm_bindgen(js_name = forPart)]
    pub fn for_part(
        context: &[u8],
        threshold: Option<f64>,
        model: Option<Vec<u8>>,
    ) -> Result<WasmScorer, JsError> {
        let context: PartContext = postcard::from_bytes(context)
            .map_err(|e| JsError::new(&format!("a damaged part context: {e}")))?;
        let scorer = Scorer::for_part(model_for(model.as_deref())?, threshold, &context)?;
        Ok(WasmScorer::wrapping(scorer, Some(context)))
    }

    /// Scores the start of a file that goes on after `head` (at most `partPlan().firstPartBytes`;
    /// see [`Scorer::push_start`]). Returns the batch (with the output header) plus `context`:
    /// the postcard bytes later parts' scorers need (`forPart`), or `undefined` when the file
    /// cannot be cut into parts (this scorer has then scored all of `head` and reads on).
    #[wasm_bindgen(js_name = pushStart)]
    pub fn push_start(&mut self, head: &[u8]) -> Result<Object, JsError> {
        self.batch.clear();
        let context = self.scorer.push_start(head, &mut self.batch)?;
        let out = self.take_batch()?;
        let context = match context {
            Some(context) => {
                let bytes = postcard::to_allocvec(&context).expect("a context always serializes");
                Uint8Array::from(bytes.as_slice()).into()
            }
            None => JsValue::UNDEFINED,
        };
        set(&out, "context", &context)?;
        Ok(out)
    }

    /// Where this later part's own bytes lie in what it was sent (see [`parts::bounds`]):
    /// `before`, the look-behind (the last `partPlan().lookBehindBytes` of the range before),
    /// and `range`, its own range, the file's last when `last`. Returns `[carry, end]`: push
    /// `before.subarray(carry)`, then `range.subarray(0, end)`. Returns `undefined` when the part
    /// cannot be cut off from what follows it: one scorer must then read the file from the
    /// part's start, the `carry` that `partBounds(before, range, true)` gives.
    #[wasm_bindgen(js_name = partBounds)]
    pub fn part_bounds(
        &self,
        before: &[u8],
        range: &[u8],
        last: bool,
    ) -> Result<Option<Vec<u32>>, JsError> {
        let context = self
            .context
            .as_ref()
            .ok_or_else(|| JsError::new("partBounds is for a later part's scorer (forPart)"))?;
        let bounds = parts::bounds(&context.dialect, before, range, last);
        // wasm32 sizes fit in u32.
        Ok(bounds.map(|b| vec![b.carry as u32, b.end as u32]))
    }

    /// Sends every line of this file through the general path (see `Scorer::general_only`):
    /// the same output, slower. For the benchmark that compares the two paths in the browser;
    /// call it before the first push.
    #[wasm_bindgen(js_name = generalOnly)]
    pub fn general_only(&mut self) {
        self.scorer.general_only();
    }

    /// From now on, batches leave out `csv` (they still say `csvBytes`): the caller copies each
    /// batch's scored CSV with `copyCsv` before its next call to this scorer. The worker copies
    /// it into a buffer it reuses, so that a large file's output makes no new ArrayBuffer per
    /// push (which would wait for the garbage collector, tens of MB of them in a worker).
    #[wasm_bindgen(js_name = csvOnRequest)]
    pub fn csv_on_request(&mut self) {
        self.csv_on_request = true;
    }

    /// Copies the scored CSV of the batch last returned (its `csvBytes` bytes) into `target` from
    /// `at`; throws when they do not fit. Returns how many bytes it copied.
    #[wasm_bindgen(js_name = copyCsv)]
    pub fn copy_csv(&self, target: &Uint8Array, at: u32) -> Result<u32, JsError> {
        let csv = &self.batch.csv;
        let fits = (at as usize)
            .checked_add(csv.len())
            .is_some_and(|end| end <= target.length() as usize);
        if !fits {
            return Err(JsError::new(&format!(
                "copyCsv: {} bytes do not fit in {} from {at}",
                csv.len(),
                target.length()
            )));
        }
        // SAFETY: the view is read by `set` at once, with no allocation (which could move or
        // grow this module's memory) in between.
        let view = unsafe { Uint8Array::view(csv) };
        target.set(&view, at);
        Ok(csv.len() as u32)
    }

    /// Line ends read so far: the next part's line numbers are offset by the sum of these.
    #[wasm_bindgen(js_name = lineEnds)]
    pub fn line_ends(&self) -> f64 {
        self.scorer.line_ends() as f64
    }

    /// Adds a later part's summary (the `summaryBytes` of its `finish()`), whose line numbers
    /// are offset by `line_offset`. Merge the parts in file order, then call `finish()`.
    pub fn merge(&mut self, summary: &[u8], line_offset: f64) -> Result<(), JsError> {
        let summary: Summary = postcard::from_bytes(summary)
            .map_err(|e| JsError::new(&format!("a damaged part summary: {e}")))?;
        self.scorer.merge(&summary, line_offset as u64);
        Ok(())
    }

    /// Scores the rows completed by `chunk`. Returns `{csv, scores, lines, flags, ends, rows,
    /// scored, flagged, rejected}` (see `take_batch`); throws on a file-level problem.
    pub fn push(&mut self, chunk: &[u8]) -> Result<Object, JsError> {
        self.batch.clear();
        self.scorer.push(chunk, &mut self.batch)?;
        self.take_batch()
    }

    /// Ends the file. Returns the last batch plus `summary` (the whole file's counts, rejected
    /// rows with reasons, unknown categories, histogram, metrics when labelled) and
    /// `summaryBytes`, the same in postcard, for the primary scorer's `merge`.
    pub fn finish(&mut self) -> Result<Object, JsError> {
        self.batch.clear();
        let summary = self.scorer.finish(&mut self.batch)?;
        let out = self.take_batch()?;
        set(&out, "summary", &to_js(&summary)?)?;
        let bytes = postcard::to_allocvec(&summary).expect("a summary always serializes");
        set(&out, "summaryBytes", &Uint8Array::from(bytes.as_slice()))?;
        set(
            &out,
            "lineEnds",
            &JsValue::from_f64(self.scorer.line_ends() as f64),
        )?;
        Ok(out)
    }

    /// A scorer's wasm face, with an empty batch; `context` for a later part's.
    fn wrapping(scorer: Scorer<'static>, context: Option<PartContext>) -> WasmScorer {
        WasmScorer {
            scorer,
            batch: Batch::default(),
            context,
            csv_on_request: false,
        }
    }

    /// The batch as transferable typed arrays:
    /// - `csv`: output bytes (Uint8Array), unless `csvOnRequest`; `csvBytes`: their length,
    /// - `scores`: one per row, exact (Float64Array; NaN for a rejected row),
    /// - `lines`: the input line of each row (Float64Array), or, when the rows lie on consecutive
    ///   lines (as they do in a file without blank lines or line breaks inside fields), the
    ///   first row's line alone (a number),
    /// - `flags`: per row, the bits of [`crate::score::row_flags`] (see [`row_flags`]): flagged,
    ///   rejected, and the label kind (0 none, 1 normal, 2 Neptune, 3 other attack, 4 a group of
    ///   attacks such as `anomaly`) (Uint8Array),
    /// - `ends`: each row's end offset in `csv` (Uint32Array; a row starts where the previous
    ///   ends, the first after the header),
    /// - running counts `rows`, `scored`, `flagged`, `rejected`,
    /// - `header`: `[start, end]` of the output header in `csv`, in the batch that holds it
    ///   (the first thing a scorer writes: `start` is 0), else absent.
    fn take_batch(&mut self) -> Result<Object, JsError> {
        let rows = &self.batch.rows;
        let scores: Vec<f64> = rows.iter().map(|r| r.score.unwrap_or(f64::NAN)).collect();
        let flags: Vec<u8> = rows.iter().map(crate::score::row_flags::pack).collect();
        let ends: Vec<u32> = rows.iter().map(|r| r.csv_end as u32).collect();
        let out = Object::new();
        if !self.csv_on_request {
            set(&out, "csv", &Uint8Array::from(self.batch.csv.as_slice()))?;
        }
        let csv_bytes = self.batch.csv.len() as f64;
        set(&out, "csvBytes", &JsValue::from_f64(csv_bytes))?;
        set(&out, "scores", &Float64Array::from(scores.as_slice()))?;
        set(&out, "lines", &lines_of(rows))?;
        set(&out, "flags", &Uint8Array::from(flags.as_slice()))?;
        set(&out, "ends", &Uint32Array::from(ends.as_slice()))?;
        if let Some(header) = &self.batch.header {
            let bounds = [header.start as u32, header.end as u32];
            set(&out, "header", &Uint32Array::from(bounds.as_slice()))?;
        }
        let summary = self.scorer.summary();
        for (key, value) in [
            ("rows", summary.rows),
            ("scored", summary.scored),
            ("flagged", summary.flagged),
            ("rejected", summary.rejected),
        ] {
            set(&out, key, &JsValue::from_f64(value as f64))?;
        }
        // The batch is emptied by the next push (its CSV may still be copied until then).
        Ok(out)
    }
}

/// The rows' input lines as a Float64Array, or the first row's line alone when they are
/// consecutive: most files' rows are, and the array would cost 8 bytes per row for nothing.
fn lines_of(rows: &[crate::score::RowOutcome]) -> JsValue {
    match (rows.first(), rows.last()) {
        // Lines only increase: consecutive when the last is as far from the first as the count.
        (Some(first), Some(last)) if last.line - first.line == rows.len() as u64 - 1 => {
            JsValue::from_f64(first.line as f64)
        }
        _ => {
            let lines: Vec<f64> = rows.iter().map(|r| r.line as f64).collect();
            Float64Array::from(lines.as_slice()).into()
        }
    }
}

/// A gzip file decompressed as it streams (every member): the worker feeds it the file's bytes
/// and the scorer what comes out.
#[wasm_bindgen(js_name = Gunzip)]
#[derive(Default)]
pub struct WasmGunzip {
    inner: crate::gunzip::Gunzip,
}

#[wasm_bindgen(js_class = Gunzip)]
impl WasmGunzip {
    /// A decoder at the start of a gzip stream.
    #[wasm_bindgen(constructor)]
    pub fn new() -> WasmGunzip {
        WasmGunzip::default()
    }

    /// Decompresses the next compressed bytes; returns what they yield.
    pub fn push(&mut self, compressed: &[u8]) -> Result<Uint8Array, JsError> {
        let out = self.inner.push(compressed)?;
        Ok(Uint8Array::from(out.as_slice()))
    }

    /// Ends the stream; throws when the data was cut short.
    pub fn finish(self) -> Result<(), JsError> {
        Ok(self.inner.finish()?)
    }
}

/// The bits of a batch's `flags` (see [`crate::score::row_flags`]): `{flagged, rejected,
/// labelShift, labelMask}`, so that the page decodes them by name.
#[wasm_bindgen(js_name = rowFlags)]
pub fn row_flags() -> Result<Object, JsError> {
    use crate::score::row_flags::{FLAGGED, LABEL_MASK, LABEL_SHIFT, REJECTED};
    let out = Object::new();
    for (key, value) in [
        ("flagged", FLAGGED),
        ("rejected", REJECTED),
        ("labelShift", LABEL_SHIFT),
        ("labelMask", LABEL_MASK),
    ] {
        set(&out, key, &JsValue::from(value))?;
    }
    Ok(out)
}

/// How a file is cut into parts (see [`crate::parts`]): `{firstPartBytes, minPartBytes,
/// partBytes, lookBehindBytes}`, for the page to read its ranges.
#[wasm_bindgen(js_name = partPlan)]
pub fn part_plan() -> Result<Object, JsError> {
    let out = Object::new();
    for (key, value) in [
        ("firstPartBytes", parts::FIRST_PART_BYTES),
        ("minPartBytes", parts::MIN_PART_BYTES),
        ("partBytes", parts::PART_BYTES),
        ("lookBehindBytes", parts::LOOK_BEHIND_BYTES),
    ] {
        set(&out, key, &JsValue::from(value as u32))?;
    }
    Ok(out)
}

/// The embedded model's card (models/neptune.card.json), as an object with camelCase names.
#[wasm_bindgen(js_name = modelCard)]
pub fn model_card() -> Result<JsValue, JsError> {
    js_sys::JSON::parse(&crate::camel::camel_case_keys(EMBEDDED_CARD))
        .map_err(|_| JsError::new("the embedded model card is not JSON"))
}

/// The threshold stored with the embedded model.
#[wasm_bindgen(js_name = modelThreshold)]
pub fn model_threshold() -> f64 {
    model().threshold
}

/// Splits one line of the scored CSV into its fields (for display).
#[wasm_bindgen(js_name = splitRow)]
pub fn split_row(line: &[u8]) -> Vec<String> {
    crate::explain::split_line(line)
}

/// Splits lines of the scored CSV into their fields (for display), as [`split_row`] does each,
/// in one answer: `bytes` holds the lines back to back, line i ending at `ends[i]`. Returns
/// `{text, fieldEnds, lineEnds}`: every field of every line in `text`, back to back; field j ends
/// at `fieldEnds[j]` in `text` (counted in UTF-16 code units, as JavaScript's `slice` counts);
/// line i's fields end at field `lineEnds[i]`. One string for all of them: a string per field
/// crossing into JavaScript on its own costs more than splitting the line.
#[wasm_bindgen(js_name = splitLines)]
pub fn split_lines(bytes: &[u8], ends: &[u32]) -> Result<Object, JsError> {
    let mut text = String::new();
    let mut field_ends = Vec::new();
    let mut line_ends = Vec::with_capacity(ends.len());
    let mut units = 0u32;
    let mut start = 0usize;
    let mut splitter = crate::explain::LineSplitter::default();
    for &end in ends {
        let end = end as usize;
        let line = bytes
            .get(start..end)
            .ok_or_else(|| JsError::new("a line end lies outside the bytes"))?;
        for field in splitter.split(line) {
            units += field.encode_utf16().count() as u32;
            text.push_str(&field);
            field_ends.push(units);
        }
        line_ends.push(field_ends.len() as u32);
        start = end;
    }
    let out = Object::new();
    set(&out, "text", &JsValue::from_str(&text))?;
    set(&out, "fieldEnds", &Uint32Array::from(field_ends.as_slice()))?;
    set(&out, "lineEnds", &Uint32Array::from(line_ends.as_slice()))?;
    Ok(out)
}

/// Explains one row of the scored CSV: `header` and `row` are lines of that CSV, `model` the
/// model file that scored it (undefined: the embedded model). Returns
/// `{score, base, threshold, effects: [{feature, effect, value}]}`, or throws with the reason the row
/// could not be scored.
#[wasm_bindgen]
pub fn explain(header: &[u8], row: &[u8], model: Option<Vec<u8>>) -> Result<JsValue, JsError> {
    let model = model_for(model.as_deref())?;
    let explanation = crate::explain::explain_output_row(model, header, row)?;
    to_js(&explanation)
}

/// Checks a model file (what `neptune train --out` writes): returns `{sha256, bytes, trees,
/// nodes, threshold}`, or throws a plain sentence when the bytes are not a usable model file
/// (another kind of file, cut short, damaged, another format version).
#[wasm_bindgen(js_name = modelInfo)]
pub fn model_info(bytes: &[u8]) -> Result<Object, JsError> {
    let model = model_for(Some(bytes))?;
    let out = Object::new();
    set(
        &out,
        "sha256",
        &JsValue::from_str(&crate::train::sha256_hex(bytes)),
    )?;
    set(&out, "bytes", &JsValue::from_f64(bytes.len() as f64))?;
    set(&out, "trees", &JsValue::from_f64(model.trees.len() as f64))?;
    set(&out, "nodes", &JsValue::from_f64(model.node_count() as f64))?;
    set(&out, "threshold", &JsValue::from_f64(model.threshold))?;
    Ok(out)
}

fn set(target: &Object, key: &str, value: &JsValue) -> Result<(), JsError> {
    Reflect::set(target, &JsValue::from_str(key), value)
        .map(|_| ())
        .map_err(|_| JsError::new("cannot build the result object"))
}

/// `value` as a JavaScript value, its field names in camelCase (see [`crate::camel`]).
fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsError> {
    Camel(value)
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| JsError::new(&e.to_string()))
}

/// Trains a model on a labelled file, one tree per `step()`, with `neptune train --no-compare`'s
/// code: the same file and seed give the same model bytes as the CLI.
///
/// ```js
/// const trainer = new Trainer(bytes, 42, 'Train_Data.csv'); // reads, splits, encodes, sorts
/// while (trainer.step()) post({type: 'progress', ...trainer.progress()}); // cancel: stop, free()
/// const result = trainer.finish(); // {model, card, seed, ...}
/// ```
#[wasm_bindgen]
pub struct Trainer {
    data: crate::train::Dataset,
    training: Option<crate::train::Training>,
    source: crate::train::DataSource,
    seed: u64,
}

#[wasm_bindgen]
impl Trainer {
    /// Reads `data` (any layout the scorer reads, with a label column), holds out a stratified
    /// 20% of each class with `seed` (an integer in 0..2^53) and prepares the forest.
    /// `file_name` is what the card names (no folders). Throws a plain sentence when the file
    /// cannot train a model (no label column, too few normal or Neptune rows, unreadable).
    #[wasm_bindgen(constructor)]
    pub fn new(data: &[u8], seed: f64, file_name: Option<String>) -> Result<Trainer, JsError> {
        if !(seed.fract() == 0.0 && (0.0..9_007_199_254_740_992.0).contains(&seed)) {
            return Err(JsError::new(&format!(
                "the seed must be a whole number from 0 to 2^53 (found {seed})"
            )));
        }
        let seed = seed as u64;
        let dataset = crate::train::Dataset::read(data)?;
        let training = crate::train::Training::new(&dataset, seed)?;
        Ok(Trainer {
            data: dataset,
            training: Some(training),
            source: crate::train::DataSource::new(file_name, data),
            seed,
        })
    }

    /// `{treesBuilt, trees, trainingRows, holdoutRows}`.
    pub fn progress(&self) -> Result<JsValue, JsError> {
        let training = self.training.as_ref().ok_or_else(finished)?;
        to_js(&training.progress())
    }

    /// Grows the next tree. True when a tree was grown, false when all were already grown
    /// (then call `finish()`). To cancel, stop calling it and `free()` the trainer.
    pub fn step(&mut self) -> Result<bool, JsError> {
        Ok(self.training.as_mut().ok_or_else(finished)?.step())
    }

    /// Grows any trees left, picks the threshold and judges the model; the trainer is spent
    /// afterwards. Returns
    /// `{model, card, sha256, bytes, trees, nodes, threshold, seed, counts, holdout, builtin}`:
    /// - `model`: the model file (Uint8Array; what `neptune train --out` writes and
    ///   `--model` reads), `card`: its card (what the CLI writes beside it, as an object),
    ///   `sha256`: the model file's, `bytes`: its length;
    /// - `counts`: `{rowsUsed, rowsRejected, rowsSkipped, trainingRows, holdoutRows}`;
    /// - `holdout` and `builtin`: the new and the embedded model on the same held-out rows,
    ///   each `{threshold, figures: {accuracy, precision, recall, f1, errors, rows},
    ///   confusion: {truePositive, falsePositive, trueNegative, falseNegative}, rocAuc}`.
    pub fn finish(&mut self) -> Result<Object, JsError> {
        let trained = self.training.take().ok_or_else(finished)?.finish();
        let bytes = trained.model.to_bytes();
        let card = crate::train::model_card(&trained, &self.source, &[]);
        let builtin = crate::train::evaluate_holdout(model(), &self.data, self.seed);
        let out = Object::new();
        set(&out, "model", &Uint8Array::from(bytes.as_slice()))?;
        set(&out, "card", &to_js(&card)?)?;
        set(
            &out,
            "sha256",
            &JsValue::from_str(&crate::train::sha256_hex(&bytes)),
        )?;
        set(&out, "bytes", &JsValue::from_f64(bytes.len() as f64))?;
        set(
            &out,
            "trees",
            &JsValue::from_f64(trained.model.trees.len() as f64),
        )?;
        set(
            &out,
            "nodes",
            &JsValue::from_f64(trained.model.node_count() as f64),
        )?;
        set(
            &out,
            "threshold",
            &JsValue::from_f64(trained.model.threshold),
        )?;
        set(&out, "seed", &JsValue::from_f64(self.seed as f64))?;
        set(&out, "counts", &to_js(&trained.counts)?)?;
        set(&out, "holdout", &to_js(&trained.evaluation())?)?;
        set(&out, "builtin", &to_js(&builtin)?)?;
        Ok(out)
    }
}

fn finished() -> JsError {
    JsError::new("this trainer has finished: make a new one")
}
