//! `neptune eval`: the predictions against the file's labels; `--curve` writes the ROC and
//! precision-recall points.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use neptune::metrics::{self, roc_auc};
use neptune::score::{LabelKind, OtherAttack};

use super::parts::run_scorer;
use super::{ScoringArgs, Unusable, load_model, output};

pub(super) fn eval(
    input: &str,
    args: &ScoringArgs,
    json: bool,
    curve: Option<&Path>,
) -> Result<ExitCode, Unusable> {
    let model = load_model(args)?;
    let mut scored: Vec<(f64, bool)> = Vec::new();
    let summary = run_scorer(input, &model, args.threshold, 0, false, &mut |batch| {
        for row in &batch.rows {
            if let Some(score) = row.score {
                match row.label_kind {
                    LabelKind::Normal => scored.push((score, false)),
                    LabelKind::Neptune => scored.push((score, true)),
                    LabelKind::OtherAttack | LabelKind::AttackGroup | LabelKind::Unlabelled => {}
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
    print_counts(
        "groups of attacks (Neptune may be among them; counted apart):",
        &labelled.attack_groups,
    );
    print_counts(
        "other attack types (not Neptune; counted apart):",
        &labelled.other_attacks,
    );
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

/// Rows and rows flagged per label name, under `title`; nothing when there are none.
fn print_counts(title: &str, counts: &std::collections::BTreeMap<String, OtherAttack>) {
    if counts.is_empty() {
        return;
    }
    println!("{title}");
    for (name, c) in counts {
        println!("  {name:<16} {:>8} rows, {:>8} flagged", c.rows, c.flagged);
    }
}
