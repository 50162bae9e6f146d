//! `neptune train`: the model and its card, with a progress bar and the comparison table.

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use neptune::train::{self, Candidate, DataSource, Dataset, Training};

use super::Unusable;

pub(super) fn train(
    data_path: &Path,
    out: &Path,
    seed: u64,
    compare: bool,
) -> Result<ExitCode, Unusable> {
    use indicatif::{ProgressBar, ProgressStyle};

    let bytes =
        std::fs::read(data_path).with_context(|| format!("cannot read {}", data_path.display()))?;
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} {msg}")
            .expect("a fixed template"),
    );
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    bar.set_message("reading");
    let data = Dataset::read(&bytes).with_context(|| data_path.display().to_string())?;
    let prepared = train::prepare(&data, seed).context("cannot train on this file")?;
    let baselines = if compare {
        bar.set_length(4);
        neptune::baselines::compare_baselines(&prepared, &mut |step| {
            bar.set_message(step.to_string());
            bar.inc(1);
        })
        .context("training a baseline failed")?
    } else {
        Vec::new()
    };

    let holdout_x = prepared.holdout_x.clone();
    let mut training = Training::from_prepared(prepared);
    let progress = training.progress();
    bar.set_position(0);
    bar.set_length(u64::from(progress.trees));
    bar.set_message(format!(
        "growing trees on {} rows (single thread)",
        progress.training_rows
    ));
    let started = Instant::now();
    while training.step() {
        bar.set_position(u64::from(training.progress().trees_built));
    }
    let trained = training.finish();
    let fit_seconds = started.elapsed().as_secs_f64();
    bar.finish_with_message("done");

    let started = Instant::now();
    for x in &holdout_x {
        std::hint::black_box(trained.model.score(x));
    }
    let predict_seconds = started.elapsed().as_secs_f64();
    let chosen = Candidate {
        fit_seconds,
        predict_micros_per_row: predict_seconds * 1e6 / trained.holdout_scores.len().max(1) as f64,
        ..trained.candidate()
    };

    println!(
        "{:<90} {:>9} {:>6} {:>9} {:>10} {:>8} {:>10}",
        "model", "accuracy", "errors", "ROC-AUC", "bytes", "fit s", "µs/row"
    );
    for c in baselines.iter().chain([&chosen]) {
        println!(
            "{:<90} {:>9.6} {:>6} {:>9.6} {:>10} {:>8.2} {:>10.3}",
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
    let source = DataSource::new(
        data_path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned()),
        &bytes,
    );
    let card = train::card(&trained, &source, &baselines);
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    std::fs::write(out, &model_bytes).with_context(|| format!("cannot write {}", out.display()))?;
    let card_path = out.with_extension("card.json");
    std::fs::write(&card_path, card)
        .with_context(|| format!("cannot write {}", card_path.display()))?;
    eprintln!(
        "neptune: wrote {} ({} bytes, {} trees, threshold {:.4}, grown in {:.2} s) and {}",
        out.display(),
        model_bytes.len(),
        trained.model.trees.len(),
        trained.model.threshold,
        fit_seconds,
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
