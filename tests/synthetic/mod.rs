//! A labelled training file made up from a seed: a few thousand connections loosely shaped like
//! NSL-KDD's normal and Neptune rows, with some label noise so the trees and the threshold rule
//! have work to do. The same on every target (integer arithmetic only), so the native tests and
//! the wasm tests (tests/web.rs) train on the very same bytes.

use neptune::forest::SplitMix;
use neptune::schema::FEATURES;

/// Rows and seed of the cross-target fixture.
pub const ROWS: usize = 3000;
pub const FIXTURE_SEED: u64 = 2024;
/// The training seed used on it.
pub const TRAIN_SEED: u64 = 7;

/// sha256 of the model file that `train_bytes(&labelled_file(ROWS, FIXTURE_SEED), TRAIN_SEED)`
/// gives. Derived, not chosen: it is what the native test computed (run `cargo test --release
/// --test training cross_target` to see it printed on a mismatch). The wasm test
/// (`make test-wasm`) asserts the same value, so the two targets are proven to make the same bytes.
pub const MODEL_SHA256: &str = "48c24aa373e05317510713add175abf12088fd9833b02dc08eda05d6b7d1c611";

fn pick<'a>(rng: &mut SplitMix, items: &[&'a str]) -> &'a str {
    items[rng.below(items.len() as u64) as usize]
}

/// A rate in hundredths, `lo..=hi`, written as NSL-KDD writes rates.
fn rate(rng: &mut SplitMix, lo: u64, hi: u64) -> String {
    let v = lo + rng.below(hi - lo + 1);
    format!("{}.{:02}", v / 100, v % 100)
}

/// A CSV with the standard header and a `label` column (`normal` / `neptune`).
pub fn labelled_file(rows: usize, seed: u64) -> Vec<u8> {
    let mut rng = SplitMix(seed);
    let mut out = String::new();
    let names: Vec<&str> = FEATURES.iter().map(|f| f.name).collect();
    out.push_str(&names.join(","));
    out.push_str(",label\n");
    for _ in 0..rows {
        let attack = rng.below(100) < 40;
        let mut f: Vec<String> = vec!["0".to_string(); FEATURES.len()];
        if attack {
            f[1] = "tcp".into();
            f[2] = pick(
                &mut rng,
                &["private", "private", "other", "supdup", "http", "telnet"],
            )
            .into();
            let flag = pick(&mut rng, &["S0", "S0", "S0", "REJ", "REJ", "SF"]);
            f[3] = flag.into();
            f[22] = (50 + rng.below(400)).to_string();
            f[23] = rng.below(30).to_string();
            let (serror, rerror) = if flag == "S0" { (90, 0) } else { (0, 90) };
            f[24] = rate(&mut rng, serror, serror + 10);
            f[25] = rate(&mut rng, serror, serror + 10);
            f[26] = rate(&mut rng, rerror, rerror + 10);
            f[27] = rate(&mut rng, rerror, rerror + 10);
            f[28] = rate(&mut rng, 0, 20);
            f[29] = rate(&mut rng, 0, 10);
            f[31] = (200 + rng.below(56)).to_string();
            f[32] = rng.below(40).to_string();
            f[33] = rate(&mut rng, 0, 20);
            f[37] = rate(&mut rng, serror, serror + 10);
            f[38] = rate(&mut rng, serror, serror + 10);
            f[39] = rate(&mut rng, rerror, rerror + 10);
        } else {
            f[0] = rng.below(3).to_string();
            f[1] = pick(&mut rng, &["tcp", "tcp", "tcp", "udp", "icmp"]).into();
            f[2] = pick(
                &mut rng,
                &[
                    "http", "http", "smtp", "domain_u", "ftp_data", "private", "ecr_i",
                ],
            )
            .into();
            f[3] = pick(
                &mut rng,
                &["SF", "SF", "SF", "SF", "SF", "SF", "REJ", "S0", "RSTO"],
            )
            .into();
            f[4] = rng.below(20_000).to_string();
            f[5] = rng.below(50_000).to_string();
            f[11] = rng.below(2).to_string();
            f[22] = (1 + rng.below(80)).to_string();
            f[23] = (1 + rng.below(80)).to_string();
            f[24] = rate(&mut rng, 0, 5);
            f[26] = rate(&mut rng, 0, 10);
            f[28] = rate(&mut rng, 60, 100);
            f[29] = rate(&mut rng, 0, 20);
            f[31] = rng.below(256).to_string();
            f[32] = rng.below(256).to_string();
            f[33] = rate(&mut rng, 0, 100);
            f[35] = rate(&mut rng, 0, 100);
            f[37] = rate(&mut rng, 0, 10);
        }
        // Label noise: 1 row in 100 says the other class.
        let said = if rng.below(100) == 0 { !attack } else { attack };
        out.push_str(&f.join(","));
        out.push_str(if said { ",neptune\n" } else { ",normal\n" });
    }
    out.into_bytes()
}
