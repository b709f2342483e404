//! The review of a text before it goes public: the text as the public will read it, each
//! piece that comes out shown struck through and marked with why (server-rendered, no
//! JavaScript), and the form field where the official adds more words to remove.

use crate::domain::publish::{Kind, Part, Publication, REDACTED};
use crate::i18n::{t, tf};
use leptos::prelude::*;

/// One line of the review: pieces kept, and pieces removed with their kind.
type Line<'a> = Vec<(&'a str, Option<Kind>)>;

fn lines<'a>(p: &'a Publication) -> Vec<Line<'a>> {
    let mut out: Vec<Line<'a>> = vec![Vec::new()];
    for part in p.parts() {
        let (text, kind) = match part {
            Part::Kept(s) => (s, None),
            Part::Removed(s, k) => (s, Some(k)),
        };
        let mut pieces = text.split('\n').peekable();
        while let Some(piece) = pieces.next() {
            if !piece.is_empty() {
                if let Some(line) = out.last_mut() {
                    line.push((piece, kind));
                }
            }
            if pieces.peek().is_some() {
                out.push(Vec::new());
            }
        }
    }
    out.retain(|l| l.iter().any(|(s, _)| !s.trim().is_empty()));
    out
}

/// The text with each removal highlighted: the words struck through, then the mark the public
/// sees (`[…]`), with why in words for screen readers and on hover.
pub fn highlighted(p: &Publication) -> impl IntoView {
    lines(p)
        .into_iter()
        .map(|line| {
            let pieces = line
                .into_iter()
                .map(|(s, kind)| match kind {
                    None => s.to_string().into_any(),
                    Some(k) => {
                        let why = t(k.label_key());
                        view! {
                            <del class="removal" title=tf("pub.removed_as", &[("kind", &why)])>
                                <span class="visually-hidden">{tf("pub.removed_as", &[("kind", &why)])}": "</span>
                                {s.to_string()}
                            </del>
                            <span class="removal-mark" aria-hidden="true">{REDACTED}</span>
                        }
                        .into_any()
                    }
                })
                .collect_view();
            view! { <p>{pieces}</p> }
        })
        .collect_view()
}

/// How many pieces come out, in a sentence.
pub fn summary(removed: usize) -> String {
    if removed == 0 {
        t("pub.none_removed")
    } else {
        tf("pub.n_removed", &[("n", &removed.to_string())])
    }
}
