//! The 41 KDD features of a connection, from its conn.log record and the connections before it.
//!
//! KDD's traffic features count, among recent connections, those to the same host and those to
//! the same service. The original extraction code is lost; the rules here are the ones NSL-KDD's
//! own numbers show (../shared/ZEEK.md, checked on Train_Data.csv), each a named constant:
//! - the time window holds the connections that started in the last [`TIME_WINDOW_SECONDS`],
//!   the host window the last [`HOST_WINDOW`] connections (whatever their host), both in start
//!   order and both including the current connection;
//! - "same service" inside a window means the same transport and destination port (ICMP: the
//!   same type), not the KDD service name: Neptune rows have `srv_count` ~11 whatever the name;
//! - same-service tallies run over all hosts (`srv_count > count` in 22% of rows);
//! - a distinct-services (or distinct-hosts) rate is the number of distinct ones over the count,
//!   0 when there is only one;
//! - counts are capped ([`TIME_WINDOW_CAP`], [`HOST_WINDOW_CAP`]); rates use the whole tallies
//!   and are rounded to two decimals, as every rate in NSL-KDD is.

use std::collections::VecDeque;
use std::net::{IpAddr, Ipv4Addr};

use rustc_hash::FxHashMap;

use crate::features::FeatureVector;
use crate::schema::FEATURE_COUNT;

use super::tables::{self, Proto, REJ_ERROR_FLAGS, SYN_ERROR_FLAGS};

/// The time window: connections that started at most this many seconds before the current one.
pub const TIME_WINDOW_SECONDS: f64 = 2.0;
/// `count` and `srv_count` never exceed 511 in NSL-KDD.
pub const TIME_WINDOW_CAP: u32 = 511;
/// The host window: the current connection and the 255 before it. In every row of
/// Train_Data.csv, `dst_host_count + dst_host_srv_count - (same host and service)` is at most
/// 256, and equals 256 in 12,547 rows: one window of 256 connections holds both tallies.
pub const HOST_WINDOW: usize = 256;
/// `dst_host_count` and `dst_host_srv_count` never exceed 255 in NSL-KDD.
pub const HOST_WINDOW_CAP: u32 = 255;

/// A host's identity: its address as a number (IPv4 mapped into IPv6), or for a text that is
/// not an address a 64-bit hash of it (FNV-1a, the same on every target) in a range no IPv6
/// address of the mapped form takes.
pub type Host = u128;

/// The [`Host`] of an address written as text (`192.168.1.5`, `fe80::1`); other text gets its
/// hash.
pub fn host(text: &[u8]) -> Host {
    if let Some(octets) = plain_ipv4(text) {
        return u128::from(Ipv4Addr::from(octets).to_ipv6_mapped());
    }
    any_host(text)
}

/// The octets of an IPv4 address in its plain spelling (four decimal numbers up to 255, no
/// leading zero, three dots), which most conn.log addresses are: read directly, in a fraction
/// of the time the standard parser takes. Anything else is `None` and left to it.
fn plain_ipv4(text: &[u8]) -> Option<[u8; 4]> {
    let mut octets = [0u8; 4];
    let mut parts = text.split(|&b| b == b'.');
    for octet in &mut octets {
        let part = parts.next()?;
        let plain = matches!(part.len(), 1..=3)
            && (part.len() == 1 || part[0] != b'0')
            && part.iter().all(u8::is_ascii_digit);
        if !plain {
            return None;
        }
        let value = part
            .iter()
            .fold(0u16, |value, &digit| value * 10 + u16::from(digit - b'0'));
        *octet = u8::try_from(value).ok()?;
    }
    parts.next().is_none().then_some(octets)
}

/// [`host`] by the standard parser alone.
fn any_host(text: &[u8]) -> Host {
    if let Some(ip) = std::str::from_utf8(text)
        .ok()
        .and_then(|t| t.parse::<IpAddr>().ok())
    {
        return match ip {
            IpAddr::V4(v4) => u128::from(v4.to_ipv6_mapped()),
            IpAddr::V6(v6) => u128::from(v6),
        };
    }
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in text {
        hash = (hash ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
    }
    (1u128 << 127) | u128::from(hash)
}

/// What the features need of one conn.log record.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Connection {
    /// Start time, seconds since 1970.
    pub ts: f64,
    /// The originator's (client's) host.
    pub orig_h: Host,
    /// The originator's port (ICMP: the message type).
    pub orig_p: u32,
    /// The responder's (server's) host.
    pub resp_h: Host,
    /// The responder's port (ICMP: the message code).
    pub resp_p: u32,
    /// The transport protocol.
    pub proto: Proto,
    /// KDD's service name (see [`tables::service`]).
    pub service: &'static str,
    /// KDD's flag (see [`tables::flag`]).
    pub flag: &'static str,
    /// Seconds; 0 when unset.
    pub duration: f64,
    /// Payload bytes the originator sent (0 when unset).
    pub orig_bytes: u64,
    /// Payload bytes the responder sent (0 when unset).
    pub resp_bytes: u64,
}

impl Connection {
    /// The window key of "the same service": transport and destination port (ICMP: its type).
    fn service_key(&self) -> u64 {
        let port = match self.proto {
            Proto::Icmp => self.orig_p,
            _ => self.resp_p,
        };
        ((self.proto as u64) << 32) | u64::from(port)
    }

    /// The basic features, and the content features conn.log cannot carry (0).
    fn basic(&self) -> FeatureVector {
        let mut x = [0.0; FEATURE_COUNT];
        // KDD's durations are whole seconds.
        x[0] = self.duration.max(0.0).floor();
        x[4] = self.orig_bytes as f64;
        x[5] = self.resp_bytes as f64;
        x[6] = f64::from(u8::from(
            self.orig_h == self.resp_h && self.orig_p == self.resp_p,
        ));
        // wrong_fragment, urgent and the content features (hot .. is_guest_login) need the
        // packets' payloads: 0. logged_in is read from the connection (see tables::logged_in).
        x[11] = f64::from(u8::from(tables::logged_in(
            self.proto,
            self.flag,
            self.orig_bytes,
            self.resp_bytes,
        )));
        x
    }
}

/// One connection as the windows keep it.
#[derive(Debug, Clone, Copy)]
struct Entry {
    ts: f64,
    host: Host,
    service: u64,
    source_port: u32,
    syn_error: bool,
    rej_error: bool,
}

#[derive(Debug, Default, Clone, Copy)]
struct Tally {
    connections: u32,
    syn_errors: u32,
    rej_errors: u32,
    /// Distinct services of a host, or distinct hosts of a service.
    distinct: u32,
}

impl Tally {
    fn change(&mut self, entry: &Entry, add: bool) {
        let step = |n: &mut u32, yes: bool| {
            if yes {
                *n = if add { *n + 1 } else { *n - 1 };
            }
        };
        step(&mut self.connections, true);
        step(&mut self.syn_errors, entry.syn_error);
        step(&mut self.rej_errors, entry.rej_error);
    }
}

/// Tallies of the connections in one window, by host, by service and by both.
#[derive(Debug, Default)]
struct Tallies {
    by_host: FxHashMap<Host, Tally>,
    by_service: FxHashMap<u64, Tally>,
    by_host_service: FxHashMap<(Host, u64), u32>,
    /// Kept for the host window only (`dst_host_same_src_port_rate`).
    by_host_source_port: Option<FxHashMap<(Host, u32), u32>>,
}

/// Adds one to a counter, or removes one (dropping it at zero); true when it went 0 <-> 1.
fn bump<K: std::hash::Hash + Eq>(map: &mut FxHashMap<K, u32>, key: K, add: bool) -> bool {
    if add {
        let n = map.entry(key).or_insert(0);
        *n += 1;
        *n == 1
    } else {
        match map.get_mut(&key) {
            Some(n) if *n > 1 => {
                *n -= 1;
                false
            }
            _ => {
                map.remove(&key);
                true
            }
        }
    }
}

fn change_tally<K: std::hash::Hash + Eq + Copy>(
    map: &mut FxHashMap<K, Tally>,
    key: K,
    entry: &Entry,
    add: bool,
    distinct_changed: bool,
) {
    let tally = map.entry(key).or_default();
    tally.change(entry, add);
    if distinct_changed {
        tally.distinct = if add {
            tally.distinct + 1
        } else {
            tally.distinct - 1
        };
    }
    if tally.connections == 0 {
        map.remove(&key);
    }
}

impl Tallies {
    fn change(&mut self, entry: &Entry, add: bool) {
        let new_pair = bump(&mut self.by_host_service, (entry.host, entry.service), add);
        change_tally(&mut self.by_host, entry.host, entry, add, new_pair);
        change_tally(&mut self.by_service, entry.service, entry, add, new_pair);
        if let Some(ports) = &mut self.by_host_source_port {
            bump(ports, (entry.host, entry.source_port), add);
        }
    }

    /// The tallies of `entry`'s host, its service, and both.
    fn of(&self, entry: &Entry) -> (Tally, Tally, u32) {
        (
            self.by_host[&entry.host],
            self.by_service[&entry.service],
            self.by_host_service[&(entry.host, entry.service)],
        )
    }
}

/// `part / whole` rounded to two decimals (half up), computed in integers so that the value is
/// exactly what its two-decimal text parses to, on every target.
fn rate(part: u32, whole: u32) -> f64 {
    if whole == 0 {
        return 0.0;
    }
    let (part, whole) = (u64::from(part), u64::from(whole));
    let hundredths = (200 * part + whole) / (2 * whole);
    hundredths as f64 / 100.0
}

/// The distinct-ones rate: 0 when there is only one.
fn distinct_rate(distinct: u32, whole: u32) -> f64 {
    if distinct > 1 {
        rate(distinct, whole)
    } else {
        0.0
    }
}

/// The windows over the connections seen so far, in start order.
#[derive(Debug)]
pub struct Traffic {
    time: VecDeque<Entry>,
    time_tallies: Tallies,
    host: VecDeque<Entry>,
    host_tallies: Tallies,
}

impl Default for Traffic {
    fn default() -> Self {
        Traffic {
            time: VecDeque::new(),
            time_tallies: Tallies::default(),
            host: VecDeque::with_capacity(HOST_WINDOW),
            host_tallies: Tallies {
                by_host_source_port: Some(FxHashMap::default()),
                ..Tallies::default()
            },
        }
    }
}

impl Traffic {
    /// Adds the next connection (in start order) to the windows and returns its 41 features
    /// (the category slots hold 0: their names are [`Connection::proto`], `service`, `flag`).
    pub fn next(&mut self, c: &Connection) -> FeatureVector {
        let entry = Entry {
            ts: c.ts,
            host: c.resp_h,
            service: c.service_key(),
            source_port: c.orig_p,
            syn_error: SYN_ERROR_FLAGS.contains(&c.flag),
            rej_error: REJ_ERROR_FLAGS.contains(&c.flag),
        };
        while let Some(old) = self.time.front() {
            if old.ts >= c.ts - TIME_WINDOW_SECONDS {
                break;
            }
            let old = self.time.pop_front().expect("front exists");
            self.time_tallies.change(&old, false);
        }
        self.time.push_back(entry);
        self.time_tallies.change(&entry, true);
        if self.host.len() == HOST_WINDOW {
            let old = self.host.pop_front().expect("the window is full");
            self.host_tallies.change(&old, false);
        }
        self.host.push_back(entry);
        self.host_tallies.change(&entry, true);

        let mut x = c.basic();
        let (host, service, both) = self.time_tallies.of(&entry);
        x[22] = f64::from(host.connections.min(TIME_WINDOW_CAP));
        x[23] = f64::from(service.connections.min(TIME_WINDOW_CAP));
        x[24] = rate(host.syn_errors, host.connections);
        x[25] = rate(service.syn_errors, service.connections);
        x[26] = rate(host.rej_errors, host.connections);
        x[27] = rate(service.rej_errors, service.connections);
        x[28] = rate(both, host.connections);
        x[29] = distinct_rate(host.distinct, host.connections);
        x[30] = distinct_rate(service.distinct, service.connections);

        let (host, service, both) = self.host_tallies.of(&entry);
        let same_port = self
            .host_tallies
            .by_host_source_port
            .as_ref()
            .map_or(0, |ports| ports[&(entry.host, entry.source_port)]);
        x[31] = f64::from(host.connections.min(HOST_WINDOW_CAP));
        x[32] = f64::from(service.connections.min(HOST_WINDOW_CAP));
        x[33] = rate(both, host.connections);
        x[34] = distinct_rate(host.distinct, host.connections);
        x[35] = rate(same_port, host.connections);
        x[36] = distinct_rate(service.distinct, service.connections);
        x[37] = rate(host.syn_errors, host.connections);
        x[38] = rate(service.syn_errors, service.connections);
        x[39] = rate(host.rej_errors, host.connections);
        x[40] = rate(service.rej_errors, service.connections);
        x
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conn(ts: f64, dst: &str, port: u32, flag: &'static str) -> Connection {
        Connection {
            ts,
            orig_h: host(b"10.0.0.1"),
            orig_p: 40000,
            resp_h: host(dst.as_bytes()),
            resp_p: port,
            proto: Proto::Tcp,
            service: tables::service(Proto::Tcp, 40000, port, b"-"),
            flag,
            duration: 0.0,
            orig_bytes: 0,
            resp_bytes: 0,
        }
    }

    #[test]
    fn a_connection_alone_counts_itself_with_its_own_error_kind() {
        let mut t = Traffic::default();
        let x = t.next(&conn(100.0, "10.0.0.2", 80, "S0"));
        assert_eq!(
            (x[22], x[23], x[24], x[26], x[28], x[29]),
            (1.0, 1.0, 1.0, 0.0, 1.0, 0.0)
        );
        assert_eq!(
            (x[31], x[32], x[33], x[35], x[37]),
            (1.0, 1.0, 1.0, 1.0, 1.0)
        );
        let mut t = Traffic::default();
        let x = t.next(&conn(100.0, "10.0.0.2", 80, "REJ"));
        assert_eq!((x[24], x[26], x[39]), (0.0, 1.0, 1.0));
        let mut t = Traffic::default();
        let x = t.next(&conn(100.0, "10.0.0.2", 80, "SF"));
        assert_eq!((x[24], x[26]), (0.0, 0.0));
    }

    #[test]
    fn the_time_window_keeps_two_seconds_and_the_rates_are_hand_computed() {
        let mut t = Traffic::default();
        t.next(&conn(10.0, "10.0.0.2", 80, "SF"));
        t.next(&conn(11.0, "10.0.0.2", 22, "S0"));
        t.next(&conn(11.5, "10.0.0.3", 80, "REJ"));
        // At 12.5 the first connection (10.0) has left the time window but not the host window.
        let x = t.next(&conn(12.5, "10.0.0.2", 80, "S0"));
        // Same host in 2 s: {11.0 :22 S0, 12.5 :80 S0}.
        assert_eq!(x[22], 2.0);
        // Same service (tcp/80) in 2 s, any host: {11.5 REJ, 12.5 S0}.
        assert_eq!(x[23], 2.0);
        assert_eq!(x[24], 1.0); // serror_rate: 2 of 2
        assert_eq!(x[25], 0.5); // srv_serror_rate: 1 of 2
        assert_eq!(x[27], 0.5); // srv_rerror_rate
        assert_eq!(x[28], 0.5); // same_srv_rate: 1 of 2
        assert_eq!(x[29], 1.0); // diff_srv_rate: 2 services / 2
        assert_eq!(x[30], 1.0); // srv_diff_host_rate: 2 hosts / 2
        // Host window: all four. Same host: 3 ({10.0 :80, 11.0 :22, 12.5 :80}); tcp/80: 3.
        assert_eq!(x[31], 3.0);
        assert_eq!(x[32], 3.0);
        assert_eq!(x[33], 0.67); // 2 of 3 same service
        assert_eq!(x[34], 0.67); // 2 distinct services of 3
        assert_eq!(x[35], 1.0); // one source port
        assert_eq!(x[36], 0.67); // 2 hosts of 3 on tcp/80
        assert_eq!(x[37], 0.67); // 2 SYN errors of 3
        assert_eq!(x[38], 0.33);
        assert_eq!(x[40], 0.33);
    }

    #[test]
    fn the_host_window_holds_256_connections_and_counts_are_capped() {
        let mut t = Traffic::default();
        let mut x = [0.0; FEATURE_COUNT];
        for i in 0..600 {
            x = t.next(&conn(1000.0 + f64::from(i) * 0.001, "10.0.0.2", 80, "S0"));
        }
        assert_eq!(x[22], 511.0);
        assert_eq!(x[31], 255.0);
        assert_eq!(x[32], 255.0);
        assert_eq!(t.host.len(), HOST_WINDOW);
        assert_eq!(t.host_tallies.by_host[&host(b"10.0.0.2")].connections, 256);
        // After the flood, one connection elsewhere much later: both windows forget the host.
        let x = t.next(&conn(5000.0, "10.0.0.9", 25, "SF"));
        assert_eq!((x[22], x[31]), (1.0, 1.0));
        assert_eq!(t.time.len(), 1);
    }

    #[test]
    fn rates_round_half_up_to_two_decimals_exactly() {
        assert_eq!(rate(1, 3), 0.33);
        assert_eq!(rate(2, 3), 0.67);
        assert_eq!(rate(1, 8), 0.13);
        assert_eq!(rate(1, 200), 0.01);
        assert_eq!(rate(0, 5), 0.0);
        for (part, whole) in [(1u32, 3u32), (7, 9), (5, 11), (1, 8)] {
            let text = format!("{:.2}", rate(part, whole));
            assert_eq!(text.parse::<f64>().unwrap(), rate(part, whole));
        }
    }

    #[test]
    fn hosts_are_addresses_and_land_needs_the_same_endpoint() {
        assert_eq!(host(b"192.168.0.1"), host(b"::ffff:192.168.0.1"));
        // The plain IPv4 reading gives what the standard parser gives, and leaves it the rest.
        let mut texts: Vec<Vec<u8>> = [
            "0.0.0.0",
            "255.255.255.255",
            "256.1.1.1",
            "01.2.3.4",
            "1.2.3",
            "1.2.3.4.5",
            "1..3.4",
            ".1.2.3",
            "1.2.3.",
            "1.2.3.4 ",
            "+1.2.3.4",
            "1.2.3.-4",
            "١.2.3.4",
            "1.2.3.0004",
            "10.0.0.1",
            "fe80::1",
            "::ffff:1.2.3.4",
            "",
            "-",
            "a.b.c.d",
            "999.999.999.999",
        ]
        .iter()
        .map(|t| t.as_bytes().to_vec())
        .collect();
        let mut state = 7u64;
        for _ in 0..20_000 {
            // Short texts of digits, dots and a few other bytes.
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            let len = (state >> 59) as usize;
            texts.push(
                (0..len)
                    .map(|i| b"0123456789...1a:x"[((state >> (i * 4 % 56)) & 15) as usize])
                    .collect(),
            );
        }
        for _ in 0..20_000 {
            // Dotted quads of numbers up to 299, some with a leading zero.
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            let octet = |shift: u32| {
                let n = (state >> shift) % 300;
                if (state >> (shift + 9)) & 7 == 0 {
                    format!("0{n}")
                } else {
                    n.to_string()
                }
            };
            let quad = format!("{}.{}.{}.{}", octet(0), octet(12), octet(24), octet(36));
            texts.push(quad.into_bytes());
        }
        let plain = texts.iter().filter(|t| plain_ipv4(t).is_some()).count();
        assert!(plain > 5_000, "{plain} plain addresses among the texts");
        for text in &texts {
            assert_eq!(
                host(text),
                any_host(text),
                "{:?}",
                String::from_utf8_lossy(text)
            );
        }
        assert_eq!(plain_ipv4(b"192.168.0.1"), Some([192, 168, 0, 1]));
        assert_eq!(plain_ipv4(b"01.2.3.4"), None);
        assert_ne!(host(b"192.168.0.1"), host(b"192.168.0.2"));
        assert_ne!(host(b"not-an-address"), host(b"not-an-addresz"));
        let mut c = conn(1.0, "10.0.0.1", 40000, "S0");
        assert_eq!(c.basic()[6], 1.0);
        c.resp_p = 80;
        assert_eq!(c.basic()[6], 0.0);
        c.duration = 2.9;
        assert_eq!(c.basic()[0], 2.0);
    }
}
