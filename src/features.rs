//! Record -> model input: the one encoding that training and scoring share.
//!
//! A row is first *parsed* (numbers checked, category names kept as they are), then *encoded*
//! with the [`Encoding`] stored inside the model. Training builds the encoding from its own rows
//! and then encodes them with this same code, so a row can never be encoded one way when training
//! and another way when scoring (the original notebook fit its one-hot encoder separately on the
//! test file, and filled a missing column with the row count).

use serde::{Deserialize, Serialize};

use crate::layout::Layout;
use crate::reader::RawRecord;
use crate::schema::{CATEGORY_FEATURES, FEATURE_COUNT, FEATURES, Kind};

/// The model's input: the 41 features in [`FEATURES`] order, categories replaced by their codes.
pub type FeatureVector = [f64; FEATURE_COUNT];

/// Why one row could not be scored. The row is still written out, with empty score columns.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RowProblem {
    /// The row has more or fewer fields than the file's layout.
    #[error("expected {expected} fields, found {found}")]
    FieldCount {
        /// Fields a row of this file should have.
        expected: usize,
        /// Fields this row has.
        found: usize,
    },
    /// A numeric feature's field is empty.
    #[error("`{column}` is empty")]
    Empty {
        /// The feature's name.
        column: &'static str,
    },
    /// A numeric feature's field does not read as a number.
    #[error("`{column}` is `{value}`, not a number")]
    NotANumber {
        /// The feature's name.
        column: &'static str,
        /// The value, as the message shows it (a long field cut to 40 bytes).
        value: String,
    },
    /// A numeric feature is infinite or NaN.
    #[error("`{column}` is `{value}`, which is not a finite number")]
    NotFinite {
        /// The feature's name.
        column: &'static str,
        /// The value, as the message shows it (a long field cut to 40 bytes).
        value: String,
    },
    /// A numeric feature is below 0.
    #[error("`{column}` is `{value}`, but it cannot be negative")]
    Negative {
        /// The feature's name.
        column: &'static str,
        /// The value, as the message shows it (a long field cut to 40 bytes).
        value: String,
    },
    /// A rate feature is above 1.
    #[error("`{column}` is `{value}`, but a rate lies between 0 and 1")]
    RateOutOfRange {
        /// The feature's name.
        column: &'static str,
        /// The value, as the message shows it (a long field cut to 40 bytes).
        value: String,
    },
    /// A field holds a column name: the header line again.
    #[error("this line repeats the header (were two files joined?)")]
    RepeatedHeader,
    /// The line is longer than [`crate::reader::MAX_RECORD_BYTES`] (the number: that limit in MB).
    #[error("the line is longer than {0} MB")]
    TooLong(usize),
    /// The line has more than 65,536 fields.
    #[error("the line has more than 65,536 fields")]
    TooManyFields,
    /// A quote opens a field that is not closed on its line (see
    /// [`crate::reader::RecordReader`]); the line is read alone.
    #[error(
        "a quote (`\"`) opens a field that is not closed on this line; read across the next \
         lines it would break the row, so the line is read alone"
    )]
    UnclosedQuote,
    /// The line holds a NUL byte.
    #[error("the line holds a NUL byte (binary data, not text)")]
    NulByte,
}

/// A row whose numbers have been checked; category names are still raw bytes.
#[derive(Debug, Clone)]
pub struct ParsedRow<'a> {
    /// The numeric features; the three category slots hold 0 until encoded.
    pub values: FeatureVector,
    /// `protocol_type`, `service`, `flag`, trimmed.
    pub categories: [&'a [u8]; 3],
}

impl Default for ParsedRow<'_> {
    fn default() -> Self {
        ParsedRow {
            values: [0.0; FEATURE_COUNT],
            categories: [b""; 3],
        }
    }
}

/// Checks and parses the features of one data record.
pub fn parse_row<'a>(record: &RawRecord<'a>, layout: &Layout) -> Result<ParsedRow<'a>, RowProblem> {
    let mut row = ParsedRow::default();
    parse_row_into(record, layout, &mut row)?;
    Ok(row)
}

/// [`parse_row`] into `row`, which the scorer keeps from row to row (a row is a few hundred
/// bytes: returning it would copy it on every row). On an error `row` holds nothing useful.
pub(crate) fn parse_row_into<'a>(
    record: &RawRecord<'a>,
    layout: &Layout,
    row: &mut ParsedRow<'a>,
) -> Result<(), RowProblem> {
    if record.too_many_fields {
        return Err(RowProblem::TooManyFields);
    }
    if record.oversized {
        return Err(RowProblem::TooLong(
            crate::reader::MAX_RECORD_BYTES / (1024 * 1024),
        ));
    }
    if record.unclosed_quote {
        return Err(RowProblem::UnclosedQuote);
    }
    if memchr::memchr(0, record.field_bytes()).is_some() {
        return Err(RowProblem::NulByte);
    }
    if record.len() != layout.width {
        return Err(RowProblem::FieldCount {
            expected: layout.width,
            found: record.len(),
        });
    }
    if record.is_plain_line() && parse_plain_row(record, layout, row) {
        return Ok(());
    }
    let mut category = 0;
    for (index, feature) in FEATURES.iter().enumerate() {
        let field = record.field(layout.feature_columns[index]).trim_ascii();
        if feature.kind == Kind::Category {
            row.categories[category] = field;
            category += 1;
            continue;
        }
        row.values[index] = parse_number(field, feature.name, feature.kind).map_err(|problem| {
            if layout.has_header && field_is_a_column_name(field) {
                RowProblem::RepeatedHeader
            } else {
                problem
            }
        })?;
    }
    Ok(())
}

/// The common case of [`parse_row`], kept short: every number a plain decimal that
/// [`parse_short_decimal`] reads and every rate at most 1. Any other spelling, and any problem,
/// gives `false` and the row goes through the full checks, which then find the same values or
/// say what is wrong; so this only ever fills `row` with what they would.
#[inline]
fn parse_plain_row<'a>(record: &RawRecord<'a>, layout: &Layout, row: &mut ParsedRow<'a>) -> bool {
    let mut category = 0;
    for (index, (feature, &column)) in FEATURES.iter().zip(&layout.feature_columns).enumerate() {
        let field = record.field(column);
        match feature.kind {
            Kind::Category => {
                row.categories[category] = field.trim_ascii();
                category += 1;
            }
            kind => {
                // The shapes of nearly every field of a connection log, read without a loop.
                let value = match *field {
                    [digit @ b'0'..=b'9'] => f64::from(digit - b'0'),
                    [a @ b'0'..=b'9', b'.', b @ b'0'..=b'9'] => {
                        SMALL_DECIMALS[1][usize::from(a - b'0') * 10 + usize::from(b - b'0')]
                    }
                    [a @ b'0'..=b'1', b'.', b @ b'0'..=b'9', c @ b'0'..=b'9'] => {
                        SMALL_DECIMALS[2][usize::from(a - b'0') * 100
                            + usize::from(b - b'0') * 10
                            + usize::from(c - b'0')]
                    }
                    _ => match parse_short_decimal(field) {
                        Some(value) => value,
                        None => return false,
                    },
                };
                if kind == Kind::Rate && value > 1.0 {
                    return false;
                }
                row.values[index] = value;
            }
        }
    }
    true
}

fn field_is_a_column_name(field: &[u8]) -> bool {
    std::str::from_utf8(field)
        .is_ok_and(|name| crate::schema::role_of(name) != crate::schema::Role::Other)
}

/// Whether `field` is a valid value of a numeric feature (the check [`parse_row`] makes).
pub(crate) fn check_number(
    field: &[u8],
    column: &'static str,
    kind: Kind,
) -> Result<f64, RowProblem> {
    parse_number(field, column, kind)
}

fn parse_number(field: &[u8], column: &'static str, kind: Kind) -> Result<f64, RowProblem> {
    let shown = || crate::layout::escape(&String::from_utf8_lossy(&field[..field.len().min(40)]));
    if field.is_empty() {
        return Err(RowProblem::Empty { column });
    }
    let value = match parse_short_decimal(field) {
        Some(value) => value,
        None => fast_float2::parse(field).map_err(|_| RowProblem::NotANumber {
            column,
            value: shown(),
        })?,
    };
    check_value(value, column, kind, shown)
}

/// Whether a number already parsed (an Arrow value, say) is a valid value of a numeric feature:
/// finite, not negative, a rate at most 1. `shown` spells the value for the message.
pub(crate) fn check_value(
    value: f64,
    column: &'static str,
    kind: Kind,
    shown: impl Fn() -> String,
) -> Result<f64, RowProblem> {
    if !value.is_finite() {
        return Err(RowProblem::NotFinite {
            column,
            value: shown(),
        });
    }
    if value < 0.0 {
        return Err(RowProblem::Negative {
            column,
            value: shown(),
        });
    }
    if kind == Kind::Rate && value > 1.0 {
        return Err(RowProblem::RateOutOfRange {
            column,
            value: shown(),
        });
    }
    // -0 and 0 must encode alike, whatever the spelling.
    Ok(value + 0.0)
}

/// Powers of ten exact in f64, for [`parse_short_decimal`].
const POWERS_OF_TEN: [f64; 16] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
];

/// `m / 10^d` for the small mantissas of counts and rates (`0.07`, `1.0`, `255`), computed
/// at compile time by the same division [`parse_short_decimal`] makes for the others, so a
/// look-up gives the same bits.
const SMALL_DECIMALS: [[f64; 256]; 3] = {
    let mut table = [[0.0; 256]; 3];
    let mut decimals = 0;
    while decimals < 3 {
        let mut mantissa = 0;
        while mantissa < 256 {
            table[decimals][mantissa] = mantissa as f64 / POWERS_OF_TEN[decimals];
            mantissa += 1;
        }
        decimals += 1;
    }
    table
};

/// The exact value of a short plain decimal (`0`, `491`, `0.05`, `1.0`): most fields of a
/// connection log. Digits make an integer below 2^53 and the decimals a power of ten below 10^22,
/// both exact in f64, so one division gives the correctly rounded result, the same bits as a full
/// parser (Clinger's fast path). Anything else returns `None` and goes to fast_float2.
#[inline]
fn parse_short_decimal(field: &[u8]) -> Option<f64> {
    if field.is_empty() || field.len() > 15 {
        return None;
    }
    let mut mantissa: u64 = 0;
    let mut decimals = None;
    for (i, &b) in field.iter().enumerate() {
        match b {
            b'0'..=b'9' => mantissa = mantissa * 10 + u64::from(b - b'0'),
            b'.' if decimals.is_none() && i > 0 && i + 1 < field.len() => {
                decimals = Some(field.len() - i - 1);
            }
            _ => return None,
        }
    }
    let decimals = decimals.unwrap_or(0);
    if decimals < 3 && mantissa < 256 {
        return Some(SMALL_DECIMALS[decimals][mantissa as usize]);
    }
    // Below 10^15: exact as an i64, whose conversion is one instruction.
    Some(mantissa as i64 as f64 / POWERS_OF_TEN[decimals])
}

/// How each category name becomes a number: its smoothed share of Neptune rows in training.
///
/// Trees split such a code as well as a one-hot column, with one column instead of 78. A name
/// never seen in training gets the overall attack share, the neutral guess, and is counted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Encoding {
    /// Per categorical feature (`protocol_type`, `service`, `flag`): names and their codes,
    /// sorted by name.
    pub tables: [Vec<(String, f64)>; 3],
    /// The code of a name not in the table.
    pub unknown: f64,
    /// `tables` as hash maps, for scoring speed; built by [`Encoding::index`].
    #[serde(skip)]
    lookup: [rustc_hash::FxHashMap<Box<[u8]>, f64>; 3],
}

/// Which of a row's three categories (protocol_type, service, flag) the model had never seen.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UnknownCategories(pub [bool; 3]);

impl UnknownCategories {
    /// Whether the model had never seen at least one of the row's three names.
    pub fn any(&self) -> bool {
        self.0.iter().any(|&u| u)
    }
}

impl Encoding {
    /// Builds the tables from training rows (category names and whether each row is an attack).
    /// `smoothing` pulls rare names toward the overall share.
    pub fn fit<'a>(rows: impl Iterator<Item = ([&'a [u8]; 3], bool)>, smoothing: f64) -> Encoding {
        use std::collections::BTreeMap;
        let mut counts: [BTreeMap<&[u8], (f64, f64)>; 3] = Default::default();
        let (mut total, mut attacks) = (0.0, 0.0);
        for (names, attack) in rows {
            let hit = f64::from(u8::from(attack));
            total += 1.0;
            attacks += hit;
            for (table, name) in counts.iter_mut().zip(names) {
                let entry = table.entry(name).or_default();
                entry.0 += 1.0;
                entry.1 += hit;
            }
        }
        let prior = if total > 0.0 { attacks / total } else { 0.5 };
        let tables = counts.map(|table| {
            table
                .into_iter()
                .map(|(name, (n, hits))| {
                    let code = (hits + prior * smoothing) / (n + smoothing);
                    (String::from_utf8_lossy(name).into_owned(), code)
                })
                .collect()
        });
        Encoding {
            tables,
            unknown: prior,
            lookup: Default::default(),
        }
        .index()
    }

    /// Builds the lookup maps (needed after deserializing).
    pub fn index(mut self) -> Self {
        self.lookup = std::array::from_fn(|which| {
            self.tables[which]
                .iter()
                .map(|(name, code)| (name.as_bytes().into(), *code))
                .collect()
        });
        self
    }

    /// The code of `name` in table `which`: an exact match first, then one ignoring ASCII case.
    fn code(&self, which: usize, name: &[u8]) -> Option<f64> {
        if let Some(code) = self.lookup[which].get(name) {
            return Some(*code);
        }
        self.tables[which]
            .iter()
            .find(|(n, _)| n.as_bytes().eq_ignore_ascii_case(name))
            .map(|(_, code)| *code)
    }

    /// Fills the category slots of `row.values`, returning the finished input vector.
    pub fn encode(&self, row: &ParsedRow<'_>) -> (FeatureVector, UnknownCategories) {
        let mut row = row.clone();
        let unknown = self.encode_in_place(&mut row);
        (row.values, unknown)
    }

    /// [`Encoding::encode`] in place: fills the category slots of `row.values`.
    pub(crate) fn encode_in_place(&self, row: &mut ParsedRow<'_>) -> UnknownCategories {
        let mut unknown = UnknownCategories::default();
        for (which, &feature) in CATEGORY_FEATURES.iter().enumerate() {
            row.values[feature] = match self.code(which, row.categories[which]) {
                Some(code) => code,
                None => {
                    unknown.0[which] = true;
                    self.unknown
                }
            };
        }
        unknown
    }

    /// True when the categorical fields hold numbers: a label-encoded file (such as a Kaggle
    /// variant of NSL-KDD) whose codes mean nothing to this model.
    pub fn looks_label_encoded(row: &ParsedRow<'_>) -> bool {
        row.categories
            .iter()
            .filter(|name| {
                !name.is_empty() && name.iter().all(|b| b.is_ascii_digit() || *b == b'.')
            })
            .count()
            >= 2
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout() -> Layout {
        Layout {
            has_header: true,
            ..Layout::standard(FEATURE_COUNT).expect("41 columns")
        }
    }

    fn parse(row: &str) -> Result<FeatureVector, RowProblem> {
        let mut bytes = Vec::new();
        let mut ends = Vec::new();
        for field in row.split(',') {
            bytes.extend_from_slice(field.as_bytes());
            ends.push(bytes.len());
        }
        let record = RawRecord::new(2, &bytes, &ends);
        parse_row(&record, &layout()).map(|p| p.values)
    }

    const ROW: &str = "0,tcp,http,SF,181,5450,0,0,0,0,0,1,0,0,0,0,0,0,0,0,0,0,8,8,0,0,0,0,1,0,0,9,9,1,0,0.11,0,0,0,0,0";

    fn with(index: usize, value: &str) -> String {
        let mut fields: Vec<&str> = ROW.split(',').collect();
        fields[index] = value;
        fields.join(",")
    }

    #[test]
    fn the_plain_lane_reads_every_short_spelling_as_the_full_checks_do() {
        use crate::reader::{FileError, RecordReader};
        let mut spellings: Vec<String> = [
            "1.00", "1.01", "2.5", "9.99", ".5", "5.", "00.5", "0.000", "1.5e0", "-0.5", " 0.5",
        ]
        .map(String::from)
        .to_vec();
        for a in 0..10 {
            for b in 0..10 {
                spellings.push(format!("{a}.{b}"));
                spellings.extend((0..10).map(|c| format!("{a}.{b}{c}")));
            }
        }
        // Each spelling in a rate column (serror_rate) and in a count column (src_bytes).
        let text: String = spellings
            .iter()
            .flat_map(|value| [with(24, value), with(4, value)])
            .map(|row| row + "\n")
            .collect();
        let read = |general: bool| {
            let mut reader = RecordReader::new();
            if general {
                reader = reader.general_only();
            }
            let mut rows = Vec::new();
            let mut on_record = |record: RawRecord<'_>| -> Result<(), FileError> {
                assert_eq!(record.is_plain_line(), !general);
                let row = parse_row(&record, &layout());
                rows.push(row.map(|row| row.values.map(f64::to_bits)));
                Ok(())
            };
            reader.push(text.as_bytes(), &mut on_record).unwrap();
            reader.finish(&mut on_record).unwrap();
            rows
        };
        let plain = read(false);
        assert_eq!(plain.len(), spellings.len() * 2);
        assert_eq!(plain, read(true));
    }

    #[test]
    fn numbers_in_every_valid_spelling() {
        assert_eq!(parse(ROW).unwrap()[4], 181.0);
        assert_eq!(parse(&with(4, "1.99e+02")).unwrap()[4], 199.0);
        assert_eq!(parse(&with(4, " 7 ")).unwrap()[4], 7.0);
        assert_eq!(parse(&with(4, "-0")).unwrap()[4].to_bits(), 0f64.to_bits());
        assert_eq!(parse(&with(4, "1e308")).unwrap()[4], 1e308);
    }

    #[test]
    fn the_short_decimal_path_agrees_with_fast_float() {
        for text in [
            "0",
            "0.0",
            "1.0",
            "0.05",
            "0.17",
            "491",
            "123456789012345",
            "0.1",
            "0.3",
            "99999.99999",
            "1.000000000000",
            "00012",
            "0.0000000000001",
        ]
        .into_iter()
        .map(String::from)
        // Every entry of the look-up table, spelled as a file would.
        .chain((0..3).flat_map(|decimals| {
            (0..256).map(move |m: u32| {
                let digits = format!("{m:0width$}", width = decimals + 1);
                let (int, frac) = digits.split_at(digits.len() - decimals);
                if decimals == 0 {
                    int.to_string()
                } else {
                    format!("{int}.{frac}")
                }
            })
        })) {
            let text = text.as_str();
            let expected: f64 = fast_float2::parse(text).unwrap();
            assert_eq!(
                parse_short_decimal(text.as_bytes()).map(f64::to_bits),
                Some(expected.to_bits()),
                "{text}"
            );
        }
        for text in [
            "",
            ".5",
            "5.",
            "1e5",
            "-1",
            "1.2.3",
            "1234567890123456",
            "+1",
        ] {
            assert_eq!(parse_short_decimal(text.as_bytes()), None, "{text}");
        }
    }

    #[test]
    fn each_bad_number_has_its_reason() {
        let reason = |i, v: &str| parse(&with(i, v)).unwrap_err().to_string();
        assert_eq!(reason(4, "abc"), "`src_bytes` is `abc`, not a number");
        assert_eq!(reason(4, ""), "`src_bytes` is empty");
        assert!(reason(4, "NaN").contains("not a finite number"));
        assert!(reason(4, "inf").contains("not a finite number"));
        assert!(reason(4, "-5").contains("cannot be negative"));
        assert!(reason(24, "1.5").contains("a rate lies between 0 and 1"));
        assert_eq!(
            reason(4, "srcbytes"),
            RowProblem::RepeatedHeader.to_string()
        );
    }

    #[test]
    fn unknown_categories_get_the_prior_and_are_flagged() {
        let rows = [
            ([b"tcp".as_slice(), b"http", b"SF"], false),
            ([b"tcp".as_slice(), b"private", b"S0"], true),
        ];
        let encoding = Encoding::fit(rows.into_iter(), 0.0);
        assert_eq!(encoding.unknown, 0.5);
        let mut bytes = Vec::new();
        let mut ends = Vec::new();
        for field in with(2, "gopher").split(',') {
            bytes.extend_from_slice(field.as_bytes());
            ends.push(bytes.len());
        }
        let record = RawRecord::new(2, &bytes, &ends);
        let parsed = parse_row(&record, &layout()).unwrap();
        let (values, unknown) = encoding.encode(&parsed);
        assert_eq!(unknown, UnknownCategories([false, true, false]));
        assert_eq!(values[1], 0.5);
        assert_eq!(values[2], 0.5);
        assert_eq!(values[3], 0.0);
    }
}
