//! camelCase field names for what crosses to JavaScript.
//!
//! The library's types keep Rust's snake_case field names wherever they are written as files or
//! reports (the CLI's `--json`, the model card, the Python package), where one spelling per type
//! serves every reader. The page's JavaScript spells its names in camelCase; [`Camel`] serializes
//! a value with every struct field's name (at any depth) in camelCase, and nothing else changed:
//! map keys (category names such as `ftp_data`, which are data), enum variants and values are
//! left as they are. `web.rs` hands everything it serializes for JavaScript through it.

use std::cell::RefCell;
use std::collections::HashMap;

use serde::ser::{
    Serialize, SerializeMap, SerializeSeq, SerializeStruct, SerializeStructVariant, SerializeTuple,
    SerializeTupleStruct, SerializeTupleVariant, Serializer,
};

/// `value`, serialized with its struct fields' names in camelCase.
pub struct Camel<'a, T: ?Sized>(pub &'a T);

impl<T: Serialize + ?Sized> Serialize for Camel<'_, T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(CamelSerializer(serializer))
    }
}

/// `rows_with_unknown_categories` -> `rowsWithUnknownCategories`.
fn to_camel_case(name: &str, out: &mut String) {
    let mut upper = false;
    let mut first = true;
    for c in name.chars() {
        if c == '_' {
            upper = !first;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
            first = false;
        }
    }
}

/// [`to_camel_case`] of a field name. Field names are `'static` and few, so each is converted
/// once and kept.
fn camel_case(name: &'static str) -> &'static str {
    if !name.contains('_') {
        return name;
    }
    thread_local! {
        static NAMES: RefCell<HashMap<&'static str, &'static str>> = RefCell::new(HashMap::new());
    }
    NAMES.with(|names| {
        *names.borrow_mut().entry(name).or_insert_with(|| {
            let mut out = String::with_capacity(name.len());
            to_camel_case(name, &mut out);
            Box::leak(out.into_boxed_str())
        })
    })
}

/// JSON text with every object key in camelCase, the rest as it was. For JSON whose objects are
/// all structs (none is a map keyed by data), such as a model card: what serializing the value
/// through [`Camel`] writes, without the cost of reading the JSON into the value first (in the
/// wasm module, serde_json's reader of a `ModelCard` would be some 50 KB gzipped).
pub fn camel_case_keys(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    let mut rest = json;
    while let Some(open) = rest.find('"') {
        out.push_str(&rest[..open]);
        let string = &rest[open + 1..];
        // The closing quote: the first one not escaped.
        let mut close = string.len();
        let mut escaped = false;
        for (at, c) in string.char_indices() {
            match c {
                '"' if !escaped => {
                    close = at;
                    break;
                }
                '\\' => escaped = !escaped,
                _ => escaped = false,
            }
        }
        let text = &string[..close];
        let after = string.get(close + 1..).unwrap_or("");
        out.push('"');
        if after.trim_start().starts_with(':') {
            to_camel_case(text, &mut out);
        } else {
            out.push_str(text);
        }
        if close < string.len() {
            out.push('"');
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

/// A serializer that passes everything to `S`, renaming struct fields on the way.
struct CamelSerializer<S>(S);

/// A compound serializer of `S`'s, whose elements and fields are serialized through [`Camel`].
struct Compound<C>(C);

macro_rules! forward {
    ($($method:ident($ty:ty);)*) => {
        $(fn $method(self, value: $ty) -> Result<S::Ok, S::Error> {
            self.0.$method(value)
        })*
    };
}

impl<S: Serializer> Serializer for CamelSerializer<S> {
    type Ok = S::Ok;
    type Error = S::Error;
    type SerializeSeq = Compound<S::SerializeSeq>;
    type SerializeTuple = Compound<S::SerializeTuple>;
    type SerializeTupleStruct = Compound<S::SerializeTupleStruct>;
    type SerializeTupleVariant = Compound<S::SerializeTupleVariant>;
    type SerializeMap = Compound<S::SerializeMap>;
    type SerializeStruct = Compound<S::SerializeStruct>;
    type SerializeStructVariant = Compound<S::SerializeStructVariant>;

    forward! {
        serialize_bool(bool);
        serialize_i8(i8);
        serialize_i16(i16);
        serialize_i32(i32);
        serialize_i64(i64);
        serialize_i128(i128);
        serialize_u8(u8);
        serialize_u16(u16);
        serialize_u32(u32);
        serialize_u64(u64);
        serialize_u128(u128);
        serialize_f32(f32);
        serialize_f64(f64);
        serialize_char(char);
        serialize_str(&str);
        serialize_bytes(&[u8]);
        serialize_unit_struct(&'static str);
    }

    fn serialize_none(self) -> Result<S::Ok, S::Error> {
        self.0.serialize_none()
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<S::Ok, S::Error> {
        self.0.serialize_some(&Camel(value))
    }

    fn serialize_unit(self) -> Result<S::Ok, S::Error> {
        self.0.serialize_unit()
    }

    fn serialize_unit_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
    ) -> Result<S::Ok, S::Error> {
        self.0.serialize_unit_variant(name, index, variant)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result<S::Ok, S::Error> {
        self.0.serialize_newtype_struct(name, &Camel(value))
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<S::Ok, S::Error> {
        self.0
            .serialize_newtype_variant(name, index, variant, &Camel(value))
    }

    fn serialize_seq(self, len: Option<usize>) -> Result<Self::SerializeSeq, S::Error> {
        self.0.serialize_seq(len).map(Compound)
    }

    fn serialize_tuple(self, len: usize) -> Result<Self::SerializeTuple, S::Error> {
        self.0.serialize_tuple(len).map(Compound)
    }

    fn serialize_tuple_struct(
        self,
        name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleStruct, S::Error> {
        self.0.serialize_tuple_struct(name, len).map(Compound)
    }

    fn serialize_tuple_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleVariant, S::Error> {
        self.0
            .serialize_tuple_variant(name, index, variant, len)
            .map(Compound)
    }

    fn serialize_map(self, len: Option<usize>) -> Result<Self::SerializeMap, S::Error> {
        self.0.serialize_map(len).map(Compound)
    }

    fn serialize_struct(
        self,
        name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStruct, S::Error> {
        self.0.serialize_struct(name, len).map(Compound)
    }

    fn serialize_struct_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStructVariant, S::Error> {
        self.0
            .serialize_struct_variant(name, index, variant, len)
            .map(Compound)
    }

    fn is_human_readable(&self) -> bool {
        self.0.is_human_readable()
    }
}

/// The compound serializers whose elements pass through [`Camel`] unrenamed (sequences,
/// tuples).
macro_rules! elements {
    ($($trait:ident::$method:ident),*) => {
        $(impl<C: $trait> $trait for Compound<C> {
            type Ok = C::Ok;
            type Error = C::Error;

            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), C::Error> {
                self.0.$method(&Camel(value))
            }

            fn end(self) -> Result<C::Ok, C::Error> {
                self.0.end()
            }
        })*
    };
}

elements!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

/// The compound serializers of named fields: the names in camelCase.
macro_rules! fields {
    ($($trait:ident),*) => {
        $(impl<C: $trait> $trait for Compound<C> {
            type Ok = C::Ok;
            type Error = C::Error;

            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                key: &'static str,
                value: &T,
            ) -> Result<(), C::Error> {
                self.0.serialize_field(camel_case(key), &Camel(value))
            }

            fn skip_field(&mut self, key: &'static str) -> Result<(), C::Error> {
                self.0.skip_field(camel_case(key))
            }

            fn end(self) -> Result<C::Ok, C::Error> {
                self.0.end()
            }
        })*
    };
}

fields!(SerializeStruct, SerializeStructVariant);

/// A map's keys are data: they pass unrenamed (a key that is itself a struct would have its
/// fields renamed, as anywhere else).
impl<C: SerializeMap> SerializeMap for Compound<C> {
    type Ok = C::Ok;
    type Error = C::Error;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), C::Error> {
        self.0.serialize_key(&Camel(key))
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), C::Error> {
        self.0.serialize_value(&Camel(value))
    }

    fn end(self) -> Result<C::Ok, C::Error> {
        self.0.end()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde::Serialize;

    use super::{Camel, camel_case, camel_case_keys};
    use crate::model::EMBEDDED_CARD;
    use crate::train::ModelCard;

    #[derive(Serialize)]
    struct Inner {
        true_positive: u32,
        #[serde(skip_serializing_if = "Option::is_none")]
        not_there: Option<u32>,
    }

    #[derive(Serialize)]
    enum Kind {
        OneWord,
        With { per_second: Vec<u32> },
        Wrapped(Inner),
    }

    #[derive(Serialize)]
    struct Outer {
        rows: u64,
        rows_with_unknown_categories: u64,
        unknown_categories: BTreeMap<String, BTreeMap<String, u64>>,
        labelled: Option<Inner>,
        groups: Vec<Inner>,
        kinds: Vec<Kind>,
        pair: (Inner, String),
    }

    #[test]
    fn names_become_camel_case() {
        assert_eq!(camel_case("rows"), "rows");
        assert_eq!(
            camel_case("rows_with_unknown_categories"),
            "rowsWithUnknownCategories"
        );
        assert_eq!(camel_case("roc_auc"), "rocAuc");
        assert_eq!(camel_case("_private"), "private");
        assert_eq!(camel_case("a__b_"), "aB");
    }

    #[test]
    fn a_card_s_keys_renamed_in_its_text_are_what_the_serializer_writes() {
        let card = ModelCard::from_json(EMBEDDED_CARD).unwrap();
        let renamed: serde_json::Value =
            serde_json::from_str(&camel_case_keys(EMBEDDED_CARD)).unwrap();
        assert_eq!(renamed, serde_json::to_value(Camel(&card)).unwrap());
        assert!(renamed["validation"]["rocAuc"].is_number());
        // Values keep their text, escapes and underscores included.
        assert_eq!(
            camel_case_keys(r#"{"a_b": "c_d \"e_f\": g", "h_i":["j_k", {"l_m" :1}]}"#),
            r#"{"aB": "c_d \"e_f\": g", "hI":["j_k", {"lM" :1}]}"#
        );
        // Cut or odd text: no panic, nothing lost but a key's underscores.
        for (text, expected) in [
            ("", ""),
            ("\"", "\""),
            ("\"a_b", "\"a_b"),
            ("{\"a_b\":", "{\"aB\":"),
            ("\"\\", "\"\\"),
            ("é\"é_é\":", "é\"éÉ\":"),
        ] {
            assert_eq!(camel_case_keys(text), expected, "{text}");
        }
    }

    #[test]
    fn fields_are_renamed_at_every_depth_and_nothing_else_is() {
        let value = Outer {
            rows: 3,
            rows_with_unknown_categories: 1,
            unknown_categories: BTreeMap::from([(
                "service".to_string(),
                BTreeMap::from([("ftp_data".to_string(), 2)]),
            )]),
            labelled: Some(Inner {
                true_positive: 4,
                not_there: None,
            }),
            groups: vec![Inner {
                true_positive: 5,
                not_there: Some(6),
            }],
            kinds: vec![
                Kind::OneWord,
                Kind::With {
                    per_second: vec![7],
                },
                Kind::Wrapped(Inner {
                    true_positive: 8,
                    not_there: None,
                }),
            ],
            pair: (
                Inner {
                    true_positive: 9,
                    not_there: None,
                },
                "snake_case_value".to_string(),
            ),
        };
        let json = serde_json::to_value(Camel(&value)).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "rows": 3,
                "rowsWithUnknownCategories": 1,
                "unknownCategories": {"service": {"ftp_data": 2}},
                "labelled": {"truePositive": 4},
                "groups": [{"truePositive": 5, "notThere": 6}],
                "kinds": ["OneWord", {"With": {"perSecond": [7]}}, {"Wrapped": {"truePositive": 8}}],
                "pair": [{"truePositive": 9}, "snake_case_value"],
            })
        );
        // Without the wrapper, the same value keeps its Rust names.
        let plain = serde_json::to_value(&value).unwrap();
        assert!(plain.get("rows_with_unknown_categories").is_some());
    }
}
