//! The test library: the harness (`spawn_app()` boots the real application on port 0 against a
//! fresh database, SQLite or PostgreSQL, filled with the demo province, and hands back a
//! cookie-keeping HTTP client with typed helpers; `both_databases!`), the headless browser, the
//! shared fixtures, and the local SMTP and SMS receivers.

mod browser;
mod fixtures;
mod harness;
pub mod sinks;

pub use browser::*;
pub use fixtures::*;
pub use harness::*;
