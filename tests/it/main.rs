//! Integration tests: HTTP against the real app, each on SQLite and on PostgreSQL.

mod a11y;
mod access;
mod accounts_kiosks;
mod auth;
mod backup;
mod browser;
mod cli;
mod crash;
mod csrf;
mod feedback;
mod indices;
mod kiosk_guard;
mod limits;
mod notifications;
mod procedures;
mod ratings;
mod security;
mod sessions;
mod shell;
mod survey;
mod units;
