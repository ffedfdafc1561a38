//! SNDS source tables.
//!
//! - [`schema`](mod@schema): the Arrow schemas of `IR_BEN_R`, `ER_PRS_F`, `ER_PHA_F`,
//!   `ER_CAM_F`, `IR_PHA_R`, `IR_IMB_R` and the yearly PMSI MCO tables `T_MCOaaB/C/D/A`, every
//!   column documented.
//! - [`render()`]: a population as source tables (deterministic, with a few rows for the
//!   quality filters to remove); [`render_with()`] adds the traps of real extracts
//!   ([`Pitfalls`]), which [`flatten()`] undoes.
//! - [`flatten()`]: source tables into a population, applying the usual quality filters and
//!   reporting each as a [`FilterReport`].
//! - [`io`] and [`csv`](mod@csv): Parquet, CNAM-style CSV and Arrow IPC files, named
//!   `<TABLE>.parquet`, `<TABLE>.csv`, `<TABLE>.arrow`; any column order and extra columns are
//!   accepted on read, and every table read is conformed to its schema ([`conform()`]).
//!
//! Render then flatten gives back the same population, except for what the SNDS cannot carry
//! (listed in [`render`](mod@render)).

mod cols;
mod conform;
pub mod csv;
pub mod flatten;
pub mod io;
pub mod render;
pub mod schema;

pub use conform::{conform, conform_tables};
pub use csv::{CsvOptions, Encoding};
pub use flatten::{flatten, FilterReport};
pub use io::{read_csv_files, read_dir, read_file, read_files, write_dir, Format};
pub use render::{render, render_with, Pitfalls};
pub use schema::{schema, Column, TableKind, Ty};
