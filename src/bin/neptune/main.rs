//! `neptune`: score, evaluate and train the Neptune detector from the command line.

mod bench;
mod conn_log;
mod eval;
mod explain;
mod input;
mod output;
mod parts;
mod score;
mod train;

use std::io;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use neptune::model::{EMBEDDED_CARD, Model};

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
        /// The connections file (CSV, TSV, semicolon-separated, ARFF, or a Zeek conn.log in
        /// its TSV or JSON form); `-` reads standard input.
        input: String,
        /// Where to write the scored CSV (standard output if omitted).
        #[arg(short, long)]
        output: Option<PathBuf>,
        #[command(flatten)]
        scoring: ScoringArgs,
        /// Exit with 1 when any row was rejected.
        #[arg(long)]
        strict: bool,
        /// Zeek conn.log: add the 41 computed KDD features (standard snake_case names) before
        /// the score columns. Other inputs already hold their features.
        #[arg(long)]
        features: bool,
        /// Zeek conn.log: write the incidents (flagged connections grouped) to this CSV file.
        #[arg(long, value_name = "FILE.csv")]
        incidents: Option<PathBuf>,
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
    /// Train the model (the project's own forest) and write it with its card.
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
            features,
            incidents,
        } => score::score(
            &input,
            output.as_deref(),
            &scoring,
            score::Options {
                strict,
                quiet,
                features,
                incidents,
            },
        ),
        Command::Eval {
            input,
            scoring,
            json,
            curve,
        } => eval::eval(&input, &scoring, json, curve.as_deref()),
        Command::Train {
            data,
            out,
            seed,
            no_compare,
        } => train::train(&data, &out, seed, !no_compare),
        Command::Explain {
            input,
            lines,
            scoring,
        } => explain::explain(&input, &lines, &scoring),
        Command::BenchStages { input, runs } => bench::bench_stages(&input, runs),
        Command::Info => {
            let card = neptune::train::ModelCard::from_json(EMBEDDED_CARD)
                .expect("the embedded card is a model card (a unit test proves it)");
            println!("{}", card.to_json());
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
