//! The dossier API as an attacker holding one unit's key would use it (issue 16.1), the
//! records that would distort Decision 766 (issue 15.8), and the API checked against its own
//! OpenAPI document (issue 18.6).

use langnghe_app::db::dossiers;
use langnghe_tests::{both_databases, TestApp};
use serde_json::{json, Value};

async fn post(app: &TestApp, key: &str, body: &Value) -> (u16, Value) {
    let r = app
        .client
        .post(app.url("/api/v1/dossiers"))
        .header("X-API-Key", key)
        .json(body)
        .send()
        .await
        .expect("POST dossier");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// The stored unit and complaint of the dossier with `code`.
async fn stored(app: &TestApp, code: &str) -> Option<(i64, bool)> {
    langnghe_app::db_run!(&app.db, c => sqlx::query_as::<_, (i64, bool)>(
        "SELECT unit_id, complained FROM dossiers WHERE code = $1").bind(code).fetch_optional(c).await)
    .unwrap()
}

fn dossier(code: &str, unit: &str) -> Value {
    json!({"code": code, "unit_code": unit, "procedure_code": "1.001193",
           "received_at": "2026-11-18T08:00:00+07:00", "completed_at": "2026-11-20T09:30:00+07:00"})
}

both_databases!(
    a_code_of_another_unit_answers_409_and_reveals_nothing,
    |app: TestApp| async move {
        // Phường Hòa Thuận's one-stop software registers its dossier.
        let pht_key = app.api_key("PHT").await;
        let (s, pht) = post(&app, &pht_key, &dossier("H41.30-261120-0007", "PHT")).await;
        assert_eq!(s, 201, "{pht}");
        let pht_link = pht["survey"]["url"].as_str().unwrap().to_string();

        // Xã Tân Hòa's key posts that code under its own unit, claiming a complaint.
        let xth_key = app.api_key("XTH").await;
        let mut attack = dossier("H41.30-261120-0007", "XTH");
        attack["complained"] = json!(true);
        let (s, refused) = post(&app, &xth_key, &attack).await;
        assert_eq!(s, 409, "{refused}");
        assert_eq!(refused["error"], "conflict");
        let text = refused.to_string();
        for secret in [pht_link.as_str(), "Hòa Thuận", "PHT", "/s/", "dossier_id"] {
            assert!(
                !text.contains(secret),
                "the refusal reveals {secret}: {text}"
            );
        }
        let pht_id = app.unit_id("PHT").await;
        assert_eq!(
            stored(&app, "H41.30-261120-0007").await,
            Some((pht_id, false)),
            "the dossier stays Hòa Thuận's and is not marked complained"
        );

        // A key whose scope holds both units (the province) re-posting the code with another
        // unit gets the same 409, word for word: the answer does not depend on whether the
        // other unit is in the key's scope.
        let province = app.api_key("LG").await;
        let (s, same) = post(&app, &province, &attack).await;
        assert_eq!((s, &same), (409, &refused));
        assert_eq!(
            stored(&app, "H41.30-261120-0007").await,
            Some((pht_id, false))
        );

        // The rightful unit still gets its link again (200), and may report the complaint.
        let mut again = dossier("H41.30-261120-0007", "PHT");
        again["complained"] = json!(true);
        let (s, v) = post(&app, &pht_key, &again).await;
        assert_eq!(
            (s, v["survey"]["url"].as_str()),
            (200, Some(pht_link.as_str()))
        );
        assert_eq!(
            stored(&app, "H41.30-261120-0007").await,
            Some((pht_id, true))
        );
        // A new code for Tân Hòa is created (201): the key works for its own unit.
        let (s, _) = post(&app, &xth_key, &dossier("H41.31-261120-0001", "XTH")).await;
        assert_eq!(s, 201);
        // Outside the key's scope by the unit named: 403, as before.
        let (s, v) = post(&app, &xth_key, &dossier("H41.31-261120-0002", "PHT")).await;
        assert_eq!((s, v["error"].as_str()), (403, Some("forbidden")));
        assert_eq!(dossiers::count(&app.db).await.unwrap(), 2);
    }
);

both_databases!(
    probing_codes_of_other_units_is_stopped,
    |app: TestApp| async move {
        let pht_key = app.api_key("PHT").await;
        for i in 0..25 {
            let (s, _) = post(&app, &pht_key, &dossier(&format!("PHT-{i}"), "PHT")).await;
            assert_eq!(s, 201);
        }
        let xth_key = app.api_key("XTH").await;
        let limit = langnghe_server::api_v1::CONFLICTS_PER_KEY_PER_HOUR;
        for i in 0..limit {
            let (s, _) = post(&app, &xth_key, &dossier(&format!("PHT-{i}"), "XTH")).await;
            assert_eq!(s, 409, "conflict {i}");
        }
        // Past the limit every post of that key waits, even one of a new code: the key cannot
        // tell which codes exist any more.
        for code in [format!("PHT-{limit}"), "XTH-NEW-1".to_string()] {
            let r = app
                .client
                .post(app.url("/api/v1/dossiers"))
                .header("X-API-Key", &xth_key)
                .json(&dossier(&code, "XTH"))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 429);
            assert!(r.headers().contains_key("retry-after"));
        }
        assert!(stored(&app, "XTH-NEW-1").await.is_none());
        // Another key is not affected.
        let (s, _) = post(&app, &pht_key, &dossier("PHT-NEW", "PHT")).await;
        assert_eq!(s, 201);
    }
);

both_databases!(
    one_new_code_posted_25_times_at_once_for_two_units,
    |app: TestApp| async move {
        let key = app.api_key("LG").await;
        let mut tasks = Vec::new();
        for i in 0..25 {
            let v = app.another_visitor();
            let key = key.clone();
            let unit = if i % 2 == 0 { "PHT" } else { "XTH" };
            tasks.push(tokio::spawn(async move {
                let (s, body) = post(&v, &key, &dossier("RACE-1", unit)).await;
                (unit, s, body)
            }));
        }
        let mut answers = Vec::new();
        for t in tasks {
            answers.push(t.await.unwrap());
        }
        let created: Vec<_> = answers.iter().filter(|(_, s, _)| *s == 201).collect();
        assert_eq!(created.len(), 1, "one post creates it: {answers:?}");
        let winner = created[0].0;
        for (unit, s, body) in &answers {
            if *unit == winner {
                assert!(*s == 201 || *s == 200, "{unit}: {s} {body}");
                assert_eq!(body["survey"]["url"], created[0].2["survey"]["url"]);
            } else {
                assert_eq!(*s, 409, "the other unit is refused: {body}");
            }
        }
        assert_eq!(dossiers::count(&app.db).await.unwrap(), 1);
        assert_eq!(
            stored(&app, "RACE-1").await.map(|(u, _)| u),
            Some(app.unit_id(winner).await)
        );
    }
);

both_databases!(
    dossier_times_that_would_distort_766_are_refused,
    |app: TestApp| async move {
        let key = app.api_key("LG").await;
        let now = chrono::Utc::now();
        let at = |d: chrono::Duration| (now + d).to_rfc3339();
        let h = chrono::Duration::hours;
        let cases = [
            // completed an hour before it was received
            (
                json!({"received_at": at(h(-2)), "completed_at": at(h(-3))}),
                "completed_at",
            ),
            // received tomorrow, completed in ten minutes (more than 5 minutes ahead)
            (json!({"received_at": at(h(24))}), "received_at"),
            (
                json!({"completed_at": at(chrono::Duration::minutes(10))}),
                "completed_at",
            ),
            // before 2000
            (
                json!({"received_at": "1999-12-31T08:00:00+07:00"}),
                "received_at",
            ),
            (
                json!({"completed_at": "1970-01-01T00:00:00Z"}),
                "completed_at",
            ),
            (json!({"due_at": "1999-06-01T17:00:00+07:00"}), "due_at"),
            // due before it was received
            (
                json!({"received_at": at(h(-48)), "due_at": at(h(-72))}),
                "due_at",
            ),
        ];
        for (i, (times, field)) in cases.iter().enumerate() {
            let mut body = json!({"code": format!("T-{i}"), "unit_code": "XAPL"});
            for (k, v) in times.as_object().unwrap() {
                body[k] = v.clone();
            }
            let (s, v) = post(&app, &key, &body).await;
            assert_eq!(
                (s, v["field"].as_str()),
                (422, Some(*field)),
                "{body} → {v}"
            );
            assert!(v["message_vi"].as_str().is_some_and(|m| !m.is_empty()));
        }
        // Within the allowed clock difference (2 minutes ahead) it is taken.
        let (s, v) = post(
            &app,
            &key,
            &json!({"code": "T-skew", "unit_code": "XAPL", "completed_at": at(chrono::Duration::minutes(2))}),
        )
        .await;
        assert_eq!(s, 201, "{v}");
        assert_eq!(dossiers::count(&app.db).await.unwrap(), 1);

        // A re-post that fills in a completion before the stored reception is refused too,
        // and changes nothing.
        let (s, _) = post(
            &app,
            &key,
            &json!({"code": "T-late", "unit_code": "XAPL", "received_at": at(h(-5))}),
        )
        .await;
        assert_eq!(s, 201);
        let (s, v) = post(
            &app,
            &key,
            &json!({"code": "T-late", "unit_code": "XAPL", "completed_at": at(h(-6))}),
        )
        .await;
        assert_eq!((s, v["field"].as_str()), (422, Some("completed_at")), "{v}");
        let completed: Option<chrono::DateTime<chrono::Utc>> =
            langnghe_app::db_run!(&app.db, c => sqlx::query_scalar(
            "SELECT completed_at FROM dossiers WHERE code = 'T-late'").fetch_one(c).await)
            .unwrap();
        assert_eq!(completed, None);
        let (s, _) = post(
            &app,
            &key,
            &json!({"code": "T-late", "unit_code": "XAPL", "completed_at": at(h(-1))}),
        )
        .await;
        assert_eq!(s, 200);
    }
);

/// The OpenAPI document's schemas, checked with a JSON Schema validator (2020-12, formats
/// checked): every `$ref` resolves inside the document.
struct Contract {
    doc: Value,
}

impl Contract {
    fn validate(&self, schema: &Value, instance: &Value) -> Result<(), String> {
        let root = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "components": self.doc["components"],
            "allOf": [schema],
        });
        let v = jsonschema::options()
            .should_validate_formats(true)
            .build(&root)
            .map_err(|e| format!("schema: {e}"))?;
        let errors: Vec<String> = v.iter_errors(instance).map(|e| e.to_string()).collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors.join("; "))
        }
    }

    fn operation(&self, method: &str, path: &str) -> &Value {
        let op = &self.doc["paths"][path][method];
        assert!(op.is_object(), "{method} {path} is not in the document");
        op
    }

    /// The request body as the document describes it.
    fn request(&self, method: &str, path: &str, body: &Value) -> Result<(), String> {
        let schema =
            &self.operation(method, path)["requestBody"]["content"]["application/json"]["schema"];
        assert!(schema.is_object(), "no request schema for {method} {path}");
        self.validate(schema, body)
    }

    /// The status is documented for the operation and the body matches its schema.
    fn response(&self, method: &str, path: &str, status: u16, body: &Value) -> Result<(), String> {
        let resp = &self.operation(method, path)["responses"][status.to_string()];
        if !resp.is_object() {
            return Err(format!("status {status} is not documented"));
        }
        let schema = &resp["content"]["application/json"]["schema"];
        assert!(schema.is_object(), "no schema for {status}");
        self.validate(schema, body)
    }
}

both_databases!(
    real_requests_and_responses_match_the_openapi_document,
    |app: TestApp| async move {
        let doc: Value = app.get("/api/v1/openapi.json").await.json().await.unwrap();
        let c = Contract { doc };
        let key = app.api_key("XAPL").await;
        let path = "/api/v1/dossiers";
        let mut seen = std::collections::BTreeSet::new();
        let mut check = |body: &Value, status: u16, reply: &Value, expect_valid_request: bool| {
            let req = c.request("post", path, body);
            assert_eq!(
                req.is_ok(),
                expect_valid_request,
                "request {body}: the document says {req:?}, the API answered {status} {reply}"
            );
            if let Err(e) = c.response("post", path, status, reply) {
                panic!("response {status} {reply} to {body}: {e}");
            }
            seen.insert(status);
        };
        let full = json!({"code": "HS-OA-1", "unit_code": "XAPL", "procedure_code": "1.001193",
            "citizen_phone": "0912345678", "received_at": "2026-11-18T08:00:00+07:00",
            "due_at": "2026-11-25T17:00:00+07:00", "completed_at": "2026-11-20T09:30:00+07:00",
            "complained": false});
        let minimal = json!({"code": "HS-OA-2", "unit_code": "XAPL"});
        for body in [&full, &full, &minimal] {
            let (s, v) = post(&app, &key, body).await;
            assert!(s == 201 || s == 200, "{s} {v}");
            check(body, s, &v, true);
        }
        // What the document refuses, the parser refuses with the field named: the same types.
        let wrong = [
            json!({"code": 5, "unit_code": "XAPL"}),
            json!({"unit_code": "XAPL"}),
            json!({"code": "X", "unit_code": "XAPL", "counter_id": "3"}),
            json!({"code": "X", "unit_code": "XAPL", "counter_id": 1.5}),
            json!({"code": "X", "unit_code": "XAPL", "complained": "yes"}),
            json!({"code": "X", "unit_code": "XAPL", "completed_at": "hôm qua"}),
            json!({"code": "X", "unit_code": "XAPL", "procedure_code": ["1.001193"]}),
            json!(["not", "an", "object"]),
        ];
        for body in &wrong {
            let (s, v) = post(&app, &key, body).await;
            assert_eq!(s, 422, "{body} → {v}");
            check(body, s, &v, false);
        }
        // Refusals the document lists, each answered with its documented body.
        let (s, v) = post(&app, "ln_wrong", &minimal).await;
        check(&minimal, s, &v, true);
        let other = app.api_key("STP").await;
        let (s, v) = post(&app, &other, &minimal).await;
        assert_eq!(s, 403);
        check(&minimal, s, &v, true);
        let lg = app.api_key("LG").await;
        let moved = json!({"code": "HS-OA-2", "unit_code": "STP"});
        let (s, v) = post(&app, &lg, &moved).await;
        assert_eq!(s, 409);
        check(&moved, s, &v, true);
        let unknown_unit = json!({"code": "HS-OA-3", "unit_code": "NOPE"});
        let (s, v) = post(&app, &key, &unknown_unit).await;
        assert_eq!(s, 422);
        check(&unknown_unit, s, &v, true);
        let big = json!({"code": "HS-OA-4", "unit_code": "XAPL", "pad": "x".repeat(70_000)});
        let (s, v) = post(&app, &key, &big).await;
        assert_eq!(s, 413);
        check(&big, s, &v, true);
        assert_eq!(
            seen.into_iter().collect::<Vec<_>>(),
            vec![200, 201, 401, 403, 409, 413, 422]
        );

        // The read API: rankings for a period, and a malformed period.
        let r = app
            .client
            .get(app.url("/api/v1/indices?period=2026-Q4"))
            .header("X-API-Key", &lg)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let v: Value = r.json().await.unwrap();
        assert!(!v["groups"].as_array().unwrap().is_empty());
        c.response("get", "/api/v1/indices", 200, &v).unwrap();
        let r = app
            .client
            .get(app.url("/api/v1/indices?period=soon"))
            .header("X-API-Key", &lg)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422);
        let v: Value = r.json().await.unwrap();
        c.response("get", "/api/v1/indices", 422, &v).unwrap();

        // The check can fail: a reply without its survey, or a status not documented.
        assert!(c
            .response(
                "post",
                path,
                201,
                &json!({"dossier_id": 1, "code": "A", "created": true})
            )
            .is_err());
        assert!(c.response("post", path, 418, &json!({})).is_err());
    }
);
