//! The model: a forest of regression trees (grown by [`crate::forest`]), stored compactly with
//! postcard.
//!
//! The score of a connection is the mean of the trees' leaf values: each leaf holds the share of
//! Neptune rows among the training rows that reached it, so the score is a probability in [0, 1].
//! A row is flagged when its score reaches the threshold stored with the model.
//!
//! Every tree is kept in preorder: a split's left child follows it, its right child is at an index
//! stored in the split. Each split also keeps the mean score of its subtree, which lets a score be
//! explained as the sum of what each feature on the row's path added (Saabas' method).

use serde::{Deserialize, Serialize};

use crate::features::{Encoding, FeatureVector};
use crate::schema::FEATURE_COUNT;

/// The model the library embeds (regenerate with `neptune train --data ../shared/data/Train_Data.csv`).
pub const EMBEDDED_MODEL: &[u8] = include_bytes!("../models/neptune.postcard");
/// Its card: how it was trained and how well it did on held-out rows.
pub const EMBEDDED_CARD: &str = include_str!("../models/neptune.card.json");

/// Version of the byte format; bumped whenever [`Model`]'s shape changes.
pub const FORMAT_VERSION: u32 = 1;

/// A model file is this signature, the payload's length (u32, little-endian), the payload (the
/// model in postcard) and the payload's CRC-32 (u32, little-endian): a damaged or cut file is
/// refused in one plain sentence rather than loaded.
pub const FILE_SIGNATURE: &[u8; 8] = b"NEPTUNE\x01";
const FRAME_BYTES: usize = FILE_SIGNATURE.len() + 4 + 4;

/// A node of a tree in preorder.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Node {
    /// Rows with `x[feature] <= threshold` go to the next node, the others to `right`.
    Split {
        /// The feature tested, as an index into [`crate::schema::FEATURES`].
        feature: u8,
        /// The cut: rows whose value is at most this go left.
        threshold: f64,
        /// Index of the right child in the tree's nodes.
        right: u32,
        /// Mean score of the training rows that reached this node (for explanations only).
        mean: f32,
    },
    /// A leaf and its score: the share of Neptune rows among the training rows that reached it.
    Leaf(f64),
}

/// One regression tree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tree {
    /// The nodes in preorder, the root first.
    pub nodes: Vec<Node>,
}

impl Tree {
    fn mean_at(&self, i: usize) -> f64 {
        match self.nodes[i] {
            Node::Split { mean, .. } => f64::from(mean),
            Node::Leaf(value) => value,
        }
    }
}

/// The trained model, as stored in `models/neptune.postcard`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Model {
    /// The byte format's version, [`FORMAT_VERSION`] when written by this build.
    pub format: u32,
    /// How category names become numbers, as fitted in training.
    pub encoding: Encoding,
    /// The trees whose mean leaf value is the score.
    pub trees: Vec<Tree>,
    /// Scores at or above this are flagged as attacks.
    pub threshold: f64,
    /// The trees flattened into one array, for scoring speed; built by [`Model::new`] and
    /// [`Model::from_bytes`].
    #[serde(skip)]
    flat: FlatForest,
}

/// All trees' nodes in one array of 16-byte nodes, each tree in preorder.
#[derive(Debug, Clone, Default, PartialEq)]
struct FlatForest {
    nodes: Vec<FlatNode>,
    roots: Vec<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct FlatNode {
    /// The split threshold, or the leaf's value.
    value: f64,
    /// Index of the right child (splits only).
    right: u32,
    /// The feature a split tests, or [`LEAF`].
    feature: u32,
}

const LEAF: u32 = u32::MAX;

impl FlatForest {
    fn new(trees: &[Tree]) -> Self {
        let mut flat = FlatForest::default();
        for tree in trees {
            let base = flat.nodes.len() as u32;
            flat.roots.push(base);
            flat.nodes.extend(tree.nodes.iter().map(|node| match *node {
                Node::Split {
                    feature,
                    threshold,
                    right,
                    ..
                } => FlatNode {
                    value: threshold,
                    right: base + right,
                    feature: u32::from(feature),
                },
                Node::Leaf(value) => FlatNode {
                    value,
                    right: 0,
                    feature: LEAF,
                },
            }));
        }
        flat
    }

    /// Sum of the trees' leaf values, added in tree order.
    #[inline]
    fn sum(&self, x: &FeatureVector) -> f64 {
        let mut sum = 0.0;
        for &root in &self.roots {
            let mut i = root as usize;
            loop {
                let node = self.nodes[i];
                if node.feature == LEAF {
                    sum += node.value;
                    break;
                }
                i = if x[node.feature as usize] <= node.value {
                    i + 1
                } else {
                    node.right as usize
                };
            }
        }
        sum
    }
}

/// Why model bytes could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// The bytes do not start with [`FILE_SIGNATURE`].
    #[error("this is not a Neptune model file (it does not start with the model file's signature)")]
    NotModel,
    /// The file is shorter or longer than its frame says.
    #[error("the model file is cut short ({found} bytes, {expected} expected)")]
    CutShort {
        /// Bytes in the file.
        found: usize,
        /// Bytes its frame announces.
        expected: usize,
    },
    /// The payload's CRC-32 does not match the one stored after it.
    #[error("the model file is damaged: its checksum does not match its contents")]
    Checksum,
    /// The payload is not a model in postcard; the text is postcard's reason.
    #[error("the model file cannot be decoded ({0})")]
    Decode(String),
    /// The model is in another version of the byte format.
    #[error("the model file is format {found}, this program reads format {FORMAT_VERSION}")]
    Format {
        /// The file's format version.
        found: u32,
    },
    /// The model decodes but breaks a rule of its shape (a child index, a leaf score out of
    /// [0, 1], ...); the text says which.
    #[error("the model file is inconsistent: {0}")]
    Invalid(String),
}

impl Model {
    /// The model embedded in this build.
    pub fn embedded() -> Model {
        Model::from_bytes(EMBEDDED_MODEL).expect("the embedded model is checked by the test suite")
    }

    /// A model from its parts (training builds it this way).
    pub fn new(encoding: Encoding, trees: Vec<Tree>, threshold: f64) -> Model {
        let flat = FlatForest::new(&trees);
        Model {
            format: FORMAT_VERSION,
            encoding: encoding.index(),
            trees,
            threshold,
            flat,
        }
    }

    /// Decodes and checks model bytes. Hostile bytes give an error, never a panic or a walk
    /// that does not end: every child index must point forward, inside its tree.
    /// Reads a model file (see [`FILE_SIGNATURE`]), checking it whole before use.
    pub fn from_bytes(bytes: &[u8]) -> Result<Model, ModelError> {
        let Some(rest) = bytes.strip_prefix(FILE_SIGNATURE) else {
            return Err(ModelError::NotModel);
        };
        let word = |b: &[u8]| u32::from_le_bytes(b.try_into().expect("4 bytes")) as usize;
        let expected = rest.get(..4).map_or(usize::MAX, |length| {
            word(length).saturating_add(FRAME_BYTES)
        });
        if bytes.len() != expected {
            return Err(ModelError::CutShort {
                found: bytes.len(),
                expected,
            });
        }
        let (payload, crc) = rest[4..].split_at(rest.len() - 8);
        if crate::gunzip::crc32(payload) as usize != word(crc) {
            return Err(ModelError::Checksum);
        }
        Model::from_payload(payload)
    }

    /// Reads the payload of a model file (the model in postcard, without the frame): what
    /// [`Model::from_bytes`] does once the frame is checked. For fuzzing the decoding itself.
    pub fn from_payload(payload: &[u8]) -> Result<Model, ModelError> {
        let model: Model =
            postcard::from_bytes(payload).map_err(|e| ModelError::Decode(e.to_string()))?;
        model.validate()?;
        Ok(Model::new(model.encoding, model.trees, model.threshold))
    }

    /// The model file's bytes (see [`FILE_SIGNATURE`]).
    pub fn to_bytes(&self) -> Vec<u8> {
        let payload = postcard::to_allocvec(self).expect("a model always serializes");
        let mut bytes = Vec::with_capacity(payload.len() + FRAME_BYTES);
        bytes.extend_from_slice(FILE_SIGNATURE);
        bytes.extend_from_slice(&(payload.len() as u32).to_le_bytes());
        bytes.extend_from_slice(&payload);
        bytes.extend_from_slice(&crate::gunzip::crc32(&payload).to_le_bytes());
        bytes
    }

    fn validate(&self) -> Result<(), ModelError> {
        let invalid = |what: String| Err(ModelError::Invalid(what));
        if self.format != FORMAT_VERSION {
            return Err(ModelError::Format { found: self.format });
        }
        if !(0.0..=1.0).contains(&self.threshold) {
            return invalid(format!("threshold {} is outside [0, 1]", self.threshold));
        }
        if self.trees.is_empty() {
            return invalid("it has no trees".into());
        }
        for (t, tree) in self.trees.iter().enumerate() {
            let n = tree.nodes.len();
            if n == 0 {
                return invalid(format!("tree {t} is empty"));
            }
            for (i, node) in tree.nodes.iter().enumerate() {
                match *node {
                    Node::Split {
                        feature,
                        threshold,
                        right,
                        ..
                    } => {
                        let right = right as usize;
                        if usize::from(feature) >= FEATURE_COUNT
                            || threshold.is_nan()
                            || right <= i + 1
                            || right >= n
                        {
                            return invalid(format!("tree {t} node {i} is not a valid split"));
                        }
                    }
                    Node::Leaf(value) => {
                        if !(0.0..=1.0).contains(&value) {
                            return invalid(format!("tree {t} leaf {i} has score {value}"));
                        }
                    }
                }
            }
            if matches!(tree.nodes[n - 1], Node::Split { .. }) {
                return invalid(format!("tree {t} ends with a split"));
            }
        }
        if !self.encoding.unknown.is_finite()
            || self
                .encoding
                .tables
                .iter()
                .flatten()
                .any(|(_, code)| !code.is_finite())
        {
            return invalid("a category code is not a finite number".into());
        }
        Ok(())
    }

    /// The probability that `x` is a Neptune connection.
    #[inline]
    pub fn score(&self, x: &FeatureVector) -> f64 {
        self.flat.sum(x) / self.flat.roots.len() as f64
    }

    /// The score split into a base (the mean over all training rows) and what each feature added
    /// along the row's paths: `(index in FEATURES, effect)`, largest effects first, features
    /// that changed nothing left out. The effects sum to `score - base` (up to the rounding of
    /// the stored subtree means). [`crate::explain::Effect`] gives them names and values.
    pub fn explain(&self, x: &FeatureVector) -> (f64, Vec<(usize, f64)>) {
        let mut effects = [0.0f64; FEATURE_COUNT];
        let mut base = 0.0;
        for tree in &self.trees {
            base += tree.mean_at(0);
            let mut i = 0;
            while let Node::Split {
                feature,
                threshold,
                right,
                ..
            } = tree.nodes[i]
            {
                let next = if x[feature as usize] <= threshold {
                    i + 1
                } else {
                    right as usize
                };
                effects[feature as usize] += tree.mean_at(next) - tree.mean_at(i);
                i = next;
            }
        }
        let n = self.trees.len() as f64;
        let mut nonzero: Vec<(usize, f64)> = effects
            .iter()
            .enumerate()
            .filter(|(_, e)| e.abs() > 1e-9)
            .map(|(feature, e)| (feature, e / n))
            .collect();
        nonzero.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
        (base / n, nonzero)
    }

    /// Number of nodes over all trees.
    pub fn node_count(&self) -> usize {
        self.trees.iter().map(|t| t.nodes.len()).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_model_loads_and_matches_its_card() {
        let model = Model::embedded();
        let card = crate::train::ModelCard::from_json(EMBEDDED_CARD).unwrap();
        assert_eq!(
            card.to_json(),
            EMBEDDED_CARD,
            "the typed card writes the file back byte for byte"
        );
        assert_eq!(card.model.bytes, EMBEDDED_MODEL.len());
        assert_eq!(card.model.trees, model.trees.len());
        assert_eq!(card.model.nodes, model.node_count());
        assert_eq!(card.threshold, model.threshold);
        assert!(
            EMBEDDED_MODEL.len() <= 64 * 1024,
            "the model must stay within 64 KB"
        );
        assert_eq!(
            card.categories.service.len(),
            model.encoding.tables[1].len()
        );
    }

    #[test]
    fn hostile_bytes_are_an_error() {
        assert!(Model::from_bytes(b"").is_err());
        assert!(Model::from_bytes(&[1, 0xff, 0xff, 0xff, 0xff, 0x0f]).is_err());
        let mut model = Model::embedded();
        if let Node::Split { right, .. } = &mut model.trees[0].nodes[0] {
            *right = 0;
        }
        assert!(matches!(
            Model::from_bytes(&model.to_bytes()),
            Err(ModelError::Invalid(_))
        ));
    }

    #[test]
    fn explanations_add_up_to_the_score() {
        let model = Model::embedded();
        let mut x = [0.0; FEATURE_COUNT];
        x[24] = 1.0;
        x[37] = 1.0;
        let (base, effects) = model.explain(&x);
        let total: f64 = base + effects.iter().map(|(_, effect)| effect).sum::<f64>();
        assert!((total - model.score(&x)).abs() < 1e-3);
    }
}
