//! How well scores match labels: confusion matrix, precision, recall, F1, ROC-AUC, the ROC and
//! precision-recall curves and average precision.

use serde::{Deserialize, Serialize};

/// Counts of predictions against Neptune/normal labels.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Confusion {
    /// Attack rows flagged.
    pub true_positive: u64,
    /// Normal rows flagged.
    pub false_positive: u64,
    /// Normal rows not flagged.
    pub true_negative: u64,
    /// Attack rows not flagged.
    pub false_negative: u64,
}

/// The usual figures derived from a [`Confusion`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Figures {
    /// Share of rows whose flag matches their label, in [0, 1].
    pub accuracy: f64,
    /// Of the rows flagged, the share labelled attack (0 when none is flagged).
    pub precision: f64,
    /// Of the attack rows, the share flagged (0 when there is none).
    pub recall: f64,
    /// Harmonic mean of precision and recall (0 when both are 0).
    pub f1: f64,
    /// Rows flagged wrongly plus attack rows missed.
    pub errors: u64,
    /// Rows counted.
    pub rows: u64,
}

impl Confusion {
    /// Counts one row: whether it is labelled an attack, and whether it was flagged.
    pub fn add(&mut self, attack: bool, flagged: bool) {
        match (attack, flagged) {
            (true, true) => self.true_positive += 1,
            (false, true) => self.false_positive += 1,
            (false, false) => self.true_negative += 1,
            (true, false) => self.false_negative += 1,
        }
    }

    /// Rows counted, of all four kinds.
    pub fn rows(&self) -> u64 {
        self.true_positive + self.false_positive + self.true_negative + self.false_negative
    }

    /// The figures of these counts; a share of no rows at all is 0.
    pub fn figures(&self) -> Figures {
        let ratio = |a: u64, b: u64| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        let precision = ratio(self.true_positive, self.true_positive + self.false_positive);
        let recall = ratio(self.true_positive, self.true_positive + self.false_negative);
        let f1 = if precision + recall == 0.0 {
            0.0
        } else {
            2.0 * precision * recall / (precision + recall)
        };
        Figures {
            accuracy: ratio(self.true_positive + self.true_negative, self.rows()),
            precision,
            recall,
            f1,
            errors: self.false_positive + self.false_negative,
            rows: self.rows(),
        }
    }
}

/// `(score, is attack)` pairs sorted by score, with the number of each class.
struct ByScore {
    sorted: Vec<(f64, bool)>,
    positives: u64,
    negatives: u64,
}

/// `scored` sorted by score (highest first if `descending`); `None` when either class is absent.
fn by_score(scored: &[(f64, bool)], descending: bool) -> Option<ByScore> {
    let mut sorted = scored.to_vec();
    if descending {
        sorted.sort_by(|a, b| b.0.total_cmp(&a.0));
    } else {
        sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
    }
    let positives = sorted.iter().filter(|(_, p)| *p).count() as u64;
    let negatives = sorted.len() as u64 - positives;
    (positives > 0 && negatives > 0).then_some(ByScore {
        sorted,
        positives,
        negatives,
    })
}

/// Area under the ROC curve: the chance that a random attack scores above a random normal row
/// (ties count half). `None` when either class is absent.
pub fn roc_auc(scored: &[(f64, bool)]) -> Option<f64> {
    let ByScore {
        sorted,
        positives,
        negatives,
    } = by_score(scored, false)?;
    let (positives, negatives) = (positives as f64, negatives as f64);
    // Sum of positive ranks (1-based, ties get their mean rank): Mann-Whitney U.
    let mut rank_sum = 0.0;
    let mut i = 0;
    while i < sorted.len() {
        let mut j = i;
        while j < sorted.len() && sorted[j].0 == sorted[i].0 {
            j += 1;
        }
        let mean_rank = (i + 1 + j) as f64 / 2.0;
        let tied_positives = sorted[i..j].iter().filter(|(_, p)| *p).count() as f64;
        rank_sum += mean_rank * tied_positives;
        i = j;
    }
    Some((rank_sum - positives * (positives + 1.0) / 2.0) / (positives * negatives))
}

/// Rows per exact score and per kind of label (indexed as [`crate::score::LabelKind`]: unlabelled,
/// normal, Neptune, another attack, a group of attacks). From it the page finds, for any
/// threshold and without a pass over the rows, how many rows of each kind are flagged, and the
/// exact ROC and precision-recall curves. A forest gives few distinct scores (hundreds on
/// NSL-KDD); past [`MAX_DISTINCT_SCORES`] the counts are dropped and marked incomplete, so memory
/// stays bounded.
#[derive(Clone, PartialEq)]
pub struct ScoreCounts {
    counts: rustc_hash::FxHashMap<u64, [u64; LABEL_KINDS]>,
    /// False once more than [`MAX_DISTINCT_SCORES`] distinct scores were met.
    pub complete: bool,
}

/// Debug text in score order, whatever order the scores were met in (the fuzz targets compare
/// summaries by their Debug text: merged parts meet the scores in another order).
impl std::fmt::Debug for ScoreCounts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sorted: std::collections::BTreeMap<_, _> = self.counts.iter().collect();
        f.debug_struct("ScoreCounts")
            .field("counts", &sorted)
            .field("complete", &self.complete)
            .finish()
    }
}

/// The kinds of label [`ScoreCounts`] counts apart.
pub const LABEL_KINDS: usize = 5;
/// The most distinct scores counted (a few MB).
pub const MAX_DISTINCT_SCORES: usize = 1 << 18;

impl Default for ScoreCounts {
    fn default() -> Self {
        ScoreCounts {
            counts: Default::default(),
            complete: true,
        }
    }
}

impl ScoreCounts {
    /// Counts `rows` scored rows of label kind `label_kind` (see [`LABEL_KINDS`]) at `score`.
    pub fn add(&mut self, score: f64, label_kind: usize, rows: u64) {
        // Called once per scored row: a score already met is one increment, no array built.
        if let Some(counts) = self.counts.get_mut(&score.to_bits()) {
            counts[label_kind] += rows;
            return;
        }
        let mut counts = [0; LABEL_KINDS];
        counts[label_kind] = rows;
        self.add_counts(score.to_bits(), &counts);
    }

    fn add_counts(&mut self, bits: u64, counts: &[u64; LABEL_KINDS]) {
        if !self.complete {
            return;
        }
        if let Some(mine) = self.counts.get_mut(&bits) {
            for (m, c) in mine.iter_mut().zip(counts) {
                *m += c;
            }
        } else if self.counts.len() < MAX_DISTINCT_SCORES {
            self.counts.insert(bits, *counts);
        } else {
            self.complete = false;
            self.counts = Default::default();
        }
    }

    /// Adds the counts of another part of the same file.
    pub fn merge(&mut self, other: &ScoreCounts) {
        if !other.complete {
            self.complete = false;
            self.counts = Default::default();
        }
        for (&bits, counts) in &other.counts {
            self.add_counts(bits, counts);
        }
    }

    /// The distinct scores, highest first, with their counts.
    pub fn sorted(&self) -> Vec<(f64, [u64; LABEL_KINDS])> {
        let mut all: Vec<(f64, [u64; LABEL_KINDS])> = self
            .counts
            .iter()
            .map(|(&bits, &counts)| (f64::from_bits(bits), counts))
            .collect();
        all.sort_by(|a, b| b.0.total_cmp(&a.0));
        all
    }

    /// Rows of each label kind with a score of at least `threshold`.
    pub fn flagged_at(&self, threshold: f64) -> [u64; LABEL_KINDS] {
        let mut flagged = [0; LABEL_KINDS];
        for (&bits, counts) in &self.counts {
            if f64::from_bits(bits) >= threshold {
                for (f, c) in flagged.iter_mut().zip(counts) {
                    *f += c;
                }
            }
        }
        flagged
    }
}

/// As a list of `[score, [unlabelled, normal, neptune, other, group]]`, highest score first,
/// or `null` when incomplete.
impl Serialize for ScoreCounts {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.complete {
            serializer.serialize_some(&self.sorted())
        } else {
            serializer.serialize_none()
        }
    }
}

impl<'de> Deserialize<'de> for ScoreCounts {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        type Listed = Option<Vec<(f64, [u64; LABEL_KINDS])>>;
        Ok(match Listed::deserialize(deserializer)? {
            None => ScoreCounts {
                counts: Default::default(),
                complete: false,
            },
            Some(list) => ScoreCounts {
                counts: list.into_iter().map(|(s, c)| (s.to_bits(), c)).collect(),
                complete: true,
            },
        })
    }
}

/// One operating point: the rows flagged when a row is flagged at `score >= threshold`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CurvePoint {
    /// A score of the file (`f64::INFINITY` for the first point: nothing flagged).
    pub threshold: f64,
    /// Attack rows flagged at this threshold.
    pub true_positive: u64,
    /// Normal rows flagged at this threshold.
    pub false_positive: u64,
    /// True positive rate (recall).
    pub tpr: f64,
    /// False positive rate: the share of normal rows flagged.
    pub fpr: f64,
    /// Of the rows flagged, the share labelled Neptune (1 when none is flagged).
    pub precision: f64,
}

/// The ROC and precision-recall curves: one point per distinct score, from the highest (few
/// rows flagged) to the lowest (every row flagged), after a first point where nothing is
/// flagged. `None` when either class is absent.
pub fn curve(scored: &[(f64, bool)]) -> Option<Vec<CurvePoint>> {
    let ByScore {
        sorted,
        positives,
        negatives,
    } = by_score(scored, true)?;
    let point = |threshold: f64, tp: u64, fp: u64| CurvePoint {
        threshold,
        true_positive: tp,
        false_positive: fp,
        tpr: tp as f64 / positives as f64,
        fpr: fp as f64 / negatives as f64,
        precision: if tp + fp == 0 {
            1.0
        } else {
            tp as f64 / (tp + fp) as f64
        },
    };
    let mut points = vec![point(f64::INFINITY, 0, 0)];
    let (mut tp, mut fp) = (0, 0);
    let mut i = 0;
    while i < sorted.len() {
        let threshold = sorted[i].0;
        while i < sorted.len() && sorted[i].0 == threshold {
            if sorted[i].1 {
                tp += 1;
            } else {
                fp += 1;
            }
            i += 1;
        }
        points.push(point(threshold, tp, fp));
    }
    Some(points)
}

/// Average precision: the precision at each point weighted by the recall it adds,
/// `sum (R_k - R_(k-1)) P_k` over [`curve`]'s points (no interpolation, as scikit-learn's
/// `average_precision_score`). `None` when either class is absent.
pub fn average_precision(scored: &[(f64, bool)]) -> Option<f64> {
    let points = curve(scored)?;
    Some(
        points
            .windows(2)
            .map(|w| (w[1].tpr - w[0].tpr) * w[1].precision)
            .sum(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn curve_points_and_average_precision() {
        let scored = [(0.1, false), (0.4, true), (0.4, false), (0.8, true)];
        let points = curve(&scored).unwrap();
        let at: Vec<(f64, u64, u64)> = points
            .iter()
            .map(|p| (p.threshold, p.true_positive, p.false_positive))
            .collect();
        assert_eq!(
            at,
            [(f64::INFINITY, 0, 0), (0.8, 1, 0), (0.4, 2, 1), (0.1, 2, 2)]
        );
        assert_eq!(points[2].precision, 2.0 / 3.0);
        assert_eq!(points[3].fpr, 1.0);
        // 0.5 * 1 + 0.5 * 2/3
        let ap = average_precision(&scored).unwrap();
        assert!((ap - (0.5 + 1.0 / 3.0)).abs() < 1e-15);
        assert_eq!(average_precision(&[(0.9, true), (0.1, false)]), Some(1.0));
        assert_eq!(curve(&[(0.5, true)]), None);
    }

    #[test]
    fn figures_from_counts() {
        let c = Confusion {
            true_positive: 8,
            false_positive: 2,
            true_negative: 88,
            false_negative: 2,
        };
        let f = c.figures();
        assert_eq!(f.accuracy, 0.96);
        assert_eq!(f.precision, 0.8);
        assert_eq!(f.recall, 0.8);
        assert!((f.f1 - 0.8).abs() < 1e-12);
        assert_eq!(f.errors, 4);
    }

    #[test]
    fn auc_counts_ties_half() {
        assert_eq!(roc_auc(&[(0.1, false), (0.9, true)]), Some(1.0));
        assert_eq!(roc_auc(&[(0.9, false), (0.1, true)]), Some(0.0));
        assert_eq!(roc_auc(&[(0.5, false), (0.5, true)]), Some(0.5));
        assert_eq!(
            roc_auc(&[(0.1, false), (0.4, true), (0.5, false), (0.8, true)]),
            Some(0.75)
        );
        assert_eq!(roc_auc(&[(0.5, true)]), None);
    }
}
