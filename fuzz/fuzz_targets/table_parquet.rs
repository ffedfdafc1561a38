//! An SNDS source table in Parquet, opened by a user: the file's name on the input's first line
//! (`ER_PHA_F.parquet`, `T_MCO21B.parquet`: it names the table), its bytes after. Read, then
//! flattened with the other tables into a population on which the example definitions are
//! evaluated (`cohorte_fuzz::open_table`).
#![no_main]

use cohorte_core::tables::Format;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| cohorte_fuzz::open_table(Format::Parquet, data));
