//! Python bindings of cohorte-core.
