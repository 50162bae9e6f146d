//! `neptune train`: the model and its card, with a progress bar and the comparison table.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;

use super::Unusable;

pub(super) fn train(
    data_path: &Path,
    out: &Path,
    seed: u64,
    compare: bool,
) -> Result<ExitCode, Unusable> {
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
