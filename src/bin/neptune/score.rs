//! `neptune score`: the scored CSV to a file or standard output, the summary on standard error.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use neptune::score::Summary;

use super::parts::run_scorer;
use super::{ScoringArgs, Unusable, load_model, output};

/// Output held back while no row has been scored yet (see `score`).
const HELD_BYTES: usize = 16 << 20;

/// How `neptune score` reports.
pub(super) struct Options {
    pub strict: bool,
    pub quiet: bool,
    /// A conn.log's output carries the computed features.
    pub features: bool,
    /// Where a conn.log's incidents go.
    pub incidents: Option<PathBuf>,
}

pub(super) fn score(
    input: &str,
    output: Option<&Path>,
    args: &ScoringArgs,
    options: Options,
) -> Result<ExitCode, Unusable> {
    let Options {
        strict,
        quiet,
        features,
        incidents,
    } = options;
    let model = load_model(args)?;
    if output.is_some() {
        output::remove_partial_output_on_signals();
    }
    let mut out = output::Output::open(output)?;
    let mut writer = BufWriter::with_capacity(1 << 20, out.writer());
    // Until a row is scored, the output is held back (up to a bound), so that a file where no
    // row at all can be scored writes nothing, even to standard output.
    let mut held: Option<Vec<u8>> = Some(Vec::new());
    let result = run_scorer(input, &model, args.threshold, 0, features, &mut |batch| {
        if let Some(buffer) = &mut held {
            buffer.extend_from_slice(&batch.csv);
            if batch.rows.iter().any(|r| r.score.is_some()) || buffer.len() > HELD_BYTES {
                writer.write_all(buffer)?;
                held = None;
            }
            return Ok(());
        }
        writer.write_all(&batch.csv)
    });
    let result = result.and_then(|summary| match &held {
        Some(buffer) => writer
            .write_all(buffer)
            .map(|()| summary)
            .map_err(|e| Unusable(anyhow::Error::new(e).context("cannot write the output"))),
        None => Ok(summary),
    });
    let flushed = writer.flush();
    drop(writer);
    let summary = result?;
    flushed.context("cannot write the output")?;
    out.commit()?;
    if let Some(path) = &incidents {
        write_incidents(path, &summary)?;
    }
    print_summary(&summary, quiet);
    Ok(if strict && summary.rejected > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn print_summary(summary: &Summary, quiet: bool) {
    let share = if summary.scored > 0 {
        100.0 * summary.flagged as f64 / summary.scored as f64
    } else {
        0.0
    };
    if !quiet {
        for note in &summary.notes {
            eprintln!("neptune: {note}");
        }
        eprintln!(
            "neptune: {} rows: {} scored, {} flagged as Neptune ({share:.1}%), {} rejected",
            summary.rows, summary.scored, summary.flagged, summary.rejected
        );
    }
    const SHOWN: usize = 20;
    for rejection in summary.rejections.iter().take(SHOWN) {
        eprintln!("  line {}: {}", rejection.line, rejection.reason);
    }
    if summary.rejected > SHOWN as u64 {
        eprintln!(
            "  ... and {} more rejected rows",
            summary.rejected - SHOWN as u64
        );
    }
    if let Some(zeek) = summary
        .zeek
        .as_ref()
        .filter(|z| !quiet && z.incidents_total > 0)
    {
        eprintln!(
            "neptune: {} incidents (flagged connections grouped); the largest:",
            zeek.incidents_total
        );
        for incident in zeek.incidents.iter().take(5) {
            eprintln!(
                "  {} .. {}  {}",
                neptune::zeek::iso_time(incident.start),
                neptune::zeek::iso_time(incident.end),
                incident.description
            );
        }
        eprintln!(
            "  (the model learned SYN floods: on Zeek data it flags bursts of failed TCP \
             handshakes, which scans and retries are too; the pattern says which)"
        );
    }
    if summary.rows_with_unknown_categories > 0 {
        eprintln!(
            "neptune: {} rows have a category the model never saw (scored as unknown):",
            summary.rows_with_unknown_categories
        );
        for (column, names) in &summary.unknown_categories {
            let names: Vec<String> = names.iter().map(|(n, c)| format!("{n} ({c})")).collect();
            eprintln!("  {column}: {}", names.join(", "));
        }
    }
}

/// Writes a conn.log's incidents as CSV (the largest kept in the summary, largest first).
fn write_incidents(path: &Path, summary: &Summary) -> Result<(), Unusable> {
    let Some(zeek) = &summary.zeek else {
        return Err(Unusable(anyhow::anyhow!(
            "--incidents needs a Zeek conn.log: this input is a CSV of connection features"
        )));
    };
    let mut out = output::Output::open(Some(path))?;
    let mut writer = BufWriter::new(out.writer());
    writer
        .write_all(&neptune::zeek::incidents_csv(&zeek.incidents))
        .and_then(|()| writer.flush())
        .with_context(|| format!("cannot write {}", path.display()))?;
    drop(writer);
    out.commit()?;
    Ok(())
}
