//! Which input column holds which feature: learned once, from the first record of a file.
//!
//! A file either names its columns (the names of ../shared/data, the standard snake_case names in
//! any spelling, or ARFF attributes; in any order, with extra columns passed through) or has none
//! and follows NSL-KDD's fixed order with 41, 42 or 43 columns. Between the two, published files
//! bring headers that name nothing (`Column1..Column43`, `F1..F42,LABEL`, `0..42`), misspelled
//! names from circulating column lists (`src_byts`, `is_hot_login`) and two label columns; each is
//! read by a rule below, and each reading is said in [`Layout::notes`].

use serde::{Deserialize, Serialize};

use crate::features;
use crate::reader::{Column, FileError, MAX_RECORD_BYTES, RawRecord};
use crate::schema::{self, FEATURE_COUNT, FEATURES, Kind, Role};

/// Where each part of a connection sits in the input's rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Layout {
    /// Input column of each feature, in [`FEATURES`] order.
    #[serde(with = "feature_columns")]
    pub feature_columns: [usize; FEATURE_COUNT],
    /// Input column of the label the scores are checked against (the finer of two); `None`: the
    /// file is unlabelled.
    pub label_column: Option<usize>,
    /// Input column of NSL-KDD's difficulty level, if the file has one (kept apart so it is never
    /// read as the label).
    pub difficulty_column: Option<usize>,
    /// Number of fields every row should have.
    pub width: usize,
    /// The column names as text (the file's own, or the standard ones), for messages.
    pub names: Vec<String>,
    /// The output header's names as bytes: the file's own, unchanged, or the standard ones.
    pub header: Vec<Vec<u8>>,
    /// Whether the first record was a header (false: it is data, and must be scored).
    pub has_header: bool,
    /// How columns were read where the file did not say it plainly (shown to the user).
    pub notes: Vec<String>,
    /// The header named its columns generically: whether the 42nd column is a label or a
    /// difficulty is decided by the first data row ([`Layout::place_trailing_columns`]).
    #[serde(default)]
    pub trailing_from_data: bool,
}

/// Label column names, finest first: attack names beat attack categories, which beat a
/// normal/anomaly class (compared after [`schema::normalize_name`]). A file with two label
/// columns is measured by the finer one; the other is passed through.
fn label_rank(name: &str) -> u8 {
    match schema::normalize_name(name).as_str() {
        "attack" | "attacktype" | "attackname" | "attacks" | "label" | "labels" | "xattack" => 3,
        "attackcat" | "attackcategory" | "category" | "attackclass" => 2,
        _ => 1,
    }
}

impl Layout {
    /// Learns the layout from a file's first record.
    pub fn detect(first: &RawRecord<'_>) -> Result<Layout, FileError> {
        if first.oversized {
            return Err(if first.too_many_fields {
                FileError::FirstLineTooManyFields
            } else {
                FileError::FirstLineTooLong {
                    mb: MAX_RECORD_BYTES >> 20,
                }
            });
        }
        let names: Vec<String> = (0..first.len())
            .map(|i| first.text(i).unwrap_or_default().trim().to_string())
            .collect();
        let header: Vec<Vec<u8>> = first.fields().map(<[u8]>::to_vec).collect();
        let names_a_feature = names
            .iter()
            .any(|n| matches!(schema::role_of(n), Role::Feature(_)));
        // (A generic header may still name its label: `F1..F41,class`. Position decides.)
        let starts_with_number = names
            .first()
            .is_some_and(|n| fast_float2::parse::<f64, _>(n.as_bytes()).is_ok());
        if names_a_feature && !starts_with_number {
            return Self::from_header(names, header);
        }
        let width = names.len();
        if (FEATURE_COUNT..=FEATURE_COUNT + 2).contains(&width) && is_generic_header(first) {
            let mut layout = Self::standard(width)?;
            layout.notes.push(format!(
                "the first line ({}) names no feature column, so its {width} columns are read by \
                 position, in NSL-KDD's order (41 features{})",
                preview(&names, 3),
                match width {
                    42 => ", then the label or a difficulty, as the data shows",
                    43 => ", then the label and the difficulty, in the order the data shows",
                    _ => "",
                }
            ));
            layout.names = names;
            layout.header = header;
            layout.has_header = true;
            layout.trailing_from_data = width > FEATURE_COUNT;
            return Ok(layout);
        }
        Self::headerless(first, &names)
    }

    /// The layout a header names (see [`Layout::detect`]); `header` is its bytes as written.
    pub fn from_header(names: Vec<String>, header: Vec<Vec<u8>>) -> Result<Layout, FileError> {
        let mut notes = Vec::new();
        let mut feature_columns = [usize::MAX; FEATURE_COUNT];
        let mut difficulty_column: Option<usize> = None;
        let mut labels: Vec<usize> = Vec::new();
        let mut unmatched: Vec<usize> = Vec::new();
        let mut repeats: Vec<(Column, Column)> = Vec::new();
        for (column, name) in names.iter().enumerate() {
            match schema::role_of(name) {
                Role::Feature(i) if feature_columns[i] == usize::MAX => feature_columns[i] = column,
                Role::Feature(i) => {
                    let repeat = Column {
                        name: escape(name),
                        position: column + 1,
                    };
                    let first = Column {
                        name: escape(&names[feature_columns[i]]),
                        position: feature_columns[i] + 1,
                    };
                    notes.push(format!(
                        "{repeat} repeats {first}: column {} is read, the other is passed through",
                        first.position
                    ));
                    repeats.push((repeat, first));
                }
                Role::Label => labels.push(column),
                Role::Difficulty if difficulty_column.is_none() => {
                    difficulty_column = Some(column);
                }
                Role::Difficulty => {}
                Role::Other => unmatched.push(column),
            }
        }
        // The finest label column is read (the first of equals); the others pass through.
        let label_column = labels
            .iter()
            .copied()
            .max_by_key(|&c| (label_rank(&names[c]), std::cmp::Reverse(c)));
        if let Some(chosen) = label_column.filter(|_| labels.len() > 1) {
            let others: Vec<String> = labels
                .iter()
                .filter(|&&c| c != chosen)
                .map(|&c| format!("`{}` (column {})", names[c], c + 1))
                .collect();
            notes.push(format!(
                "two label columns: `{}` (column {}) is read as the label, {} passed through",
                names[chosen],
                chosen + 1,
                others.join(", ")
            ));
        }
        Self::read_misspelled_by_position(&names, &mut feature_columns, &mut unmatched, &mut notes);
        let missing: Vec<&str> = FEATURES
            .iter()
            .zip(feature_columns)
            .filter(|(_, column)| *column == usize::MAX)
            .map(|(f, _)| f.name)
            .collect();
        if !missing.is_empty() {
            return Err(FileError::MissingColumns {
                missing,
                repeats,
                columns: names.len(),
                unrecognized: unmatched
                    .iter()
                    .map(|&c| Column {
                        name: names[c].clone(),
                        position: c + 1,
                    })
                    .collect(),
            });
        }
        Ok(Layout {
            feature_columns,
            label_column,
            difficulty_column,
            width: names.len(),
            names: names.into_iter().map(|n| escape(&n)).collect(),
            header,
            has_header: true,
            notes,
            trailing_from_data: false,
        })
    }

    /// A header whose known names all stand in NSL-KDD's order (shifted by the same number of
    /// leading extra columns) reads each unknown name at the position its feature would have
    /// (`src_byts` in column 5 is `src_bytes`). Position alone decides, never spelling.
    fn read_misspelled_by_position(
        names: &[String],
        feature_columns: &mut [usize; FEATURE_COUNT],
        unmatched: &mut Vec<usize>,
        notes: &mut Vec<String>,
    ) {
        let mut offsets = feature_columns
            .iter()
            .enumerate()
            .filter(|(_, c)| **c != usize::MAX)
            .map(|(i, &c)| c as isize - i as isize);
        let Some(offset) = offsets.next() else {
            return;
        };
        if offset < 0 || offsets.any(|o| o != offset) {
            return;
        }
        for (feature, column) in feature_columns.iter_mut().enumerate() {
            let at = feature + offset as usize;
            if *column != usize::MAX || !unmatched.contains(&at) {
                continue;
            }
            *column = at;
            unmatched.retain(|&c| c != at);
            notes.push(format!(
                "read `{}` as `{}` (column {}): the other columns are in the standard order",
                escape(&names[at]),
                FEATURES[feature].name,
                at + 1
            ));
        }
    }

    /// A headerless file's layout, from its first row.
    fn headerless(first: &RawRecord<'_>, names: &[String]) -> Result<Layout, FileError> {
        let width = first.len();
        if !(FEATURE_COUNT..=FEATURE_COUNT + 2).contains(&width) {
            return Err(FileError::NeitherHeaderNorRow {
                fields: width,
                start: preview(names, 8),
            });
        }
        let mut layout = Self::standard(width)?;
        layout.place_trailing_columns(first, true);
        Ok(layout)
    }

    /// NSL-KDD's order for `width` columns: the 41 features, then maybe a label, then maybe a
    /// difficulty.
    pub fn standard(width: usize) -> Result<Layout, FileError> {
        if !(FEATURE_COUNT..=FEATURE_COUNT + 2).contains(&width) {
            return Err(FileError::HeaderlessWidth { width });
        }
        let mut names: Vec<String> = FEATURES.iter().map(|f| f.name.to_string()).collect();
        let label_column = (width > FEATURE_COUNT).then_some(FEATURE_COUNT);
        let difficulty_column = (width > FEATURE_COUNT + 1).then_some(FEATURE_COUNT + 1);
        if label_column.is_some() {
            names.push(schema::LABEL_COLUMN.to_string());
        }
        if difficulty_column.is_some() {
            names.push(schema::DIFFICULTY_COLUMN.to_string());
        }
        Ok(Layout {
            feature_columns: std::array::from_fn(|i| i),
            label_column,
            difficulty_column,
            width,
            header: names.iter().map(|n| n.as_bytes().to_vec()).collect(),
            names,
            has_header: false,
            notes: Vec::new(),
            trailing_from_data: false,
        })
    }

    /// Decides, from a data row, what the columns after the 41 features hold in NSL-KDD's
    /// order: a small integer is a difficulty, never a label (some files put it before the
    /// label, some have it alone). `rename`: the names are the standard ones (a headerless
    /// file) and follow the decision.
    pub fn place_trailing_columns(&mut self, row: &RawRecord<'_>, rename: bool) {
        self.trailing_from_data = false;
        if row.len() != self.width {
            return;
        }
        let integer = |i: usize| {
            let f = row.field(i).trim_ascii();
            !f.is_empty() && f.iter().all(u8::is_ascii_digit)
        };
        let word = |i: usize| {
            let f = row.field(i).trim_ascii();
            !f.is_empty() && fast_float2::parse::<f64, _>(f).is_err()
        };
        if self.width == FEATURE_COUNT + 2 && integer(41) && word(42) {
            self.label_column = Some(42);
            self.difficulty_column = Some(41);
            if rename {
                self.names.swap(41, 42);
                self.header.swap(41, 42);
            }
            self.notes.push(
                "the 42nd column holds small integers (a difficulty level) and the 43rd names \
                 attacks: the 43rd is read as the label"
                    .into(),
            );
        } else if self.width == FEATURE_COUNT + 1
            && integer(41)
            && !matches!(row.field(41).trim_ascii(), b"0" | b"1")
        {
            self.label_column = None;
            self.difficulty_column = Some(41);
            if rename {
                self.names[41] = schema::DIFFICULTY_COLUMN.into();
                self.header[41] = schema::DIFFICULTY_COLUMN.into();
            }
            self.notes.push(
                "the 42nd column holds small integers other than 0 and 1: it is read as a \
                 difficulty level, not a label"
                    .into(),
            );
        }
    }
}

/// Whether a first line with no feature name and 41 to 43 fields is a header that names its
/// columns generically rather than a data row: its fields count up (`0,1,2,...`), or most of
/// the numeric features are not valid numbers there (a data row has a few bad fields at most).
fn is_generic_header(first: &RawRecord<'_>) -> bool {
    let numbers: Vec<Option<i64>> = first
        .fields()
        .map(|f| std::str::from_utf8(f.trim_ascii()).ok()?.parse().ok())
        .collect();
    let counts_up = numbers
        .windows(2)
        .all(|w| matches!(w, [Some(a), Some(b)] if *b == a + 1));
    if counts_up {
        return true;
    }
    let numeric = FEATURES.iter().filter(|f| f.kind != Kind::Category).count();
    let bad = FEATURES
        .iter()
        .enumerate()
        .filter(|(i, f)| {
            f.kind != Kind::Category
                && features::check_number(first.field(*i).trim_ascii(), f.name, f.kind).is_err()
        })
        .count();
    bad * 2 > numeric
}

/// A name or value for a message: control characters (a NUL, an escape) written as escapes.
pub fn escape(text: &str) -> String {
    if !text.chars().any(char::is_control) {
        return text.to_string();
    }
    text.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// The first `n` items, quoted, for messages.
fn preview(items: &[String], n: usize) -> String {
    /// The most characters of one item shown.
    const ITEM_CHARS: usize = 40;
    let mut shown: Vec<String> = items
        .iter()
        .take(n)
        .map(|s| match s.char_indices().nth(ITEM_CHARS) {
            Some((cut, _)) => format!(
                "`{}...` ({} characters)",
                escape(&s[..cut]),
                s.chars().count()
            ),
            None => format!("`{}`", escape(s)),
        })
        .collect();
    if items.len() > n {
        shown.push(format!("... ({} more)", items.len() - n));
    }
    shown.join(", ")
}

/// Serde for the 41 column indices (serde derives arrays up to 32 only).
mod feature_columns {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use crate::schema::FEATURE_COUNT;

    /// Writes the indices as a sequence.
    pub fn serialize<S: Serializer>(
        columns: &[usize; FEATURE_COUNT],
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        columns.as_slice().serialize(serializer)
    }

    /// Reads them back; a count other than 41 is an error.
    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<[usize; FEATURE_COUNT], D::Error> {
        let columns = Vec::<usize>::deserialize(deserializer)?;
        columns
            .try_into()
            .map_err(|_| serde::de::Error::custom("expected 41 feature columns"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(text: &str) -> (Vec<u8>, Vec<usize>) {
        let mut bytes = Vec::new();
        let mut ends = Vec::new();
        for field in text.split(',') {
            bytes.extend_from_slice(field.as_bytes());
            ends.push(bytes.len());
        }
        (bytes, ends)
    }

    fn detect(text: &str) -> Result<Layout, FileError> {
        let (bytes, ends) = record(text);
        Layout::detect(&RawRecord::new(1, &bytes, &ends))
    }

    const ROW: &str =
        "0,tcp,http,SF,1,2,0,0,0,0,0,1,0,0,0,0,0,0,0,0,0,0,1,1,0,0,0,0,1,0,0,9,9,1,0,0,0,0,0,0,0";

    #[test]
    fn standard_names_in_any_order_with_extras() {
        let mut names: Vec<String> = FEATURES.iter().map(|f| f.name.to_uppercase()).collect();
        names.reverse();
        names.insert(3, "src_ip".into());
        names.push("Class".into());
        let layout = detect(&names.join(",")).unwrap();
        assert!(layout.has_header);
        assert_eq!(layout.feature_columns[0], 41);
        assert_eq!(layout.feature_columns[40], 0);
        assert_eq!(layout.label_column, Some(42));
        assert_eq!(layout.width, 43);
        assert!(layout.notes.is_empty());
    }

    #[test]
    fn missing_columns_are_named_with_every_unrecognized_column() {
        let mut names: Vec<String> = FEATURES.iter().skip(2).map(|f| f.name.into()).collect();
        names.extend((0..20).map(|i| format!("extra{i}")));
        let message = detect(&names.join(",")).unwrap_err().to_string();
        assert!(
            message.contains("2 of the 41 feature columns are missing: duration, protocol_type"),
            "{message}"
        );
        assert!(message.contains("`extra19` (column 59)"), "{message}");
    }

    #[test]
    fn a_duplicated_feature_reads_the_first_and_says_so() {
        let mut names: Vec<&str> = FEATURES.iter().map(|f| f.name).collect();
        names.push("srcbytes");
        let layout = detect(&names.join(",")).unwrap();
        assert_eq!(layout.feature_columns[4], 4);
        assert!(layout.notes[0].contains("`srcbytes` (column 42) repeats `src_bytes` (column 5)"));
    }

    #[test]
    fn the_finer_of_two_label_columns_is_read() {
        let mut names: Vec<&str> = FEATURES.iter().map(|f| f.name).collect();
        names.extend(["class", "attack", "level"]);
        let layout = detect(&names.join(",")).unwrap();
        assert_eq!(layout.label_column, Some(42));
        assert_eq!(layout.difficulty_column, Some(43));
        assert!(layout.notes[0].contains("`attack` (column 43) is read as the label"));
    }

    #[test]
    fn misspelled_names_in_the_standard_order_are_read_by_position() {
        let mut names: Vec<&str> = FEATURES.iter().map(|f| f.name).collect();
        names[4] = "src_byts";
        names[20] = "is_hot_login";
        names.insert(0, "id");
        let layout = detect(&names.join(",")).unwrap();
        assert_eq!(layout.feature_columns[4], 5);
        assert_eq!(layout.feature_columns[20], 21);
        assert!(
            layout
                .notes
                .iter()
                .any(|n| n.contains("read `src_byts` as `src_bytes` (column 6)"))
        );
        // Out of order, a misspelling is not guessed.
        names.swap(1, 2);
        let message = detect(&names.join(",")).unwrap_err().to_string();
        assert!(
            message.contains("src_bytes") && message.contains("`src_byts` (column 6)"),
            "{message}"
        );
    }

    #[test]
    fn generic_headers_are_read_by_position() {
        for width in [41, 42, 43] {
            let columns: Vec<String> = (1..=width).map(|i| format!("Column{i}")).collect();
            let layout = detect(&columns.join(",")).unwrap();
            assert!(layout.has_header && layout.notes[0].contains("read by position"));
            assert_eq!(layout.label_column, (width > 41).then_some(41));
            let numbers: Vec<String> = (0..width).map(|i| i.to_string()).collect();
            assert!(detect(&numbers.join(",")).unwrap().has_header);
        }
        let mut f: Vec<String> = (1..=42).map(|i| format!("F{i}")).collect();
        f.push("LABEL".into());
        let layout = detect(&f.join(",")).unwrap();
        assert_eq!(
            (layout.label_column, layout.difficulty_column),
            (Some(41), Some(42))
        );
        // A data row with one bad value is data, not a header.
        let row = ROW.replacen(",1,2,", ",x,2,", 1);
        assert!(!detect(&row).unwrap().has_header);
    }

    #[test]
    fn headerless_widths_and_a_difficulty_before_the_label() {
        assert_eq!(detect(ROW).unwrap().names.len(), 41);
        let layout = detect(&format!("{ROW},normal,21")).unwrap();
        assert_eq!(layout.label_column, Some(41));
        assert_eq!(layout.difficulty_column, Some(42));
        assert_eq!(layout.names[42], "difficulty");
        let layout = detect(&format!("{ROW},21,neptune")).unwrap();
        assert_eq!(
            (layout.label_column, layout.difficulty_column),
            (Some(42), Some(41))
        );
        let layout = detect(&format!("{ROW},18")).unwrap();
        assert_eq!(
            (layout.label_column, layout.difficulty_column),
            (None, Some(41))
        );
        let layout = detect(&format!("{ROW},1")).unwrap();
        assert_eq!(layout.label_column, Some(41));
        assert!(detect("1,2,3").is_err());
    }

    #[test]
    fn a_layout_survives_serde() {
        let layout = detect(&format!("{ROW},21,neptune")).unwrap();
        let json = serde_json::to_string(&layout).unwrap();
        assert_eq!(serde_json::from_str::<Layout>(&json).unwrap(), layout);
    }
}
