//! Survey instruments as versioned data. Only a draft can be edited; publishing a draft retires
//! the version in use; every rating keeps the id of the version it was given under.

use super::{audit, sipas, Db, DbError, DbResult, Tx};
use crate::{db_run, tx_run};
use chrono::{DateTime, Utc};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct InstrumentRow {
    pub id: i64,
    pub code: String,
    pub version: i32,
    pub name_vi: String,
    pub name_en: String,
    pub status: String,
    pub published_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ElementRow {
    pub id: i64,
    pub instrument_id: i64,
    pub position: i32,
    pub code: String,
    pub name_vi: String,
    pub name_en: String,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CriterionRow {
    pub id: i64,
    pub element_id: i64,
    pub position: i32,
    pub code: String,
    pub text_vi: String,
    pub text_en: String,
}

/// An instrument with its elements, criteria and scale labels.
#[derive(Debug, Clone)]
pub struct Instrument {
    pub row: InstrumentRow,
    pub elements: Vec<(ElementRow, Vec<CriterionRow>)>,
    pub scale: Vec<(i32, String, String)>,
}

impl Instrument {
    pub fn id(&self) -> i64 {
        self.row.id
    }
    pub fn criteria_count(&self) -> usize {
        self.elements.iter().map(|(_, c)| c.len()).sum()
    }
    /// The element a criterion belongs to.
    pub fn element_of(&self, criterion_id: i64) -> Option<i64> {
        self.elements
            .iter()
            .find(|(_, cs)| cs.iter().any(|c| c.id == criterion_id))
            .map(|(e, _)| e.id)
    }
}

const SELECT: &str =
    "SELECT id, code, version, name_vi, name_en, status, published_at, created_at FROM instruments";

pub async fn all(db: &Db) -> DbResult<Vec<InstrumentRow>> {
    let sql = format!("{SELECT} ORDER BY code, version DESC");
    Ok(db_run!(db, c => sqlx::query_as::<_, InstrumentRow>(&sql).fetch_all(c).await)?)
}

/// The full instrument with this id.
pub async fn load(db: &Db, id: i64) -> DbResult<Instrument> {
    let sql = format!("{SELECT} WHERE id = $1");
    let row = db_run!(db, c => sqlx::query_as::<_, InstrumentRow>(&sql).bind(id).fetch_optional(c).await)?.ok_or(DbError::NotFound)?;
    let elements = db_run!(db, c => sqlx::query_as::<_, ElementRow>(
        "SELECT id, instrument_id, position, code, name_vi, name_en FROM instrument_elements WHERE instrument_id = $1 ORDER BY position, id")
        .bind(id).fetch_all(c).await)?;
    let criteria = db_run!(db, c => sqlx::query_as::<_, CriterionRow>(
        "SELECT id, element_id, position, code, text_vi, text_en FROM instrument_criteria WHERE instrument_id = $1 ORDER BY position, id")
        .bind(id).fetch_all(c).await)?;
    let scale = db_run!(db, c => sqlx::query_as::<_, (i32, String, String)>(
        "SELECT value, label_vi, label_en FROM instrument_scale WHERE instrument_id = $1 ORDER BY value")
        .bind(id).fetch_all(c).await)?;
    let elements = elements
        .into_iter()
        .map(|e| {
            let cs = criteria
                .iter()
                .filter(|c| c.element_id == e.id)
                .cloned()
                .collect();
            (e, cs)
        })
        .collect();
    Ok(Instrument {
        row,
        elements,
        scale,
    })
}

/// The published version of the instrument `code` (the one new answers are given under).
pub async fn published(db: &Db, code: &str) -> DbResult<Option<Instrument>> {
    let id: Option<i64> = db_run!(db, c => sqlx::query_scalar(
        "SELECT id FROM instruments WHERE code = $1 AND status = 'published' ORDER BY version DESC LIMIT 1")
        .bind(code).fetch_optional(c).await)?;
    match id {
        Some(id) => Ok(Some(load(db, id).await?)),
        None => Ok(None),
    }
}

/// Seeds SIPAS 2017–2020 as version 1 when no instrument exists yet.
pub async fn ensure_default(db: &Db) -> DbResult<()> {
    let n: i64 = db_run!(db, c => sqlx::query_scalar("SELECT COUNT(*) FROM instruments").fetch_one(c).await)?;
    if n > 0 {
        return Ok(());
    }
    let mut tx = db.begin().await?;
    let now = super::now();
    let id: i64 = tx_run!(&mut tx, c => sqlx::query_scalar(
        "INSERT INTO instruments (code, version, name_vi, name_en, status, published_at, created_at) VALUES ($1, 1, $2, $3, 'published', $4, $4) RETURNING id")
        .bind(sipas::CODE).bind(sipas::NAME_VI).bind(sipas::NAME_EN).bind(now).fetch_one(&mut *c).await)?;
    for (v, vi, en) in sipas::SCALE {
        tx_run!(&mut tx, c => sqlx::query("INSERT INTO instrument_scale (instrument_id, value, label_vi, label_en) VALUES ($1, $2, $3, $4)")
            .bind(id).bind(v).bind(vi).bind(en).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    }
    for (pos, (code, vi, en, criteria)) in sipas::ELEMENTS.iter().enumerate() {
        let eid = insert_element(&mut tx, id, pos as i32 + 1, code, vi, en).await?;
        for (cpos, (ccode, cvi, cen)) in criteria.iter().enumerate() {
            insert_criterion(&mut tx, id, eid, cpos as i32 + 1, ccode, cvi, cen).await?;
        }
    }
    tx.commit().await
}

async fn insert_element(
    tx: &mut Tx,
    instrument_id: i64,
    position: i32,
    code: &str,
    vi: &str,
    en: &str,
) -> DbResult<i64> {
    Ok(tx_run!(tx, c => sqlx::query_scalar(
        "INSERT INTO instrument_elements (instrument_id, position, code, name_vi, name_en) VALUES ($1, $2, $3, $4, $5) RETURNING id")
        .bind(instrument_id).bind(position).bind(code).bind(vi).bind(en).fetch_one(&mut *c).await)?)
}

async fn insert_criterion(
    tx: &mut Tx,
    instrument_id: i64,
    element_id: i64,
    position: i32,
    code: &str,
    vi: &str,
    en: &str,
) -> DbResult<i64> {
    Ok(tx_run!(tx, c => sqlx::query_scalar(
        "INSERT INTO instrument_criteria (instrument_id, element_id, position, code, text_vi, text_en) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
        .bind(instrument_id).bind(element_id).bind(position).bind(code).bind(vi).bind(en).fetch_one(&mut *c).await)?)
}

/// How many ratings were given under an instrument version.
pub async fn usage(db: &Db, id: i64) -> DbResult<i64> {
    Ok(
        db_run!(db, c => sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM ratings WHERE instrument_id = $1")
        .bind(id).fetch_one(c).await)?,
    )
}

/// Starts a new draft version of `code` as a copy of its newest version. One draft at a time.
pub async fn new_draft(db: &Db, actor: Option<i64>, code: &str) -> DbResult<i64> {
    let existing: Option<i64> = db_run!(db, c => sqlx::query_scalar("SELECT id FROM instruments WHERE code = $1 AND status = 'draft'")
        .bind(code).fetch_optional(c).await)?;
    if let Some(id) = existing {
        return Ok(id);
    }
    let latest: i64 = db_run!(db, c => sqlx::query_scalar("SELECT id FROM instruments WHERE code = $1 ORDER BY version DESC LIMIT 1")
        .bind(code).fetch_optional(c).await)?.ok_or(DbError::NotFound)?;
    let src = load(db, latest).await?;
    let mut tx = db.begin().await?;
    let now = super::now();
    let id: i64 = tx_run!(&mut tx, c => sqlx::query_scalar(
        "INSERT INTO instruments (code, version, name_vi, name_en, status, created_at) VALUES ($1, $2, $3, $4, 'draft', $5) RETURNING id")
        .bind(code).bind(src.row.version + 1).bind(&src.row.name_vi).bind(&src.row.name_en).bind(now).fetch_one(&mut *c).await)?;
    for (v, vi, en) in &src.scale {
        tx_run!(&mut tx, c => sqlx::query("INSERT INTO instrument_scale (instrument_id, value, label_vi, label_en) VALUES ($1, $2, $3, $4)")
            .bind(id).bind(*v).bind(vi).bind(en).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    }
    for (e, cs) in &src.elements {
        let eid = insert_element(&mut tx, id, e.position, &e.code, &e.name_vi, &e.name_en).await?;
        for c in cs {
            insert_criterion(
                &mut tx, id, eid, c.position, &c.code, &c.text_vi, &c.text_en,
            )
            .await?;
        }
    }
    audit::record(
        &mut tx,
        actor,
        "instrument.draft",
        "instrument",
        Some(id),
        &format!("{code} v{}", src.row.version + 1),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Why a questionnaire could not be changed or published.
#[derive(Debug, thiserror::Error)]
pub enum InstrumentError {
    /// Only a draft nobody has answered yet can change.
    #[error("the questionnaire is published or already answered")]
    Locked,
    /// A questionnaire without criteria cannot be published.
    #[error("the questionnaire has no criteria")]
    Empty,
    /// Another criterion of this questionnaire has the code.
    #[error("the criterion code is taken")]
    CodeTaken(#[source] DbError),
    #[error(transparent)]
    Db(#[from] DbError),
}
crate::from_sqlx!(InstrumentError);

/// For code that handles only the data layer's errors (the demo, start-up).
impl From<InstrumentError> for DbError {
    fn from(e: InstrumentError) -> Self {
        match e {
            InstrumentError::Db(e) | InstrumentError::CodeTaken(e) => e,
            _ => DbError::Inconsistent("a questionnaire change was refused"),
        }
    }
}

async fn require_draft(tx: &mut Tx, instrument_id: i64) -> Result<(), InstrumentError> {
    let status: String =
        tx_run!(tx, c => sqlx::query_scalar("SELECT status FROM instruments WHERE id = $1")
        .bind(instrument_id).fetch_optional(&mut *c).await)?
        .ok_or(DbError::NotFound)?;
    let used: i64 = tx_run!(tx, c => sqlx::query_scalar("SELECT COUNT(*) FROM ratings WHERE instrument_id = $1")
        .bind(instrument_id).fetch_one(&mut *c).await)?;
    if status != "draft" || used > 0 {
        return Err(InstrumentError::Locked);
    }
    Ok(())
}

/// Changes the wording of a criterion of a draft.
pub async fn edit_criterion(
    db: &Db,
    actor: Option<i64>,
    instrument_id: i64,
    criterion_id: i64,
    vi: &str,
    en: &str,
) -> Result<(), InstrumentError> {
    let mut tx = db.begin().await?;
    require_draft(&mut tx, instrument_id).await?;
    let n = tx_run!(&mut tx, c => sqlx::query("UPDATE instrument_criteria SET text_vi = $1, text_en = $2 WHERE id = $3 AND instrument_id = $4")
        .bind(vi).bind(en).bind(criterion_id).bind(instrument_id).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    if n == 0 {
        return Err(DbError::NotFound.into());
    }
    audit::record(
        &mut tx,
        actor,
        "instrument.edit",
        "instrument",
        Some(instrument_id),
        &format!("criterion {criterion_id}"),
    )
    .await?;
    Ok(tx.commit().await?)
}

/// Adds a criterion at the end of an element of a draft.
pub async fn add_criterion(
    db: &Db,
    actor: Option<i64>,
    instrument_id: i64,
    element_id: i64,
    code: &str,
    vi: &str,
    en: &str,
) -> Result<i64, InstrumentError> {
    let mut tx = db.begin().await?;
    require_draft(&mut tx, instrument_id).await?;
    let pos: i32 = tx_run!(&mut tx, c => sqlx::query_scalar(
        "SELECT COALESCE(MAX(position), 0) + 1 FROM instrument_criteria WHERE element_id = $1 AND instrument_id = $2")
        .bind(element_id).bind(instrument_id).fetch_one(&mut *c).await)?;
    let id = insert_criterion(&mut tx, instrument_id, element_id, pos, code, vi, en)
        .await
        .map_err(|e| {
            if e.violates("instrument_criteria", "instrument_id") {
                InstrumentError::CodeTaken(e)
            } else {
                InstrumentError::Db(e)
            }
        })?;
    audit::record(
        &mut tx,
        actor,
        "instrument.edit",
        "instrument",
        Some(instrument_id),
        &format!("+{code}"),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Removes a criterion from a draft.
pub async fn remove_criterion(
    db: &Db,
    actor: Option<i64>,
    instrument_id: i64,
    criterion_id: i64,
) -> Result<(), InstrumentError> {
    let mut tx = db.begin().await?;
    require_draft(&mut tx, instrument_id).await?;
    tx_run!(&mut tx, c => sqlx::query("DELETE FROM instrument_criteria WHERE id = $1 AND instrument_id = $2")
        .bind(criterion_id).bind(instrument_id).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    audit::record(
        &mut tx,
        actor,
        "instrument.edit",
        "instrument",
        Some(instrument_id),
        &format!("-{criterion_id}"),
    )
    .await?;
    Ok(tx.commit().await?)
}

/// Publishes a draft: new answers are given under it from now on; the previous version is retired.
pub async fn publish(
    db: &Db,
    actor: Option<i64>,
    instrument_id: i64,
) -> Result<(), InstrumentError> {
    let mut tx = db.begin().await?;
    require_draft(&mut tx, instrument_id).await?;
    let code: String = tx_run!(&mut tx, c => sqlx::query_scalar("SELECT code FROM instruments WHERE id = $1")
        .bind(instrument_id).fetch_one(&mut *c).await)?;
    let empty: i64 = tx_run!(&mut tx, c => sqlx::query_scalar("SELECT COUNT(*) FROM instrument_criteria WHERE instrument_id = $1")
        .bind(instrument_id).fetch_one(&mut *c).await)?;
    if empty == 0 {
        return Err(InstrumentError::Empty);
    }
    let now = super::now();
    tx_run!(&mut tx, c => sqlx::query("UPDATE instruments SET status = 'retired' WHERE code = $1 AND status = 'published'")
        .bind(&code).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    tx_run!(&mut tx, c => sqlx::query("UPDATE instruments SET status = 'published', published_at = $1 WHERE id = $2")
        .bind(now).bind(instrument_id).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    audit::record(
        &mut tx,
        actor,
        "instrument.publish",
        "instrument",
        Some(instrument_id),
        &code,
    )
    .await?;
    Ok(tx.commit().await?)
}
