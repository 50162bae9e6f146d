//! An Arrow batch's feature columns read in place, one [`Value`] per row and feature.
//!
//! Numeric columns are read from their Arrow buffers (no copy, no Python object per row); text
//! columns hand their bytes over as they are, to be checked by the library as a CSV field is.

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type, UInt8Type, UInt16Type,
    UInt32Type, UInt64Type,
};
use arrow_array::{Array, ArrayRef, GenericStringArray, StringViewArray};
use arrow_buffer::NullBuffer;
use arrow_schema::DataType;
use neptune::columns::Value;
use neptune::schema::{Feature, Kind};

/// The values of one column, by type.
enum Data<'a> {
    F64(&'a [f64]),
    F32(&'a [f32]),
    I64(&'a [i64]),
    I32(&'a [i32]),
    I16(&'a [i16]),
    I8(&'a [i8]),
    U64(&'a [u64]),
    U32(&'a [u32]),
    U16(&'a [u16]),
    U8(&'a [u8]),
    /// Decimal mantissas and their scale.
    Decimal(&'a [i128], i8),
    Utf8(&'a GenericStringArray<i32>),
    LargeUtf8(&'a GenericStringArray<i64>),
    Utf8View(&'a StringViewArray),
    /// A dictionary-encoded column: each row's index into `values`.
    Dictionary(Vec<usize>, Box<FeatureColumn<'a>>),
    AllNull,
}

/// One feature's column of a batch.
pub struct FeatureColumn<'a> {
    data: Data<'a>,
    nulls: Option<&'a NullBuffer>,
}

impl<'a> FeatureColumn<'a> {
    /// Reads `array` as feature `feature` (named `name` in the batch); an error says why the
    /// column cannot be read at all.
    pub fn new(array: &'a ArrayRef, feature: &Feature, name: &str) -> Result<Self, String> {
        Self::of(array.as_ref(), feature, name)
    }

    fn of(array: &'a dyn Array, feature: &Feature, name: &str) -> Result<Self, String> {
        let numeric = array.data_type().is_numeric();
        if feature.kind == Kind::Category && numeric {
            return Err(format!(
                "`{name}` ({}) holds numbers ({}) instead of names: the categories were \
                 label-encoded, and their codes cannot be mapped back. Use the original data, \
                 whose rows read like `tcp, http, SF`",
                feature.name,
                array.data_type()
            ));
        }
        let data = match array.data_type() {
            DataType::Float64 => Data::F64(array.as_primitive::<Float64Type>().values()),
            DataType::Float32 => Data::F32(array.as_primitive::<Float32Type>().values()),
            DataType::Int64 => Data::I64(array.as_primitive::<Int64Type>().values()),
            DataType::Int32 => Data::I32(array.as_primitive::<Int32Type>().values()),
            DataType::Int16 => Data::I16(array.as_primitive::<Int16Type>().values()),
            DataType::Int8 => Data::I8(array.as_primitive::<Int8Type>().values()),
            DataType::UInt64 => Data::U64(array.as_primitive::<UInt64Type>().values()),
            DataType::UInt32 => Data::U32(array.as_primitive::<UInt32Type>().values()),
            DataType::UInt16 => Data::U16(array.as_primitive::<UInt16Type>().values()),
            DataType::UInt8 => Data::U8(array.as_primitive::<UInt8Type>().values()),
            DataType::Decimal128(_, scale) => Data::Decimal(
                array
                    .as_primitive::<arrow_array::types::Decimal128Type>()
                    .values(),
                *scale,
            ),
            DataType::Utf8 => Data::Utf8(array.as_string::<i32>()),
            DataType::LargeUtf8 => Data::LargeUtf8(array.as_string::<i64>()),
            DataType::Utf8View => Data::Utf8View(array.as_string_view()),
            DataType::Null => Data::AllNull,
            DataType::Dictionary(_, _) => {
                let dictionary = array
                    .as_any_dictionary_opt()
                    .expect("a dictionary type is a dictionary array");
                let values = Self::of(dictionary.values().as_ref(), feature, name)?;
                Data::Dictionary(dictionary.normalized_keys(), Box::new(values))
            }
            other => {
                return Err(format!(
                    "`{name}` ({}) has the Arrow type {other}; {} column must be {}",
                    feature.name,
                    if feature.kind == Kind::Category {
                        "a category"
                    } else {
                        "a numeric feature's"
                    },
                    if feature.kind == Kind::Category {
                        "text (string, large_string, string_view, or a dictionary of them)"
                    } else {
                        "integers, floating point, decimal or text"
                    }
                ));
            }
        };
        Ok(FeatureColumn {
            data,
            // A dictionary's nulls are its keys'; its values' own nulls are read through them.
            nulls: array.nulls(),
        })
    }

    /// Row `row`'s value.
    #[inline]
    pub fn value(&self, row: usize) -> Value<'a> {
        if self.nulls.is_some_and(|n| n.is_null(row)) {
            return Value::Missing;
        }
        match &self.data {
            Data::F64(v) => Value::Number(v[row]),
            Data::F32(v) => Value::Number(widen_f32(v[row])),
            Data::I64(v) => Value::Number(v[row] as f64),
            Data::I32(v) => Value::Number(f64::from(v[row])),
            Data::I16(v) => Value::Number(f64::from(v[row])),
            Data::I8(v) => Value::Number(f64::from(v[row])),
            Data::U64(v) => Value::Number(v[row] as f64),
            Data::U32(v) => Value::Number(f64::from(v[row])),
            Data::U16(v) => Value::Number(f64::from(v[row])),
            Data::U8(v) => Value::Number(f64::from(v[row])),
            Data::Decimal(v, scale) => Value::Number(decimal(v[row], *scale)),
            Data::Utf8(a) => Value::Text(a.value(row).as_bytes()),
            Data::LargeUtf8(a) => Value::Text(a.value(row).as_bytes()),
            Data::Utf8View(a) => Value::Text(a.value(row).as_bytes()),
            Data::Dictionary(keys, values) => values.value(keys[row]),
            Data::AllNull => Value::Missing,
        }
    }
}

/// A float32 value as the decimal text it was most likely written as: its shortest spelling,
/// read as f64 (`0.1f32` is `0.1`, as the CSV's text `0.1` is), so that a column narrowed to
/// float32 still scores as its text does. Non-finite values stay as they are (and are rejected).
fn widen_f32(value: f32) -> f64 {
    if !value.is_finite() {
        return f64::from(value);
    }
    value.to_string().parse().unwrap_or(f64::from(value))
}

/// A decimal's value, correctly rounded, as parsing its decimal text gives.
fn decimal(mantissa: i128, scale: i8) -> f64 {
    format!("{mantissa}e{}", -i32::from(scale))
        .parse()
        .unwrap_or(f64::NAN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn narrowed_and_decimal_numbers_read_as_their_text() {
        assert_eq!(widen_f32(0.1), 0.1);
        assert_eq!(widen_f32(0.07), 0.07);
        assert_eq!(decimal(5, 2), 0.05);
        assert_eq!(decimal(-123, 0), -123.0);
        assert!(widen_f32(f32::INFINITY).is_infinite());
    }
}
