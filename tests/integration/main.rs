//! One test binary; a module per feature. Every test gets its own database.

mod backup;
mod bad_input;
mod communes;
mod embedded;
mod exports;
mod faults;
mod hostile_files;
mod hostile_http;
mod indicators;
mod ingest;
mod ogc;
mod openapi;
mod participation;
mod participation_partners;
mod quick_import;
mod refresh_facts;
mod regions;
mod replica;
mod service_writes;
mod services;
mod shutdown;
mod tiles;
