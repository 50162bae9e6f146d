//! The basic KDD features of one conn.log record: protocol, service, flag, and the rules that
//! read them. Every rule that is an inference rather than a documented fact is one named table
//! or constant here, with where it comes from (../shared/ZEEK.md and docs/ZEEK.md say more).

/// A connection's transport, as Zeek's `proto` field names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proto {
    /// TCP.
    Tcp,
    /// UDP.
    Udp,
    /// ICMP, over IPv4 or IPv6.
    Icmp,
    /// `unknown_transport` or anything else: no KDD protocol; the model sees an unknown name.
    Other,
}

impl Proto {
    /// Reads Zeek's `proto` field (`tcp`, `udp`, `icmp`, `icmp6`; the first three also in
    /// capitals).
    pub fn parse(text: &[u8]) -> Proto {
        match text {
            b"tcp" | b"TCP" => Proto::Tcp,
            b"udp" | b"UDP" => Proto::Udp,
            b"icmp" | b"ICMP" | b"icmp6" => Proto::Icmp,
            _ => Proto::Other,
        }
    }

    /// KDD's `protocol_type` name.
    pub fn kdd_name(self) -> &'static str {
        match self {
            Proto::Tcp => "tcp",
            Proto::Udp => "udp",
            Proto::Icmp => "icmp",
            Proto::Other => "other",
        }
    }
}

/// Zeek's `conn_state` values (Zeek's documentation of `conn.log`).
pub const CONN_STATES: [&str; 13] = [
    "S0", "S1", "SF", "REJ", "S2", "S3", "RSTO", "RSTR", "RSTOS0", "RSTRH", "SH", "SHR", "OTH",
];

/// KDD's `flag` for a TCP connection's Zeek `conn_state`. KDD's flags are Bro's connection
/// states (Bro is Zeek's former name), so most keep their name. Two states are newer than KDD
/// and are mapped to their nearest KDD state (inference, ../shared/ZEEK.md): RSTRH (responder
/// SYN-ACK then RST, originator's SYN unseen) -> RSTR; SHR (responder SYN-ACK then FIN,
/// originator's SYN unseen) -> OTH. An unset or unknown state is OTH (no handshake seen).
pub fn tcp_flag(conn_state: &[u8]) -> &'static str {
    match conn_state {
        b"RSTRH" => "RSTR",
        b"SHR" => "OTH",
        state => CONN_STATES
            .iter()
            .find(|s| s.as_bytes() == state)
            .copied()
            .unwrap_or("OTH"),
    }
}

/// UDP and ICMP connections are `SF` whatever Zeek's state: every UDP (9,929) and ICMP (1,040)
/// row of Train_Data.csv is SF.
pub const DATAGRAM_FLAG: &str = "SF";

/// The flag of a connection.
pub fn flag(proto: Proto, conn_state: &[u8]) -> &'static str {
    match proto {
        Proto::Tcp | Proto::Other => tcp_flag(conn_state),
        Proto::Udp | Proto::Icmp => DATAGRAM_FLAG,
    }
}

/// Flags whose connection counts as a SYN error in the window rates: exactly those for which a
/// row of Train_Data.csv alone in its window (`count == 1`) has `serror_rate` 1.0.
pub const SYN_ERROR_FLAGS: [&str; 5] = ["S0", "S1", "S2", "S3", "SH"];
/// Flags that count as a REJ error: those with `rerror_rate` 1.0 when alone in the window.
pub const REJ_ERROR_FLAGS: [&str; 3] = ["REJ", "RSTO", "RSTR"];

/// Whether a connection was logged in: conn.log carries no login information. KDD's
/// `logged_in` is 0 for UDP, ICMP, S0 and REJ rows and 92-98% for http and smtp, so this reads
/// it as "an established TCP connection that carried bytes both ways" (inference).
pub fn logged_in(proto: Proto, flag: &str, orig_bytes: u64, resp_bytes: u64) -> bool {
    proto == Proto::Tcp && ESTABLISHED_FLAGS.contains(&flag) && orig_bytes > 0 && resp_bytes > 0
}

/// TCP flags of a connection whose handshake completed.
const ESTABLISHED_FLAGS: [&str; 6] = ["SF", "S1", "S2", "S3", "RSTO", "RSTR"];

/// Well-known TCP ports and their KDD service names (the classic /etc/services ports, the same
/// port-based reading as open-source KDD extractors; ../shared/ZEEK.md).
const TCP_PORTS: [(u32, &str); 60] = [
    (5, "rje"),
    (7, "echo"),
    (9, "discard"),
    (11, "systat"),
    (13, "daytime"),
    (15, "netstat"),
    (20, "ftp_data"),
    (21, "ftp"),
    (22, "ssh"),
    (23, "telnet"),
    (25, "smtp"),
    (37, "time"),
    (42, "name"),
    (43, "whois"),
    (53, "domain"),
    (57, "mtp"),
    (70, "gopher"),
    (71, "remote_job"),
    (72, "remote_job"),
    (73, "remote_job"),
    (74, "remote_job"),
    (77, "rje"),
    (79, "finger"),
    (80, "http"),
    (84, "ctf"),
    (87, "link"),
    (95, "supdup"),
    (101, "hostnames"),
    (102, "iso_tsap"),
    (105, "csnet_ns"),
    (109, "pop_2"),
    (110, "pop_3"),
    (111, "sunrpc"),
    (113, "auth"),
    (117, "uucp_path"),
    (119, "nntp"),
    (137, "netbios_ns"),
    (138, "netbios_dgm"),
    (139, "netbios_ssn"),
    (143, "imap4"),
    (150, "sql_net"),
    (175, "vmnet"),
    (179, "bgp"),
    (194, "IRC"),
    (210, "Z39_50"),
    (245, "link"),
    (389, "ldap"),
    (433, "nnsp"),
    (443, "http_443"),
    (512, "exec"),
    (513, "login"),
    (514, "shell"),
    (515, "printer"),
    (520, "efs"),
    (530, "courier"),
    (540, "uucp"),
    (543, "klogin"),
    (544, "kshell"),
    (2784, "http_2784"),
    (5190, "aol"),
];

/// More TCP ports: X11's range and two single ones.
const X11_PORTS: std::ops::RangeInclusive<u32> = 6000..=6063;
const TCP_PORTS_MORE: [(u32, &str); 2] = [(6667, "IRC"), (8001, "http_8001")];

/// UDP services KDD names: only these three, all other UDP rows are `private` or `other`.
const UDP_PORTS: [(u32, &str); 3] = [(53, "domain_u"), (69, "tftp_u"), (123, "ntp_u")];

/// Zeek's own service names (its protocol analyzers) for a port the tables do not know. `ssl`
/// is read as `http_443` (TLS on another port is usually HTTPS), the rest by name.
const ZEEK_SERVICES: [(&str, &str, &str); 14] = [
    // (Zeek's name, the TCP service, the UDP service)
    ("http", "http", "other"),
    ("ssl", "http_443", "other"),
    ("dns", "domain", "domain_u"),
    ("ssh", "ssh", "other"),
    ("ftp", "ftp", "other"),
    ("ftp-data", "ftp_data", "other"),
    ("smtp", "smtp", "other"),
    ("pop3", "pop_3", "other"),
    ("imap", "imap4", "other"),
    ("irc", "IRC", "other"),
    ("ntp", "other", "ntp_u"),
    ("ldap", "ldap", "other"),
    ("telnet", "telnet", "other"),
    ("finger", "finger", "other"),
];

/// Ports from here up that no table names are `private`, those below `other`. KDD's rule is
/// documented nowhere; open-source extractors use the IANA dynamic range. It matters for REJ and
/// RSTO floods (S0 floods are caught either way): ../shared/ZEEK.md.
pub const PRIVATE_PORTS_FROM: u32 = 49152;

/// A connection from this source port is FTP data whatever its destination (active FTP).
const FTP_DATA_SOURCE_PORT: u32 = 20;

/// KDD's service of a connection. TCP and UDP by destination port, then by Zeek's detected
/// service, then `private`/`other`; ICMP by type (Zeek puts the type in `id.orig_p` and the code
/// in `id.resp_p`).
pub fn service(proto: Proto, orig_p: u32, resp_p: u32, zeek_service: &[u8]) -> &'static str {
    let by_port = |ports: &[(u32, &'static str)]| {
        ports
            .iter()
            .find(|(port, _)| *port == resp_p)
            .map(|(_, name)| *name)
    };
    let known = match proto {
        Proto::Icmp => return icmp_service(orig_p, resp_p),
        Proto::Tcp if orig_p == FTP_DATA_SOURCE_PORT => Some("ftp_data"),
        Proto::Tcp => by_port(&TCP_PORTS)
            .or_else(|| X11_PORTS.contains(&resp_p).then_some("X11"))
            .or_else(|| by_port(&TCP_PORTS_MORE)),
        Proto::Udp => by_port(&UDP_PORTS),
        Proto::Other => None,
    };
    let detected = || {
        // Zeek may name several (`ssl,http`): the first decides.
        let first = zeek_service.split(|&b| b == b',').next().unwrap_or(b"");
        ZEEK_SERVICES
            .iter()
            .find(|(name, _, _)| name.as_bytes().eq_ignore_ascii_case(first))
            .map(|(_, tcp, udp)| if proto == Proto::Udp { *udp } else { *tcp })
            .filter(|&name| name != "other")
    };
    known
        .or_else(detected)
        .unwrap_or(if resp_p >= PRIVATE_PORTS_FROM {
            "private"
        } else {
            "other"
        })
}

/// ICMP services by type (and code, for "unreachable").
fn icmp_service(icmp_type: u32, code: u32) -> &'static str {
    match (icmp_type, code) {
        (8, _) => "eco_i",
        (0, _) => "ecr_i",
        (3, 1) => "urh_i",
        (3, _) => "urp_i",
        (5, _) => "red_i",
        (11, _) => "tim_i",
        _ => "oth_i",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_keep_bros_names_and_map_the_two_newer_states() {
        for state in [
            "S0", "S1", "SF", "REJ", "S2", "S3", "RSTO", "RSTR", "RSTOS0", "SH", "OTH",
        ] {
            assert_eq!(tcp_flag(state.as_bytes()), state);
        }
        assert_eq!(tcp_flag(b"RSTRH"), "RSTR");
        assert_eq!(tcp_flag(b"SHR"), "OTH");
        assert_eq!(tcp_flag(b"-"), "OTH");
        assert_eq!(flag(Proto::Udp, b"S0"), "SF");
        assert_eq!(flag(Proto::Icmp, b"OTH"), "SF");
    }

    #[test]
    fn services_by_port_then_zeek_then_private_or_other() {
        assert_eq!(service(Proto::Tcp, 40000, 80, b"-"), "http");
        assert_eq!(service(Proto::Tcp, 40000, 443, b"ssl"), "http_443");
        assert_eq!(service(Proto::Tcp, 40000, 6010, b"-"), "X11");
        assert_eq!(service(Proto::Tcp, 20, 40000, b"-"), "ftp_data");
        assert_eq!(service(Proto::Tcp, 40000, 8443, b"ssl"), "http_443");
        assert_eq!(service(Proto::Tcp, 40000, 8080, b"http"), "http");
        assert_eq!(service(Proto::Tcp, 40000, 502, b"-"), "other");
        assert_eq!(service(Proto::Tcp, 40000, 49152, b"-"), "private");
        assert_eq!(service(Proto::Tcp, 40000, 49151, b"-"), "other");
        assert_eq!(service(Proto::Udp, 40000, 53, b"dns"), "domain_u");
        assert_eq!(service(Proto::Tcp, 40000, 53, b"dns"), "domain");
        assert_eq!(service(Proto::Udp, 40000, 5353, b"dns"), "domain_u");
        assert_eq!(service(Proto::Udp, 40000, 137, b"-"), "other");
        assert_eq!(service(Proto::Udp, 40000, 60000, b"-"), "private");
        assert_eq!(service(Proto::Icmp, 8, 0, b"-"), "eco_i");
        assert_eq!(service(Proto::Icmp, 0, 0, b"-"), "ecr_i");
        assert_eq!(service(Proto::Icmp, 3, 1, b"-"), "urh_i");
        assert_eq!(service(Proto::Icmp, 3, 3, b"-"), "urp_i");
        assert_eq!(service(Proto::Icmp, 11, 0, b"-"), "tim_i");
        assert_eq!(service(Proto::Icmp, 13, 0, b"-"), "oth_i");
    }

    #[test]
    fn logged_in_needs_an_established_tcp_connection_with_bytes_both_ways() {
        assert!(logged_in(Proto::Tcp, "SF", 10, 20));
        assert!(!logged_in(Proto::Tcp, "SF", 10, 0));
        assert!(!logged_in(Proto::Tcp, "S0", 10, 20));
        assert!(!logged_in(Proto::Udp, "SF", 10, 20));
    }

    #[test]
    fn every_kdd_service_named_here_is_one_the_model_knows() {
        let model = crate::Model::embedded();
        // NSL-KDD names too rare to be in the training split: the model scores them as unknown.
        const RARE: [&str; 4] = ["http_2784", "http_8001", "aol", "oth_i"];
        let known = |name: &str| {
            RARE.contains(&name) || model.encoding.tables[1].iter().any(|(n, _)| n == name)
        };
        for (_, name) in TCP_PORTS.iter().chain(&TCP_PORTS_MORE).chain(&UDP_PORTS) {
            assert!(known(name), "{name}");
        }
        for name in [
            "X11", "private", "other", "eco_i", "ecr_i", "urh_i", "urp_i", "oth_i",
        ] {
            assert!(known(name), "{name}");
        }
    }
}
