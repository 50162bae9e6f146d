//! How well scores match labels: confusion matrix, precision, recall, F1 and ROC-AUC.

use serde::{Deserialize, Serialize};

/// Counts of predictions against Neptune/normal labels.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Confusion {
    pub true_positive: u64,
    pub false_positive: u64,
    pub true_negative: u64,
    pub false_negative: u64,
}

/// The usual figures derived from a [`Confusion`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Figures {
    pub accuracy: f64,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub errors: u64,
    pub rows: u64,
}

impl Confusion {
    pub fn add(&mut self, attack: bool, flagged: bool) {
        match (attack, flagged) {
            (true, true) => self.true_positive += 1,
            (false, true) => self.false_positive += 1,
            (false, false) => self.true_negative += 1,
            (true, false) => self.false_negative += 1,
        }
    }

    pub fn rows(&self) -> u64 {
        self.true_positive + self.false_positive + self.true_negative + self.false_negative
    }

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

/// Area under the ROC curve: the chance that a random attack scores above a random normal row
/// (ties count half). `None` when either class is absent.
pub fn roc_auc(scored: &[(f64, bool)]) -> Option<f64> {
    let mut sorted: Vec<(f64, bool)> = scored.to_vec();
    sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
    let positives = sorted.iter().filter(|(_, p)| *p).count() as f64;
    let negatives = sorted.len() as f64 - positives;
    if positives == 0.0 || negatives == 0.0 {
        return None;
    }
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

#[cfg(test)]
mod tests {
    use super::*;

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
