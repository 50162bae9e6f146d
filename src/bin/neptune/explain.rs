//! `neptune explain`: why rows got their scores.

use std::process::ExitCode;

use super::parts::run_scorer;
use super::{ScoringArgs, Unusable, load_model};

pub(super) fn explain(
    input: &str,
    lines: &[u64],
    args: &ScoringArgs,
) -> Result<ExitCode, Unusable> {
    let model = load_model(args)?;
    let mut header: Option<Vec<u8>> = None;
    let mut found: Vec<(u64, Vec<u8>)> = Vec::new();
    // One thread, so that every row's line number counts from the start of the file.
    run_scorer(input, &model, args.threshold, 1, true, &mut |batch| {
        let first = batch.rows.first().map_or(batch.csv.len(), |r| r.csv_start);
        if header.is_none() && first > 0 {
            header = Some(batch.csv[..first].to_vec());
        }
        for row in batch.rows.iter().filter(|r| lines.contains(&r.line)) {
            found.push((row.line, batch.csv[row.csv_start..row.csv_end].to_vec()));
        }
        Ok(())
    })?;
    let header = header.unwrap_or_default();
    for &line in lines {
        let Some((_, row)) = found.iter().find(|(l, _)| *l == line) else {
            println!("line {line}: no data row starts on this line");
            continue;
        };
        match neptune::explain::explain_output_row(&model, &header, row) {
            Ok(e) => {
                let verdict = if e.score >= args.threshold.unwrap_or(model.threshold) {
                    "Neptune"
                } else {
                    "normal"
                };
                println!(
                    "line {line}: score {:.6} ({verdict}); base {:.4}, threshold {:.4}",
                    e.score, e.base, e.threshold
                );
                for effect in e.effects.iter().take(8) {
                    println!(
                        "  {:+.4}  {} = {}",
                        effect.effect, effect.feature, effect.value
                    );
                }
            }
            Err(problem) => println!("line {line}: {problem}"),
        }
    }
    Ok(ExitCode::SUCCESS)
}
