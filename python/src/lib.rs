//! `neptune_detector._native`: the Neptune detector's library for Python, a thin PyO3 shell.
//!
//! Everything that reads, checks, encodes and scores a row is the library's (`neptune`); this
//! crate moves Arrow batches across the C data interface (no copy) and releases the GIL while
//! the library works. The Python API (`neptune_detector/__init__.py`) wraps these functions.

mod batch;
mod columns;
mod file;

use std::path::PathBuf;
use std::sync::OnceLock;

use arrow_array::RecordBatch;
use arrow_pyarrow::{FromPyArrow, ToPyArrow};
use neptune::columns::{Value, explain_values, layout_of_names};
use neptune::model::{EMBEDDED_CARD, Model};
use neptune::schema::FEATURE_COUNT;
use pyo3::exceptions::{PyOSError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyString;

fn model() -> &'static Model {
    static MODEL: OnceLock<Model> = OnceLock::new();
    MODEL.get_or_init(Model::embedded)
}

/// A threshold given from Python: `None` (the model's own) or a number in [0, 1].
fn threshold(value: Option<f64>) -> PyResult<Option<f64>> {
    match value {
        Some(t) if !(0.0..=1.0).contains(&t) => Err(PyValueError::new_err(format!(
            "threshold {t} is not a number between 0 and 1"
        ))),
        other => Ok(other),
    }
}

/// Scores a `pyarrow.RecordBatch`; see `neptune_detector.score_arrow`.
#[pyfunction]
#[pyo3(signature = (batch, threshold=None, reasons=false))]
fn score_arrow<'py>(
    py: Python<'py>,
    batch: &Bound<'py, PyAny>,
    threshold: Option<f64>,
    reasons: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let threshold = self::threshold(threshold)?;
    let batch = RecordBatch::from_pyarrow_bound(batch)?;
    let scored = py
        .detach(|| batch::score_batch(model(), &batch, threshold, reasons))
        .map_err(PyValueError::new_err)?;
    scored.to_pyarrow(py)
}

/// Scores the file `input` into `output`, as `neptune score INPUT -o OUTPUT` does; returns the
/// summary as JSON text.
#[pyfunction]
#[pyo3(signature = (input, output, threshold=None))]
fn score_file(
    py: Python<'_>,
    input: PathBuf,
    output: PathBuf,
    threshold: Option<f64>,
) -> PyResult<String> {
    let threshold = self::threshold(threshold)?;
    let summary = py
        .detach(|| file::score_file(model(), &input, &output, threshold))
        .map_err(|failure| match failure {
            file::FileFailure::Io(e) => PyOSError::new_err(e.to_string()),
            file::FileFailure::Unusable(message) => {
                PyValueError::new_err(format!("{}: {message}", input.display()))
            }
        })?;
    Ok(serde_json::to_string(&summary).expect("a summary always serializes"))
}

/// The embedded model's card (JSON text).
#[pyfunction]
fn model_card() -> &'static str {
    EMBEDDED_CARD
}

/// The embedded model's threshold.
#[pyfunction]
fn model_threshold() -> f64 {
    model().threshold
}

/// Explains one row given as column names and values (numbers, text or None); returns the
/// explanation as JSON text. A row that cannot be scored is a `ValueError` with its reason.
#[pyfunction]
fn explain(names: Vec<String>, values: Vec<Bound<'_, PyAny>>) -> PyResult<String> {
    if names.len() != values.len() {
        return Err(PyValueError::new_err("one value per name"));
    }
    let layout = layout_of_names(&names).map_err(|e| PyValueError::new_err(e.to_string()))?;
    let mut texts: Vec<Option<String>> = Vec::with_capacity(values.len());
    let mut numbers: Vec<Option<f64>> = Vec::with_capacity(values.len());
    for value in &values {
        if value.is_none() {
            texts.push(None);
            numbers.push(None);
        } else if let Ok(text) = value.cast::<PyString>() {
            texts.push(Some(text.to_cow()?.into_owned()));
            numbers.push(None);
        } else {
            let number: f64 = value.extract().map_err(|_| {
                PyValueError::new_err(format!("{value} is neither a number, text nor None"))
            })?;
            texts.push(None);
            numbers.push(Some(number));
        }
    }
    let row: [Value<'_>; FEATURE_COUNT] = std::array::from_fn(|feature| {
        let column = layout.feature_columns[feature];
        match (&texts[column], numbers[column]) {
            (Some(text), _) => Value::Text(text.as_bytes()),
            (None, Some(number)) => Value::Number(number),
            (None, None) => Value::Missing,
        }
    });
    let explanation = explain_values(model(), &row)
        .map_err(|e| PyValueError::new_err(e.to_string()))?
        .map_err(|problem| {
            PyValueError::new_err(format!("this row cannot be scored: {problem}"))
        })?;
    Ok(serde_json::to_string(&explanation).expect("an explanation always serializes"))
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(score_arrow, m)?)?;
    m.add_function(wrap_pyfunction!(score_file, m)?)?;
    m.add_function(wrap_pyfunction!(model_card, m)?)?;
    m.add_function(wrap_pyfunction!(model_threshold, m)?)?;
    m.add_function(wrap_pyfunction!(explain, m)?)?;
    Ok(())
}
