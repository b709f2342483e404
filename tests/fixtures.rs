//! Shared steps of several test modules: the run's figures, form fields, publishing an answer,
//! the dossier journey's events and the texts a local gateway receives.

use crate::TestApp;
use reqwest::StatusCode;

/// Records a figure of the run (`target/figures/<name>.txt`, one line per call) for `.ci/run`
/// to print at the end and the README to quote.
pub fn figure(name: &str, line: &str) {
    use std::io::Write;
    let dir = std::env::var("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"))
        .join("figures");
    let _ = std::fs::create_dir_all(&dir);
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join(format!("{name}.txt")))
    {
        let _ = writeln!(f, "{line}");
    }
}

// ---------------------------------------------------------------------------------------------
// Publication (issue 17): an answer or the minutes go public from their review, as an official
// does it in the browser: the review form carries the fingerprint of what was shown.

/// The value of the field `name` in the form of `html` that posts to `action`.
pub fn form_value(html: &str, action: &str, name: &str) -> Option<String> {
    let doc = scraper::Html::parse_document(html);
    let forms = scraper::Selector::parse("form").ok()?;
    let field = scraper::Selector::parse(&format!("[name=\"{name}\"]")).ok()?;
    doc.select(&forms)
        .filter(|f| f.value().attr("action") == Some(action))
        .find_map(|f| {
            f.select(&field).next().map(|e| match e.value().name() {
                "textarea" => e.text().collect(),
                _ => e.value().attr("value").unwrap_or("").to_string(),
            })
        })
}

impl TestApp {
    /// Drafts `answer` for case `id` and publishes it from its review (or sends it for
    /// approval, when approval is required): the final status and page.
    pub async fn answer_and_publish(&self, id: i64, answer: &str) -> (StatusCode, String) {
        let page = format!("/feedback/cases/{id}");
        let (_, body) = self
            .submit(
                &page,
                "/api/feedback/answer",
                &[("id", &id.to_string()), ("answer", answer)],
            )
            .await;
        assert!(
            body.contains("/api/feedback/review"),
            "the draft is shown for review"
        );
        self.review_and_publish(&page, "/api/feedback/review", "")
            .await
    }

    /// On `page`, adds `extra` words to remove in the review form that posts to `action` (and
    /// looks at the result), then presses its "publish" button: the final status and page.
    pub async fn review_and_publish(
        &self,
        page: &str,
        action: &str,
        extra: &str,
    ) -> (StatusCode, String) {
        let (_, mut body) = self.page(page).await;
        let id = form_value(&body, action, "id")
            .unwrap_or_else(|| panic!("no review form posting to {action} on {page}"));
        if !extra.is_empty() {
            let (_, shown) = self
                .submit(
                    page,
                    action,
                    &[("id", &id), ("extra", extra), ("step", "preview")],
                )
                .await;
            body = shown;
        }
        let reviewed = form_value(&body, action, "reviewed").expect("the review's fingerprint");
        let extra = form_value(&body, action, "extra").unwrap_or_default();
        self.submit(
            page,
            action,
            &[
                ("id", &id),
                ("extra", &extra),
                ("reviewed", &reviewed),
                ("step", "publish"),
            ],
        )
        .await
    }
}

// ---------------------------------------------------------------------------------------------
// Texts (issue 19): dossier events posted as the one-stop software does, and the texts a local
// gateway (tests/sinks.rs) receives from the outbox worker.

/// Points a channel (`sms`, `zalo`, …) of the outbox at a local gateway, as the administrator
/// would on /admin/notifications.
pub async fn plug_gateway(app: &TestApp, channel: &str, sink: &crate::sinks::HttpSink) {
    let mut tx = app.db.begin().await.expect("begin");
    langnghe_app::db::settings::put(&mut tx, &format!("outbox.{channel}_url"), &sink.url)
        .await
        .expect("gateway setting");
    tx.commit().await.expect("commit");
}

/// Runs the outbox worker until nothing is due; returns (to, text) of what `sink` got meanwhile.
pub async fn sent_texts(app: &TestApp, sink: &crate::sinks::HttpSink) -> Vec<(String, String)> {
    let before = sink.hits().len();
    let http = reqwest::Client::new();
    while langnghe_app::notify::run_once_at(
        &app.db,
        &app.base,
        &http,
        "test-worker",
        chrono::Utc::now(),
    )
    .await
    .expect("worker pass")
        > 0
    {}
    sink.hits()[before..]
        .iter()
        .map(|h| {
            (
                h.body["to"].as_str().unwrap_or("").to_string(),
                h.body["text"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

/// Posts a dossier event with the unit's API key; returns the status and the JSON answer.
pub async fn dossier_event(
    app: &TestApp,
    key: &str,
    code: &str,
    body: &serde_json::Value,
) -> (u16, serde_json::Value) {
    let r = app
        .client
        .post(app.url(&format!("/api/v1/dossiers/{code}/events")))
        .header("X-API-Key", key)
        .json(body)
        .send()
        .await
        .expect("POST event");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(serde_json::Value::Null))
}

/// Registers dossier `code` of unit `unit` through the dossier API (the citizen's phone
/// 0912345678, received on 18 Nov 2026 at 08:00, Vietnam time), as the one-stop software does.
pub async fn register_dossier(app: &TestApp, key: &str, code: &str, unit: &str) {
    let r = app
        .client
        .post(app.url("/api/v1/dossiers"))
        .header("X-API-Key", key)
        .json(
            &serde_json::json!({"code": code, "unit_code": unit, "citizen_phone": "0912345678",
                  "received_at": "2026-11-18T08:00:00+07:00"}),
        )
        .send()
        .await
        .expect("POST dossier");
    assert_eq!(r.status().as_u16(), 201);
}
