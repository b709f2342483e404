//! Integration tests: HTTP against the real app, each on SQLite and on PostgreSQL.

mod a11y;
mod access;
mod accounts_kiosks;
mod auth;
mod backup;
mod browser;
mod cli;
mod connections;
mod crash;
mod csrf;
mod dossier_api;
mod feedback;
mod holes;
mod indices;
mod limits;
mod notifications;
mod procedures;
mod ratings;
mod security;
mod sessions;
mod shell;
mod signup_limits;
mod survey;
mod units;
