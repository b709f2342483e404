//! Lắng Nghe: the web application. Pages are Leptos views rendered on the server; form posts go
//! to Leptos server functions with stable URLs (`/api/…`); domain rules are pure functions in
//! [`domain`]; all SQL is in [`db`].

rust_i18n::i18n!("locales", fallback = "vi");

#[cfg(feature = "ssr")]
pub mod cache;
pub mod domain;
pub mod i18n;
#[cfg(feature = "ssr")]
pub mod sign;
#[cfg(feature = "ssr")]
pub mod survey;

#[cfg(feature = "ssr")]
pub mod api;
#[cfg(feature = "ssr")]
pub mod components;
#[cfg(feature = "ssr")]
pub mod config;
#[cfg(feature = "ssr")]
pub mod ctx;
#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod device;
#[cfg(feature = "ssr")]
pub mod error;
#[cfg(feature = "ssr")]
pub mod middleware;
#[cfg(feature = "ssr")]
pub mod notify;
#[cfg(feature = "ssr")]
pub mod pages;
#[cfg(feature = "ssr")]
pub mod reports;
#[cfg(feature = "ssr")]
pub mod state;

#[cfg(feature = "ssr")]
pub use state::{AppConfig, AppState};
