//! The export endpoints: the ranking as CSV and XLSX, and the raw records (ratings, dossiers,
//! feedback cases) as CSV for programs or for Excel in a Vietnamese locale (`?format=excel`).

use super::{period_of, rules_summary};
use crate::ctx::Ctx;
use crate::db::units;
use crate::domain::Permission;
use crate::pages::PageResult;
use crate::reports::export::{self, Dialect};
use crate::reports::ranking::rankings;
use axum::http::header;
use axum::response::IntoResponse;

fn download(kind: &str, name: &str, body: Vec<u8>) -> axum::response::Response {
    (
        [
            (header::CONTENT_TYPE, kind.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        body,
    )
        .into_response()
}

fn csv_download(name: &str, dialect: Dialect, body: Vec<u8>) -> axum::response::Response {
    let name = match dialect {
        Dialect::Comma => format!("{name}.csv"),
        Dialect::ExcelVi => format!("{name}-excel.csv"),
    };
    download("text/csv; charset=utf-8", &name, body)
}

/// The subtree an export covers: `?unit=` (checked) or everything the reader may see.
async fn export_scope(ctx: &Ctx) -> Result<String, crate::error::AppError> {
    let user = ctx.require(Permission::ViewRatings, None)?.clone();
    match ctx.q("unit").parse::<i64>() {
        Ok(id) => {
            let u = units::get(ctx.db(), id).await?;
            ctx.require(Permission::ViewRatings, Some(&u.unit_path()))?;
            Ok(u.path)
        }
        Err(_) => Ok(user.scope.as_str().to_string()),
    }
}

/// `GET /indices/ranking.csv?period=`: the ranking tables, one row per unit of one's scope.
pub async fn ranking_csv(ctx: Ctx) -> PageResult {
    let user = ctx.require(Permission::ViewRatings, None)?.clone();
    let p = period_of(&ctx);
    let r = rankings(ctx.db(), user.scope.as_str(), &p, ctx.lang).await?;
    let dialect = Dialect::parse(&ctx.q("format"));
    let body = export::ranking_csv(&r, dialect)?;
    Ok(csv_download(
        &format!("xep-hang-{}", p.key()),
        dialect,
        body,
    ))
}

/// `GET /indices/ranking.xlsx?period=`: the ranking laid out for the provincial report.
pub async fn ranking_xlsx(ctx: Ctx) -> PageResult {
    let user = ctx.require(Permission::ViewRatings, None)?.clone();
    let p = period_of(&ctx);
    let r = rankings(ctx.db(), user.scope.as_str(), &p, ctx.lang).await?;
    let body = export::ranking_xlsx(&r, ctx.lang, &rules_summary(&r.rules))?;
    Ok(download(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        &format!("xep-hang-{}.xlsx", p.key()),
        body,
    ))
}

/// `GET /indices/ratings.csv?period=&unit=&format=`: every rating of the period with its
/// answers and whether it counts, so anyone can recompute every index.
pub async fn ratings_csv(ctx: Ctx) -> PageResult {
    let prefix = export_scope(&ctx).await?;
    let p = period_of(&ctx);
    let dialect = Dialect::parse(&ctx.q("format"));
    let body = export::ratings_csv(ctx.db(), &prefix, &p, dialect).await?;
    Ok(csv_download(
        &format!("danh-gia-{}", p.key()),
        dialect,
        body,
    ))
}

/// `GET /indices/dossiers.csv?period=&unit=&format=`: the dossiers completed in the period.
pub async fn dossiers_csv(ctx: Ctx) -> PageResult {
    let prefix = export_scope(&ctx).await?;
    let p = period_of(&ctx);
    let dialect = Dialect::parse(&ctx.q("format"));
    let body = export::dossiers_csv(ctx.db(), &prefix, &p, dialect).await?;
    Ok(csv_download(&format!("ho-so-{}", p.key()), dialect, body))
}

/// `GET /indices/cases.csv?period=&unit=&format=`: the feedback cases Decision 766 judges.
pub async fn cases_csv(ctx: Ctx) -> PageResult {
    let prefix = export_scope(&ctx).await?;
    let p = period_of(&ctx);
    let dialect = Dialect::parse(&ctx.q("format"));
    let body = export::cases_csv(ctx.db(), &prefix, &p, dialect).await?;
    Ok(csv_download(
        &format!("phan-anh-{}", p.key()),
        dialect,
        body,
    ))
}
