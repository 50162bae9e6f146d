//! Reading Zeek's conn.log: its two forms (tab-separated with `#` header lines, and JSON lines),
//! told apart from the file's first line, and each record's fields by name.

use std::borrow::Cow;

use super::json;
use super::tables::{self, Proto};
use super::traffic::{self, Connection};
use crate::reader::FileError;

/// conn.log's fields in Zeek's order: the JSON form's output columns (JSON lines omit unset
/// fields, so no one line names them all), before any other key the first line has.
pub const CONN_FIELDS: [&str; 21] = [
    "ts",
    "uid",
    "id.orig_h",
    "id.orig_p",
    "id.resp_h",
    "id.resp_p",
    "proto",
    "service",
    "duration",
    "orig_bytes",
    "resp_bytes",
    "conn_state",
    "local_orig",
    "local_resp",
    "missed_bytes",
    "history",
    "orig_pkts",
    "orig_ip_bytes",
    "resp_pkts",
    "resp_ip_bytes",
    "tunnel_parents",
];

/// Fields a record must have to be scored.
const REQUIRED: [&str; 6] = [
    "ts",
    "id.orig_h",
    "id.orig_p",
    "id.resp_h",
    "id.resp_p",
    "proto",
];

/// The labelled logs published with IoT-23 join their last three fields with three spaces.
const JOINED_FIELDS: &str = "   ";

/// What the first line of a file says it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// Not a Zeek log: read it as a CSV.
    NotZeek,
    /// Zeek's tab-separated form.
    Tsv,
    /// Zeek's JSON lines, a conn.log.
    Json,
    /// Another Zeek log (JSON lines): which one, as far as its keys tell.
    OtherLog(String),
}

impl Kind {
    /// A conn.log's delimiter as [`crate::score::Summary::delimiter`] names it.
    pub fn delimiter_name(&self) -> &'static str {
        if matches!(self, Kind::Json) {
            "json"
        } else {
            "tab"
        }
    }

    /// A conn.log's form as [`super::ZeekSummary::form`] names it.
    pub fn form_name(&self) -> &'static str {
        if matches!(self, Kind::Json) {
            "json"
        } else {
            "tsv"
        }
    }
}

/// Tells a Zeek log from the first non-blank line of a file.
pub fn kind(first_line: &[u8]) -> Kind {
    let line = first_line.trim_ascii();
    if line.starts_with(b"#separator") || line.starts_with(b"#fields") {
        return Kind::Tsv;
    }
    if !line.starts_with(b"{") {
        return Kind::NotZeek;
    }
    let Ok(object) = JsonLine::parse(line) else {
        return Kind::NotZeek;
    };
    let has = |key: &str| object.fields.iter().any(|(k, _)| k == key);
    if !(has("id.orig_h") || has("uid")) {
        return Kind::NotZeek;
    }
    if has("conn_state") || has("history") || has("orig_pkts") {
        return Kind::Json;
    }
    Kind::OtherLog(other_log_name(&has))
}

/// The name of a Zeek log, guessed from its keys (JSON) or read from `#path` (TSV).
fn other_log_name(has: &dyn Fn(&str) -> bool) -> String {
    const LOGS: [(&str, &str); 9] = [
        ("query", "dns.log"),
        ("method", "http.log"),
        ("server_name", "ssl.log"),
        ("mime_type", "files.log"),
        ("note", "notice.log"),
        ("assigned_addr", "dhcp.log"),
        ("mailfrom", "smtp.log"),
        ("auth_success", "ssh.log"),
        ("certificate.subject", "x509.log"),
    ];
    LOGS.iter()
        .find(|(key, _)| has(key))
        .map_or("a Zeek log other than conn.log", |(_, log)| log)
        .to_string()
}

/// A JSON line's fields in order, nested objects flattened with dots (`{"id": {"orig_h": ..}}`
/// gives `id.orig_h`), each value as its raw JSON text.
pub struct JsonLine<'a> {
    /// Each key (nested keys joined with dots) and its value's raw JSON text, in line order.
    pub fields: Vec<(String, &'a str)>,
}

impl<'a> JsonLine<'a> {
    /// Reads one line holding a JSON object; the error says why it does not.
    pub fn parse(line: &'a [u8]) -> Result<JsonLine<'a>, String> {
        let text =
            std::str::from_utf8(line).map_err(|_| "the line is not UTF-8 text".to_string())?;
        let mut fields = Vec::new();
        flatten(text, "", &mut fields, 0)?;
        Ok(JsonLine { fields })
    }

    /// The raw JSON text of `key`'s value; `None` when the line lacks the key.
    pub fn get(&self, key: &str) -> Option<&'a str> {
        self.fields.iter().find(|(k, _)| k == key).map(|(_, v)| *v)
    }
}

fn flatten<'a>(
    text: &'a str,
    prefix: &str,
    out: &mut Vec<(String, &'a str)>,
    depth: usize,
) -> Result<(), String> {
    for (key, value) in json::object(text)? {
        let name = format!("{prefix}{key}");
        if value.starts_with('{') && depth < 2 {
            flatten(value, &format!("{name}."), out, depth + 1)?;
        } else {
            out.push((name, value));
        }
    }
    Ok(())
}

/// A JSON value as a field's text: a string's content, a number or `true`/`false` as written,
/// `null` as Zeek's unset `-`, an array or object as its JSON text.
pub fn json_text(raw: &str) -> Cow<'_, str> {
    if raw.starts_with('"') {
        json::string(raw)
    } else if raw == "null" {
        Cow::Borrowed("-")
    } else {
        Cow::Borrowed(raw)
    }
}

/// The `#` header lines of the tab-separated form.
#[derive(Debug, Clone)]
pub struct TsvHeader {
    /// The bytes between fields (`#separator`; a tab by default).
    pub separator: Vec<u8>,
    /// How an unset field is written (`#unset_field`; `-` by default).
    pub unset: Vec<u8>,
    /// How an empty field is written (`#empty_field`; `(empty)` by default).
    pub empty: Vec<u8>,
    /// The log's name from `#path` (`conn`), if the header has that line.
    pub path: Option<String>,
    /// Field names (the labelled variant's joined last field split into its names).
    pub fields: Option<Vec<String>>,
    /// The raw field that holds several fields joined by three spaces, if any.
    pub joined: Option<usize>,
}

impl Default for TsvHeader {
    fn default() -> Self {
        TsvHeader {
            separator: b"\t".to_vec(),
            unset: b"-".to_vec(),
            empty: b"(empty)".to_vec(),
            path: None,
            fields: None,
            joined: None,
        }
    }
}

/// Reads `\x09`-style escapes of the `#separator` line.
fn unescape(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < text.len() {
        if text[i..].starts_with(b"\\x") && i + 4 <= text.len() {
            if let Some(b) = std::str::from_utf8(&text[i + 2..i + 4])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
            {
                out.push(b);
                i += 4;
                continue;
            }
        }
        out.push(text[i]);
        i += 1;
    }
    out
}

impl TsvHeader {
    /// Reads one `#` line. Returns an error for a Zeek log that is not conn.log.
    pub fn read(&mut self, line: &[u8]) -> Result<(), FileError> {
        if let Some(rest) = line.strip_prefix(b"#separator") {
            let value = unescape(rest.trim_ascii());
            if !value.is_empty() {
                self.separator = value;
            }
            return Ok(());
        }
        let mut parts = split(line, &self.separator);
        let key = parts.next().unwrap_or(b"");
        let values: Vec<&[u8]> = parts.collect();
        let first = values.first().copied().unwrap_or(b"");
        match key {
            b"#unset_field" => self.unset = first.to_vec(),
            b"#empty_field" => self.empty = first.to_vec(),
            b"#path" => {
                let path = String::from_utf8_lossy(first).trim().to_string();
                if !path.is_empty() && path != "conn" && !path.starts_with("conn") {
                    return Err(FileError::NotConnLog {
                        log: format!("{path}.log"),
                    });
                }
                self.path = Some(path);
            }
            b"#fields" => {
                let mut names = Vec::new();
                self.joined = None;
                for (i, value) in values.iter().enumerate() {
                    let value = String::from_utf8_lossy(value);
                    if value.contains(JOINED_FIELDS) {
                        self.joined = Some(i);
                        names.extend(
                            value
                                .split(JOINED_FIELDS)
                                .map(|n| n.trim().to_string())
                                .filter(|n| !n.is_empty()),
                        );
                    } else {
                        names.push(value.trim().to_string());
                    }
                }
                let has = |k: &str| names.iter().any(|n| n == k);
                if !REQUIRED.iter().all(|k| has(k)) {
                    if self.path.is_none() && has("uid") && !has("conn_state") {
                        return Err(FileError::NotConnLog {
                            log: other_log_name(&has),
                        });
                    }
                    let missing = REQUIRED.iter().copied().filter(|k| !has(k)).collect();
                    return Err(FileError::ZeekFieldsMissing { missing });
                }
                self.fields = Some(names);
            }
            _ => {}
        }
        Ok(())
    }

    /// A data line's fields (the joined field split), as slices of the line.
    pub fn fields_of<'l>(&self, line: &'l [u8], out: &mut Vec<&'l [u8]>) {
        out.clear();
        if let ([separator], None) = (self.separator.as_slice(), self.joined) {
            // The usual case (a tab): the fields are short, and a search per field would cost
            // more than the field.
            let mut start = 0;
            crate::reader::each_byte(line, *separator, |at| {
                out.push(&line[start..at]);
                start = at + 1;
            });
            out.push(&line[start..]);
            return;
        }
        for (i, field) in split(line, &self.separator).enumerate() {
            if Some(i) == self.joined {
                out.extend(split(field, JOINED_FIELDS.as_bytes()).map(<[u8]>::trim_ascii));
            } else {
                out.push(field);
            }
        }
    }
}

/// Splits `line` at every occurrence of `separator`.
fn split<'l>(line: &'l [u8], separator: &[u8]) -> impl Iterator<Item = &'l [u8]> {
    let mut rest = Some(line);
    std::iter::from_fn(move || {
        let text = rest?;
        // One byte (a tab, the usual case): memchr, without building a substring searcher.
        let found = match separator {
            [byte] => memchr::memchr(*byte, text),
            _ => memchr::memmem::find(text, separator),
        };
        match found {
            Some(at) if !separator.is_empty() => {
                rest = Some(&text[at + separator.len()..]);
                Some(&text[..at])
            }
            _ => {
                rest = None;
                Some(text)
            }
        }
    })
}

/// Where the fields the features need sit among a record's fields.
#[derive(Debug, Clone)]
pub struct Columns {
    ts: usize,
    orig_h: usize,
    orig_p: usize,
    resp_h: usize,
    resp_p: usize,
    proto: usize,
    service: Option<usize>,
    duration: Option<usize>,
    orig_bytes: Option<usize>,
    resp_bytes: Option<usize>,
    conn_state: Option<usize>,
    /// Stratosphere's `label` (Benign / Malicious) and `detailed-label`.
    pub label: Option<usize>,
    /// Stratosphere's `detailed-label` (the attack's name), if the log has it.
    pub detailed_label: Option<usize>,
}

impl Columns {
    /// Finds the fields by name; `None` when one that every connection needs (`ts`, `id.orig_h`,
    /// `id.orig_p`, `id.resp_h`, `id.resp_p`, `proto`) is missing.
    pub fn of(names: &[String]) -> Option<Columns> {
        let at = |key: &str| names.iter().position(|n| n == key);
        let label_like = |keys: &[&str]| {
            names.iter().position(|n| {
                let n = crate::schema::normalize_name(n);
                keys.contains(&n.as_str())
            })
        };
        Some(Columns {
            ts: at("ts")?,
            orig_h: at("id.orig_h")?,
            orig_p: at("id.orig_p")?,
            resp_h: at("id.resp_h")?,
            resp_p: at("id.resp_p")?,
            proto: at("proto")?,
            service: at("service"),
            duration: at("duration"),
            orig_bytes: at("orig_bytes"),
            resp_bytes: at("resp_bytes"),
            conn_state: at("conn_state"),
            label: label_like(&["label"]),
            detailed_label: label_like(&["detailedlabel"]),
        })
    }

    /// Reads the connection from a record's field texts (unset fields as `-`).
    pub fn connection<'a>(
        &self,
        field: &dyn Fn(usize) -> Option<&'a [u8]>,
    ) -> Result<Connection, String> {
        let text = |i: usize| field(i).unwrap_or(b"-");
        let unset = |t: &[u8]| t.is_empty() || t == b"-" || t == b"(empty)";
        let required = |i: usize, name: &str| -> Result<&'a [u8], String> {
            let t = text(i);
            if unset(t) {
                Err(format!("`{name}` is unset"))
            } else {
                Ok(t)
            }
        };
        let number = |i: Option<usize>, name: &str| -> Result<f64, String> {
            let Some(i) = i else { return Ok(0.0) };
            let t = text(i);
            if unset(t) {
                return Ok(0.0);
            }
            match fast_float2::parse::<f64, _>(t.trim_ascii()) {
                Ok(v) if v.is_finite() && v >= 0.0 => Ok(v),
                _ => Err(format!(
                    "`{name}` is `{}`, not a number of zero or more",
                    String::from_utf8_lossy(t)
                )),
            }
        };
        let port = |i: usize, name: &str| -> Result<u32, String> {
            let t = required(i, name)?;
            std::str::from_utf8(t.trim_ascii())
                .ok()
                .and_then(|p| p.parse::<u32>().ok())
                .filter(|&p| p <= 65_535)
                .ok_or_else(|| format!("`{name}` is `{}`, not a port", String::from_utf8_lossy(t)))
        };
        let ts_text = required(self.ts, "ts")?;
        let ts = parse_time(ts_text).ok_or_else(|| {
            format!(
                "`ts` is `{}`, neither seconds since 1970 nor an ISO-8601 time",
                String::from_utf8_lossy(ts_text)
            )
        })?;
        let proto = Proto::parse(required(self.proto, "proto")?.trim_ascii());
        let orig_p = port(self.orig_p, "id.orig_p")?;
        let resp_p = port(self.resp_p, "id.resp_p")?;
        let zeek_service = self.service.map_or(b"-".as_slice(), text);
        let state = self.conn_state.map_or(b"-".as_slice(), text);
        let bytes = |i: Option<usize>, name: &str| number(i, name).map(|v| v as u64);
        Ok(Connection {
            ts,
            orig_h: traffic::host(required(self.orig_h, "id.orig_h")?.trim_ascii()),
            orig_p,
            resp_h: traffic::host(required(self.resp_h, "id.resp_h")?.trim_ascii()),
            resp_p,
            proto,
            service: tables::service(proto, orig_p, resp_p, zeek_service.trim_ascii()),
            flag: tables::flag(proto, state.trim_ascii()),
            duration: number(self.duration, "duration")?,
            orig_bytes: bytes(self.orig_bytes, "orig_bytes")?,
            resp_bytes: bytes(self.resp_bytes, "resp_bytes")?,
        })
    }
}

/// Seconds since 1970 from epoch seconds (`1718937548.452874`) or ISO-8601
/// (`2024-06-21T10:15:30.123456Z`, with `Z` or an offset; no zone means UTC).
pub fn parse_time(text: &[u8]) -> Option<f64> {
    let text = text.trim_ascii();
    if text.first().is_some_and(u8::is_ascii_digit) && !text.contains(&b'-') {
        return fast_float2::parse::<f64, _>(text)
            .ok()
            .filter(|v: &f64| v.is_finite());
    }
    let s = std::str::from_utf8(text).ok()?;
    let digits = |from: usize, len: usize| -> Option<i64> {
        let part = s.get(from..from + len)?;
        part.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    let (year, month, day) = (digits(0, 4)?, digits(5, 2)?, digits(8, 2)?);
    if s.as_bytes().get(4) != Some(&b'-') || s.as_bytes().get(7) != Some(&b'-') {
        return None;
    }
    if !matches!(s.as_bytes().get(10), Some(b'T' | b't' | b' ')) {
        return None;
    }
    let (hour, minute, second) = (digits(11, 2)?, digits(14, 2)?, digits(17, 2)?);
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let mut rest = &s[19..];
    let mut fraction = 0.0;
    if let Some(after) = rest.strip_prefix('.') {
        let end = after
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(after.len());
        if end == 0 {
            return None;
        }
        // `.25` parsed as written (the digits after the seconds' dot).
        fraction = fast_float2::parse::<f64, _>(&rest[..end + 1]).ok()?;
        rest = &after[end..];
    }
    let offset = match rest {
        "" | "Z" | "z" => 0,
        zone => {
            let sign = match zone.as_bytes()[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let zone = zone[1..].replace(':', "");
            if zone.len() != 4 || !zone.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let (h, m): (i64, i64) = (zone[..2].parse().ok()?, zone[2..].parse().ok()?);
            sign * (h * 3600 + m * 60)
        }
    };
    let days = days_from_civil(year, month, day);
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset;
    Some(seconds as f64 + fraction)
}

/// Days from 1970-01-01 to a date of the proleptic Gregorian calendar (Howard Hinnant's
/// `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_and_epoch_times_agree() {
        let epoch = parse_time(b"1718965530.25").unwrap();
        assert_eq!(parse_time(b"2024-06-21T10:25:30.25Z"), Some(epoch));
        assert_eq!(parse_time(b"2024-06-21T12:25:30.25+02:00"), Some(epoch));
        assert_eq!(parse_time(b"2024-06-21T06:25:30.25-0400"), Some(epoch));
        assert_eq!(parse_time(b"2024-06-21 10:25:30.25"), Some(epoch));
        assert_eq!(parse_time(b"1970-01-01T00:00:00Z"), Some(0.0));
        assert_eq!(parse_time(b"2000-03-01T00:00:00Z"), Some(951_868_800.0));
        assert_eq!(parse_time(b"yesterday"), None);
        assert_eq!(parse_time(b"2024-13-01T00:00:00Z"), None);
        assert_eq!(parse_time(b"2024-06-21T10:25"), None);
    }

    #[test]
    fn the_first_line_tells_the_form_and_other_logs_are_named() {
        assert_eq!(kind(b"#separator \\x09"), Kind::Tsv);
        assert_eq!(kind(b"duration,protocol_type"), Kind::NotZeek);
        let conn = br#"{"ts":1.5,"uid":"C1","id.orig_h":"10.0.0.1","conn_state":"S0"}"#;
        assert_eq!(kind(conn), Kind::Json);
        let nested = br#"{"ts":"2024-06-21T10:25:30Z","id":{"orig_h":"10.0.0.1"},"history":"S"}"#;
        assert_eq!(kind(nested), Kind::Json);
        let dns = br#"{"ts":1.5,"uid":"C1","id.orig_h":"10.0.0.1","query":"example.com"}"#;
        assert_eq!(kind(dns), Kind::OtherLog("dns.log".into()));
        assert_eq!(kind(br#"{"a": 1}"#), Kind::NotZeek);
    }

    #[test]
    fn tsv_headers_unescape_the_separator_and_split_joined_label_fields() {
        let mut header = TsvHeader::default();
        header.read(b"#separator \\x09").unwrap();
        assert_eq!(header.separator, b"\t");
        header
            .read(b"#fields\tts\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\ttunnel_parents   label   detailed-label")
            .unwrap();
        let names = header.fields.clone().unwrap();
        assert_eq!(&names[6..], ["tunnel_parents", "label", "detailed-label"]);
        let mut fields = Vec::new();
        header.fields_of(
            b"1.0\ta\t1\tb\t2\ttcp\t-   Malicious   PartOfAHorizontalPortScan",
            &mut fields,
        );
        assert_eq!(fields.len(), 9);
        assert_eq!(fields[7], b"Malicious");
        let mut dns = TsvHeader::default();
        let error = dns.read(b"#path\tdns").unwrap_err();
        assert_eq!(
            error,
            FileError::NotConnLog {
                log: "dns.log".into()
            }
        );
    }

    #[test]
    fn nested_json_is_flattened_and_values_keep_their_text() {
        let line = JsonLine::parse(
            br#"{"ts":1.50,"id":{"orig_h":"10.0.0.1","orig_p":5},"ok":true,"s":"a\"b","n":null}"#,
        )
        .unwrap();
        let keys: Vec<&str> = line.fields.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["ts", "id.orig_h", "id.orig_p", "ok", "s", "n"]);
        assert_eq!(json_text(line.get("ts").unwrap()), "1.50");
        assert_eq!(json_text(line.get("s").unwrap()), "a\"b");
        assert_eq!(json_text(line.get("n").unwrap()), "-");
        assert_eq!(json_text(line.get("ok").unwrap()), "true");
    }
}
