//! Pure types and rules of the domain: no I/O, no database, no HTTP.
//! Everything here is unit-tested in place.

pub mod access;
pub mod calendar;
pub mod calendar_file;
pub mod dossier;
pub mod feedback;
pub mod inbound;
pub mod index;
pub mod index_rules;
pub mod insight;
pub mod journey;
pub mod kiosk_guard;
pub mod period;
pub mod procedure;
pub mod publish;
pub mod rating;
pub mod session;
pub mod text;
pub mod unit;
pub mod validate;

pub use access::{Permission, Role};
pub use unit::UnitPath;
