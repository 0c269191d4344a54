//! The end-to-end test binary: one binary, one module per area (see ARCHITECTURE.md).

mod providers;
