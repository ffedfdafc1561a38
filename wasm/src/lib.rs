//! WebAssembly bindings of cohorte-core.
