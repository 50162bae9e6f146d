//! Zeek conn.log in: each form (TSV, flat and nested JSON, epoch and ISO times, the labelled
//! variant, gzip), start order, the computed features checked by scoring them as a CSV, bad lines,
//! other Zeek logs refused, incidents, and the real logs in ../shared/data/zeek.
#![cfg(feature = "cli")]
#![cfg(not(target_arch = "wasm32"))]

mod common;

use std::io::Write;

use common::{Draws, Run, SplitMix, data_dir, model, neptune, parse_csv};
use neptune::score::{Batch, Scorer, Summary, score_bytes};
use neptune::zeek::{ConnOrder, ConnRows, ConnScore, ConnSteps, ConnWindows, LinesEnd};

/// One synthetic connection.
#[derive(Clone)]
struct Conn {
    ts: f64,
    uid: String,
    src: String,
    sport: u32,
    dst: String,
    dport: u32,
    proto: &'static str,
    service: &'static str,
    duration: Option<f64>,
    bytes: Option<(u64, u64)>,
    state: &'static str,
}

const FIELDS: &str = "ts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents";

/// Benign traffic for a minute with a SYN flood in the middle, in the order Zeek writes it (by
/// end time).
fn traffic(seed: u64) -> Vec<Conn> {
    let mut rng = SplitMix(seed);
    let mut conns = Vec::new();
    for i in 0..1500u32 {
        let ts = 1_700_000_000.0 + f64::from(i) * 0.04 + rng.pick(1000) as f64 / 1e5;
        let (dport, service, proto) = match rng.pick(4) {
            0 => (53, "dns", "udp"),
            1 => (443, "ssl", "tcp"),
            _ => (80, "http", "tcp"),
        };
        conns.push(Conn {
            ts,
            uid: format!("Cb{i}"),
            src: format!("10.0.0.{}", 2 + rng.pick(20)),
            sport: 40000 + rng.pick(20000) as u32,
            dst: format!("10.1.0.{}", 2 + rng.pick(5)),
            dport,
            proto,
            service,
            duration: Some(rng.pick(30_000) as f64 / 1000.0),
            bytes: Some((100 + rng.pick(900) as u64, 500 + rng.pick(90_000) as u64)),
            state: "SF",
        });
    }
    for i in 0..3000u32 {
        conns.push(Conn {
            // Off the benign times' 10 µs grid: no two connections start together (ties go in
            // file order, which the ordering test shuffles).
            ts: 1_700_000_030.000_007 + f64::from(i) * 0.0005,
            uid: format!("Cf{i}"),
            src: format!("172.16.{}.{}", rng.pick(200), rng.pick(250)),
            sport: 1024 + rng.pick(60000) as u32,
            dst: "10.1.0.9".to_string(),
            dport: 80,
            proto: "tcp",
            service: "-",
            duration: None,
            bytes: None,
            state: "S0",
        });
    }
    // Zeek writes a connection when it ends.
    conns.sort_by(|a, b| {
        let end = |c: &Conn| c.ts + c.duration.unwrap_or(0.0);
        end(a).total_cmp(&end(b))
    });
    conns
}

fn tsv(conns: &[Conn]) -> Vec<u8> {
    let mut out = String::from(
        "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n#open\t2023-11-14-22-13-20\n",
    );
    out += &format!(
        "#fields\t{FIELDS}\n#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\tbool\tcount\tstring\tcount\tcount\tcount\tcount\tset[string]\n"
    );
    for c in conns {
        let duration = c.duration.map_or("-".to_string(), |d| format!("{d:.6}"));
        let (ob, rb) = c
            .bytes
            .map_or(("-".to_string(), "-".to_string()), |(o, r)| {
                (o.to_string(), r.to_string())
            });
        out += &format!(
            "{:.6}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{duration}\t{ob}\t{rb}\t{}\tT\t0\tS\t1\t60\t0\t0\t(empty)\n",
            c.ts, c.uid, c.src, c.sport, c.dst, c.dport, c.proto, c.service, c.state
        );
    }
    out += "#close\t2023-11-14-23-00-00\n";
    out.into_bytes()
}

/// The JSON form: flat keys and epoch times, or nested `id` and ISO-8601 times.
fn json(conns: &[Conn], nested: bool) -> Vec<u8> {
    let mut out = String::new();
    for c in conns {
        let ts = if nested {
            iso(c.ts)
        } else {
            format!("{:.6}", c.ts)
        };
        let id = if nested {
            format!(
                r#""id":{{"orig_h":"{}","orig_p":{},"resp_h":"{}","resp_p":{}}}"#,
                c.src, c.sport, c.dst, c.dport
            )
        } else {
            format!(
                r#""id.orig_h":"{}","id.orig_p":{},"id.resp_h":"{}","id.resp_p":{}"#,
                c.src, c.sport, c.dst, c.dport
            )
        };
        let mut line = format!(
            r#"{{"ts":{ts},"uid":"{}",{id},"proto":"{}""#,
            c.uid, c.proto
        );
        if c.service != "-" {
            line += &format!(r#","service":"{}""#, c.service);
        }
        if let Some(d) = c.duration {
            line += &format!(r#","duration":{d:.6}"#);
        }
        if let Some((o, r)) = c.bytes {
            line += &format!(r#","orig_bytes":{o},"resp_bytes":{r}"#);
        }
        line += &format!(r#","conn_state":"{}","history":"S"}}"#, c.state);
        out += &line;
        out.push('\n');
    }
    out.into_bytes()
}

/// `"2023-11-14T22:13:20.123456Z"`: the same instant as `{ts:.6}`.
fn iso(ts: f64) -> String {
    let whole = ts.floor();
    let micros = ((ts - whole) * 1e6).round() as u64;
    format!("\"{}.{micros:06}Z\"", &neptune::zeek::iso_time(whole)[..19])
}

fn score(input: &[u8]) -> (Vec<Vec<String>>, Summary) {
    let (csv, summary) = score_bytes(model(), input, None).expect("the log is scored");
    (parse_csv(&csv).expect("the output is CSV"), summary)
}

fn score_features(input: &[u8]) -> (Vec<u8>, Summary) {
    let mut scorer = Scorer::new(model(), None).with_zeek_features(true);
    let mut batch = Batch::default();
    scorer.push(input, &mut batch).expect("pushed");
    let summary = scorer.finish(&mut batch).expect("finished");
    (batch.csv, summary)
}

/// uid -> (score, verdict) of a scored log.
fn by_uid(rows: &[Vec<String>]) -> std::collections::BTreeMap<String, (String, String)> {
    let header = &rows[0];
    let uid = header.iter().position(|n| n == "uid").expect("uid column");
    let n = header.len();
    rows[1..]
        .iter()
        .map(|r| (r[uid].clone(), (r[n - 2].clone(), r[n - 1].clone())))
        .collect()
}

#[test]
fn tsv_flat_json_and_nested_json_with_iso_times_score_alike() {
    let conns = traffic(1);
    let (tsv_rows, summary) = score(&tsv(&conns));
    assert_eq!(summary.rows, conns.len() as u64);
    assert_eq!(summary.rejected, 0);
    let expected: Vec<&str> = FIELDS
        .split('\t')
        .chain(["attack_score", "predicted_attack"])
        .collect();
    assert_eq!(tsv_rows[0], expected);
    // Zeek's fields unchanged, in the file's order.
    assert_eq!(tsv_rows[1][1], conns[0].uid);
    assert!(tsv_rows.iter().any(|r| r[8] == "-" && r[19] == "(empty)"));
    let (flat, _) = score(&json(&conns, false));
    let (nested, _) = score(&json(&conns, true));
    assert_eq!(flat[0][..21], nested[0][..21]);
    assert_eq!(flat[0][2], "id.orig_h");
    assert_eq!(by_uid(&tsv_rows), by_uid(&flat));
    assert_eq!(by_uid(&tsv_rows), by_uid(&nested));
}

#[test]
fn the_flood_is_flagged_and_the_ordinary_traffic_is_not() {
    let conns = traffic(2);
    let (rows, summary) = score(&tsv(&conns));
    let scores = by_uid(&rows);
    let flood = scores.iter().filter(|(u, _)| u.starts_with("Cf"));
    let caught = flood.clone().filter(|(_, (_, v))| v == "1").count();
    assert!(caught * 100 >= 99 * flood.count(), "{caught}");
    let benign_flagged = scores
        .iter()
        .filter(|(u, (_, v))| u.starts_with("Cb") && v == "1")
        .count();
    assert!(benign_flagged * 100 <= 1500, "{benign_flagged}");
    let zeek = summary.zeek.expect("a conn.log summary");
    assert_eq!(zeek.form, "tsv");
    assert_eq!(
        zeek.incidents[0].pattern,
        neptune::zeek::incidents::Pattern::SynFlood
    );
    assert_eq!(zeek.incidents[0].destination, "10.1.0.9:80");
    assert_eq!(zeek.incidents[0].connections as usize, caught);
}

#[test]
fn rows_are_featured_in_start_order_whatever_their_order_in_the_file() {
    let conns = traffic(3);
    let mut shuffled = conns.clone();
    let mut rng = SplitMix(9);
    for i in (1..shuffled.len()).rev() {
        shuffled.swap(i, rng.pick(i + 1));
    }
    let features = |conns: &[Conn]| {
        let (csv, _) = score_features(&tsv(conns));
        let rows = parse_csv(&csv).expect("CSV");
        rows[1..]
            .iter()
            .map(|r| (r[1].clone(), r[20..].to_vec()))
            .collect::<std::collections::BTreeMap<_, _>>()
    };
    let (sorted, mixed) = (features(&conns), features(&shuffled));
    for (uid, row) in &sorted {
        assert_eq!(Some(row), mixed.get(uid), "{uid}");
    }
    // And the output keeps the shuffled file's order.
    let (rows, _) = score(&tsv(&shuffled));
    let uids: Vec<&str> = rows[1..].iter().map(|r| r[1].as_str()).collect();
    let order: Vec<&str> = shuffled.iter().map(|c| c.uid.as_str()).collect();
    assert_eq!(uids, order);
}

#[test]
fn the_written_features_are_exactly_what_was_scored() {
    for input in [
        tsv(&traffic(4)),
        std::fs::read(data_dir().join("zeek/zeekids_0621.conn.log")).unwrap_or_default(),
    ] {
        if input.is_empty() {
            continue;
        }
        let (with_features, summary) = score_features(&input);
        let rows = parse_csv(&with_features).expect("CSV");
        let n = rows[0].len();
        assert_eq!(rows[0][n - 43..n - 2], common::standard_names()[..41]);
        // The 41 feature columns, read as a CSV of features, score the same.
        let mut as_csv = Vec::new();
        for row in &rows {
            let fields: Vec<String> = row[n - 43..n - 2]
                .iter()
                .map(|f| common::quote_field(f, b',', false))
                .collect();
            as_csv.extend_from_slice(fields.join(",").as_bytes());
            as_csv.push(b'\n');
        }
        let (rescored, again) = score(&as_csv);
        assert_eq!(again.scored, summary.scored);
        for (a, b) in rows[1..].iter().zip(&rescored[1..]) {
            assert_eq!(a[n - 2..], b[b.len() - 2..], "{a:?}");
        }
    }
}

#[test]
fn bad_lines_are_rejected_with_their_line_numbers_and_the_rest_scored() {
    let conns = traffic(5);
    let text = String::from_utf8(tsv(&conns[..50])).unwrap();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    // Header lines are 1..8; data starts on line 9.
    lines[9] = lines[9].replacen('\t', "\tnot-a-uid\t", 1); // one field too many (line 10)
    lines[11] = lines[11].replacen(&format!("{:.6}", conns[3].ts), "yesterday", 1); // line 12
    let port = format!("\t{}\t", conns[5].dport);
    lines[13] = lines[13].replacen(&port, "\t99999\t", 1); // line 14
    lines[15] = lines[15].replace('\t', " "); // line 16: one field
    let input = lines.join("\n") + "\n";
    let (rows, summary) = score(input.as_bytes());
    assert_eq!(summary.rows, 50);
    assert_eq!(summary.rejected, 4, "{:?}", summary.rejections);
    assert_eq!(summary.scored, 46);
    let rejected: Vec<u64> = summary.rejections.iter().map(|r| r.line).collect();
    assert_eq!(rejected, [10, 12, 14, 16]);
    assert!(summary.rejections[1].reason.contains("`ts` is `yesterday`"));
    assert!(summary.rejections[2].reason.contains("not a port"));
    assert_eq!(rows.len(), 51);
    assert_eq!(rows[4][20..], ["", ""]); // line 12, rejected: fields kept, no score
    // Any chunking gives the same bytes.
    let whole = score_bytes(model(), input.as_bytes(), None).unwrap().0;
    for size in [1, 7, 64, 4096] {
        let mut scorer = Scorer::new(model(), None);
        let mut batch = Batch::default();
        for chunk in input.as_bytes().chunks(size) {
            scorer.push(chunk, &mut batch).unwrap();
        }
        scorer.finish(&mut batch).unwrap();
        assert_eq!(batch.csv, whole, "chunks of {size}");
    }
}

#[test]
fn the_labelled_variant_splits_its_joined_fields_and_is_measured() {
    let conns = traffic(6);
    let text = String::from_utf8(tsv(&conns)).unwrap();
    let mut out = String::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("#fields\t") {
            out += &format!("#fields\t{}   label   detailed-label\n", rest);
        } else if line.starts_with('#') {
            out += line;
            out.push('\n');
        } else {
            let label = if line.contains("\tCf") {
                "Malicious   DDoS"
            } else {
                "Benign   -"
            };
            out += &format!("{line}   {label}\n");
        }
    }
    let (rows, summary) = score(out.as_bytes());
    assert_eq!(
        rows[0][19..],
        [
            "tunnel_parents",
            "label",
            "detailed-label",
            "attack_score",
            "predicted_attack"
        ]
    );
    assert_eq!(rows[1].len(), 24);
    let labelled = summary.labelled.expect("labels are read");
    assert_eq!(
        labelled.confusion.true_negative + labelled.confusion.false_positive,
        1500
    );
    assert_eq!(labelled.other_attacks["DDoS"].rows, 3000);
}

#[test]
fn the_cli_reads_gzip_writes_incidents_and_explains_conn_log_rows() {
    let dir = tempfile::tempdir().unwrap();
    let log = tsv(&traffic(7));
    let plain = dir.path().join("conn.log");
    std::fs::write(&plain, &log).unwrap();
    let gz = dir.path().join("conn.log.gz");
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(&log).unwrap();
    std::fs::write(&gz, encoder.finish().unwrap()).unwrap();
    let incidents = dir.path().join("incidents.csv");
    let Run {
        code,
        stdout: out,
        stderr,
    } = neptune(
        &[
            "score",
            plain.to_str().unwrap(),
            "--incidents",
            incidents.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.contains("SYN flood"), "{stderr}");
    let Run {
        stdout: from_gzip, ..
    } = neptune(&["score", gz.to_str().unwrap()], None);
    assert_eq!(out, from_gzip);
    assert_eq!(out, score_bytes(model(), &log, None).unwrap().0);
    let table = parse_csv(&std::fs::read(&incidents).unwrap()).unwrap();
    assert_eq!(
        table[0][..6],
        [
            "start",
            "end",
            "start_ts",
            "end_ts",
            "pattern",
            "connections"
        ]
    );
    assert_eq!(table[1][4], "SYN flood");
    // Line 9 is the first data row.
    let Run {
        code,
        stdout: explained,
        stderr,
    } = neptune(&["explain", plain.to_str().unwrap(), "9"], None);
    assert_eq!(code, Some(0), "{stderr}");
    let explained = String::from_utf8(explained).unwrap();
    assert!(explained.starts_with("line 9: score "), "{explained}");
    assert!(explained.contains(" = "), "{explained}");
    // A flood row (its Zeek `duration` unset) is explained at the very score it was given.
    let rows = parse_csv(&out).unwrap();
    let (at, flood) = rows[1..]
        .iter()
        .enumerate()
        .find(|(_, r)| r[1].starts_with("Cf") && r[21] == "1")
        .expect("a flagged flood row");
    let line = (at + 9).to_string();
    let Run {
        code,
        stdout: explained,
        stderr,
    } = neptune(&["explain", plain.to_str().unwrap(), &line], None);
    assert_eq!(code, Some(0), "{stderr}");
    let explained = String::from_utf8(explained).unwrap();
    assert!(
        explained.starts_with(&format!("line {line}: score {} (Neptune)", flood[20])),
        "{explained}"
    );
}

#[test]
fn other_zeek_logs_are_refused_by_name() {
    let dns_tsv = "#separator \\x09\n#path\tdns\n#fields\tts\tuid\tid.orig_h\tquery\n1.0\tC1\t10.0.0.1\texample.com\n";
    let dns_json = "{\"ts\":1.0,\"uid\":\"C1\",\"id.orig_h\":\"10.0.0.1\",\"id.orig_p\":5353,\"query\":\"example.com\"}\n";
    let http_json =
        "{\"ts\":1.0,\"uid\":\"C1\",\"id.orig_h\":\"10.0.0.1\",\"method\":\"GET\",\"uri\":\"/\"}\n";
    for (input, log) in [
        (dns_tsv, "dns.log"),
        (dns_json, "dns.log"),
        (http_json, "http.log"),
    ] {
        let Run {
            code,
            stdout: out,
            stderr,
        } = neptune(&["score", "-"], Some(input.as_bytes()));
        assert_eq!(code, Some(2), "{stderr}");
        assert!(out.is_empty());
        assert!(
            stderr.contains(log) && stderr.contains("conn.log"),
            "{stderr}"
        );
    }
}

#[test]
fn the_published_logs_are_read_and_the_flood_in_them_is_caught() {
    let dir = data_dir().join("zeek");
    let Ok(flood_log) = std::fs::read(dir.join("zeekids_0621.conn.log")) else {
        eprintln!("skipped: ../shared/data/zeek is not here");
        return;
    };
    let (rows, summary) = score(&flood_log);
    assert_eq!(summary.rejected, 0);
    let h = &rows[0];
    let col = |name: &str| h.iter().position(|n| n == name).unwrap();
    let (state, port, verdict) = (col("conn_state"), col("id.resp_p"), h.len() - 1);
    let flood: Vec<_> = rows[1..]
        .iter()
        .filter(|r| r[state] == "S0" && r[port] == "502")
        .collect();
    assert!(flood.len() >= 6572);
    let caught = flood.iter().filter(|r| r[verdict] == "1").count();
    assert!(
        caught * 100 >= flood.len() * 99,
        "{caught} of {}",
        flood.len()
    );
    let zeek = summary.zeek.unwrap();
    assert_eq!(zeek.incidents[0].destination, "192.168.56.1:502");
    assert_eq!(
        zeek.incidents[1].pattern,
        neptune::zeek::incidents::Pattern::Scan
    );
    for (name, most) in [("zat.conn.log", 1.0), ("zat_json.conn.log", 1.0)] {
        let (rows, summary) = score(&std::fs::read(dir.join(name)).unwrap());
        assert_eq!(summary.rejected, 0);
        let flagged = 100.0 * summary.flagged as f64 / summary.scored as f64;
        assert!(flagged <= most, "{name}: {flagged}% flagged");
        assert_eq!(rows[0][0], "ts");
    }
    let (_, labelled) =
        score(&std::fs::read(dir.join("strato012_mixed.conn.log.labeled")).unwrap());
    let c = labelled.labelled.unwrap().confusion;
    let benign = c.true_negative + c.false_positive;
    assert!(benign > 500 && c.false_positive * 100 <= benign, "{c:?}");
}

#[test]
fn a_row_later_than_the_reorder_buffer_is_featured_out_of_order_and_counted() {
    let template = traffic(8)[0].clone();
    let rows = neptune::zeek::REORDER_ROWS + 5_000;
    let mut conns: Vec<Conn> = (0..rows)
        .map(|i| Conn {
            ts: 1_700_000_000.0 + i as f64 * 0.01,
            uid: format!("C{i}"),
            ..template.clone()
        })
        .collect();
    // The earliest connection is written last, far beyond the buffer.
    let first = conns.remove(0);
    conns.push(first);
    let input = tsv(&conns);
    let (csv, summary) = score_bytes(model(), &input, None).expect("scored");
    assert_eq!(summary.scored, rows as u64);
    // When a row is featured depends on the rows, not on the chunks (the page's are 1 MB).
    let mut scorer = Scorer::new(model(), None);
    let mut batch = Batch::default();
    for chunk in input.chunks(1 << 20) {
        scorer.push(chunk, &mut batch).unwrap();
    }
    scorer.finish(&mut batch).unwrap();
    assert_eq!(batch.csv, csv);
    assert_eq!(summary.zeek.as_ref().map(|z| z.out_of_order), Some(1));
    assert!(
        summary
            .notes
            .iter()
            .any(|n| n.contains("out of start order")),
        "{:?}",
        summary.notes
    );
    // Every row is written, in the file's order.
    let out = parse_csv(&csv).unwrap();
    assert_eq!(out.len(), rows + 1);
    assert_eq!(out[rows][1], "C0");
}

/// The two stages of a conn.log apart (as `neptune score` runs them, one per thread): rows read
/// far ahead of the windows, their batches taken late and in bursts, give the bytes and the
/// summary of one scorer.
#[test]
fn the_stages_apart_write_what_one_scorer_writes() {
    let mut conns = traffic(31);
    // A row later than it should be, and one that cannot be read.
    conns.swap(10, 900);
    let mut log = tsv(&conns);
    let at = log.len() / 2 + memchr_newline(&log[log.len() / 2..]);
    log.splice(at + 1..at + 1, b"not\ta\trow\n".iter().copied());
    let (expected, summary) = score_bytes(model(), &log, None).expect("scored");
    for head in [1000, 4096, 70_000] {
        for three in [false, true] {
            let mut scorer = Scorer::new(model(), None);
            let mut batch = Batch::default();
            scorer.push(&log[..head], &mut batch).unwrap();
            assert!(scorer.is_conn_log());
            let (mut lines, windows) = scorer.into_conn_log().unwrap().into_stages();
            let mut stages = Stages::new(windows, three);
            let mut queued: std::collections::VecDeque<ConnRows> = Default::default();
            let mut rows = ConnRows::default();
            for (i, chunk) in log[head..].chunks(7_777).enumerate() {
                lines
                    .push(chunk, &mut rows, &mut |rows| {
                        queued.push_back(std::mem::take(rows))
                    })
                    .unwrap();
                // The later stages take every fifth push's worth at once.
                if i % 5 == 4 {
                    while let Some(mut taken) = queued.pop_front() {
                        stages.take(&mut taken, &mut batch);
                    }
                }
            }
            let end = lines
                .finish(&mut rows, &mut |rows| {
                    queued.push_back(std::mem::take(rows))
                })
                .unwrap();
            while let Some(mut taken) = queued.pop_front() {
                stages.take(&mut taken, &mut batch);
            }
            let apart = stages.finish(end, &mut batch);
            assert!(
                batch.csv == expected,
                "head {head}, three {three}: the bytes differ"
            );
            assert_eq!(apart, summary, "head {head}, three {three}");
        }
    }
}

/// A conn.log's second and third stages: together ([`ConnWindows`]), or apart, the third taking
/// the steps of the second late, in bursts, and the held rows' steps in pieces.
enum Stages<'m> {
    Together(ConnWindows<'m>),
    Apart {
        order: ConnOrder,
        score: ConnScore<'m>,
        queued: std::collections::VecDeque<ConnSteps>,
        taken: usize,
    },
}

impl<'m> Stages<'m> {
    fn new(windows: ConnWindows<'m>, apart: bool) -> Self {
        if !apart {
            return Stages::Together(windows);
        }
        let (order, score) = windows.into_stages();
        Stages::Apart {
            order,
            score,
            queued: Default::default(),
            taken: 0,
        }
    }

    fn take(&mut self, rows: &mut ConnRows, batch: &mut Batch) {
        match self {
            Stages::Together(windows) => windows.take(rows, batch),
            Stages::Apart {
                order,
                score,
                queued,
                taken,
            } => {
                let mut steps = ConnSteps::default();
                order.take(rows, &mut steps);
                queued.push_back(steps);
                *taken += 1;
                if *taken % 3 == 0 {
                    while let Some(mut steps) = queued.pop_front() {
                        score.take(&mut steps, batch);
                    }
                }
            }
        }
    }

    fn finish(self, end: LinesEnd, batch: &mut Batch) -> Summary {
        match self {
            Stages::Together(mut windows) => windows.finish(end, batch).unwrap(),
            Stages::Apart {
                mut order,
                mut score,
                mut queued,
                ..
            } => {
                let mut more = true;
                while more {
                    let mut steps = ConnSteps::default();
                    more = order.feature_held(1000, &mut steps);
                    queued.push_back(steps);
                }
                let mut steps = ConnSteps::default();
                let order_end = order.finish(&mut steps);
                queued.push_back(steps);
                while let Some(mut steps) = queued.pop_front() {
                    score.take(&mut steps, batch);
                }
                score.finish(end, order_end).unwrap()
            }
        }
    }
}

fn memchr_newline(bytes: &[u8]) -> usize {
    bytes.iter().position(|&b| b == b'\n').expect("a line end")
}

/// `neptune score` reads a conn.log's lines into rows on one thread and features them on another
/// (src/bin/neptune/conn_log.rs): it writes the bytes and counts of one scorer reading the whole
/// file, over several of its 4 MB reads, in both forms, with rejected rows, a row later than the
/// reorder buffer and no final line end; and an error past the first read is the library's.
#[test]
fn the_cli_s_two_threads_write_what_one_scorer_writes() {
    let dir = tempfile::tempdir().unwrap();
    // Fifteen minutes of traffic (67,500 rows, ~6.8 MB of TSV), each minute's own.
    let mut conns: Vec<Conn> = (0..15u32)
        .flat_map(|minute| {
            traffic(40 + u64::from(minute))
                .into_iter()
                .map(move |c| Conn {
                    ts: c.ts + f64::from(minute) * 60.0,
                    uid: format!("{}m{minute}", c.uid),
                    ..c
                })
        })
        .collect();
    // The earliest connection is written last, beyond the reorder buffer.
    let first = conns.remove(0);
    conns.push(first);
    let text = String::from_utf8(tsv(&conns)).unwrap();
    // Every 997th row's start time unreadable; the last line end gone.
    let mut rows = 0;
    let damaged: Vec<String> = text
        .lines()
        .map(|line| {
            if line.starts_with('#') {
                return line.to_string();
            }
            rows += 1;
            match line.split_once('\t') {
                Some((_, rest)) if rows % 997 == 0 => format!("x{rows}\t{rest}"),
                _ => line.to_string(),
            }
        })
        .collect();
    let tsv_log = damaged.join("\n").into_bytes();
    let json_log = json(&conns[..30_000], false);
    assert!(tsv_log.len() > 6 << 20 && json_log.len() > 5 << 20);

    for (name, log) in [("conn.log", &tsv_log), ("conn.json.log", &json_log)] {
        let path = dir.path().join(name);
        std::fs::write(&path, log).unwrap();
        let (expected, summary) = score_bytes(model(), log, None).expect("scored");
        assert!(summary.rejected > 0 || name.contains("json"), "{summary:?}");
        let Run {
            code,
            stdout,
            stderr,
        } = neptune(&["score", path.to_str().unwrap()], None);
        assert_eq!(code, Some(0), "{name}: {stderr}");
        assert!(stdout == expected, "{name}: the CLI's output differs");
        let counts = format!(
            "{} rows: {} scored, {} flagged",
            summary.rows, summary.scored, summary.flagged
        );
        assert!(
            stderr.contains(&counts),
            "{name}: {stderr}\nexpected {counts}"
        );
        // From standard input too (read in pieces as the pipe gives them).
        let piped = neptune(&["score", "-"], Some(log));
        assert!(
            piped.stdout == expected,
            "{name} from stdin: the CLI's output differs"
        );
    }
    let out_of_order = score_bytes(model(), &tsv_log, None)
        .unwrap()
        .1
        .zeek
        .unwrap();
    assert_eq!(out_of_order.out_of_order, 1);

    // Another log's header block past the first 4 MB: the library's error, and no output file.
    let mut joined = tsv_log.clone();
    joined.extend_from_slice(b"\n#separator \\x09\n#path\tdns\n");
    let error = score_bytes(model(), &joined, None).expect_err("a dns log inside");
    let path = dir.path().join("joined.log");
    std::fs::write(&path, &joined).unwrap();
    let output = dir.path().join("scored.csv");
    let Run { code, stderr, .. } = neptune(
        &[
            "score",
            path.to_str().unwrap(),
            "-o",
            output.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains(&error.to_string()),
        "{stderr}\nexpected {error}"
    );
    assert!(!output.exists());
}
