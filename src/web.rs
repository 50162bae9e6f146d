//! The WebAssembly surface: a thin adapter from JavaScript to [`Scorer`], nothing the CLI lacks.
//!
//! The worker creates one [`WasmScorer`] per file, pushes the file's chunks, and gets back per
//! chunk the scored CSV bytes (the download is their concatenation, byte for byte what
//! `neptune score` writes) and typed arrays describing each row for the results table.

use std::sync::OnceLock;

use js_sys::{Float64Array, Object, Reflect, Uint8Array, Uint32Array};
use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::model::{EMBEDDED_CARD, Model};
use crate::score::{Batch, Scorer, SegmentContext, Summary};

static MODEL: OnceLock<Model> = OnceLock::new();

fn model() -> &'static Model {
    MODEL.get_or_init(Model::embedded)
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
}

#[wasm_bindgen]
impl WasmScorer {
    /// A scorer with the embedded model; `threshold` overrides the model's own.
    #[wasm_bindgen(constructor)]
    pub fn new(threshold: Option<f64>) -> WasmScorer {
        WasmScorer {
            scorer: Scorer::new(model(), threshold),
            batch: Batch::default(),
        }
    }

    /// A scorer whose output for a Zeek conn.log carries the 41 features computed for each
    /// connection before the score columns (`neptune score --features`): what [`explain`] needs
    /// for a conn.log row, whose window features come from the connections before it.
    #[wasm_bindgen(js_name = withZeekFeatures)]
    pub fn with_zeek_features(threshold: Option<f64>) -> WasmScorer {
        WasmScorer {
            scorer: Scorer::new(model(), threshold).with_zeek_features(true),
            batch: Batch::default(),
        }
    }

    /// A scorer for a later part of the file, cut at a line end, holding no quote character:
    /// `context` is the `bytes` of what the first part's scorer gave with `segmentContext()`.
    /// Its output has no header; its line numbers count from the part's first line.
    #[wasm_bindgen(js_name = forSegment)]
    pub fn for_segment(context: &[u8], threshold: Option<f64>) -> Result<WasmScorer, JsError> {
        let context: SegmentContext = postcard::from_bytes(context)
            .map_err(|e| JsError::new(&format!("a damaged segment context: {e}")))?;
        Ok(WasmScorer {
            scorer: Scorer::for_segment(model(), threshold, &context)?,
            batch: Batch::default(),
        })
    }

    /// What other scorers need to take later parts of this file, once its first record has
    /// been read: `{quote, bytes}`, the file's quote character and the context in postcard (for
    /// `forSegment`); `undefined` before that or when the file cannot be split (ARFF).
    #[wasm_bindgen(js_name = segmentContext)]
    pub fn segment_context(&self) -> Result<JsValue, JsError> {
        match self.scorer.segment_context() {
            Some(context) if !context.dialect.arff => {
                let out = Object::new();
                set(&out, "quote", &JsValue::from(context.dialect.quote))?;
                let bytes = postcard::to_allocvec(&context).expect("a context always serializes");
                set(&out, "bytes", &Uint8Array::from(bytes.as_slice()))?;
                Ok(out.into())
            }
            _ => Ok(JsValue::UNDEFINED),
        }
    }

    /// Writes the output header now (before later parts' outputs); returns it as a batch.
    #[wasm_bindgen(js_name = writeHeader)]
    pub fn write_header(&mut self) -> Result<Object, JsError> {
        self.scorer.write_header(&mut self.batch);
        self.take_batch()
    }

    /// Line ends read so far: the next part's line numbers are offset by the sum of these.
    #[wasm_bindgen(js_name = lineEnds)]
    pub fn line_ends(&self) -> f64 {
        self.scorer.line_ends() as f64
    }

    /// Adds a later part's summary (the `summaryBytes` of its `finish()`), whose line numbers
    /// are offset by `line_offset`. Absorb the parts in file order, then call `finish()`.
    pub fn absorb(&mut self, summary: &[u8], line_offset: f64) -> Result<(), JsError> {
        let summary: Summary = postcard::from_bytes(summary)
            .map_err(|e| JsError::new(&format!("a damaged part summary: {e}")))?;
        self.scorer.absorb(&summary, line_offset as u64);
        Ok(())
    }

    /// Scores the rows completed by `chunk`. Returns `{csv, scores, lines, flags, ends, rows,
    /// scored, flagged, rejected}` (see [`Self::take_batch`]); throws on a file-level problem.
    pub fn push(&mut self, chunk: &[u8]) -> Result<Object, JsError> {
        self.scorer.push(chunk, &mut self.batch)?;
        self.take_batch()
    }

    /// Ends the file. Returns the last batch plus `summary` (the whole file's counts, rejected
    /// rows with reasons, unknown categories, histogram, metrics when labelled) and
    /// `summaryBytes`, the same in postcard, for the primary scorer's `absorb`.
    pub fn finish(&mut self) -> Result<Object, JsError> {
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

    /// The batch as transferable typed arrays:
    /// - `csv`: output bytes (Uint8Array),
    /// - `scores`: one per row, exact (Float64Array; NaN for a rejected row),
    /// - `lines`: the input line of each row (Float64Array),
    /// - `flags`: per row bit 0 = flagged, bit 1 = rejected, bits 2-4 = label (0 none, 1 normal,
    ///   2 Neptune, 3 other attack, 4 a group of attacks such as `anomaly`) (Uint8Array),
    /// - `ends`: each row's end offset in `csv` (Uint32Array; a row starts where the previous
    ///   ends, the first after the header),
    /// - running counts `rows`, `scored`, `flagged`, `rejected`.
    fn take_batch(&mut self) -> Result<Object, JsError> {
        let rows = &self.batch.rows;
        let scores: Vec<f64> = rows.iter().map(|r| r.score.unwrap_or(f64::NAN)).collect();
        let lines: Vec<f64> = rows.iter().map(|r| r.line as f64).collect();
        let flags: Vec<u8> = rows
            .iter()
            .map(|r| {
                u8::from(r.flagged)
                    | (u8::from(r.score.is_none()) << 1)
                    | ((r.truth.code() as u8) << 2)
            })
            .collect();
        let ends: Vec<u32> = rows.iter().map(|r| r.csv_end as u32).collect();
        let out = Object::new();
        set(&out, "csv", &Uint8Array::from(self.batch.csv.as_slice()))?;
        set(&out, "scores", &Float64Array::from(scores.as_slice()))?;
        set(&out, "lines", &Float64Array::from(lines.as_slice()))?;
        set(&out, "flags", &Uint8Array::from(flags.as_slice()))?;
        set(&out, "ends", &Uint32Array::from(ends.as_slice()))?;
        let summary = self.scorer.summary();
        for (key, value) in [
            ("rows", summary.rows),
            ("scored", summary.scored),
            ("flagged", summary.flagged),
            ("rejected", summary.rejected),
        ] {
            set(&out, key, &JsValue::from_f64(value as f64))?;
        }
        self.batch.clear();
        Ok(out)
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

/// The embedded model's card (JSON text).
#[wasm_bindgen(js_name = modelCard)]
pub fn model_card() -> String {
    EMBEDDED_CARD.to_string()
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

/// Explains one row of the scored CSV: `header` and `row` are lines of that CSV. Returns
/// `{score, base, threshold, effects: [{feature, effect, value}]}`, or throws with the reason the row
/// could not be scored.
#[wasm_bindgen]
pub fn explain(header: &[u8], row: &[u8]) -> Result<JsValue, JsError> {
    let explanation = crate::explain::explain_output_row(model(), header, row)?;
    to_js(&explanation)
}

fn set(target: &Object, key: &str, value: &JsValue) -> Result<(), JsError> {
    Reflect::set(target, &JsValue::from_str(key), value)
        .map(|_| ())
        .map_err(|_| JsError::new("cannot build the result object"))
}

fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsError> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| JsError::new(&e.to_string()))
}
