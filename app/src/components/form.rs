//! Form fields that show the visitor's values and the field's error again after a failed post.

use crate::components::state::FormView;
use crate::i18n::t;
use leptos::prelude::*;

/// What every field shows of its error: the message, the wrapper's class, its id and the ARIA
/// attributes that tie the message to the control.
struct FieldState {
    err: Option<String>,
    class: &'static str,
    id: String,
    described: Option<String>,
    invalid: Option<&'static str>,
}

fn field_state(f: &FormView, name: &str) -> FieldState {
    let err = f.error(name);
    let id = format!("f-{name}");
    FieldState {
        class: field_class(&err),
        described: err.as_ref().map(|_| format!("{id}-err")),
        invalid: err.as_ref().map(|_| "true"),
        err,
        id,
    }
}

/// The class of a field's wrapper: marked when it has an error.
pub fn field_class(err: &Option<String>) -> &'static str {
    if err.is_some() {
        "field has-error"
    } else {
        "field"
    }
}

/// A labelled text-like input (`kind` = text, password, date, email, number…).
pub fn input(
    f: &FormView,
    name: &'static str,
    label_key: &str,
    kind: &'static str,
    default: &str,
    required: bool,
    hint: Option<String>,
) -> impl IntoView {
    let FieldState {
        err,
        class,
        id,
        described,
        invalid,
    } = field_state(f, name);
    let value = if kind == "password" {
        String::new()
    } else {
        f.value(name, default)
    };
    let autocomplete = match name {
        "username" => Some("username"),
        "password" => Some("current-password"),
        "new_password" => Some("new-password"),
        _ => None,
    };
    view! {
        <div class=class>
            <label for=id.clone()>{t(label_key)}{required.then_some(" *")}</label>
            <input id=id.clone() name=name type=kind value=value required=required aria-invalid=invalid
                aria-describedby=described autocomplete=autocomplete/>
            {hint.map(|h| view! { <p class="hint">{h}</p> })}
            {err.map(|e| view! { <p class="error-text" id=format!("{id}-err")>{e}</p> })}
        </div>
    }
}

/// A labelled select; `options` are (value, label).
pub fn select(
    f: &FormView,
    name: &'static str,
    label_key: &str,
    options: Vec<(String, String)>,
    default: &str,
    required: bool,
) -> impl IntoView {
    let FieldState {
        err,
        class,
        id,
        invalid,
        ..
    } = field_state(f, name);
    let chosen = f.value(name, default);
    let opts = options
        .into_iter()
        .map(|(v, l)| {
            let sel = v == chosen;
            view! { <option value=v selected=sel>{l}</option> }
        })
        .collect_view();
    view! {
        <div class=class>
            <label for=id.clone()>{t(label_key)}{required.then_some(" *")}</label>
            <select id=id name=name required=required aria-invalid=invalid>
                <option value="">{t("form.choose")}</option>
                {opts}
            </select>
            {err.map(|e| view! { <p class="error-text">{e}</p> })}
        </div>
    }
}

/// A checkbox with its label; checked when the form comes back with it or by default.
pub fn checkbox(f: &FormView, name: &'static str, label_key: &str, default: bool) -> impl IntoView {
    let checked = match &f.state {
        Some(s) => s.values.get(name).is_some_and(|v| !v.is_empty()),
        None => default,
    };
    view! {
        <label class="check">
            <input type="checkbox" name=name value="1" checked=checked/>
            " "{t(label_key)}
        </label>
    }
}

/// A hidden input.
pub fn hidden(name: &'static str, value: String) -> impl IntoView {
    view! { <input type="hidden" name=name value=value/> }
}

/// The content of a `<textarea>`, escaped. Leptos writes the children of a `<textarea>` as they
/// are (it is a raw-text element to it), so a value holding `</textarea>` would end the element
/// and whatever follows would be read as HTML (a `<meta http-equiv="refresh">`, a `<script>`):
/// every textarea is written with this. `&`, `<` and `>` become character references, which the
/// browser reads back as the characters typed; a leading line break, which the HTML parser drops
/// after `<textarea>`, is kept by writing one more.
pub fn textarea_text(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 8);
    if value.starts_with('\n') {
        out.push('\n');
    }
    out.push_str(&html_escape::encode_text(value));
    out
}

/// A labelled multi-line text area.
pub fn textarea(
    f: &FormView,
    name: &'static str,
    label_key: &str,
    default: &str,
    required: bool,
    hint: Option<String>,
    rows: u32,
) -> impl IntoView {
    let FieldState {
        err,
        class,
        id,
        described,
        invalid,
    } = field_state(f, name);
    let value = f.value(name, default);
    view! {
        <div class=class>
            <label for=id.clone()>{t(label_key)}{required.then_some(" *")}</label>
            <textarea id=id.clone() name=name rows=rows required=required aria-invalid=invalid
                aria-describedby=described>{textarea_text(&value)}</textarea>
            {hint.map(|h| view! { <p class="hint">{h}</p> })}
            {err.map(|e| view! { <p class="error-text" id=format!("{id}-err")>{e}</p> })}
        </div>
    }
}

/// The error of a field that is not a plain input (a group of radio buttons, a file input).
pub fn field_error(f: &FormView, name: &str) -> impl IntoView {
    f.error(name)
        .map(|e| view! { <p class="error-text" id=format!("f-{name}-err")>{e}</p> })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn textarea_content_cannot_end_the_element() {
        assert_eq!(
            textarea_text("</textarea><script>alert(1)</script>"),
            "&lt;/textarea&gt;&lt;script&gt;alert(1)&lt;/script&gt;"
        );
        assert_eq!(textarea_text("a & b"), "a &amp; b");
        assert_eq!(textarea_text("\nđầu dòng"), "\n\nđầu dòng");
        assert_eq!(textarea_text("\"quoted\" 'x'"), "\"quoted\" 'x'");
    }
}
