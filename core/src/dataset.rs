//! [`Dataset`]: a population, its event store (built on first use), and the SNDS source tables it
//! renders to or was read from, with the quality filters applied on load.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use arrow_array::RecordBatch;

use crate::dates;
use crate::error::Result;
use crate::model::{EventKind, Population};
use crate::store::EventStore;
use crate::synth::SynthConfig;
use crate::tables::{self, FilterReport, Format, TableKind};

/// A population with its event store and source tables.
#[derive(Debug)]
pub struct Dataset {
    population: Population,
    store: OnceLock<EventStore>,
    /// Rendered source tables, kept once rendered (batches share their buffers when handed out).
    tables: OnceLock<Vec<(String, RecordBatch)>>,
    filters: Vec<FilterReport>,
    /// Traps of real extracts written into the rendered tables.
    pitfalls: tables::Pitfalls,
}

/// Overview of a dataset, for display and export (serialises to JSON).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Summary {
    /// Number of patients.
    pub patients: usize,
    /// Number of events.
    pub events: usize,
    /// Number of events of each kind, in kind order (`dispensing`, `diagnosis`...).
    pub events_by_kind: Vec<KindCount>,
    /// First day covered by the data (ISO).
    pub period_start: String,
    /// Last day covered by the data (ISO).
    pub period_end: String,
    /// Source tables with their number of rows, in rendering order.
    pub tables: Vec<TableRows>,
    /// Rows removed on load by the quality filters (empty for a generated dataset).
    pub filters: Vec<FilterReport>,
}

/// Number of events of one kind.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct KindCount {
    /// Kind name (`dispensing`...).
    pub kind: String,
    /// Number of events.
    pub events: usize,
}

/// Number of rows of one source table.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TableRows {
    /// SNDS table name.
    pub table: String,
    /// Number of rows.
    pub rows: usize,
}

impl Dataset {
    /// A synthetic dataset ([`crate::synth::generate`]); with `config.pitfalls`, its source
    /// tables hold every trap of [`tables::Pitfalls`].
    pub fn synthetic(config: &SynthConfig) -> Result<Dataset> {
        let mut ds = Dataset::from_population(crate::synth::generate(config)?);
        if config.pitfalls {
            ds.pitfalls = tables::Pitfalls::all();
        }
        Ok(ds)
    }

    /// A dataset holding `population`.
    pub fn from_population(population: Population) -> Dataset {
        Dataset {
            population,
            store: OnceLock::new(),
            tables: OnceLock::new(),
            filters: Vec::new(),
            pitfalls: tables::Pitfalls::default(),
        }
    }

    /// A dataset flattened from source tables named as in the SNDS (`IR_BEN_R`, `T_MCO19B`...),
    /// in any column order, with extra columns ignored; quality filters are applied (see
    /// [`Dataset::filter_report`]).
    pub fn from_tables(tables: Vec<(String, RecordBatch)>) -> Result<Dataset> {
        let conformed = tables::conform_tables(&tables)?;
        let (population, filters) = tables::flatten(&conformed)?;
        Ok(Dataset {
            population,
            store: OnceLock::new(),
            tables: OnceLock::new(),
            filters,
            pitfalls: tables::Pitfalls::default(),
        })
    }

    /// Read every table file of a directory (`<TABLE>.parquet`, `.csv`/`.CSV`, `.arrow`).
    pub fn read_dir(path: impl AsRef<Path>) -> Result<Dataset> {
        Dataset::from_tables(tables::read_dir(path.as_ref())?)
    }

    /// Read the given table files (the table comes from each file's stem).
    pub fn read_files(paths: &[PathBuf]) -> Result<Dataset> {
        Dataset::from_tables(tables::read_files(paths)?)
    }

    /// Write the source tables into a directory in `format`; returns the files written.
    pub fn write_dir(&self, path: impl AsRef<Path>, format: Format) -> Result<Vec<PathBuf>> {
        tables::write_dir(path.as_ref(), &self.tables()?, format)
    }

    /// The source tables rendered from the population ([`tables::render_with()`], with the
    /// pitfalls of a synthetic dataset made in that mode), in a fixed order. Rendering costs
    /// about as much as generating, so the tables are rendered once and kept.
    pub fn tables(&self) -> Result<Vec<(String, RecordBatch)>> {
        if let Some(t) = self.tables.get() {
            return Ok(t.clone());
        }
        let rendered = tables::render_with(&self.population, self.pitfalls)?;
        Ok(self.tables.get_or_init(|| rendered).clone())
    }

    /// One source table by name (case-insensitive). A known table the data does not hold (a
    /// PMSI year without stays) is empty; an unknown name is [`crate::Error::UnknownTable`].
    pub fn table(&self, name: &str) -> Result<RecordBatch> {
        let kind = TableKind::parse(name)?;
        let want = kind.name();
        Ok(self
            .tables()?
            .into_iter()
            .find(|(n, _)| *n == want)
            .map(|(_, b)| b)
            .unwrap_or_else(|| RecordBatch::new_empty(kind.schema())))
    }

    /// The population.
    pub fn population(&self) -> &Population {
        &self.population
    }

    /// The event store, built on first use.
    pub fn store(&self) -> &EventStore {
        self.store
            .get_or_init(|| EventStore::build(&self.population))
    }

    /// SHA-256 digest of the population ([`crate::synth::population_digest`]).
    pub fn digest(&self) -> String {
        crate::synth::population_digest(&self.population)
    }

    /// Rows removed by each quality filter when the dataset was read from tables.
    pub fn filter_report(&self) -> &[FilterReport] {
        &self.filters
    }

    /// The population and the quality filters' report, for a face that keeps its own store.
    pub fn into_parts(self) -> (Population, Vec<FilterReport>) {
        (self.population, self.filters)
    }

    /// Counts of patients, events by kind, the period and the rows of each source table (an
    /// error when the tables cannot be rendered, see [`Dataset::tables`]).
    pub fn summary(&self) -> Result<Summary> {
        let pop = &self.population;
        let mut counts = [0usize; EventKind::ALL.len()];
        for e in &pop.events {
            counts[e.kind as usize] += 1;
        }
        let tables = self
            .tables()?
            .iter()
            .map(|(n, b)| TableRows {
                table: n.clone(),
                rows: b.num_rows(),
            })
            .collect();
        Ok(Summary {
            patients: pop.patients.len(),
            events: pop.events.len(),
            events_by_kind: EventKind::ALL
                .iter()
                .map(|k| KindCount {
                    kind: k.name().to_string(),
                    events: counts[*k as usize],
                })
                .collect(),
            period_start: dates::format(pop.data_start),
            period_end: dates::format(pop.data_end),
            tables,
            filters: self.filters.clone(),
        })
    }
}

impl From<Population> for Dataset {
    fn from(p: Population) -> Self {
        Dataset::from_population(p)
    }
}
