//! `neptune`: score, evaluate and train the Neptune detector from the command line.

mod input;
mod output;

use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use neptune::metrics::{self, roc_auc};
use neptune::model::{EMBEDDED_CARD, Model};
use neptune::score::{Batch, Scorer, SegmentContext, Summary, Truth, last_line_end};

#[derive(Parser)]
#[command(
    name = "neptune",
    version,
    about = "Tells which network connections in a CSV are Neptune (SYN flood) attacks"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Score every row: the input fields, then `attack_score` and `predicted_attack`.
    Score {
        /// The connections file (CSV, TSV, semicolon-separated, ARFF); `-` reads standard input.
        input: String,
        /// Where to write the scored CSV (standard output if omitted).
        #[arg(short, long)]
        output: Option<PathBuf>,
        #[command(flatten)]
        scoring: ScoringArgs,
        /// Exit with 1 when any row was rejected.
        #[arg(long)]
        strict: bool,
        /// Print nothing on standard error but problems.
        #[arg(short, long)]
        quiet: bool,
    },
    /// Compare the predictions with the file's labels: accuracy, precision, recall, F1, ROC-AUC.
    Eval {
        /// A labelled connections file; `-` reads standard input.
        input: String,
        #[command(flatten)]
        scoring: ScoringArgs,
        /// Print the figures as JSON.
        #[arg(long)]
        json: bool,
        /// Also write the ROC and precision-recall curves to this CSV: one row per distinct
        /// score (threshold, tpr, fpr, precision, recall, true_positive, false_positive).
        #[arg(long, value_name = "FILE.csv")]
        curve: Option<PathBuf>,
    },
    /// Train the model with smartcore and write it with its card.
    Train {
        /// A labelled training file (for example ../shared/data/Train_Data.csv).
        #[arg(long)]
        data: PathBuf,
        /// Where to write the model; the card goes beside it as .card.json.
        #[arg(long, default_value = "models/neptune.postcard")]
        out: PathBuf,
        /// Seed of the hold-out split and of the forest.
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Skip the baseline comparison (faster).
        #[arg(long)]
        no_compare: bool,
    },
    /// Explain rows: the features that pushed each score towards "attack" or "normal".
    Explain {
        /// The connections file; `-` reads standard input.
        input: String,
        /// Line numbers of the rows to explain (as `score` reports them).
        #[arg(required = true)]
        lines: Vec<u64>,
        #[command(flatten)]
        scoring: ScoringArgs,
    },
    /// Print the embedded model's card.
    Info,
    /// Time each stage on one core (for `make bench`): reader, features, model, whole scorer.
    #[command(hide = true)]
    BenchStages {
        input: PathBuf,
        #[arg(long, default_value_t = 5)]
        runs: usize,
    },
}

#[derive(clap::Args)]
struct ScoringArgs {
    /// Flag rows whose score is at least this (default: the model's own threshold).
    #[arg(long, value_parser = parse_threshold, allow_negative_numbers = true)]
    threshold: Option<f64>,
    /// Use this model file instead of the embedded one.
    #[arg(long)]
    model: Option<PathBuf>,
}

fn parse_threshold(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(t) if (0.0..=1.0).contains(&t) => Ok(t),
        _ => Err(format!("`{text}` is not a number between 0 and 1")),
    }
}

/// A failure that makes the whole input unusable: exit code 2.
struct Unusable(anyhow::Error);

impl<E: Into<anyhow::Error>> From<E> for Unusable {
    fn from(e: E) -> Self {
        Unusable(e.into())
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Score {
            input,
            output,
            scoring,
            strict,
            quiet,
        } => score(&input, output.as_deref(), &scoring, strict, quiet),
        Command::Eval {
            input,
            scoring,
            json,
            curve,
        } => eval(&input, &scoring, json, curve.as_deref()),
        Command::Train {
            data,
            out,
            seed,
            no_compare,
        } => train(&data, &out, seed, !no_compare),
        Command::Explain {
            input,
            lines,
            scoring,
        } => explain(&input, &lines, &scoring),
        Command::BenchStages { input, runs } => bench_stages(&input, runs),
        Command::Info => {
            println!("{EMBEDDED_CARD}");
            Ok(ExitCode::SUCCESS)
        }
    };
    match result {
        Ok(code) => code,
        // The reader of the output went away (`neptune score big.csv | head`): nothing is
        // wrong with the input, and there is nobody left to tell.
        Err(Unusable(e)) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(Unusable(e)) => {
            eprintln!("neptune: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn load_model(args: &ScoringArgs) -> Result<Model, Unusable> {
    match &args.model {
        None => Ok(Model::embedded()),
        Some(path) => {
            let bytes =
                std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
            Model::from_bytes(&bytes)
                .with_context(|| format!("{}", path.display()))
                .map_err(Unusable)
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        cause
            .downcast_ref::<io::Error>()
            .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
    })
}

/// Output held back while no row has been scored yet (see `score`).
const HELD_BYTES: usize = 16 << 20;

/// Bytes handed to one scoring thread at a time.
const PART_BYTES: usize = 4 << 20;
/// A part grows to this while waiting for a line end; past it the file is scored on one thread.
const MAX_PART_BYTES: usize = 64 << 20;

/// Reads from `reader` into `pending` until it holds `target` bytes or the input ends.
fn fill(reader: &mut dyn Read, pending: &mut Vec<u8>, target: usize) -> io::Result<bool> {
    while pending.len() < target {
        let start = pending.len();
        pending.resize(target, 0);
        match reader.read(&mut pending[start..]) {
            Ok(0) => {
                pending.truncate(start);
                return Ok(true);
            }
            Ok(n) => pending.truncate(start + n),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => pending.truncate(start),
            Err(e) => {
                pending.truncate(start);
                return Err(e);
            }
        }
    }
    Ok(false)
}

/// Streams `input` through the scorer, handing each batch to `on_batch` in input order.
///
/// The start of the file goes through one scorer, which learns the file's shape. After that,
/// parts cut at line ends are scored on all cores and their outputs written in order: the bytes
/// are those of one scorer (a part holding a quote character, which may open a field spanning
/// lines, sends the rest of the file to one scorer again).
fn run_scorer(
    input: &str,
    model: &Model,
    threshold: Option<f64>,
    threads: usize,
    on_batch: &mut dyn FnMut(&Batch) -> io::Result<()>,
) -> Result<Summary, Unusable> {
    let read_error =
        |e: io::Error| Unusable(anyhow::Error::new(e).context(format!("cannot read {input}")));
    let write_error =
        |e: io::Error| Unusable(anyhow::Error::new(e).context("cannot write the output"));
    let file_error =
        |e: neptune::reader::FileError| Unusable(anyhow::Error::new(e).context(input.to_string()));
    let mut reader = input::open(input)?;
    let threads = if threads == 0 {
        std::thread::available_parallelism()
    } else {
        Ok(std::num::NonZeroUsize::MIN.saturating_add(threads - 1))
    };
    let threads = threads.map_or(1, |n| n.get()).min(8);
    let mut primary = Scorer::new(model, threshold);
    let mut batch = Batch::default();
    let mut pending = Vec::with_capacity(PART_BYTES);

    let mut at_end = fill(&mut reader, &mut pending, PART_BYTES).map_err(read_error)?;
    let cut = if at_end {
        pending.len()
    } else {
        last_line_end(&pending).unwrap_or(pending.len())
    };
    primary
        .push(&pending[..cut], &mut batch)
        .map_err(file_error)?;
    let context = primary
        .segment_context()
        .filter(|c| threads > 1 && c.can_split(&pending[..cut]));
    primary.write_header(&mut batch);
    on_batch(&batch).map_err(write_error)?;
    batch.clear();
    pending.drain(..cut);

    // One scorer for whatever cannot be split: the primary itself, or a scorer for the rest of
    // the file once splitting stopped.
    let mut rest: Option<Scorer> = None;
    let mut line_offset = primary.line_ends();
    if let Some(context) = context {
        loop {
            let mut parts: Vec<Vec<u8>> = Vec::with_capacity(threads);
            let mut target = PART_BYTES;
            while parts.len() < threads && !(at_end && pending.is_empty()) {
                at_end = fill(&mut reader, &mut pending, target).map_err(read_error)?;
                let cut = match last_line_end(&pending) {
                    _ if at_end => pending.len(),
                    Some(cut) => cut,
                    None if pending.len() < MAX_PART_BYTES => {
                        target = pending.len() + PART_BYTES;
                        continue;
                    }
                    None => break,
                };
                if !context.can_split(&pending[..cut]) {
                    break;
                }
                let tail = pending.split_off(cut);
                parts.push(std::mem::replace(&mut pending, tail));
                target = PART_BYTES;
            }
            let scored: Vec<_> = std::thread::scope(|scope| {
                let handles: Vec<_> = parts
                    .iter()
                    .map(|part| scope.spawn(|| score_part(model, threshold, &context, part)))
                    .collect();
                handles
                    .into_iter()
                    .map(|h| h.join().expect("a scoring thread never panics"))
                    .collect()
            });
            for result in scored {
                let (part_batch, summary, line_ends) = result.map_err(file_error)?;
                on_batch(&part_batch).map_err(write_error)?;
                primary.absorb(&summary, line_offset);
                line_offset += line_ends;
            }
            if at_end && pending.is_empty() {
                break;
            }
            if parts.len() < threads {
                // Splitting stopped (a quote, or no line end): one scorer takes the rest.
                rest = Some(Scorer::for_segment(model, threshold, &context).map_err(file_error)?);
                break;
            }
        }
    }
    let scorer = rest.as_mut().unwrap_or(&mut primary);
    loop {
        scorer.push(&pending, &mut batch).map_err(file_error)?;
        on_batch(&batch).map_err(write_error)?;
        batch.clear();
        pending.clear();
        if at_end {
            break;
        }
        at_end = fill(&mut reader, &mut pending, PART_BYTES).map_err(read_error)?;
    }
    let summary = match rest {
        Some(mut rest) => {
            let summary = rest.finish(&mut batch).map_err(file_error)?;
            primary.absorb(&summary, line_offset);
            primary.finish(&mut batch).map_err(file_error)?
        }
        None => primary.finish(&mut batch).map_err(file_error)?,
    };
    on_batch(&batch).map_err(write_error)?;
    Ok(summary)
}

/// Scores one part of a file on its own.
fn score_part(
    model: &Model,
    threshold: Option<f64>,
    context: &SegmentContext,
    part: &[u8],
) -> Result<(Batch, Summary, u64), neptune::reader::FileError> {
    let mut scorer = Scorer::for_segment(model, threshold, context)?;
    let mut batch = Batch::default();
    scorer.push(part, &mut batch)?;
    let summary = scorer.finish(&mut batch)?;
    Ok((batch, summary, scorer.line_ends()))
}

fn score(
    input: &str,
    output: Option<&Path>,
    args: &ScoringArgs,
    strict: bool,
    quiet: bool,
) -> Result<ExitCode, Unusable> {
    let model = load_model(args)?;
    if output.is_some() {
        output::remove_partial_output_on_signals();
    }
    let mut out = output::Output::open(output)?;
    let mut writer = BufWriter::with_capacity(1 << 20, out.writer());
    // Until a row is scored, the output is held back (up to a bound), so that a file where no
    // row at all can be scored writes nothing, even to standard output.
    let mut held: Option<Vec<u8>> = Some(Vec::new());
    let result = run_scorer(input, &model, args.threshold, 0, &mut |batch| {
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

fn eval(
    input: &str,
    args: &ScoringArgs,
    json: bool,
    curve: Option<&Path>,
) -> Result<ExitCode, Unusable> {
    let model = load_model(args)?;
    let mut scored: Vec<(f64, bool)> = Vec::new();
    let summary = run_scorer(input, &model, args.threshold, 0, &mut |batch| {
        for row in &batch.rows {
            if let Some(score) = row.score {
                match row.truth {
                    Truth::Normal => scored.push((score, false)),
                    Truth::Neptune => scored.push((score, true)),
                    Truth::OtherAttack | Truth::AttackGroup | Truth::Unlabelled => {}
                }
            }
        }
        Ok(())
    })?;
    let Some(labelled) = &summary.labelled else {
        return Err(anyhow::anyhow!(
            "{input} has no label column (attack, label, class, ...), so there is nothing to compare with"
        )
        .into());
    };
    // Without rows labelled Neptune there is no Neptune ROC either.
    let auc = labelled.figures.as_ref().and_then(|_| roc_auc(&scored));
    let average_precision = labelled
        .figures
        .as_ref()
        .and_then(|_| metrics::average_precision(&scored));
    if let Some(path) = curve {
        let points = labelled
            .figures
            .as_ref()
            .and_then(|_| metrics::curve(&scored))
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "no curve: the file needs rows labelled Neptune and rows labelled normal"
                )
            })?;
        write_curve(path, &points)?;
    }
    if json {
        let report = serde_json::json!({
            "rows": summary.rows,
            "scored": summary.scored,
            "rejected": summary.rejected,
            "threshold": summary.threshold,
            "confusion": labelled.confusion,
            "figures": labelled.figures,
            "roc_auc": auc,
            "average_precision": average_precision,
            "other_attacks": labelled.other_attacks,
            "attack_groups": labelled.attack_groups,
            "unlabelled": labelled.unlabelled,
        });
        println!(
            "{}",
            serde_json::to_string_pretty(&report).expect("JSON of plain values")
        );
        return Ok(ExitCode::SUCCESS);
    }
    let c = &labelled.confusion;
    println!(
        "rows {} (scored {}, rejected {}), threshold {:.4}",
        summary.rows, summary.scored, summary.rejected, summary.threshold
    );
    match &labelled.figures {
        Some(f) => {
            println!("Neptune vs normal: {} rows, {} errors", f.rows, f.errors);
            println!("  accuracy  {:.6}", f.accuracy);
            println!("  precision {:.6}", f.precision);
            println!("  recall    {:.6}", f.recall);
            println!("  F1        {:.6}", f.f1);
            match (auc, average_precision) {
                (Some(auc), Some(ap)) => {
                    println!("  ROC-AUC   {auc:.6}");
                    println!("  avg prec. {ap:.6}");
                }
                _ => println!("  ROC-AUC   n/a (only one class present)"),
            }
            println!("confusion matrix     predicted normal  predicted Neptune");
            println!(
                "  actual normal      {:>16}  {:>17}",
                c.true_negative, c.false_positive
            );
            println!(
                "  actual Neptune     {:>16}  {:>17}",
                c.false_negative, c.true_positive
            );
        }
        None => {
            if labelled.attack_groups.is_empty() {
                println!("no row is labelled Neptune, so Neptune's accuracy cannot be measured");
            } else {
                let groups: Vec<&str> = labelled.attack_groups.keys().map(String::as_str).collect();
                println!(
                    "no row is labelled Neptune: the labels name groups of attacks ({}), which \
                     may hold Neptune among others, so Neptune's accuracy cannot be measured",
                    groups.join(", ")
                );
            }
            let normal = c.true_negative + c.false_positive;
            if normal > 0 {
                println!(
                    "  normal rows {normal:>10}, flagged as Neptune {:>8} (false alarms)",
                    c.false_positive
                );
            }
        }
    }
    if !labelled.attack_groups.is_empty() {
        println!("groups of attacks (Neptune may be among them; counted apart):");
        for (name, group) in &labelled.attack_groups {
            println!(
                "  {name:<16} {:>8} rows, {:>8} flagged",
                group.rows, group.flagged
            );
        }
    }
    if !labelled.other_attacks.is_empty() {
        println!("other attack types (not Neptune; counted apart):");
        for (name, other) in &labelled.other_attacks {
            println!(
                "  {name:<16} {:>8} rows, {:>8} flagged",
                other.rows, other.flagged
            );
        }
    }
    if labelled.unlabelled > 0 {
        println!("rows without a label: {}", labelled.unlabelled);
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes the curve points as CSV, every number at full precision (the shortest text that reads
/// back to the same f64), the first threshold `inf` (nothing flagged).
fn write_curve(path: &Path, points: &[metrics::CurvePoint]) -> Result<(), Unusable> {
    let mut text =
        String::from("threshold,tpr,fpr,precision,recall,true_positive,false_positive\n");
    for p in points {
        text.push_str(&format!(
            "{},{},{},{},{},{},{}\n",
            p.threshold, p.tpr, p.fpr, p.precision, p.tpr, p.true_positive, p.false_positive
        ));
    }
    let mut out = output::Output::open(Some(path))?;
    out.writer()
        .write_all(text.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))?;
    out.commit()?;
    Ok(())
}

fn explain(input: &str, lines: &[u64], args: &ScoringArgs) -> Result<ExitCode, Unusable> {
    let model = load_model(args)?;
    let mut header: Option<Vec<u8>> = None;
    let mut found: Vec<(u64, Vec<u8>)> = Vec::new();
    // One thread, so that every row's line number counts from the start of the file.
    run_scorer(input, &model, args.threshold, 1, &mut |batch| {
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

/// Median seconds of `runs` calls of `work`.
fn median_seconds(runs: usize, mut work: impl FnMut()) -> f64 {
    let mut times: Vec<f64> = (0..runs.max(1))
        .map(|_| {
            let started = std::time::Instant::now();
            work();
            started.elapsed().as_secs_f64()
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

fn bench_stages(input: &Path, runs: usize) -> Result<ExitCode, Unusable> {
    use neptune::layout::Layout;
    use neptune::reader::{FileError, RawRecord, RecordReader};

    let bytes = std::fs::read(input).with_context(|| format!("cannot read {}", input.display()))?;
    let model = Model::embedded();
    let mut records = 0u64;
    let reader_seconds = median_seconds(runs, || {
        let mut reader = RecordReader::new();
        let mut count = |_: RawRecord<'_>| -> Result<(), FileError> {
            records += 1;
            Ok(())
        };
        reader.push(&bytes, &mut count).expect("a readable file");
        reader.finish(&mut count).expect("a readable file");
    });
    records /= runs.max(1) as u64;
    // Records parsed and encoded into feature vectors (the reader's time included).
    let mut vectors = Vec::new();
    let features_seconds = median_seconds(runs, || {
        vectors.clear();
        let mut reader = RecordReader::new();
        let mut layout: Option<Layout> = None;
        let mut encode = |record: RawRecord<'_>| -> Result<(), FileError> {
            let Some(layout) = &layout else {
                let found = Layout::detect(&record)?;
                let header = found.has_header;
                layout = Some(found);
                if !header {
                    return Err(FileError::Layout("bench-stages needs a header".into()));
                }
                return Ok(());
            };
            if let Ok(row) = neptune::features::parse_row(&record, layout) {
                vectors.push(model.encoding.encode(&row).0);
            }
            Ok(())
        };
        reader
            .push(&bytes, &mut encode)
            .expect("a file with a header");
        reader.finish(&mut encode).expect("a file with a header");
    });
    let mut total = 0.0;
    let model_seconds = median_seconds(runs, || {
        total += vectors.iter().map(|x| model.score(x)).sum::<f64>();
    });
    let mut out_bytes = 0;
    let scorer_seconds = median_seconds(runs, || {
        let (csv, _) = neptune::score::score_bytes(&model, &bytes, None).expect("a usable file");
        out_bytes = csv.len();
    });
    let mb = bytes.len() as f64 / 1e6;
    let report = serde_json::json!({
        "input_bytes": bytes.len(),
        "records": records,
        "rows_scored": vectors.len(),
        "runs": runs,
        "reader": { "seconds": reader_seconds, "mb_per_s": mb / reader_seconds },
        "reader_and_features": { "seconds": features_seconds, "rows_per_s": vectors.len() as f64 / features_seconds },
        "model": { "seconds": model_seconds, "rows_per_s": vectors.len() as f64 / model_seconds, "checksum": total },
        "scorer_one_thread": { "seconds": scorer_seconds, "mb_per_s": mb / scorer_seconds, "output_bytes": out_bytes },
    });
    println!(
        "{}",
        serde_json::to_string_pretty(&report).expect("JSON of plain values")
    );
    Ok(ExitCode::SUCCESS)
}

fn train(data_path: &Path, out: &Path, seed: u64, compare: bool) -> Result<ExitCode, Unusable> {
    use indicatif::{ProgressBar, ProgressStyle};
    use sha2::{Digest, Sha256};

    let bytes =
        std::fs::read(data_path).with_context(|| format!("cannot read {}", data_path.display()))?;
    let steps = if compare { 5 } else { 2 };
    let bar = ProgressBar::new(steps);
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} {msg}")
            .expect("a fixed template"),
    );
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    bar.set_message("reading");
    let data =
        neptune::train::Dataset::read(&bytes).with_context(|| data_path.display().to_string())?;
    bar.inc(1);
    let trained = neptune::train::train(&data, seed, compare, &mut |step| {
        bar.set_message(step.to_string());
        bar.inc(1);
    })
    .context("training failed")?;
    bar.finish_with_message("done");

    println!(
        "{:<62} {:>9} {:>6} {:>9} {:>10} {:>8} {:>10}",
        "model", "accuracy", "errors", "ROC-AUC", "bytes", "fit s", "µs/row"
    );
    for c in &trained.candidates {
        println!(
            "{:<62} {:>9.6} {:>6} {:>9.6} {:>10} {:>8.2} {:>10.3}",
            c.name,
            c.accuracy,
            c.errors,
            c.roc_auc,
            c.bytes,
            c.fit_seconds,
            c.predict_micros_per_row
        );
    }
    let model_bytes = trained.model.to_bytes();
    println!(
        "chosen forest: {} bytes compact, {} bytes as smartcore serializes it",
        model_bytes.len(),
        trained.smartcore_bytes
    );
    let card = neptune::train::card(
        &trained,
        &data,
        &format!("{:x}", Sha256::digest(&bytes)),
        data_path,
        &model_bytes,
    );
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    std::fs::write(out, &model_bytes).with_context(|| format!("cannot write {}", out.display()))?;
    let card_path = out.with_extension("card.json");
    std::fs::write(&card_path, card)
        .with_context(|| format!("cannot write {}", card_path.display()))?;
    eprintln!(
        "neptune: wrote {} ({} bytes, {} trees, threshold {:.4}) and {}",
        out.display(),
        model_bytes.len(),
        trained.model.trees.len(),
        trained.model.threshold,
        card_path.display()
    );
    if !data.rejected.is_empty() || data.skipped > 0 {
        eprintln!(
            "neptune: {} rows rejected, {} rows skipped (other attack types or no label)",
            data.rejected.len(),
            data.skipped
        );
    }
    Ok(ExitCode::SUCCESS)
}
