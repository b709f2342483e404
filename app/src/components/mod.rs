//! View pieces every page shares: the shell, form fields, tables and pagination.

pub mod chart;
pub mod faces;
pub mod form;
pub mod icons;
pub mod layout;
pub mod pager;
pub mod publication;
pub mod qr;
pub mod state;
