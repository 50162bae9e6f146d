//! Why a row got its score: the features that pushed it towards "attack" or "normal".
//!
//! Works on lines of the scored CSV (always comma-separated, with a header), so the page can
//! explain any row it shows without keeping the input around.

use serde::Serialize;

use crate::features;
use crate::layout::Layout;
use crate::model::Model;
use crate::reader::RawRecord;

/// A feature's share of a row's score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Effect {
    /// The feature's name, as in [`crate::schema::FEATURES`].
    pub feature: &'static str,
    /// Change of the score attributed to this feature (positive: towards "attack").
    pub effect: f64,
    /// The row's value of the feature, as written in the file.
    pub value: String,
}

/// A row's score taken apart: `base` plus the sum of `effects` is `score` (up to rounding).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Explanation {
    /// The row's score: the probability that it is a Neptune connection, in [0, 1].
    pub score: f64,
    /// Where every row's explanation starts: the mean score over the training rows.
    pub base: f64,
    /// The model's threshold: a score at or above it is flagged.
    pub threshold: f64,
    /// What each feature added, largest first; features that changed nothing are left out.
    pub effects: Vec<Effect>,
}

/// Why a line of the scored CSV could not be explained.
#[derive(Debug, thiserror::Error)]
pub enum ExplainError {
    /// The header line does not show which column holds which feature.
    #[error("{0}")]
    File(#[from] crate::reader::FileError),
    /// The row's features do not read (the reason the row has no score).
    #[error("this row was not scored: {0}")]
    Row(#[from] features::RowProblem),
}

/// Field bytes and ends of one comma-separated line.
fn tokenize(line: &[u8]) -> (Vec<u8>, Vec<usize>) {
    tokenize_with(&mut csv_core::Reader::new(), line)
}

/// [`tokenize`] with `reader` (reset first): making a reader costs more than a short line.
fn tokenize_with(reader: &mut csv_core::Reader, line: &[u8]) -> (Vec<u8>, Vec<usize>) {
    reader.reset();
    let mut bytes = vec![0; line.len() + 1];
    let mut ends = vec![0; line.len() + 2];
    let (_, _, nout, nend) = reader.read_record(line, &mut bytes, &mut ends);
    let (_, _, _, last) = reader.read_record(&[], &mut bytes[nout..], &mut ends[nend..]);
    bytes.truncate(nout);
    ends.truncate(nend + last);
    (bytes, ends)
}

/// The fields of one line of the scored CSV.
pub fn split_line(line: &[u8]) -> Vec<String> {
    LineSplitter::default().split(line)
}

/// Splits lines of the scored CSV into their fields as [`split_line`] does, with one reader for
/// all of them.
pub struct LineSplitter {
    reader: csv_core::Reader,
}

impl Default for LineSplitter {
    fn default() -> Self {
        // Not `csv_core::Reader::default()`, which leaves the reader's DFA unbuilt.
        LineSplitter {
            reader: csv_core::Reader::new(),
        }
    }
}

impl LineSplitter {
    /// The fields of `line`.
    pub fn split(&mut self, line: &[u8]) -> Vec<String> {
        let (bytes, ends) = tokenize_with(&mut self.reader, line);
        let record = RawRecord::new(1, &bytes, &ends);
        record
            .fields()
            .map(|f| String::from_utf8_lossy(f).into_owned())
            .collect()
    }
}

/// The last `n` fields of a tokenized line (all of them when it has fewer).
fn last_fields((bytes, ends): (Vec<u8>, Vec<usize>), n: usize) -> (Vec<u8>, Vec<usize>) {
    if ends.len() <= n {
        return (bytes, ends);
    }
    let start = ends[ends.len() - n - 1];
    let tail = ends[ends.len() - n..].iter().map(|e| e - start).collect();
    (bytes[start..].to_vec(), tail)
}

/// Whether a scored CSV's header ends with the 41 computed features and the score columns: the
/// output of a Zeek conn.log with `--features`, whose own fields repeat two feature names
/// (`duration`, `service`) with Zeek's meaning.
fn ends_with_computed_features(header: &[u8]) -> bool {
    let names = split_line(header);
    let n = crate::schema::FEATURE_COUNT + crate::score::SCORE_COLUMNS.len();
    names.len() > n
        && names[names.len() - n..]
            .iter()
            .zip(
                crate::schema::FEATURES
                    .iter()
                    .map(|f| f.name)
                    .chain(crate::score::SCORE_COLUMNS),
            )
            .all(|(have, want)| have == want)
}

/// Explains `row`, a line of the scored CSV whose header line is `header`. For a conn.log scored
/// with its computed features, those (the last 41 columns before the scores) are what is read.
pub fn explain_output_row(
    model: &Model,
    header: &[u8],
    row: &[u8],
) -> Result<Explanation, ExplainError> {
    let computed = ends_with_computed_features(header);
    let keep = |line: &[u8]| {
        let fields = tokenize(line);
        if computed {
            last_fields(
                fields,
                crate::schema::FEATURE_COUNT + crate::score::SCORE_COLUMNS.len(),
            )
        } else {
            fields
        }
    };
    let (header_bytes, header_ends) = keep(header);
    let layout = Layout::detect(&RawRecord::new(1, &header_bytes, &header_ends))?;
    let (row_bytes, row_ends) = keep(row);
    let record = RawRecord::new(2, &row_bytes, &row_ends);
    let parsed = features::parse_row(&record, &layout)?;
    let (x, _) = model.encoding.encode(&parsed);
    Ok(explain_vector(model, &x, |feature| {
        String::from_utf8_lossy(record.field(layout.feature_columns[feature])).into_owned()
    }))
}

/// Explains a model input `x`; `value_of(feature index)` gives each feature's value as the user
/// wrote it (CSV fields here, typed values in [`crate::columns`]).
pub fn explain_vector(
    model: &Model,
    x: &crate::features::FeatureVector,
    value_of: impl Fn(usize) -> String,
) -> Explanation {
    let (base, effects) = model.explain(x);
    let effects = effects
        .into_iter()
        .map(|(index, effect)| Effect {
            feature: crate::schema::FEATURES[index].name,
            effect,
            value: value_of(index),
        })
        .collect();
    Explanation {
        score: model.score(x),
        base,
        threshold: model.threshold,
        effects,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_splitter_for_many_lines_splits_each_as_a_fresh_one() {
        // An unclosed quote, then lines after it: nothing carries over from one line to the next.
        let lines: [&[u8]; 5] = [b"a,\"open,x\n", b"b,c\n", b"\"q\"\"\",\n", b"", b"d"];
        let mut splitter = LineSplitter::default();
        for line in lines {
            assert_eq!(splitter.split(line), split_line(line), "{line:?}");
        }
        assert_eq!(splitter.split(b"b,c\n"), vec!["b", "c"]);
    }

    #[test]
    fn quoted_fields_split_back() {
        assert_eq!(
            split_line(b"a,\"b,c\",\"d\"\"e\",\n"),
            vec!["a", "b,c", "d\"e", ""]
        );
    }

    #[test]
    fn a_syn_flood_row_is_explained_by_its_syn_errors() {
        let model = Model::embedded();
        let names: Vec<&str> = crate::schema::FEATURES.iter().map(|f| f.name).collect();
        let header = format!("{},attack_score,predicted_attack", names.join(","));
        let row = format!("{},1.000000,1", crate::fixtures::FLOOD_FEATURES);
        let e = explain_output_row(&model, header.as_bytes(), row.as_bytes()).unwrap();
        assert!(e.score > model.threshold);
        assert!(e.effects[0].effect > 0.0);
        let total = e.base + e.effects.iter().map(|x| x.effect).sum::<f64>();
        assert!((total - e.score).abs() < 1e-3);
    }
}
