//! Helpers shared by the fuzz targets in `fuzz_targets/`.
//!
//! The CSV targets (`reader`, `score`, `parts`) read a *chunk plan* from the front of their
//! input, then treat the rest as the file:
//!
//! ```text
//! byte 0          k: the plan is the next k % 8 bytes
//! bytes 1..=k%8   chunk sizes, used in a cycle until the file is used up (0 = an empty push)
//! the rest        the file
//! ```
//!
//! A plan of only zeros (or none at all) pushes the file in one piece. `parts` reads the sizes
//! as part lengths instead ([`part_sizes`]). The CSV seeds start with such a plan (see
//! `fuzz/README.md`).

use neptune::model::{Model, Node};
use neptune::reader::{FileError, RawRecord, RecordReader};
use neptune::schema::FEATURE_COUNT;

/// Pushes `pieces` through `reader`, then finishes it; stops at the first error, which it returns.
pub fn read_all<'a>(
    reader: &mut RecordReader,
    pieces: impl IntoIterator<Item = &'a [u8]>,
    on_record: &mut impl FnMut(RawRecord<'_>) -> Result<(), FileError>,
) -> Result<(), FileError> {
    for piece in pieces {
        reader.push(piece, on_record)?;
    }
    reader.finish(on_record)
}

/// Splits a fuzz input into (chunk sizes, file bytes).
pub fn split_plan(data: &[u8]) -> (&[u8], &[u8]) {
    let Some((&k, rest)) = data.split_first() else {
        return (&[], &[]);
    };
    let n = usize::from(k % 8).min(rest.len());
    rest.split_at(n)
}

/// Cuts `file` into chunks following `plan` (sizes used in a cycle; a 0 is an empty chunk).
/// The chunks always add up to `file`. A plan without a non-zero size gives `file` whole.
pub fn chunks<'a>(plan: &[u8], file: &'a [u8]) -> Vec<&'a [u8]> {
    let mut out = Vec::new();
    if plan.iter().all(|&b| b == 0) {
        out.push(file);
        return out;
    }
    let mut rest = file;
    // Each pass through the plan consumes at least one byte, so this ends.
    while !rest.is_empty() {
        for &size in plan {
            let size = chunk_size(size).min(rest.len());
            let (head, tail) = rest.split_at(size);
            out.push(head);
            rest = tail;
            if rest.is_empty() {
                break;
            }
        }
    }
    out
}

/// The two ways a CSV target pushes `file`: the reference (one push) and the cut one, following
/// `plan` (empty pushes included: a scorer must take them).
pub fn plan_pushes<'a>(plan: &[u8], file: &'a [u8]) -> (Vec<&'a [u8]>, Vec<&'a [u8]>) {
    (vec![file], chunks(plan, file))
}

/// A plan's sizes for targets that cut a file into parts rather than chunks: a 0 is read as 1
/// (a part is never empty). No plan: no sizes (one part).
pub fn part_sizes(plan: &[u8]) -> Vec<usize> {
    if plan.iter().all(|&b| b == 0) {
        return Vec::new();
    }
    plan.iter().map(|&b| chunk_size(b).max(1)).collect()
}

/// A plan byte as a chunk size: 0 is an empty push, 1..=200 are taken as they are, and the top
/// values give a few larger chunks (up to 55 * 64 bytes) so that the sniffer sees long prefixes.
fn chunk_size(b: u8) -> usize {
    match b {
        0..=200 => usize::from(b),
        _ => usize::from(b - 200) * 64,
    }
}

/// Feature vectors every decoded model is asked to score: all zeros, the largest and the
/// smallest positive values, a SYN flood, and a ramp.
pub fn probe_vectors() -> Vec<[f64; FEATURE_COUNT]> {
    let mut out = vec![
        [0.0; FEATURE_COUNT],
        [f64::MAX; FEATURE_COUNT],
        [f64::MIN_POSITIVE; FEATURE_COUNT],
    ];
    let mut syn = [0.0; FEATURE_COUNT];
    for (i, v) in [
        (22, 123.0),
        (23, 6.0),
        (24, 1.0),
        (25, 1.0),
        (31, 255.0),
        (32, 26.0),
        (37, 1.0),
        (38, 1.0),
    ] {
        syn[i] = v;
    }
    out.push(syn);
    let mut ramp = [0.0; FEATURE_COUNT];
    for (i, v) in ramp.iter_mut().enumerate() {
        *v = i as f64 / 8.0;
    }
    out.push(ramp);
    out
}

/// What every model that decoded must do: score and explain any vector without panicking,
/// giving a probability, and survive a round trip through its own bytes.
pub fn check_model(model: &Model) {
    let mut vectors = probe_vectors();
    // Also land exactly on the first split of each tree (the `<=` edge).
    let mut edge = [0.0; FEATURE_COUNT];
    for tree in model.trees.iter().take(64) {
        if let Some(Node::Split {
            feature, threshold, ..
        }) = tree.nodes.first()
        {
            if threshold.is_finite() {
                edge[usize::from(*feature) % FEATURE_COUNT] = *threshold;
            }
        }
    }
    vectors.push(edge);
    for x in &vectors {
        let score = model.score(x);
        assert!(
            (0.0..=1.0).contains(&score),
            "a valid model scored {score}, outside [0, 1]"
        );
        let (base, effects) = model.explain(x);
        let _ = (base, effects.len());
    }
    let bytes = model.to_bytes();
    let again = Model::from_bytes(&bytes).expect("a model's own bytes decode again");
    assert_eq!(again.to_bytes(), bytes, "the round trip changed the model");
    // A tiny file scored with it, through the same path as `neptune score --model`.
    let csv = b"duration,protocol_type,service,flag,src_bytes,dst_bytes,land,wrong_fragment,urgent,hot,num_failed_logins,logged_in,num_compromised,root_shell,su_attempted,num_root,num_file_creations,num_shells,num_access_files,num_outbound_cmds,is_host_login,is_guest_login,count,srv_count,serror_rate,srv_serror_rate,rerror_rate,srv_rerror_rate,same_srv_rate,diff_srv_rate,srv_diff_host_rate,dst_host_count,dst_host_srv_count,dst_host_same_srv_rate,dst_host_diff_srv_rate,dst_host_same_src_port_rate,dst_host_srv_diff_host_rate,dst_host_serror_rate,dst_host_srv_serror_rate,dst_host_rerror_rate,dst_host_srv_rerror_rate\n\
0,tcp,private,S0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,123,6,1,1,0,0,0.05,0.07,0,255,26,0.1,0.05,0,0,1,1,0,0\n\
0,tcp,http,SF,181,5450,0,0,0,0,0,1,0,0,0,0,0,0,0,0,0,0,8,8,0,0,0,0,1,0,0,9,9,1,0,0.11,0,0,0,0,0\n\
0,gopher,nosuch,XX,1,2,0,0,0,0,0,1,0,0,0,0,0,0,0,0,0,0,8,8,0,0,0,0,1,0,0,9,9,1,0,0.11,0,0,0,0,0\n";
    let (_, summary) =
        neptune::score::score_bytes(model, csv, None).expect("the probe file scores");
    assert_eq!(summary.rows, 3);
    assert_eq!(summary.scored, 3);
}

/// Reads `bytes` back as a reader of the scored output would (comma, `"` quotes, any line end):
/// the fields of each record.
///
/// csv-core drops a UTF-8 byte order mark at the very start of its input; a field of the output
/// may start with one (it was in the input), so the bytes are read after an empty line, which
/// csv-core skips, to keep it.
pub fn read_output(bytes: &[u8]) -> Vec<Vec<Vec<u8>>> {
    let mut reader = csv_core::Reader::new();
    let mut records = Vec::new();
    let mut text = Vec::with_capacity(bytes.len() + 1);
    text.push(b'\n');
    text.extend_from_slice(bytes);
    let mut input = &text[..];
    // No record's fields are longer than the input, nor more numerous.
    let mut field = vec![0u8; bytes.len() + 1];
    let mut ends = vec![0usize; bytes.len() + 2];
    let (mut out_len, mut ends_len) = (0, 0);
    loop {
        let (result, nin, nout, nend) =
            reader.read_record(input, &mut field[out_len..], &mut ends[ends_len..]);
        input = &input[nin..];
        out_len += nout;
        ends_len += nend;
        match result {
            csv_core::ReadRecordResult::Record => {
                let mut start = 0;
                let record = ends[..ends_len]
                    .iter()
                    .map(|&end| {
                        let f = field[start..end].to_vec();
                        start = end;
                        f
                    })
                    .collect();
                records.push(record);
                out_len = 0;
                ends_len = 0;
            }
            // The whole output was given at once: the next call (with no input) is the end.
            csv_core::ReadRecordResult::InputEmpty => assert!(input.is_empty()),
            csv_core::ReadRecordResult::End => return records,
            csv_core::ReadRecordResult::OutputFull | csv_core::ReadRecordResult::OutputEndsFull => {
                unreachable!("the buffers are as large as the input")
            }
        }
    }
}
