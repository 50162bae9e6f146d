//! Which input column holds which feature: learned once, from the first record of a file.
//!
//! A file either names its columns (the names of ../shared/data, the standard snake_case names in
//! any spelling, or ARFF attributes; in any order, with extra columns passed through) or has none
//! and follows NSL-KDD's fixed order with 41, 42 or 43 columns.

use crate::reader::{FileError, RawRecord};
use crate::schema::{self, FEATURE_COUNT, FEATURES, Role};

/// Where each part of a connection sits in the input's rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// Input column of each feature, in [`FEATURES`] order.
    pub feature_columns: [usize; FEATURE_COUNT],
    pub label_column: Option<usize>,
    pub difficulty_column: Option<usize>,
    /// Number of fields every row should have.
    pub width: usize,
    /// The column names the output's header repeats (the file's own, or the standard ones).
    pub names: Vec<String>,
    /// Whether the first record was a header (false: it is data, and must be scored).
    pub has_header: bool,
}

impl Layout {
    /// Learns the layout from a file's first record.
    pub fn detect(first: &RawRecord<'_>) -> Result<Layout, FileError> {
        if first.oversized {
            return Err(FileError::Layout(format!(
                "the first line is longer than {} MB: this does not look like a CSV of connections",
                crate::reader::MAX_RECORD_BYTES >> 20
            )));
        }
        let names: Vec<String> = (0..first.len())
            .map(|i| first.text(i).unwrap_or_default().trim().to_string())
            .collect();
        let named = names.iter().any(|n| schema::role_of(n) != Role::Other);
        let starts_with_number = names
            .first()
            .is_some_and(|n| fast_float2::parse::<f64, _>(n.as_bytes()).is_ok());
        if named && !starts_with_number {
            Self::from_header(names)
        } else {
            Self::headerless(&names)
        }
    }

    /// The layout a header names (see [`Layout::detect`]).
    pub fn from_header(names: Vec<String>) -> Result<Layout, FileError> {
        let mut feature_columns = [usize::MAX; FEATURE_COUNT];
        let mut label_column = None;
        let mut difficulty_column = None;
        for (column, name) in names.iter().enumerate() {
            let slot = match schema::role_of(name) {
                Role::Feature(i) => &mut feature_columns[i],
                Role::Label => label_column.get_or_insert(usize::MAX),
                Role::Difficulty => difficulty_column.get_or_insert(usize::MAX),
                Role::Other => continue,
            };
            if *slot != usize::MAX {
                return Err(FileError::Layout(format!(
                    "column `{name}` appears twice (columns {} and {}): keep one of them",
                    *slot + 1,
                    column + 1
                )));
            }
            *slot = column;
        }
        let missing: Vec<&str> = FEATURES
            .iter()
            .zip(feature_columns)
            .filter(|(_, column)| *column == usize::MAX)
            .map(|(f, _)| f.name)
            .collect();
        if !missing.is_empty() {
            return Err(FileError::Layout(format!(
                "{} of the 41 feature columns {} missing: {} (found {} columns: {})",
                missing.len(),
                if missing.len() == 1 { "is" } else { "are" },
                missing.join(", "),
                names.len(),
                preview(&names, 12)
            )));
        }
        Ok(Layout {
            feature_columns,
            label_column,
            difficulty_column,
            width: names.len(),
            names,
            has_header: true,
        })
    }

    /// A headerless file's layout, from its first row.
    fn headerless(first: &[String]) -> Result<Layout, FileError> {
        let width = first.len();
        if !(FEATURE_COUNT..=FEATURE_COUNT + 2).contains(&width) {
            return Err(FileError::Layout(format!(
                "the first line names no known column and has {width} fields, so it is neither a \
                 header (one naming columns such as duration, protocol_type, service, flag, \
                 src_bytes) nor a headerless NSL-KDD row (41 features, then optionally the label \
                 and the difficulty: 41 to 43 fields); it starts: {}",
                preview(first, 8)
            )));
        }
        Self::standard(width)
    }

    /// NSL-KDD's order for `width` columns: the 41 features, then maybe a label, then maybe a
    /// difficulty.
    pub fn standard(width: usize) -> Result<Layout, FileError> {
        if !(FEATURE_COUNT..=FEATURE_COUNT + 2).contains(&width) {
            return Err(FileError::Layout(format!(
                "a headerless file has 41 to 43 columns, not {width}"
            )));
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
            names,
            has_header: false,
        })
    }
}

/// The first `n` items, quoted, for messages.
fn preview(items: &[String], n: usize) -> String {
    let mut shown: Vec<String> = items.iter().take(n).map(|s| format!("`{s}`")).collect();
    if items.len() > n {
        shown.push(format!("... ({} more)", items.len() - n));
    }
    shown.join(", ")
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
    }

    #[test]
    fn missing_columns_are_named() {
        let names: Vec<&str> = FEATURES.iter().skip(2).map(|f| f.name).collect();
        let message = detect(&names.join(",")).unwrap_err().to_string();
        assert!(
            message.contains("2 of the 41 feature columns are missing: duration, protocol_type")
        );
    }

    #[test]
    fn duplicated_columns_are_refused() {
        let mut names: Vec<&str> = FEATURES.iter().map(|f| f.name).collect();
        names.push("srcbytes");
        let message = detect(&names.join(",")).unwrap_err().to_string();
        assert!(message.contains("`srcbytes` appears twice (columns 5 and 42)"));
    }

    #[test]
    fn headerless_widths() {
        let row = "0,tcp,http,SF,1,2,0,0,0,0,0,1,0,0,0,0,0,0,0,0,0,0,1,1,0,0,0,0,1,0,0,9,9,1,0,0,0,0,0,0,0";
        assert_eq!(detect(row).unwrap().names.len(), 41);
        let layout = detect(&format!("{row},normal,21")).unwrap();
        assert_eq!(layout.label_column, Some(41));
        assert_eq!(layout.difficulty_column, Some(42));
        assert_eq!(layout.names[42], "difficulty");
        assert!(detect("1,2,3").is_err());
    }
}
