//! An Open Medic file of the Assurance Maladie (`OPEN_MEDIC_<year>.CSV`: `;`, Latin-1, decimal
//! comma), as the explorer's open-data reader and Python's `cohorte.read_open_medic` read it.
#![no_main]

use cohorte_core::opendata;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    std::hint::black_box(opendata::read_open_medic(data, "OPEN_MEDIC_2023.CSV").is_ok());
});
