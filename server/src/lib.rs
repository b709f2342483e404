//! Lắng Nghe server: configuration, start-up (router, layers, sessions), the command line.

pub mod api_v1;
pub mod backup;
pub mod bench;
pub mod cli;
pub mod config;
pub mod inbound;
pub mod serve;
pub mod session_store;
pub mod startup;
