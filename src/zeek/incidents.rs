//! Flagged connections grouped into incidents, which is how analysts think about them.
//!
//! The model was trained on normal traffic against Neptune SYN floods only: on a real network it
//! flags bursts of failed TCP handshakes to a host, which SYN floods are, but so are port scans
//! and a device retrying a server that does not answer. Grouping the flagged connections and
//! naming the pattern of each group is where that difference is made visible.
//!
//! Rules (each a named constant below): flagged connections to the same destination host and
//! port (ICMP: type) are one group while the gaps between them stay under [`GAP_SECONDS`]. A
//! source whose flagged connections reach [`SCAN_MIN_TARGETS`] distinct host:port pairs, again
//! with gaps under [`GAP_SECONDS`], is a scan: one incident, which takes in the groups made only
//! of that source's connections. A remaining group is a SYN flood when it has at least
//! [`FLOOD_MIN_CONNECTIONS`] connections at [`FLOOD_MIN_RATE`] or more per second; otherwise,
//! with at most [`RETRY_MAX_SOURCES`] sources and more connections than sources, retries to a
//! server that does not answer; else a burst of failed connections. Bursts on at least
//! [`SCAN_MIN_TARGETS`] ports of one host, whatever their sources, are one incident: the host is
//! being probed (as Internet background scanning does).

use std::collections::BTreeMap;

use rustc_hash::{FxHashMap, FxHashSet};
use serde::{Deserialize, Serialize};

use super::traffic::{Connection, Host};

/// Flagged connections further apart than this are separate incidents.
pub const GAP_SECONDS: f64 = 60.0;
/// A source touching this many distinct host:port pairs is scanning.
pub const SCAN_MIN_TARGETS: usize = 10;
/// A flood has at least this many connections...
pub const FLOOD_MIN_CONNECTIONS: u64 = 100;
/// ... at this many per second or more (over the incident's span, at least one second).
pub const FLOOD_MIN_RATE: f64 = 10.0;
/// Retries come from few sources, at least one of which tries more than once.
pub const RETRY_MAX_SOURCES: usize = 3;
/// Seconds of the per-second timeline kept per incident (the rest is summed in the last one).
pub const TIMELINE_SECONDS: usize = 600;
/// Distinct sources (and scan targets) counted exactly up to this; past it "at least".
const MAX_COUNTED: usize = 1 << 20;

/// The pattern of an incident.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Pattern {
    /// At least [`FLOOD_MIN_CONNECTIONS`] connections to one destination, at [`FLOOD_MIN_RATE`] or
    /// more per second.
    SynFlood,
    /// One source reaching [`SCAN_MIN_TARGETS`] or more host:port pairs, or that many ports of one
    /// host probed from any sources.
    Scan,
    /// At most [`RETRY_MAX_SOURCES`] sources, one of them trying the same destination again: a
    /// server that does not answer.
    Retries,
    /// Failed connections to one destination that fit none of the other patterns.
    Burst,
}

impl Pattern {
    /// A plain description.
    pub fn describe(self) -> &'static str {
        match self {
            Pattern::SynFlood => "SYN flood",
            Pattern::Scan => "scan",
            Pattern::Retries => "retries to a server that does not answer",
            Pattern::Burst => "burst of failed connections",
        }
    }
}

/// One incident.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Incident {
    /// What kind of incident it is.
    pub pattern: Pattern,
    /// First and last flagged connection's start, seconds since 1970.
    pub start: f64,
    /// The last flagged connection's start, seconds since 1970.
    pub end: f64,
    /// Flagged connections in the incident.
    pub connections: u64,
    /// Distinct source hosts.
    pub sources: u64,
    /// The destination (`host:port`, with `/udp` or `/icmp` when not TCP), or for a scan the
    /// number of targets ("12 ports on 1 host").
    pub destination: String,
    /// The source host when there is one (scans, retries).
    pub source: Option<String>,
    /// Flagged connections per second from `start` ([`TIMELINE_SECONDS`] at most).
    pub per_second: Vec<u32>,
    /// A plain sentence: what it is and why.
    pub description: String,
}

/// A growing group of flagged connections.
#[derive(Debug, Clone)]
struct Group {
    start: f64,
    end: f64,
    connections: u64,
    sources: FxHashSet<Host>,
    /// For a source group: the host:port pairs it touched.
    targets: FxHashSet<(Host, u64)>,
    ports: FxHashSet<u64>,
    hosts: FxHashSet<Host>,
    per_second: Vec<u32>,
    /// The first connection: its endpoints name the incident.
    first: Connection,
}

impl Group {
    fn new(c: &Connection) -> Group {
        Group {
            start: c.ts,
            end: c.ts,
            connections: 0,
            sources: FxHashSet::default(),
            targets: FxHashSet::default(),
            ports: FxHashSet::default(),
            hosts: FxHashSet::default(),
            per_second: Vec::new(),
            first: *c,
        }
    }

    fn add(&mut self, c: &Connection, target: bool) {
        self.end = self.end.max(c.ts);
        self.start = self.start.min(c.ts);
        self.connections += 1;
        if self.sources.len() < MAX_COUNTED {
            self.sources.insert(c.orig_h);
        }
        if target && self.targets.len() < MAX_COUNTED {
            self.targets.insert((c.resp_h, service_key(c)));
            self.ports.insert(service_key(c));
            self.hosts.insert(c.resp_h);
        }
        let second = ((c.ts - self.start).max(0.0) as usize).min(TIMELINE_SECONDS - 1);
        if self.per_second.len() <= second {
            self.per_second.resize(second + 1, 0);
        }
        self.per_second[second] += 1;
    }
}

fn service_key(c: &Connection) -> u64 {
    let port = match c.proto {
        super::tables::Proto::Icmp => c.orig_p,
        _ => c.resp_p,
    };
    ((c.proto as u64) << 32) | u64::from(port)
}

/// A source's open group. Most sources of a flood (spoofed) send one connection: such a group is
/// kept as that connection alone, a third of a `Group`'s room and no allocation.
#[derive(Debug, Clone)]
enum SourceGroup {
    /// One connection: what `Group::new(c)` then `add(c, true)` would hold.
    One(Connection),
    More(Box<Group>),
}

impl SourceGroup {
    /// When its last connection started.
    fn end(&self) -> f64 {
        match self {
            SourceGroup::One(c) => c.ts,
            SourceGroup::More(group) => group.end,
        }
    }

    fn add(&mut self, c: &Connection) {
        if let SourceGroup::One(first) = self {
            *self = SourceGroup::More(Box::new(source_group(first)));
        }
        if let SourceGroup::More(group) = self {
            group.add(c, true);
        }
    }
}

/// The group of a source's first connection.
fn source_group(c: &Connection) -> Group {
    let mut group = Group::new(c);
    group.add(c, true);
    group
}

/// Whether a connection starting at `ts` joins a group whose last connection started at `end`.
/// The one rule both for joining and for closing groups early (`Incidents::sweep`): a group no
/// connection from `now` on can join is one this says no to at `now`.
fn joins(ts: f64, end: f64) -> bool {
    ts - end <= GAP_SECONDS
}

/// Removes and returns the groups of `open` that no connection from `now` on can join (`end`:
/// when a group's last connection started).
fn take_stale<K: std::hash::Hash + Eq + Copy, G>(
    open: &mut FxHashMap<K, G>,
    end: impl Fn(&G) -> f64,
    now: f64,
) -> Vec<G> {
    let stale: Vec<K> = (open.iter())
        .filter(|(_, group)| !joins(now, end(group)))
        .map(|(&key, _)| key)
        .collect();
    stale
        .iter()
        .map(|key| open.remove(key).expect("listed above"))
        .collect()
}

/// The text of a flagged connection's endpoints.
pub struct Names {
    /// The destination: `host:port`, `host:port/udp` or `host:icmp type N`.
    pub destination: String,
    /// The source host.
    pub source: String,
}

/// Groups flagged connections as they come (in start order) into incidents.
#[derive(Debug, Default)]
pub struct Incidents {
    by_destination: FxHashMap<(Host, u64), Group>,
    by_source: FxHashMap<Host, SourceGroup>,
    closed_destinations: Vec<Group>,
    scans: Vec<Group>,
    /// The open groups are swept when there are this many (see `sweep`).
    sweep_at: usize,
}

/// Open groups held before the first sweep.
const SWEEP_MIN_GROUPS: usize = 4096;

impl Incidents {
    /// Adds a flagged connection.
    pub fn add(&mut self, c: &Connection) {
        let key = (c.resp_h, service_key(c));
        match self.by_destination.get_mut(&key) {
            Some(group) if joins(c.ts, group.end) => group.add(c, false),
            _ => {
                let mut group = Group::new(c);
                group.add(c, false);
                if let Some(old) = self.by_destination.insert(key, group) {
                    self.closed_destinations.push(old);
                }
            }
        }
        match self.by_source.get_mut(&c.orig_h) {
            Some(group) if joins(c.ts, group.end()) => group.add(c),
            _ => {
                if let Some(old) = self.by_source.insert(c.orig_h, SourceGroup::One(*c)) {
                    self.close_source(old);
                }
            }
        }
        if self.by_source.len() + self.by_destination.len() >= self.sweep_at.max(SWEEP_MIN_GROUPS) {
            self.sweep(c.ts);
        }
    }

    /// Closes the open groups that no connection from `now` on can join: those whose last
    /// connection is more than [`GAP_SECONDS`] before `now` (connections come in start order).
    /// Without it the open groups would pile up, one per source ever seen (a flood's spoofed
    /// sources: hundreds of bytes each, millions in a large log). Run when there are a quarter
    /// more open groups than after the sweep before, so its cost per connection stays constant.
    fn sweep(&mut self, now: f64) {
        for group in take_stale(&mut self.by_source, |g| g.end(), now) {
            self.close_source(group);
        }
        let destinations = take_stale(&mut self.by_destination, |g| g.end, now);
        self.closed_destinations.extend(destinations);
        let open = self.by_source.len() + self.by_destination.len();
        self.sweep_at = open + open / 4;
    }

    fn close_source(&mut self, group: SourceGroup) {
        // One connection has one target: never a scan.
        if let SourceGroup::More(group) = group {
            if group.targets.len() >= SCAN_MIN_TARGETS {
                self.scans.push(*group);
            }
        }
    }

    /// The incidents, largest first; `names` gives a connection's endpoints as text.
    pub fn finish(mut self, names: impl Fn(&Connection) -> Names) -> Vec<Incident> {
        let sources: Vec<SourceGroup> = self.by_source.drain().map(|(_, g)| g).collect();
        for group in sources {
            self.close_source(group);
        }
        let mut destinations = self.closed_destinations;
        destinations.extend(self.by_destination.into_values());
        // A scanner's own single-source groups are part of its scan.
        let mut scan_spans: BTreeMap<Host, Vec<(f64, f64)>> = BTreeMap::new();
        for scan in &self.scans {
            let source = *scan.sources.iter().next().expect("a scan has its source");
            scan_spans
                .entry(source)
                .or_default()
                .push((scan.start, scan.end));
        }
        let mut incidents: Vec<Incident> = Vec::new();
        let mut bursts: BTreeMap<Host, Vec<Group>> = BTreeMap::new();
        for group in destinations {
            if group.sources.len() == 1 {
                let source = group.sources.iter().next().expect("one source");
                let within = |&(s, e): &(f64, f64)| group.start >= s && group.end <= e;
                if scan_spans
                    .get(source)
                    .is_some_and(|spans| spans.iter().any(within))
                {
                    continue;
                }
            }
            if pattern_of(&group) == Pattern::Burst {
                bursts.entry(group.first.resp_h).or_default().push(group);
            } else {
                incidents.push(destination_incident(group, &names));
            }
        }
        for groups in bursts.into_values() {
            if groups.len() >= SCAN_MIN_TARGETS {
                incidents.push(probes_incident(groups, &names));
            } else {
                incidents.extend(groups.into_iter().map(|g| destination_incident(g, &names)));
            }
        }
        incidents.extend(self.scans.into_iter().map(|g| scan_incident(g, &names)));
        incidents.sort_by(|a, b| {
            b.connections
                .cmp(&a.connections)
                .then(a.start.total_cmp(&b.start))
                .then_with(|| a.destination.cmp(&b.destination))
                // A total order: the groups are closed in no set order (see `sweep`).
                .then_with(|| a.source.cmp(&b.source))
                .then_with(|| a.description.cmp(&b.description))
        });
        incidents
    }
}

fn span(group: &Group) -> f64 {
    (group.end - group.start).max(1.0)
}

/// A destination group's pattern: a flood, retries, or a burst.
fn pattern_of(group: &Group) -> Pattern {
    let rate = group.connections as f64 / span(group);
    if group.connections >= FLOOD_MIN_CONNECTIONS && rate >= FLOOD_MIN_RATE {
        Pattern::SynFlood
    } else if group.sources.len() <= RETRY_MAX_SOURCES
        && group.connections > group.sources.len() as u64
    {
        // A source came back: at least one of them tried more than once.
        Pattern::Retries
    } else {
        Pattern::Burst
    }
}

/// Bursts on [`SCAN_MIN_TARGETS`] or more ports of one host, from any sources: the host is being
/// probed (Internet background scanning looks like this), one incident.
fn probes_incident(groups: Vec<Group>, names: &dyn Fn(&Connection) -> Names) -> Incident {
    let start = groups.iter().map(|g| g.start).fold(f64::INFINITY, f64::min);
    let end = groups
        .iter()
        .map(|g| g.end)
        .fold(f64::NEG_INFINITY, f64::max);
    let mut sources: FxHashSet<Host> = FxHashSet::default();
    let mut per_second: Vec<u32> = Vec::new();
    let mut connections = 0;
    for group in &groups {
        connections += group.connections;
        sources.extend(group.sources.iter().copied());
        let offset = (group.start - start).max(0.0) as usize;
        for (i, &n) in group.per_second.iter().enumerate() {
            let second = (offset + i).min(TIMELINE_SECONDS - 1);
            if per_second.len() <= second {
                per_second.resize(second + 1, 0);
            }
            per_second[second] += n;
        }
    }
    let host = names(&groups[0].first).destination;
    let host = host
        .rsplit_once(':')
        .map_or(host.as_str(), |(h, _)| h)
        .to_string();
    let ports = groups.len();
    Incident {
        pattern: Pattern::Scan,
        start,
        end,
        connections,
        sources: sources.len() as u64,
        description: format!(
            "probes: {connections} failed connections to {ports} ports of {host} from {} {}: \
             scanning of the host, not a flood",
            plural(sources.len(), "source"),
            lasting("over", end - start)
        ),
        destination: format!("{ports} ports on {host}"),
        source: None,
        per_second,
    }
}

fn destination_incident(group: Group, names: &dyn Fn(&Connection) -> Names) -> Incident {
    let Names {
        destination,
        source,
    } = names(&group.first);
    let sources = group.sources.len() as u64;
    let rate = group.connections as f64 / span(&group);
    let pattern = pattern_of(&group);
    let seconds = group.end - group.start;
    let description = match pattern {
        Pattern::SynFlood if sources > 1 => format!(
            "SYN flood: {} connections from {} sources to {} in {:.1} s ({:.0} per second)",
            group.connections, sources, destination, seconds, rate
        ),
        Pattern::SynFlood => format!(
            "SYN flood from one source: {} connections from {} to {} in {:.1} s ({:.0} per \
             second)",
            group.connections, source, destination, seconds, rate
        ),
        Pattern::Retries => format!(
            "retries: {} failed connections to {} {} from {}: a device retrying a server that \
             does not answer, not a flood",
            group.connections,
            destination,
            lasting("over", seconds),
            plural(sources as usize, "source"),
        ),
        _ => format!(
            "{} failed connection{} to {} from {} source{}",
            group.connections,
            if group.connections == 1 { "" } else { "s" },
            destination,
            sources,
            if sources == 1 { "" } else { "s" }
        ),
    };
    Incident {
        pattern,
        start: group.start,
        end: group.end,
        connections: group.connections,
        sources,
        source: (sources == 1).then_some(source),
        destination,
        per_second: group.per_second,
        description,
    }
}

/// `over 36 s`, `in 3 s`, or `within a second`.
fn lasting(preposition: &str, seconds: f64) -> String {
    if seconds < 1.0 {
        "within a second".to_string()
    } else {
        format!("{preposition} {seconds:.0} s")
    }
}

/// `1 port`, `2 ports`.
fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

fn scan_incident(group: Group, names: &dyn Fn(&Connection) -> Names) -> Incident {
    let source = names(&group.first).source;
    let (ports, hosts) = (group.ports.len(), group.hosts.len());
    let targets = format!("{} on {}", plural(ports, "port"), plural(hosts, "host"));
    Incident {
        pattern: Pattern::Scan,
        start: group.start,
        end: group.end,
        connections: group.connections,
        sources: 1,
        description: format!(
            "scan: {} from {} touched {} {}: probing, not a flood",
            plural(group.connections as usize, "connection"),
            source,
            targets,
            lasting("in", group.end - group.start)
        ),
        destination: targets,
        source: Some(source),
        per_second: group.per_second,
    }
}

#[cfg(test)]
mod tests {
    use super::super::tables::Proto;
    use super::super::traffic::host;
    use super::*;

    fn flagged(incidents: &mut Incidents, ts: f64, src: &str, dst: &str, port: u32) {
        let c = Connection {
            ts,
            orig_h: host(src.as_bytes()),
            orig_p: 40000,
            resp_h: host(dst.as_bytes()),
            resp_p: port,
            proto: Proto::Tcp,
            service: "private",
            flag: "S0",
            duration: 0.0,
            orig_bytes: 0,
            resp_bytes: 0,
        };
        incidents.add(&c);
    }

    fn names(c: &Connection) -> Names {
        super::super::names(c)
    }

    /// Closing the groups no later connection can join, as the open groups pile up, finds the
    /// incidents of keeping every group open to the end: floods from spoofed sources, scanners
    /// coming back after a pause, sources with two connections, gaps of exactly a minute.
    #[test]
    fn sweeping_stale_groups_finds_what_keeping_them_all_finds() {
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move |n: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % n
        };
        let mut rows: Vec<(f64, String, String, u32)> = Vec::new();
        let mut ts = 1000.0;
        for i in 0..60_000u32 {
            // Mostly a steady stream; now and then a pause of a minute or more.
            ts += match next(2000) {
                0 => 60.0,
                1 => 61.5,
                _ => next(100) as f64 / 1000.0,
            };
            let (src, dst, port) = match next(10) {
                // Spoofed flood sources, once each.
                0..=5 => (
                    format!("10.{}.{}.{}", i / 65536, i / 256 % 256, i % 256),
                    1,
                    80,
                ),
                // A few scanners, many ports.
                6 => (format!("172.16.0.{}", next(4)), next(3), next(300) as u32),
                // Sources that come back, to few destinations.
                _ => (format!("192.168.{}.{}", next(3), next(40)), next(5), 443),
            };
            rows.push((ts, src, format!("10.200.0.{dst}"), port));
        }
        // Slow scanners, a port at a time, just under, at and just over a minute apart: a scan
        // only when every gap joins (at most a minute).
        for (k, gap) in [59.5, 60.0, 60.5].into_iter().enumerate() {
            for port in 0..12 {
                let at = 1500.0 + f64::from(port) * gap;
                rows.push((
                    at,
                    format!("10.250.0.{k}"),
                    "10.200.0.9".into(),
                    1000 + port,
                ));
            }
        }
        rows.sort_by(|a, b| a.0.total_cmp(&b.0));
        // Sweeping when due, after every connection, and never.
        let (mut swept, mut every, mut kept) = Default::default();
        let (swept, every, kept): (&mut Incidents, &mut Incidents, &mut Incidents) =
            (&mut swept, &mut every, &mut kept);
        kept.sweep_at = usize::MAX;
        for (ts, src, dst, port) in &rows {
            flagged(swept, *ts, src, dst, *port);
            flagged(every, *ts, src, dst, *port);
            every.sweep(*ts);
            flagged(kept, *ts, src, dst, *port);
        }
        assert!(swept.sweep_at > 0, "it swept");
        let every = std::mem::take(every).finish(names);
        let (swept, kept) = (
            std::mem::take(swept).finish(names),
            std::mem::take(kept).finish(names),
        );
        assert_eq!(every, kept);
        let slow = |k: usize| {
            let source = format!("10.250.0.{k}");
            swept
                .iter()
                .any(|i| i.pattern == Pattern::Scan && i.source.as_ref() == Some(&source))
        };
        assert!(slow(0) && slow(1) && !slow(2), "{swept:#?}");
        assert!(swept.iter().any(|i| i.pattern == Pattern::SynFlood));
        assert_eq!(swept, kept);
    }

    #[test]
    fn a_flood_a_scan_and_retries_are_told_apart() {
        let mut incidents = Incidents::default();
        for i in 0..500 {
            flagged(
                &mut incidents,
                100.0 + f64::from(i) * 0.002,
                &format!("10.9.{}.{}", i / 250, i % 250),
                "192.168.1.1",
                502,
            );
        }
        for port in 1..=40 {
            flagged(
                &mut incidents,
                200.0 + f64::from(port) * 0.1,
                "10.0.0.66",
                "192.168.1.2",
                port,
            );
        }
        for i in 0..6 {
            flagged(
                &mut incidents,
                1000.0 + f64::from(i) * 30.0,
                "192.168.1.7",
                "10.1.1.1",
                8883,
            );
        }
        let found = incidents.finish(names);
        assert_eq!(found.len(), 3, "{found:#?}");
        assert_eq!(found[0].pattern, Pattern::SynFlood);
        assert_eq!((found[0].connections, found[0].sources), (500, 500));
        assert_eq!(found[0].destination, "192.168.1.1:502");
        assert_eq!(found[0].per_second, [500]);
        assert_eq!(found[1].pattern, Pattern::Scan);
        assert_eq!(found[1].destination, "40 ports on 1 host");
        assert_eq!(found[2].pattern, Pattern::Retries);
        assert_eq!(found[2].connections, 6);
        assert_eq!(found[2].per_second.len(), 151);
    }

    #[test]
    fn many_sources_probing_many_ports_of_one_host_are_one_incident() {
        let mut incidents = Incidents::default();
        for port in 0..30u32 {
            for k in 0..2u32 {
                let src = format!("203.0.{port}.{k}");
                flagged(
                    &mut incidents,
                    f64::from(port * 90 + k),
                    &src,
                    "10.0.0.5",
                    1000 + port,
                );
            }
        }
        let found = incidents.finish(names);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!(found[0].pattern, Pattern::Scan);
        assert_eq!((found[0].connections, found[0].sources), (60, 60));
        assert_eq!(found[0].destination, "30 ports on 10.0.0.5");
    }

    #[test]
    fn a_gap_longer_than_the_bound_starts_a_new_incident() {
        let mut incidents = Incidents::default();
        flagged(&mut incidents, 0.0, "10.0.0.1", "10.0.0.2", 80);
        flagged(
            &mut incidents,
            GAP_SECONDS + 1.0,
            "10.0.0.1",
            "10.0.0.2",
            80,
        );
        let found = incidents.finish(names);
        assert_eq!(found.len(), 2);
        assert!(found.iter().all(|i| i.pattern == Pattern::Burst));
    }
}
