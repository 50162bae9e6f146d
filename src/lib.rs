//! Neptune detector: tells which network connections in a CSV are Neptune (SYN flood) attacks.
//!
//! One library, two shells: the `neptune` command-line program and a WebAssembly module for the
//! page. Both run [`score::Scorer`], so both write the same bytes for the same file.
//!
//! Data flows one way: bytes -> [`reader`] -> records -> [`layout`] + [`features`] -> [`model`]
//! -> scored rows ([`score`]). Training ([`train`], with the project's own [`forest`]) reads through
//! the same reader and encoding, so training and scoring cannot encode a row differently; it runs
//! natively and in wasm and gives the same model bytes on both.

#![warn(missing_docs)]

#[cfg(feature = "cli")]
pub mod baselines;
#[cfg(any(target_arch = "wasm32", test))]
mod camel;
pub mod columns;
pub mod explain;
pub mod features;
#[doc(hidden)]
pub mod fixtures;
pub mod forest;
pub mod gunzip;
pub mod layout;
pub mod metrics;
pub mod model;
pub mod parts;
pub mod reader;
pub mod schema;
pub mod score;
pub mod train;
pub mod zeek;

#[cfg(target_arch = "wasm32")]
pub mod web;

pub use model::Model;
pub use score::{Batch, Scorer, Summary};
