//! Small line icons drawn as inline SVG (no icon font, no emoji: both are missing on many
//! kiosks and cheap phones). Decorative: hidden from screen readers.

use leptos::prelude::*;

fn icon(paths: &'static str) -> impl IntoView {
    view! {
        <svg viewBox="0 0 24 24" width="36" height="36" fill="none" stroke="currentColor" stroke-width="1.8"
            stroke-linecap="round" stroke-linejoin="round" aria-hidden="true" focusable="false" inner_html=paths></svg>
    }
}

/// A document with lines: the procedure catalogue.
pub fn document() -> impl IntoView {
    icon(r#"<path d="M6 2h9l5 5v15H6z"/><path d="M15 2v5h5"/><path d="M9 12h8M9 16h8M9 8h3"/>"#)
}

/// A key: sign in.
pub fn key() -> impl IntoView {
    icon(r#"<circle cx="8" cy="15" r="4"/><path d="M11 12l9-9M17 6l3 3M15 8l2 2"/>"#)
}

/// A briefcase: the staff workspace.
pub fn briefcase() -> impl IntoView {
    icon(r#"<rect x="3" y="7" width="18" height="13" rx="2"/><path d="M9 7V4h6v3M3 13h18"/>"#)
}

/// A smiling face: rate a service.
pub fn smile() -> impl IntoView {
    icon(
        r#"<circle cx="12" cy="12" r="9"/><path d="M8 14c1 1.5 2.3 2.2 4 2.2s3-.7 4-2.2"/><path d="M9 9.5h.01M15 9.5h.01"/>"#,
    )
}

/// A speech bubble: send feedback.
pub fn chat() -> impl IntoView {
    icon(r#"<path d="M4 5h16v11H9l-5 4z"/><path d="M8 9h8M8 12h5"/>"#)
}

/// A magnifier: look up a case.
pub fn search() -> impl IntoView {
    icon(r#"<circle cx="10.5" cy="10.5" r="6.5"/><path d="M15.5 15.5L21 21"/>"#)
}
