//! Rows that arrive as columns (an Arrow batch from Python or Spark) rather than as CSV text.
//!
//! A caller that holds typed columns hands over each feature's value as a number or as text. This
//! module checks them with the rules [`features::parse_row`] applies to CSV fields (the same
//! functions, not a copy), then encodes and scores them with the model. A number that came from
//! parsing a field's text is the very `f64` the CSV reader would get, so it gets the score
//! `neptune score` writes for that text.

use crate::explain::Explanation;
use crate::features::{self, Encoding, ParsedRow, RowProblem, UnknownCategories};
use crate::layout::Layout;
use crate::model::Model;
use crate::reader::{FileError, RawRecord};
use crate::schema::{self, FEATURE_COUNT, FEATURES, Kind, Role};

/// One feature's value in one row.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value<'a> {
    /// A typed number (an integer widened to `f64`, as parsing its digits gives).
    Number(f64),
    /// Text, read as a CSV field is read (surrounding ASCII spaces ignored).
    Text(&'a [u8]),
    /// No value (a null): read as an empty field.
    Missing,
}

/// Which column holds each feature, from the columns' names: every naming a CSV header may use
/// (the KDD names, snake_case in any spelling, generic `0..42`, known misspellings in the
/// standard order). Missing feature columns are an error that names them.
pub fn layout_of_names(names: &[String]) -> Result<Layout, FileError> {
    let mut bytes = Vec::new();
    let mut ends = Vec::with_capacity(names.len());
    for name in names {
        bytes.extend_from_slice(name.as_bytes());
        ends.push(bytes.len());
    }
    let layout = Layout::detect(&RawRecord::new(1, &bytes, &ends))?;
    if !layout.has_header {
        return Err(FileError::NamesLookLikeData {
            names: names.to_vec(),
        });
    }
    Ok(layout)
}

/// A row scored: its score, whether it reaches the threshold, and the categories the model had
/// never seen (scored as "unknown").
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scored {
    /// The probability that the row is a Neptune connection, in [0, 1].
    pub score: f64,
    /// Whether `score` reaches the scorer's threshold.
    pub flagged: bool,
    /// Which of the row's `protocol_type`, `service` and `flag` names the model had never seen.
    pub unknown: UnknownCategories,
}

/// Scores rows given as [`Value`]s, one row at a time, as [`crate::Scorer`] scores CSV records.
///
/// The outer `Result` is about the batch as a whole (categories that hold numbers: a
/// label-encoded file, refused as the CSV scorer refuses it); the inner one about the row.
#[derive(Debug)]
pub struct ColumnScorer<'m> {
    model: &'m Model,
    threshold: f64,
    categories_checked: bool,
}

impl<'m> ColumnScorer<'m> {
    /// `threshold`: the model's own when `None`.
    pub fn new(model: &'m Model, threshold: Option<f64>) -> Self {
        ColumnScorer {
            model,
            threshold: threshold.unwrap_or(model.threshold),
            categories_checked: false,
        }
    }

    /// The score at or above which a row is flagged: the one given to [`ColumnScorer::new`],
    /// else the model's own.
    pub fn threshold(&self) -> f64 {
        self.threshold
    }

    /// Scores one row, its features in [`FEATURES`] order.
    pub fn score(
        &mut self,
        values: &[Value<'_>; FEATURE_COUNT],
    ) -> Result<Result<Scored, RowProblem>, FileError> {
        let parsed = match parse_values(values)? {
            Ok(parsed) => parsed,
            Err(problem) => return Ok(Err(problem)),
        };
        // The first scorable row decides, as in the CSV scorer.
        if !self.categories_checked {
            self.categories_checked = true;
            if Encoding::looks_label_encoded(&parsed) {
                return Err(crate::score::label_encoded_error(
                    &parsed.categories,
                    "the data",
                ));
            }
        }
        let (x, unknown) = self.model.encoding.encode(&parsed);
        let score = self.model.score(&x);
        Ok(Ok(Scored {
            score,
            flagged: score >= self.threshold,
            unknown,
        }))
    }
}

/// Checks one row's values: numbers as [`features::parse_row`] checks them (the same functions),
/// categories kept as names. A number where a category name belongs is a batch-level error.
pub fn parse_values<'a>(
    values: &[Value<'a>; FEATURE_COUNT],
) -> Result<Result<ParsedRow<'a>, RowProblem>, FileError> {
    let mut numbers = [0.0; FEATURE_COUNT];
    let mut categories: [&[u8]; 3] = [b""; 3];
    let mut category = 0;
    for (index, (feature, value)) in FEATURES.iter().zip(values).enumerate() {
        if feature.kind == Kind::Category {
            categories[category] = match *value {
                Value::Text(text) => {
                    let text = text.trim_ascii();
                    if memchr::memchr(0, text).is_some() {
                        return Ok(Err(RowProblem::NulByte));
                    }
                    text
                }
                Value::Missing => b"",
                Value::Number(number) => {
                    return Err(FileError::LabelEncodedColumn {
                        column: feature.name,
                        value: number.to_string(),
                    });
                }
            };
            category += 1;
            continue;
        }
        let checked = match *value {
            Value::Number(number) => {
                features::check_value(number, feature.name, feature.kind, || number.to_string())
            }
            Value::Text(text) => {
                let text = text.trim_ascii();
                features::check_number(text, feature.name, feature.kind).map_err(|problem| {
                    if names_a_column(text) {
                        RowProblem::RepeatedHeader
                    } else {
                        problem
                    }
                })
            }
            Value::Missing => Err(RowProblem::Empty {
                column: feature.name,
            }),
        };
        match checked {
            Ok(number) => numbers[index] = number,
            Err(problem) => return Ok(Err(problem)),
        }
    }
    Ok(Ok(ParsedRow {
        values: numbers,
        categories,
    }))
}

/// A text value that is a column name: a header repeated inside the data (two files joined).
fn names_a_column(text: &[u8]) -> bool {
    std::str::from_utf8(text).is_ok_and(|name| schema::role_of(name) != Role::Other)
}

/// Why one row (given as values) got its score: see [`Model::explain`].
pub fn explain_values(
    model: &Model,
    values: &[Value<'_>; FEATURE_COUNT],
) -> Result<Result<Explanation, RowProblem>, FileError> {
    let parsed = match parse_values(values)? {
        Ok(parsed) => parsed,
        Err(problem) => return Ok(Err(problem)),
    };
    let (x, _) = model.encoding.encode(&parsed);
    Ok(Ok(crate::explain::explain_vector(
        model,
        &x,
        |feature| match values[feature] {
            Value::Number(number) => number.to_string(),
            Value::Text(text) => String::from_utf8_lossy(text).into_owned(),
            Value::Missing => String::new(),
        },
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROW: &str = crate::fixtures::FLOOD_FEATURES;

    fn header() -> String {
        FEATURES.map(|f| f.name).join(",")
    }

    /// The row's values as a typed batch would give them: numbers parsed, names as text.
    fn typed(row: &str) -> Vec<Value<'_>> {
        row.split(',')
            .zip(FEATURES)
            .map(|(text, f)| match f.kind {
                Kind::Category => Value::Text(text.as_bytes()),
                _ => text
                    .parse()
                    .map_or(Value::Text(text.as_bytes()), Value::Number),
            })
            .collect()
    }

    fn csv_score(row: &str) -> Vec<u8> {
        let input = format!("{}\n{row}\n", header());
        let (out, _) = crate::score::score_bytes(&Model::embedded(), input.as_bytes(), None)
            .expect("a usable file");
        let line = out.split(|&b| b == b'\n').nth(1).expect("one row").to_vec();
        line.rsplitn(3, |&b| b == b',').nth(1).unwrap().to_vec()
    }

    #[test]
    fn typed_and_text_values_score_as_the_csv_scorer_does() {
        let model = Model::embedded();
        let mut scorer = ColumnScorer::new(&model, None);
        for row in [
            ROW.to_string(),
            ROW.replace(",S0,", ",SF,").replace("123", "2"),
        ] {
            let values: [Value<'_>; FEATURE_COUNT] = typed(&row).try_into().unwrap();
            let scored = scorer.score(&values).unwrap().unwrap();
            let text: Vec<Value<'_>> = row.split(',').map(|t| Value::Text(t.as_bytes())).collect();
            let from_text = scorer.score(&text.try_into().unwrap()).unwrap().unwrap();
            assert_eq!(scored, from_text);
            assert_eq!(format!("{:.6}", scored.score).as_bytes(), csv_score(&row));
        }
    }

    #[test]
    fn bad_values_have_the_csv_reasons() {
        let model = Model::embedded();
        let mut scorer = ColumnScorer::new(&model, None);
        let mut values: [Value<'_>; FEATURE_COUNT] = typed(ROW).try_into().unwrap();
        let reason = |scorer: &mut ColumnScorer<'_>, values: &[Value<'_>; FEATURE_COUNT]| {
            scorer.score(values).unwrap().unwrap_err().to_string()
        };
        values[4] = Value::Number(-5.0);
        assert_eq!(
            reason(&mut scorer, &values),
            "`src_bytes` is `-5`, but it cannot be negative"
        );
        values[4] = Value::Number(f64::NAN);
        assert!(reason(&mut scorer, &values).contains("not a finite number"));
        values[4] = Value::Missing;
        assert_eq!(reason(&mut scorer, &values), "`src_bytes` is empty");
        values[4] = Value::Text(b"srcbytes");
        assert_eq!(
            reason(&mut scorer, &values),
            RowProblem::RepeatedHeader.to_string()
        );
        values[4] = Value::Number(1.0);
        values[24] = Value::Number(1.5);
        assert!(reason(&mut scorer, &values).contains("a rate lies between 0 and 1"));
    }

    #[test]
    fn numbers_for_categories_refuse_the_batch() {
        let model = Model::embedded();
        let mut values: [Value<'_>; FEATURE_COUNT] = typed(ROW).try_into().unwrap();
        values[2] = Value::Number(6.0);
        assert!(ColumnScorer::new(&model, None).score(&values).is_err());
        values[1] = Value::Text(b"1");
        values[2] = Value::Text(b"6");
        let message = ColumnScorer::new(&model, None)
            .score(&values)
            .unwrap_err()
            .to_string();
        assert!(message.contains("label-encoded"), "{message}");
    }

    #[test]
    fn names_in_any_spelling_and_missing_ones() {
        let kdd: Vec<String> = FEATURES.iter().map(|f| f.name.replace('_', "")).collect();
        let layout = layout_of_names(&kdd).unwrap();
        assert_eq!(layout.feature_columns[40], 40);
        let message = layout_of_names(&kdd[1..]).unwrap_err().to_string();
        assert!(message.contains("duration"), "{message}");
    }

    #[test]
    fn an_explanation_adds_up() {
        let model = Model::embedded();
        let values: [Value<'_>; FEATURE_COUNT] = typed(ROW).try_into().unwrap();
        let e = explain_values(&model, &values).unwrap().unwrap();
        let total = e.base + e.effects.iter().map(|x| x.effect).sum::<f64>();
        assert!((total - e.score).abs() < 1e-3);
    }
}
