//! Evaluating a definition on a [`Dataset`]: the entry point the Python and JavaScript faces use.

use super::{evaluate, CohortResult};
use crate::dataset::Dataset;
use crate::definition::Definition;
use crate::error::Result;

impl Dataset {
    /// Evaluate a cohort definition on this dataset's event store (see [`evaluate`]).
    pub fn cohort(&self, def: &Definition) -> Result<CohortResult> {
        evaluate(self.store(), def)
    }
}
