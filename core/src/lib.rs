//! # cohorte-core
//!
//! The core of Cohorte: the SNDS data model, a deterministic synthetic population, readers and
//! writers for the SNDS source tables, the patient-major event store, cohort definitions and their
//! evaluation, aggregates and disclosure control.
//!
//! This crate knows nothing of Python or JavaScript: the `cohorte-python` and `cohorte-wasm`
//! crates only translate arguments and results. It builds for `wasm32-unknown-unknown`; threads
//! (`parallel`) and file formats with C dependencies (`zstd`) are opt-in features.
#![warn(missing_docs)]

pub mod aggregate;
pub mod dataset;
pub mod dates;
pub mod definition;
pub mod disclosure;
pub mod engine;
pub mod error;
pub mod fixture;
pub mod hash;
pub mod json;
pub mod model;
pub mod opendata;
pub mod referential;
pub mod rng;
pub mod sql;
pub mod stats;
pub mod store;
pub mod synth;
pub mod tables;

pub use dataset::Dataset;
pub use error::{Error, Result};
pub use model::{Event, EventKind, Patient, Population, Role};
pub use store::EventStore;

/// Version of the core crate, shown by every face (`cohorte.__version__`, the explorer's footer).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
