//! The procedure catalogue: edit one procedure, import many from CSV.

use super::{finish, Done, Errors, Fail};
use crate::ctx::Flash;
use crate::db::procedures;
use crate::domain::procedure::{self, CsvRow, ReportRow};
use crate::domain::Permission;
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::{MultipartData, MultipartFormData};

/// Creates a procedure (no `id`) or edits one.
#[server(endpoint = "procedures/save")]
pub async fn save_procedure(
    id: Option<String>,
    code: String,
    name: String,
    field: String,
    processing_days: String,
    active: Option<String>,
) -> Result<(), ServerFnError> {
    let values = [
        ("code", code.clone()),
        ("name", name.clone()),
        ("field", field.clone()),
        ("processing_days", processing_days.clone()),
        ("active", active.clone().unwrap_or_default()),
    ];
    finish("procedure", &values, "/admin/procedures", |cx| async move {
        let user = cx.require(Permission::ManageCatalogue, None)?.clone();
        let input =
            procedure::parse(&code, &name, &field, &processing_days).map_err(Fail::Invalid)?;
        let mut errs = Errors::default();
        let pid = id
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| errs.take("id", s.parse::<i64>().map_err(|_| "err.bad_request")));
        errs.check()?;
        let mut tx = cx.db().begin().await?;
        let result = match pid {
            Some(pid) => {
                procedures::update(&mut tx, Some(user.id), pid, &input, active.is_some()).await
            }
            None => match procedures::get_by_code(cx.db(), &input.code).await? {
                Some(_) => return Err(Fail::Invalid(vec![("code", "err.code_taken")])),
                None => procedures::upsert(&mut tx, Some(user.id), &input)
                    .await
                    .map(|_| ()),
            },
        };
        match result {
            Ok(()) => {}
            Err(e) if e.is_unique_violation() => {
                return Err(Fail::Invalid(vec![("code", "err.code_taken")]))
            }
            Err(e) => return Err(e.into()),
        }
        tx.commit().await?;
        Ok(Done::to("/admin/procedures")
            .with(Flash::ok("flash.procedure_saved").arg("code", input.code)))
    })
    .await
}

/// The largest catalogue file accepted (2 MiB ≈ 10 000 procedures).
pub const MAX_CSV_BYTES: usize = 2 * 1024 * 1024;

/// Imports procedures from an uploaded CSV: good rows are saved (new codes added, known codes
/// updated), bad rows are listed with their line and reason. The report is shown on
/// `/admin/procedures/import`.
#[server(endpoint = "procedures/import", input = MultipartFormData)]
pub async fn import_procedures(data: MultipartData) -> Result<(), ServerFnError> {
    finish("import", &[], "/admin/procedures/import", |cx| async move {
        let user = cx.require(Permission::ManageCatalogue, None)?.clone();
        let mut multipart = data.into_inner().ok_or(Fail::Msg("err.bad_request"))?;
        let mut bytes: Option<Vec<u8>> = None;
        while let Ok(Some(mut field)) = multipart.next_field().await {
            if field.name() != Some("file") {
                continue;
            }
            let mut buf = Vec::new();
            while let Some(chunk) = field
                .chunk()
                .await
                .map_err(|_| Fail::Msg("err.upload_failed"))?
            {
                if buf.len() + chunk.len() > MAX_CSV_BYTES {
                    return Err(Fail::Msg("err.csv_too_big"));
                }
                buf.extend_from_slice(&chunk);
            }
            bytes = Some(buf);
        }
        let bytes = bytes
            .filter(|b| !b.is_empty())
            .ok_or(Fail::Msg("err.csv_empty"))?;
        let rows = procedure::read_csv(&bytes).map_err(Fail::Msg)?;
        let mut tx = cx.db().begin().await?;
        let (mut created, mut updated) = (0u32, 0u32);
        let mut report = Vec::new();
        for row in rows {
            match row {
                CsvRow::Ok { input, .. } => {
                    let (_, new) = procedures::upsert(&mut tx, Some(user.id), &input)
                        .await
                        .map_err(|e| Fail::App(AppError::from(e)))?;
                    if new {
                        created += 1
                    } else {
                        updated += 1
                    }
                }
                CsvRow::Bad { line, errors, raw } if report.len() < 500 => {
                    for (field, key) in errors {
                        report.push(ReportRow {
                            line,
                            field: field.to_string(),
                            error_key: key.to_string(),
                            raw: raw.clone(),
                        });
                    }
                }
                CsvRow::Bad { line, .. } => {
                    report.push(ReportRow {
                        line,
                        field: String::new(),
                        error_key: "err.csv_row".into(),
                        raw: String::new(),
                    });
                }
            }
        }
        tx.commit().await?;
        let bad_lines = report
            .iter()
            .map(|r| r.line)
            .collect::<std::collections::BTreeSet<_>>()
            .len();
        let flash = if bad_lines == 0 {
            Flash::ok("flash.import_done")
        } else {
            Flash::new(crate::ctx::FlashKind::Info, "flash.import_partial")
        };
        Ok(Done::to("/admin/procedures/import").with(
            flash
                .arg("created", created.to_string())
                .arg("updated", updated.to_string())
                .arg("bad", bad_lines.to_string())
                .extra(serde_json::to_value(&report).unwrap_or_default()),
        ))
    })
    .await
}
