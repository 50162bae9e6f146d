//! The project's own regression forest: bagged CART trees on the 0/1 label, grown straight into
//! the compact [`Tree`] form the model stores.
//!
//! Why not smartcore's forest: its random number generator differs between 64-bit targets and
//! wasm32, so the same seed gave different models natively and in the page. Here every random
//! draw comes from [`SplitMix`], a generator of plain `u64` arithmetic, and every number that
//! decides a split is either an integer count or one IEEE-754 operation on exact integers (`+`,
//! `-`, `*`, `/`, which wasm and x86_64 round identically). No sum of floats depends on an order
//! that could change, no index width enters a result (draws are reduced in `u64`), sorting uses a
//! total order with ties broken by row, and nothing here reads a clock or starts a thread. So the
//! same rows, settings and seed give the same trees, bit for bit, on every target.
//!
//! The algorithm is smartcore 0.7's `RandomForestRegressor` (which the shipped model used before):
//! each tree sees a bootstrap sample (n draws with replacement; a row drawn k times weighs k), each
//! split tries `features_per_split` features in random order and keeps the cut with the largest
//! variance reduction, a leaf needs `min_samples_leaf` drawn rows on each side, and depth counts
//! levels from the root (1). Two differences: a node whose rows all share one label is a leaf (smartcore
//! kept splitting it, to no effect on any score), and a feature that is constant among a node's rows
//! is skipped without counting towards `features_per_split` (as scikit-learn does), so a node is
//! not left unsplit only because the drawn features happened to be constant there.
//!
//! Speed: each feature is sorted once for the whole forest (as ranks of its distinct values);
//! a tree keeps, per feature, its drawn rows in that order and partitions them stably at each
//! split, so a split costs one pass over the node's rows per tried feature, and no sorting.

use serde::{Deserialize, Serialize};

use crate::features::FeatureVector;
use crate::model::{Node, Tree};
use crate::schema::FEATURE_COUNT;

/// SplitMix64: a tiny deterministic generator of `u64` arithmetic only, the same on every target.
#[derive(Debug, Clone)]
pub struct SplitMix(pub u64);

impl SplitMix {
    /// The next draw, uniform over all `u64` values.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A draw in `0..n` (`n > 0`): the high half of a 128-bit product, so no `usize` is involved.
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Fisher-Yates with `next_u64() % (i + 1)`: the shuffle the stratified split has always used.
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = (self.next_u64() % (i as u64 + 1)) as usize;
            items.swap(i, j);
        }
    }
}

/// The forest's hyper-parameters and seed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForestSettings {
    /// Trees in the forest.
    pub trees: u32,
    /// Drawn rows (bootstrap weight) each side of a split must keep at least.
    pub min_samples_leaf: u32,
    /// Levels of a tree, the root being level 1 (smartcore's meaning); `None`: unbounded.
    pub max_depth: Option<u16>,
    /// Features tried at each split.
    pub features_per_split: u32,
    /// Decides every random draw (each tree's sample, the features it tries): the same seed and
    /// rows give the same forest.
    pub seed: u64,
}

impl ForestSettings {
    /// The settings of the shipped model (seed aside): smartcore 0.7's defaults for a regression
    /// forest (`floor(sqrt(41))` = 6 features per split) with the leaf size and depth that
    /// validated best.
    pub fn chosen(seed: u64) -> Self {
        ForestSettings {
            trees: 40,
            min_samples_leaf: 3,
            max_depth: Some(14),
            features_per_split: integer_sqrt(FEATURE_COUNT as u32),
            seed,
        }
    }

    /// The seed of tree `t`: trees do not share a random stream, so each is a function of the
    /// rows, the settings and its own index (they could be grown in any order, or in parallel).
    fn tree_seed(&self, t: u32) -> u64 {
        SplitMix(self.seed ^ u64::from(t).wrapping_mul(0xD1B5_4A32_D192_ED03)).next_u64()
    }
}

fn integer_sqrt(n: u32) -> u32 {
    let mut r = 0;
    while (r + 1) * (r + 1) <= n {
        r += 1;
    }
    r
}

/// One drawn row in a feature's order: the rank of its value among the feature's distinct
/// values, the row, how many times it was drawn and how many of those are attacks.
#[derive(Debug, Clone, Copy, Default)]
struct Drawn {
    rank: u32,
    row: u32,
    count: u32,
    attacks: u32,
}

/// The training rows, sorted once per feature for every tree.
#[derive(Debug)]
struct Columns {
    rows: Vec<FeatureVector>,
    attack: Vec<bool>,
    /// Per feature: row indices by increasing value (ties by row).
    order: Vec<Vec<u32>>,
    /// Per feature: each row's rank among the feature's distinct values.
    rank: Vec<Vec<u32>>,
    /// Per feature: the distinct values, increasing.
    distinct: Vec<Vec<f64>>,
}

impl Columns {
    fn new(rows: Vec<FeatureVector>, attack: Vec<bool>) -> Columns {
        let mut order = Vec::with_capacity(FEATURE_COUNT);
        let mut rank = Vec::with_capacity(FEATURE_COUNT);
        let mut distinct = Vec::with_capacity(FEATURE_COUNT);
        for j in 0..FEATURE_COUNT {
            let column: Vec<f64> = rows.iter().map(|r| r[j]).collect();
            let (sorted, ranks, values) = sort_column(&column);
            order.push(sorted);
            rank.push(ranks);
            distinct.push(values);
        }
        Columns {
            rows,
            attack,
            order,
            rank,
            distinct,
        }
    }
}

/// One feature's rows by increasing value (a total order, ties by row), each row's rank among
/// the distinct values, and those values.
fn sort_column(column: &[f64]) -> (Vec<u32>, Vec<u32>, Vec<f64>) {
    let mut sorted: Vec<u32> = (0..column.len() as u32).collect();
    sorted.sort_unstable_by(|&a, &b| {
        column[a as usize]
            .total_cmp(&column[b as usize])
            .then(a.cmp(&b))
    });
    let mut ranks = vec![0u32; column.len()];
    let mut values: Vec<f64> = Vec::new();
    for &row in &sorted {
        let value = column[row as usize];
        // `==`, not bits: -0.0 and 0.0 are one value to a split.
        if values.last() != Some(&value) {
            values.push(value);
        }
        ranks[row as usize] = values.len() as u32 - 1;
    }
    (sorted, ranks, values)
}

/// A tree as nested values, folded bottom-up before it is laid out in preorder.
enum Nested {
    Leaf(f64),
    Split {
        feature: u8,
        threshold: f64,
        mean: f32,
        left: Box<Nested>,
        right: Box<Nested>,
    },
}

fn lay_out(tree: Nested, out: &mut Vec<Node>) {
    match tree {
        Nested::Leaf(value) => out.push(Node::Leaf(value)),
        Nested::Split {
            feature,
            threshold,
            mean,
            left,
            right,
        } => {
            let at = out.len();
            out.push(Node::Leaf(0.0));
            lay_out(*left, out);
            let right_at = out.len() as u32;
            lay_out(*right, out);
            out[at] = Node::Split {
                feature,
                threshold,
                right: right_at,
                mean,
            };
        }
    }
}

/// The best cut found at a node.
struct Cut {
    feature: usize,
    /// The node's first `left` drawn rows (in the feature's order) go left.
    left: usize,
    /// Ranks of the values either side of the cut.
    below: u32,
    above: u32,
    score: f64,
}

/// The working memory of one tree: per feature, the drawn rows in that feature's order, each
/// node's rows a contiguous range of it.
struct Grower<'a> {
    columns: &'a Columns,
    settings: &'a ForestSettings,
    rng: SplitMix,
    /// `FEATURE_COUNT` blocks of `kept` entries.
    drawn: Vec<Drawn>,
    kept: usize,
    goes_left: Vec<bool>,
    scratch: Vec<Drawn>,
    features: [u8; FEATURE_COUNT],
}

impl Grower<'_> {
    fn block(&self, feature: usize, start: usize, end: usize) -> &[Drawn] {
        let base = feature * self.kept;
        &self.drawn[base + start..base + end]
    }

    /// Grows the node holding `[start, end)` of every block: `count` drawn rows, `attacks` of
    /// them attacks, at `level` (the root is 1).
    fn grow(&mut self, start: usize, end: usize, count: u64, attacks: u64, level: u16) -> Nested {
        let mean = attacks as f64 / count as f64;
        let max_depth = self.settings.max_depth.unwrap_or(u16::MAX);
        if level >= max_depth || count < 2 || attacks == 0 || attacks == count {
            return Nested::Leaf(mean);
        }
        let Some(cut) = self.best_cut(start, end, count, attacks) else {
            return Nested::Leaf(mean);
        };
        let middle = start + cut.left;
        let (mut left_count, mut left_attacks) = (0u64, 0u64);
        for d in self.block(cut.feature, start, middle) {
            left_count += u64::from(d.count);
            left_attacks += u64::from(d.attacks);
        }
        for i in start..end {
            let row = self.drawn[cut.feature * self.kept + i].row as usize;
            self.goes_left[row] = i < middle;
        }
        for j in (0..FEATURE_COUNT).filter(|&j| j != cut.feature) {
            self.partition(j, start, end);
        }
        let left = self.grow(start, middle, left_count, left_attacks, level + 1);
        let right = self.grow(
            middle,
            end,
            count - left_count,
            attacks - left_attacks,
            level + 1,
        );
        if let (Nested::Leaf(a), Nested::Leaf(b)) = (&left, &right) {
            if a == b {
                return Nested::Leaf(*a);
            }
        }
        let distinct = &self.columns.distinct[cut.feature];
        let (low, high) = (distinct[cut.below as usize], distinct[cut.above as usize]);
        // The midpoint, computed so it cannot overflow; if it rounds up to `high`, `low` itself
        // (smartcore's rule), so that `x <= threshold` still sends `high` right.
        let middle_value = low + (high - low) / 2.0;
        let threshold = if middle_value < high {
            middle_value
        } else {
            low
        };
        Nested::Split {
            feature: cut.feature as u8,
            threshold,
            mean: mean as f32,
            left: Box::new(left),
            right: Box::new(right),
        }
    }

    /// Tries features in a fresh random order until `features_per_split` of them vary among the
    /// node's rows; keeps the cut with the largest variance reduction (the first of equals).
    fn best_cut(&mut self, start: usize, end: usize, count: u64, attacks: u64) -> Option<Cut> {
        let min_leaf = u64::from(self.settings.min_samples_leaf.max(1));
        let wanted = self.settings.features_per_split.max(1);
        let mut tried = 0;
        let mut best: Option<Cut> = None;
        for k in 0..FEATURE_COUNT {
            if tried == wanted {
                break;
            }
            let pick = k + self.rng.below((FEATURE_COUNT - k) as u64) as usize;
            self.features.swap(k, pick);
            let feature = usize::from(self.features[k]);
            let block = self.block(feature, start, end);
            if block[0].rank == block[block.len() - 1].rank {
                continue; // constant here: not a try
            }
            tried += 1;
            let (mut left_count, mut left_attacks) = (0u64, 0u64);
            let mut previous = block[0].rank;
            for (i, d) in block.iter().enumerate() {
                if d.rank != previous {
                    let right_count = count - left_count;
                    if left_count >= min_leaf && right_count >= min_leaf {
                        // Variance reduction times the node's weight, as smartcore's proxy:
                        // (sL nR - sR nL)^2 / (nL nR), from exact integers.
                        let right_attacks = attacks - left_attacks;
                        let gap = (left_attacks * right_count) as f64
                            - (right_attacks * left_count) as f64;
                        let score = gap * gap / ((left_count * right_count) as f64);
                        if best.as_ref().is_none_or(|b| score > b.score) {
                            best = Some(Cut {
                                feature,
                                left: i,
                                below: previous,
                                above: d.rank,
                                score,
                            });
                        }
                    }
                    previous = d.rank;
                }
                left_count += u64::from(d.count);
                left_attacks += u64::from(d.attacks);
            }
        }
        best
    }

    /// Stable partition of feature `j`'s range: rows going left first, each side in order.
    fn partition(&mut self, j: usize, start: usize, end: usize) {
        let base = j * self.kept;
        let range = &mut self.drawn[base + start..base + end];
        self.scratch.clear();
        let mut write = 0;
        for read in 0..range.len() {
            let d = range[read];
            if self.goes_left[d.row as usize] {
                range[write] = d;
                write += 1;
            } else {
                self.scratch.push(d);
            }
        }
        range[write..].copy_from_slice(&self.scratch);
    }
}

/// Grows a forest tree by tree (so a caller can report progress or stop between trees), and
/// gathers out-of-bag scores for the threshold rule.
#[derive(Debug)]
pub struct ForestBuilder {
    columns: Columns,
    settings: ForestSettings,
    trees: Vec<Tree>,
    /// Per training row: the sum of the scores of the trees that did not draw it, in tree order.
    oob_sum: Vec<f64>,
    oob_trees: Vec<u32>,
}

/// A grown forest.
#[derive(Debug, Clone, PartialEq)]
pub struct Forest {
    /// The trees, in the order they were grown.
    pub trees: Vec<Tree>,
    /// Per training row, the mean score of the trees that did not draw it (NaN when every tree
    /// drew it).
    pub oob_scores: Vec<f64>,
}

impl ForestBuilder {
    /// Prepares the rows (sorting each feature once). `rows` and `attack` have equal lengths,
    /// below 2^32.
    pub fn new(rows: Vec<FeatureVector>, attack: Vec<bool>, settings: ForestSettings) -> Self {
        assert_eq!(rows.len(), attack.len(), "one label per row");
        assert!(u32::try_from(rows.len()).is_ok(), "fewer than 2^32 rows");
        let n = rows.len();
        ForestBuilder {
            columns: Columns::new(rows, attack),
            settings,
            trees: Vec::new(),
            oob_sum: vec![0.0; n],
            oob_trees: vec![0; n],
        }
    }

    /// The settings the forest is grown with.
    pub fn settings(&self) -> &ForestSettings {
        &self.settings
    }

    /// Trees grown so far.
    pub fn trees_built(&self) -> u32 {
        self.trees.len() as u32
    }

    /// Whether every tree has been grown.
    pub fn is_done(&self) -> bool {
        self.trees_built() >= self.settings.trees
    }

    /// Grows the next tree; false (doing nothing) when all are grown.
    pub fn grow_next(&mut self) -> bool {
        if self.is_done() || self.columns.rows.is_empty() {
            return false;
        }
        let tree = self.grow_tree(self.trees_built());
        self.trees.push(tree);
        true
    }

    /// Grows the remaining trees and returns the forest.
    pub fn finish(mut self) -> Forest {
        while self.grow_next() {}
        let oob_scores = self
            .oob_sum
            .iter()
            .zip(&self.oob_trees)
            .map(|(&sum, &trees)| sum / f64::from(trees))
            .collect();
        Forest {
            trees: self.trees,
            oob_scores,
        }
    }

    fn grow_tree(&mut self, t: u32) -> Tree {
        let columns = &self.columns;
        let n = columns.rows.len();
        let mut rng = SplitMix(self.settings.tree_seed(t));
        let mut counts = vec![0u32; n];
        for _ in 0..n {
            counts[rng.below(n as u64) as usize] += 1;
        }
        let kept = counts.iter().filter(|&&c| c > 0).count();
        let mut drawn = Vec::with_capacity(kept * FEATURE_COUNT);
        for j in 0..FEATURE_COUNT {
            for &row in &columns.order[j] {
                let count = counts[row as usize];
                if count > 0 {
                    drawn.push(Drawn {
                        rank: columns.rank[j][row as usize],
                        row,
                        count,
                        attacks: if columns.attack[row as usize] {
                            count
                        } else {
                            0
                        },
                    });
                }
            }
        }
        let attacks: u64 = drawn[..kept].iter().map(|d| u64::from(d.attacks)).sum();
        let mut grower = Grower {
            columns,
            settings: &self.settings,
            rng,
            drawn,
            kept,
            goes_left: vec![false; n],
            scratch: Vec::with_capacity(kept),
            features: std::array::from_fn(|j| j as u8),
        };
        let nested = grower.grow(0, kept, n as u64, attacks, 1);
        let mut nodes = Vec::new();
        lay_out(nested, &mut nodes);
        let tree = Tree { nodes };
        for (row, x) in columns.rows.iter().enumerate() {
            if counts[row] == 0 {
                self.oob_sum[row] += tree_score(&tree, x);
                self.oob_trees[row] += 1;
            }
        }
        tree
    }
}

/// The leaf value `x` reaches in `tree`.
pub fn tree_score(tree: &Tree, x: &FeatureVector) -> f64 {
    let mut i = 0;
    loop {
        match tree.nodes[i] {
            Node::Leaf(value) => return value,
            Node::Split {
                feature,
                threshold,
                right,
                ..
            } => {
                i = if x[usize::from(feature)] <= threshold {
                    i + 1
                } else {
                    right as usize
                };
            }
        }
    }
}

/// Fits a whole forest at once.
pub fn fit(rows: Vec<FeatureVector>, attack: Vec<bool>, settings: ForestSettings) -> Forest {
    ForestBuilder::new(rows, attack, settings).finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(n: u32) -> (Vec<FeatureVector>, Vec<bool>) {
        let mut rng = SplitMix(3);
        (0..n)
            .map(|i| {
                let mut x = [0.0; FEATURE_COUNT];
                for v in x.iter_mut() {
                    *v = rng.below(100) as f64;
                }
                x[22] = f64::from(i % 500);
                (x, x[22] >= 250.0)
            })
            .unzip()
    }

    #[test]
    fn a_separable_feature_is_learned_and_leaves_are_shares() {
        let (x, y) = rows(2000);
        let forest = fit(x.clone(), y.clone(), ForestSettings::chosen(1));
        assert_eq!(forest.trees.len(), 40);
        for tree in &forest.trees {
            for node in &tree.nodes {
                if let Node::Leaf(v) = node {
                    assert!((0.0..=1.0).contains(v));
                }
            }
        }
        let model = crate::model::Model::new(
            crate::features::Encoding::fit(std::iter::empty(), 1.0),
            forest.trees,
            0.5,
        );
        let errors = x
            .iter()
            .zip(&y)
            .filter(|(x, y)| (model.score(x) >= 0.5) != **y)
            .count();
        assert_eq!(errors, 0);
        assert!(
            forest
                .oob_scores
                .iter()
                .all(|s| s.is_nan() || (0.0..=1.0).contains(s))
        );
    }

    #[test]
    fn the_same_seed_gives_the_same_trees_and_another_seed_others() {
        let (x, y) = rows(500);
        let a = fit(x.clone(), y.clone(), ForestSettings::chosen(9));
        let b = fit(x.clone(), y.clone(), ForestSettings::chosen(9));
        let c = fit(x, y, ForestSettings::chosen(10));
        assert_eq!(a, b);
        assert_ne!(a.trees, c.trees);
    }

    #[test]
    fn draws_stay_below_their_bound() {
        let mut rng = SplitMix(0);
        for n in [1u64, 2, 3, 41, 69_476, u64::MAX] {
            for _ in 0..1000 {
                assert!(rng.below(n) < n);
            }
        }
        assert_eq!(integer_sqrt(41), 6);
    }
}
