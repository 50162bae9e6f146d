//! The smartcore models the chosen forest is compared with (native only: `neptune train`
//! without `--no-compare`). Timed here, since the library's training reads no clock.

use std::time::Instant;

use smartcore::ensemble::random_forest_classifier::{
    RandomForestClassifier, RandomForestClassifierParameters,
};
use smartcore::ensemble::random_forest_regressor::{
    RandomForestRegressor, RandomForestRegressorParameters,
};
use smartcore::linalg::basic::arrays::Array;
use smartcore::linalg::basic::matrix::DenseMatrix;
use smartcore::linear::logistic_regression::{LogisticRegression, LogisticRegressionParameters};
use smartcore::tree::decision_tree_classifier::{
    DecisionTreeClassifier, DecisionTreeClassifierParameters,
};

use crate::features::FeatureVector;
use crate::forest::ForestSettings;
use crate::schema::FEATURE_COUNT;
use crate::train::{Candidate, Prepared, TrainError, choose_threshold};

fn failed(e: smartcore::error::Failed) -> TrainError {
    TrainError::Baseline(format!("smartcore failed: {e}"))
}

fn matrix(rows: &[FeatureVector]) -> Result<DenseMatrix<f64>, TrainError> {
    let values: Vec<Vec<f64>> = rows.iter().map(|r| r.to_vec()).collect();
    DenseMatrix::from_2d_vec(&values).map_err(failed)
}

fn postcard_len<T: serde::Serialize>(value: &T) -> usize {
    postcard::to_allocvec(value).map_or(0, |b| b.len())
}

/// Compresses wide-ranged counts for the linear model, which the trees do not need.
fn log_scaled(rows: &[FeatureVector]) -> Vec<FeatureVector> {
    rows.iter().map(|r| r.map(f64::ln_1p)).collect()
}

/// Fits `fit`, then scores the hold-out with `predict`, timing both.
fn timed<M>(
    fit: impl FnOnce() -> Result<M, TrainError>,
    predict: impl FnOnce(&M) -> Result<Vec<f64>, TrainError>,
) -> Result<(M, Vec<f64>, f64, f64), TrainError> {
    let started = Instant::now();
    let model = fit()?;
    let fit_seconds = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let scores = predict(&model)?;
    Ok((model, scores, fit_seconds, started.elapsed().as_secs_f64()))
}

fn with_times(mut c: Candidate, fit: f64, predict: f64, rows: usize) -> Candidate {
    c.fit_seconds = fit;
    c.predict_micros_per_row = predict * 1e6 / rows.max(1) as f64;
    c
}

/// Fits and judges the baselines on the prepared split.
pub fn compare_baselines(
    prepared: &Prepared,
    progress: &mut dyn FnMut(&str),
) -> Result<Vec<Candidate>, TrainError> {
    let (train_x, train_y) = (&prepared.train_x, &prepared.train_y);
    let (holdout_x, holdout_y) = (&prepared.holdout_x, &prepared.holdout_y);
    let rows = holdout_x.len();
    let labels: Vec<i32> = train_y.iter().map(|&a| i32::from(a)).collect();
    let x = matrix(train_x)?;
    let hx = matrix(holdout_x)?;
    let mut out = Vec::new();

    progress("logistic regression");
    let lx = matrix(&log_scaled(train_x))?;
    let lhx = log_scaled(holdout_x);
    let (lr, scores, fit, predict) = timed(
        || {
            LogisticRegression::fit(&lx, &labels, LogisticRegressionParameters::default())
                .map_err(failed)
        },
        |lr| {
            let coefficients: Vec<f64> = (0..FEATURE_COUNT)
                .map(|j| *lr.coefficients().get((0, j)))
                .collect();
            let intercept = *lr.intercept().get((0, 0));
            Ok(lhx
                .iter()
                .map(|row| {
                    let z: f64 = intercept
                        + row
                            .iter()
                            .zip(&coefficients)
                            .map(|(a, b)| a * b)
                            .sum::<f64>();
                    1.0 / (1.0 + (-z).exp())
                })
                .collect())
        },
    )?;
    let name = "logistic regression (log1p features)";
    let c = Candidate::judge(name, &scores, holdout_y, 0.5, postcard_len(&lr), true);
    out.push(with_times(c, fit, predict, rows));

    progress("decision tree");
    let (tree, scores, fit, predict) = timed(
        || {
            DecisionTreeClassifier::fit(
                &x,
                &labels,
                DecisionTreeClassifierParameters::default().with_min_samples_leaf(1),
            )
            .map_err(failed)
        },
        |tree| {
            let predicted: Vec<i32> = tree.predict(&hx).map_err(failed)?;
            Ok(predicted.iter().map(|&p| f64::from(p)).collect())
        },
    )?;
    let name = "decision tree classifier (gini)";
    let c = Candidate::judge(name, &scores, holdout_y, 0.5, postcard_len(&tree), false);
    out.push(with_times(c, fit, predict, rows));

    progress("random forest classifier");
    let (forest, scores, fit, predict) = timed(
        || {
            RandomForestClassifier::fit(
                &x,
                &labels,
                RandomForestClassifierParameters::default()
                    .with_n_trees(40)
                    .with_seed(prepared.seed),
            )
            .map_err(failed)
        },
        |forest| {
            let predicted: Vec<i32> = forest.predict(&hx).map_err(failed)?;
            Ok(predicted.iter().map(|&p| f64::from(p)).collect())
        },
    )?;
    let name = "random forest classifier, 40 trees (majority vote)";
    let c = Candidate::judge(name, &scores, holdout_y, 0.5, postcard_len(&forest), false);
    out.push(with_times(c, fit, predict, rows));

    // The previous model's recipe: smartcore's own regression forest with the same settings,
    // its threshold from its out-of-bag scores by the same rule.
    progress("smartcore random forest regressor");
    let settings = ForestSettings::chosen(prepared.seed);
    let y: Vec<f64> = train_y.iter().map(|&a| f64::from(u8::from(a))).collect();
    let mut parameters = RandomForestRegressorParameters::default()
        .with_n_trees(settings.trees as usize)
        .with_min_samples_leaf(settings.min_samples_leaf as usize)
        .with_seed(settings.seed)
        .with_keep_samples(true);
    if let Some(depth) = settings.max_depth {
        parameters = parameters.with_max_depth(depth);
    }
    let (forest, scores, fit, predict) = timed(
        || RandomForestRegressor::fit(&x, &y, parameters).map_err(failed),
        |forest| forest.predict(&hx).map_err(failed),
    )?;
    let oob = forest.predict_oob(&x).map_err(failed)?;
    let threshold = choose_threshold(&oob, train_y);
    let name = format!(
        "smartcore random forest regressor, {} trees, min leaf {}, depth ≤ 14 (the previous model)",
        settings.trees, settings.min_samples_leaf
    );
    let c = Candidate::judge(
        &name,
        &scores,
        holdout_y,
        threshold,
        postcard_len(&forest),
        true,
    );
    out.push(with_times(c, fit, predict, rows));
    Ok(out)
}
