//! A Data pathologies file of the Assurance Maladie (`effectifs.csv`: `;`, Latin-1, decimal
//! comma), as the explorer's open-data reader and Python's `cohorte.read_data_pathologies` read
//! it.
#![no_main]

use cohorte_core::opendata;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    std::hint::black_box(opendata::read_data_pathologies(data, "effectifs.csv").is_ok());
});
