//! The faces of the rating scale, drawn as SVG on the server: red and frowning at 1, green and
//! smiling at 5. Each face also carries its words, so colour is never the only signal.

use leptos::prelude::*;

const COLOURS: [&str; 5] = ["#c62828", "#e65100", "#f9a825", "#7cb342", "#2e7d32"];

/// The face for a score from 1 to 5.
pub fn face(score: i32) -> impl IntoView {
    let s = score.clamp(1, 5);
    let fill = COLOURS[(s - 1) as usize];
    // Mouth: a curve that bends down for low scores and up for high ones.
    let mouth = match s {
        1 => "M 30 74 Q 50 50 70 74",
        2 => "M 32 72 Q 50 60 68 72",
        3 => "M 32 68 L 68 68",
        4 => "M 32 64 Q 50 76 68 64",
        _ => "M 28 60 Q 50 86 72 60",
    };
    view! {
        <svg class="face-svg" viewBox="0 0 100 100" aria-hidden="true" focusable="false">
            <circle cx="50" cy="50" r="46" fill=fill/>
            <circle cx="35" cy="40" r="6" fill="#1a1a1a"/>
            <circle cx="65" cy="40" r="6" fill="#1a1a1a"/>
            <path d=mouth stroke="#1a1a1a" stroke-width="6" fill="none" stroke-linecap="round"/>
        </svg>
    }
}
