//! Neptune detector: tells which network connections in a CSV are Neptune (SYN flood) attacks.
//!
//! One library, two shells: the `neptune` command-line program and a WebAssembly module for the
//! page. Both run [`score::Scorer`], so both write the same bytes for the same file.
//!
//! Data flows one way: bytes -> [`reader`] -> records -> [`layout`] + [`features`] -> [`model`]
//! -> scored rows ([`score`]). Training ([`train`], native only) reads through the same reader
//! and encoding, so training and scoring cannot encode a row differently.

pub mod columns;
pub mod explain;
pub mod features;
pub mod gunzip;
pub mod layout;
pub mod metrics;
pub mod model;
pub mod reader;
pub mod schema;
pub mod score;
pub mod zeek;

#[cfg(feature = "cli")]
pub mod train;

#[cfg(target_arch = "wasm32")]
pub mod web;

pub use model::Model;
pub use score::{Batch, Scorer, Summary};
