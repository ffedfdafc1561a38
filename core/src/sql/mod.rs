//! Cohort definitions compiled to SQL, to run where the SNDS lives: Spark SQL, DuckDB,
//! PostgreSQL and Oracle (experimental).
//!
//! A definition is first compiled to a [`Plan`] that holds every semantic of the engine
//! ([`crate::engine`]) with names resolved and dates turned into days; the plan is then rendered
//! for one [`Dialect`]. Each result is **one `SELECT`** (a chain of common table expressions):
//! no DDL, no temporary table, nothing written. Dates are worked on as integer days since
//! 1970-01-01 (the engine's own representation) and converted to dates only in the output, which
//! avoids the dialects' differences on date arithmetic (`date - date` an `INTERVAL` in Spark,
//! `date + INTERVAL` a `TIMESTAMP` in DuckDB and PostgreSQL...).
//!
//! # What the SQL reads
//! The SNDS source tables under their real names (or the names given in
//! [`SqlOptions::tables`]): `IR_BEN_R`, `ER_PRS_F`, `ER_PHA_F`, `ER_CAM_F`, `IR_PHA_R`,
//! `IR_IMB_R` and, for each year of [`SqlOptions::pmsi_years`], `T_MCOaaB`, `T_MCOaaC`,
//! `T_MCOaaD`, `T_MCOaaA`. Every table is read, whatever the definition: the observation period
//! depends on the data span, which every kind of event widens. The loader's rules
//! ([`crate::tables::flatten`]) are applied in SQL: the quality filters (`DPN_QLF = 71`,
//! `BSE_PRS_NAT = 0`, visit surcharge lines `CPL_MAJ_TOP >= 2`, PMSI return codes, GHM `90`,
//! ALD natures 11–13), the netting of regularisation lines, the person identity
//! (`BEN_NIR_PSA`, `BEN_RNG_GEM`; PMSI stays by `NIR_ANO_17` to the lowest rank) and the
//! normalisations (birth on the 15th of the month, data span from 1 January of the first year
//! to 31 December of the last, open ALD periods). [`SqlOptions::flux`] bounds `FLX_DIS_DTD` of
//! the DCIR tables, as the CNAM portal asks (the engine has no such window: leave it empty to
//! reproduce it on the whole extract).
//!
//! Reference data the engine uses implicitly is rendered inline as small `VALUES` tables: the
//! ATC of the packs of Cohorte's referential that `IR_PHA_R` lacks (only the packs whose ATC a
//! concept set of the definition can match) and, for a drug exposure exit without
//! `days_per_box`, the days one box of each referential pack covers (30 for the others).
//! Départements and regions of demographic criteria are resolved when compiling, to the list of
//! `BEN_RES_DPT` codes they cover.
//!
//! # Results
//! - [`SqlResult::Entries`]: `person_id` (`BEN_NIR_PSA`), `BEN_RNG_GEM`, `index_date`,
//!   `exit_date`, one row per cohort entry after era collapse, ordered by person and index date:
//!   the rows of `Cohort.persons()`.
//! - [`SqlResult::Attrition`]: `step`, `name`, `persons`, `events`, `lost_persons`,
//!   `lost_events`, `alone_persons`, `alone_events`, as [`crate::engine::Attrition`].
//!
//! [`set_operation`] renders the entries of the union, intersection or difference of two
//! definitions (read as sets of person-days, as [`crate::engine::union`]).
//!
//! # Where the SQL may differ from the loader
//! Only on inputs that break the SNDS's own keys, where the loader keeps the row it reads first
//! or last and SQL rows have no order: two `IR_BEN_R` rows of one (`BEN_NIR_PSA`,
//! `BEN_RNG_GEM`) with different values (the SQL takes the smallest value of each column), two `IR_PHA_R` rows of one pack with different ATC (the
//! SQL takes the smallest), two `ER_PRS_F` lines or two `T_MCOaaC` rows with the same join key.
//! Values the loader rejects with an error (a malformed birth year, a discharge before the
//! admission...) are not checked. Identifiers are written unquoted, so PostgreSQL folds them to
//! lower case and Oracle to upper case; results' column names follow.
//!
//! ```
//! use cohorte_core::definition::Definition;
//! use cohorte_core::sql::{self, Dialect, SqlOptions, SqlResult};
//!
//! let def = Definition::from_json(r#"{
//!   "version": 2, "name": "metformin",
//!   "concept_sets": [{ "name": "metformin", "system": "ATC", "codes": ["A10BA02"] }],
//!   "entry": { "events": [{ "event": "dispensing", "concept_set": "metformin" }] } }"#)?;
//! let opts = SqlOptions::new(Dialect::DuckDb).with_pmsi_years(vec![2020, 2021]);
//! let text = sql::to_sql(&def, &opts, SqlResult::Entries)?;
//! assert!(text.starts_with("WITH"));
//! assert!(text.contains("T_MCO21B"));
//! // An empty list of PMSI years is an error, not a query that silently skips hospital data.
//! let bad = SqlOptions::new(Dialect::DuckDb).with_pmsi_years(vec![]);
//! assert!(sql::to_sql(&def, &bad, SqlResult::Entries).is_err());
//! # Ok::<(), cohorte_core::Error>(())
//! ```

mod plan;
mod render;

use std::collections::BTreeMap;

use crate::dates::Day;
use crate::definition::Definition;
use crate::error::{Error, Result};

pub use plan::Plan;

/// A SQL dialect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dialect {
    /// DuckDB (0.10 and later).
    DuckDb,
    /// Spark SQL 3.4 and later, with `spark.sql.ansi.enabled` on or off (Spark's own date
    /// functions and literal tables). Rendered; not yet run in the tests' budget: Spark's
    /// optimiser inlines every common table expression into each of its references, and
    /// planning the compiled SQL has outlasted it (`make test-sql-spark`).
    Spark,
    /// PostgreSQL 14 and later.
    Postgres,
    /// Oracle 19 and later: rendered and parsed in the tests, not yet run on an Oracle server
    /// (experimental).
    Oracle,
}

impl Dialect {
    /// Every dialect.
    pub const ALL: [Dialect; 4] = [
        Dialect::DuckDb,
        Dialect::Spark,
        Dialect::Postgres,
        Dialect::Oracle,
    ];

    /// The dialect named `name`: `duckdb`, `spark`, `postgres` (or `postgresql`), `oracle`, in
    /// any case. An unknown name is an [`Error::Sql`] listing the known ones.
    pub fn parse(name: &str) -> Result<Dialect> {
        match name.trim().to_ascii_lowercase().as_str() {
            "duckdb" => Ok(Dialect::DuckDb),
            "spark" | "sparksql" | "spark_sql" => Ok(Dialect::Spark),
            "postgres" | "postgresql" => Ok(Dialect::Postgres),
            "oracle" => Ok(Dialect::Oracle),
            _ => Err(Error::Sql(format!(
                "dialect: unknown dialect {name:?} (expected one of duckdb, spark, postgres, oracle)"
            ))),
        }
    }

    /// The dialect's name as [`Dialect::parse`] reads it.
    pub fn name(self) -> &'static str {
        match self {
            Dialect::DuckDb => "duckdb",
            Dialect::Spark => "spark",
            Dialect::Postgres => "postgres",
            Dialect::Oracle => "oracle",
        }
    }
}

/// Which result a query computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SqlResult {
    /// The cohort entries: `person_id`, `BEN_RNG_GEM`, `index_date`, `exit_date`.
    Entries,
    /// The attrition table, one row per step (the entry, then each inclusion rule).
    Attrition,
}

impl SqlResult {
    /// `entries` or `attrition` (any case); anything else is an [`Error::Sql`].
    pub fn parse(name: &str) -> Result<SqlResult> {
        match name.trim().to_ascii_lowercase().as_str() {
            "entries" => Ok(SqlResult::Entries),
            "attrition" => Ok(SqlResult::Attrition),
            _ => Err(Error::Sql(format!(
                "result: unknown result {name:?} (expected entries or attrition)"
            ))),
        }
    }
}

/// A set operation on two cohorts, read as sets of person-days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SetOp {
    /// Days in either cohort ([`crate::engine::union`]).
    Union,
    /// Days in both ([`crate::engine::intersection`]).
    Intersection,
    /// Days in the first and not in the second ([`crate::engine::difference`]).
    Difference,
}

/// Where and how the SQL runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlOptions {
    /// The dialect to write.
    pub dialect: Dialect,
    /// The PMSI years whose `T_MCOaaB/C/D/A` tables are read (2000–2099). `None`: the years of
    /// the PMSI tables named in [`SqlOptions::tables`]; an error when there are none (a query
    /// must not skip hospital data silently). An empty list is an error.
    pub pmsi_years: Option<Vec<i32>>,
    /// The name under which each SNDS table is found (`ER_PRS_F` → `myproject.ER_PRS_F`), keys
    /// being the SNDS names (`T_MCO20B` for the PMSI tables). `None`: every table under its SNDS
    /// name. When given, it must name every table the query reads.
    pub tables: Option<BTreeMap<String, String>>,
    /// Inclusive bounds of `FLX_DIS_DTD` read in the DCIR tables, as days since 1970-01-01;
    /// `None`: every flux.
    pub flux: Option<(Day, Day)>,
}

impl SqlOptions {
    /// Options for `dialect`, every other field `None`.
    pub fn new(dialect: Dialect) -> SqlOptions {
        SqlOptions {
            dialect,
            pmsi_years: None,
            tables: None,
            flux: None,
        }
    }

    /// The same options reading these PMSI years.
    pub fn with_pmsi_years(mut self, years: Vec<i32>) -> SqlOptions {
        self.pmsi_years = Some(years);
        self
    }

    /// The same options with this table mapping.
    pub fn with_tables(mut self, tables: BTreeMap<String, String>) -> SqlOptions {
        self.tables = Some(tables);
        self
    }

    /// The same options reading fluxes from `from` to `to` (days since 1970-01-01, inclusive).
    pub fn with_flux(mut self, from: Day, to: Day) -> SqlOptions {
        self.flux = Some((from, to));
        self
    }

    /// The PMSI years read, sorted and without repeats, or an [`Error::Sql`].
    pub(crate) fn years(&self) -> Result<Vec<i32>> {
        let mut years = match (&self.pmsi_years, &self.tables) {
            (Some(y), _) => y.clone(),
            (None, Some(t)) => t
                .keys()
                .filter_map(|k| match crate::tables::TableKind::parse(k) {
                    Ok(crate::tables::TableKind::McoB(y)) => Some(y),
                    _ => None,
                })
                .collect(),
            (None, None) => Vec::new(),
        };
        if years.is_empty() {
            return Err(Error::Sql(
                "pmsi_years: no PMSI year given (name the years of the T_MCOaa tables to read, e.g. [2020, 2021])"
                    .into(),
            ));
        }
        if let Some(y) = years.iter().find(|y| !(2000..=2099).contains(*y)) {
            return Err(Error::Sql(format!(
                "pmsi_years: year {y} out of range 2000–2099 (the tables are named T_MCOaa by the year's last two digits)"
            )));
        }
        years.sort_unstable();
        years.dedup();
        Ok(years)
    }

    /// The name to read for SNDS table `snds`, or an [`Error::Sql`] when a mapping is given
    /// without it.
    pub(crate) fn table(&self, snds: &str) -> Result<String> {
        match &self.tables {
            None => Ok(snds.to_string()),
            Some(t) => match t.get(snds) {
                Some(n) if !n.trim().is_empty() => Ok(n.trim().to_string()),
                _ => Err(Error::Sql(format!(
                    "tables: no name given for table {snds} (the mapping must name every table read: {})",
                    t.keys().cloned().collect::<Vec<_>>().join(", ")
                ))),
            },
        }
    }
}

/// The SQL of one result of a definition (see the [module](self) documentation).
pub fn to_sql(def: &Definition, opts: &SqlOptions, result: SqlResult) -> Result<String> {
    Plan::compile(def)?.render(opts, result)
}

/// The SQL of the entries of `op` applied to the cohorts of `a` and `b`: each person's days as
/// maximal runs of consecutive days, with the columns of [`SqlResult::Entries`].
pub fn set_operation(
    op: SetOp,
    a: &Definition,
    b: &Definition,
    opts: &SqlOptions,
) -> Result<String> {
    let (pa, pb) = (Plan::compile(a)?, Plan::compile(b)?);
    render::set_operation(op, &pa, &pb, opts)
}

/// The SNDS names of every table a query reads with these options (the keys a mapping given
/// in [`SqlOptions::tables`] must hold).
pub fn tables_read(opts: &SqlOptions) -> Result<Vec<String>> {
    let mut names: Vec<String> = [
        "IR_BEN_R", "ER_PRS_F", "ER_PHA_F", "ER_CAM_F", "IR_PHA_R", "IR_IMB_R",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for y in opts.years()? {
        for l in ['B', 'C', 'D', 'A'] {
            names.push(format!("T_MCO{:02}{l}", y % 100));
        }
    }
    Ok(names)
}
