//! What the view pieces show of a request, as plain data: the visitor's display preferences,
//! the one-time flash message, and a form's typed values and errors. The request context
//! (`crate::ctx`) fills them; the shell and the form fields (`components`) draw them.

use crate::i18n;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Display preferences, from cookies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Prefs {
    /// Font size step 0..=3 (A-, A, A+, A++); 1 is normal.
    pub font: u8,
    pub contrast: bool,
}

impl Default for Prefs {
    fn default() -> Self {
        Prefs {
            font: 1,
            contrast: false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FlashKind {
    Ok,
    Error,
    Info,
}

/// A one-time message for the next page, with the values and errors of a form to show again.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Flash {
    pub kind: FlashKind,
    /// i18n key of the message.
    pub key: String,
    /// Values for `%{name}` placeholders.
    #[serde(default)]
    pub args: Vec<(String, String)>,
    #[serde(default)]
    pub form: Option<FormState>,
    /// Extra data for the page (e.g. an import report, a device token shown once).
    #[serde(default)]
    pub extra: Option<serde_json::Value>,
}

/// A submitted form's values and its field errors (i18n keys), to render it again.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct FormState {
    pub id: String,
    pub values: HashMap<String, String>,
    pub errors: HashMap<String, String>,
}

/// What the page knows of one form: values to show again and errors.
#[derive(Debug, Clone, Default)]
pub struct FormView {
    pub state: Option<FormState>,
}

impl FormView {
    /// The value the visitor typed, or `default` when the form is fresh.
    pub fn value(&self, name: &str, default: &str) -> String {
        match &self.state {
            Some(s) => s.values.get(name).cloned().unwrap_or_default(),
            None => default.to_string(),
        }
    }
    /// The translated error of a field, if any.
    pub fn error(&self, name: &str) -> Option<String> {
        self.state
            .as_ref()
            .and_then(|s| s.errors.get(name))
            .map(|k| i18n::t(k))
    }
    /// Whether this form came back with errors (so a folded form is shown open).
    pub fn has_errors(&self) -> bool {
        self.state.as_ref().is_some_and(|s| !s.errors.is_empty())
    }
}

impl Flash {
    pub fn new(kind: FlashKind, key: &str) -> Flash {
        Flash {
            kind,
            key: key.to_string(),
            args: Vec::new(),
            form: None,
            extra: None,
        }
    }
    pub fn ok(key: &str) -> Flash {
        Flash::new(FlashKind::Ok, key)
    }
    pub fn error(key: &str) -> Flash {
        Flash::new(FlashKind::Error, key)
    }
    pub fn info(key: &str) -> Flash {
        Flash::new(FlashKind::Info, key)
    }
    pub fn arg(mut self, k: &str, v: impl Into<String>) -> Flash {
        self.args.push((k.to_string(), v.into()));
        self
    }
    pub fn extra(mut self, v: serde_json::Value) -> Flash {
        self.extra = Some(v);
        self
    }
    /// The message in the current page's language.
    pub fn text(&self) -> String {
        let args: Vec<(&str, &str)> = self
            .args
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        i18n::tf(&self.key, &args)
    }
}
