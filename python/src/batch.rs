//! A record batch scored: its columns, then `attack_score`, `predicted_attack` and, on request,
//! `reject_reason`. Runs without the GIL: it touches no Python object.

use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array, Int8Array, RecordBatch, StringArray};
use arrow_buffer::{NullBuffer, ScalarBuffer};
use arrow_schema::{DataType, Field, Schema};
use neptune::columns::{ColumnScorer, Value, layout_of_names};
use neptune::model::Model;
use neptune::schema::{FEATURE_COUNT, FEATURES};

use crate::columns::FeatureColumn;

/// The columns added to every batch.
pub const SCORE_COLUMN: &str = "attack_score";
pub const VERDICT_COLUMN: &str = "predicted_attack";
pub const REASON_COLUMN: &str = "reject_reason";

/// Scores every row of `batch`. An `Err` says why the batch cannot be used as a whole; a row that
/// cannot be scored has nulls in the score columns (and its reason, when `reasons`).
pub fn score_batch(
    model: &Model,
    batch: &RecordBatch,
    threshold: Option<f64>,
    reasons: bool,
) -> Result<RecordBatch, String> {
    let schema = batch.schema();
    let names: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
    for taken in [SCORE_COLUMN, VERDICT_COLUMN, REASON_COLUMN] {
        if names.iter().any(|n| n == taken) && (reasons || taken != REASON_COLUMN) {
            return Err(format!(
                "the batch already has a column `{taken}` (was it scored before?): drop it first"
            ));
        }
    }
    let layout = layout_of_names(&names).map_err(|e| e.to_string())?;
    let columns: Vec<FeatureColumn<'_>> = FEATURES
        .iter()
        .zip(layout.feature_columns)
        .map(|(feature, c)| FeatureColumn::new(batch.column(c), feature, &names[c]))
        .collect::<Result<_, _>>()?;

    let rows = batch.num_rows();
    let mut scores = Vec::with_capacity(rows);
    let mut verdicts = Vec::with_capacity(rows);
    let mut scored = Vec::with_capacity(rows);
    let mut problems: Vec<Option<String>> = Vec::new();
    let mut scorer = ColumnScorer::new(model, threshold);
    let mut values = [Value::Missing; FEATURE_COUNT];
    for row in 0..rows {
        for (value, column) in values.iter_mut().zip(&columns) {
            *value = column.value(row);
        }
        match scorer.score(&values).map_err(|e| e.to_string())? {
            Ok(result) => {
                scores.push(result.score);
                verdicts.push(i8::from(result.flagged));
                scored.push(true);
            }
            Err(problem) => {
                scores.push(0.0);
                verdicts.push(0);
                scored.push(false);
                if reasons {
                    problems.resize(row, None);
                    problems.push(Some(problem.to_string()));
                }
            }
        }
    }
    let nulls = scored
        .iter()
        .any(|ok| !ok)
        .then(|| NullBuffer::from(scored));
    let mut fields: Vec<Arc<Field>> = schema.fields().iter().cloned().collect();
    let mut arrays: Vec<ArrayRef> = batch.columns().to_vec();
    fields.push(Arc::new(Field::new(SCORE_COLUMN, DataType::Float64, true)));
    arrays.push(Arc::new(Float64Array::new(
        ScalarBuffer::from(scores),
        nulls.clone(),
    )));
    fields.push(Arc::new(Field::new(VERDICT_COLUMN, DataType::Int8, true)));
    arrays.push(Arc::new(Int8Array::new(
        ScalarBuffer::from(verdicts),
        nulls,
    )));
    if reasons {
        problems.resize(rows, None);
        fields.push(Arc::new(Field::new(REASON_COLUMN, DataType::Utf8, true)));
        arrays.push(Arc::new(StringArray::from(problems)));
    }
    let schema = Schema::new_with_metadata(fields, schema.metadata().clone());
    RecordBatch::try_new(Arc::new(schema), arrays).map_err(|e| e.to_string())
}
