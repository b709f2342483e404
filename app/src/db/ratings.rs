//! Ratings: the batching writer (each answer acknowledged only after its transaction commits),
//! kiosk details, corrections, flags, the officials' list and the chain verification.

use super::{Db, DbError, DbResult, Tx};
use crate::domain::rating::{
    answer_hash, chain_hash, comment_hash, judge_kiosk_answer, BurstRule, ChainFields, Channel,
    OpeningHours, Suspicion, GENESIS,
};
use crate::{db_run, tx_run};
use chrono::{DateTime, DurationRound, NaiveDate, Utc};
use std::collections::HashMap;
use tokio::sync::{mpsc, oneshot};

/// A rating to save.
#[derive(Debug, Clone)]
pub struct NewRating {
    pub unit_id: i64,
    pub instrument_id: i64,
    pub channel: Channel,
    pub score: i32,
    pub faces: Option<i32>,
    pub counter_id: Option<i64>,
    pub kiosk_id: Option<i64>,
    pub procedure_id: Option<i64>,
    pub dossier_id: Option<i64>,
    /// (element id, criterion id, score)
    pub answers: Vec<(i64, Option<i64>, i32)>,
    pub comment: String,
    /// A kiosk's own id for this answer, so that a retry is not counted twice.
    pub client_nonce: Option<String>,
    /// The one-time survey link this answer uses (marked used in the same transaction).
    pub survey_link_id: Option<i64>,
    /// The dialogue-session sign-up whose participant rates the session (marked rated in the
    /// same transaction; a second rating is refused like a used link).
    pub session_signup_id: Option<i64>,
    /// (rating corrected, reason, account)
    pub correction: Option<(i64, String, i64)>,
}

impl NewRating {
    pub fn new(unit_id: i64, instrument_id: i64, channel: Channel, score: i32) -> NewRating {
        NewRating {
            unit_id,
            instrument_id,
            channel,
            score,
            faces: None,
            counter_id: None,
            kiosk_id: None,
            procedure_id: None,
            dossier_id: None,
            answers: Vec::new(),
            comment: String::new(),
            client_nonce: None,
            survey_link_id: None,
            session_signup_id: None,
            correction: None,
        }
    }
}

/// A saved rating.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Saved {
    pub id: i64,
    pub suspicious: Option<Suspicion>,
    /// The same kiosk answer (same nonce) was already saved: this is its id.
    pub duplicate: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    #[error("the survey link was already used")]
    LinkUsed,
    #[error("the rating writer is not running")]
    Stopped,
    #[error(transparent)]
    Db(#[from] DbError),
}

/// The rules a rating is judged by.
#[derive(Debug, Clone, Default)]
pub struct Rules {
    pub hours: OpeningHours,
    pub burst: BurstRule,
    /// What the writers remember of each kiosk between batches.
    pub memory: std::sync::Arc<KioskMemory>,
}

/// A kiosk's last answers: (time, score), oldest first.
type Answers = Vec<(DateTime<Utc>, i32)>;

/// Each kiosk's last few answers (for the burst rule; read from the database the first time a
/// kiosk is seen, so a restart forgets nothing) and when its `last_seen_at` was last written.
#[derive(Debug, Default)]
pub struct KioskMemory {
    recent: std::sync::Mutex<HashMap<i64, Answers>>,
    seen_written: std::sync::Mutex<HashMap<i64, DateTime<Utc>>>,
    /// SQLite only (one writer): the chain heads as last committed. Every use is checked by the
    /// UPDATE that moves the head on (it must find the remembered sequence), and any failure
    /// forgets them all.
    heads: std::sync::Mutex<HashMap<i64, (i64, String)>>,
}

impl KioskMemory {
    fn forget_heads(&self) {
        if let Ok(mut h) = self.heads.lock() {
            h.clear();
        }
    }
}

struct Job {
    rating: NewRating,
    at: DateTime<Utc>,
    reply: oneshot::Sender<Result<Saved, SaveError>>,
}

/// The one task that writes ratings: it drains every answer waiting, writes them in one
/// transaction, and only after the commit answers each request. Many answers share one disk sync.
#[derive(Clone, Debug)]
pub struct RatingWriter {
    tx: mpsc::Sender<Job>,
}

/// The most answers written in one transaction.
const MAX_BATCH: usize = 256;

impl RatingWriter {
    /// Starts the writers: one on SQLite (one writer at a time is all SQLite allows), a few on
    /// PostgreSQL, where batches for different units commit side by side (each unit's chain head
    /// is locked, in unit order, while a batch extends it).
    pub fn start(db: Db, rules: Rules) -> RatingWriter {
        let (tx, rx) = mpsc::channel::<Job>(8192);
        let rx = std::sync::Arc::new(tokio::sync::Mutex::new(rx));
        let writers = if matches!(db, Db::Postgres(_)) { 4 } else { 1 };
        for _ in 0..writers {
            let (db, rules, rx) = (db.clone(), rules.clone(), rx.clone());
            tokio::spawn(async move {
                let mut buf = Vec::with_capacity(MAX_BATCH);
                loop {
                    let n = rx.lock().await.recv_many(&mut buf, MAX_BATCH).await;
                    if n == 0 {
                        break;
                    }
                    let batch = std::mem::take(&mut buf);
                    write_batch(&db, &rules, batch).await;
                }
            });
        }
        RatingWriter { tx }
    }

    /// Saves a rating; returns once it is durably committed.
    pub async fn save(&self, rating: NewRating) -> Result<Saved, SaveError> {
        let (reply, rx) = oneshot::channel();
        let at = now_micros();
        self.tx
            .send(Job { rating, at, reply })
            .await
            .map_err(|_| SaveError::Stopped)?;
        rx.await.map_err(|_| SaveError::Stopped)?
    }
}

/// Now, to the microsecond (what both databases keep, so hashes can be recomputed).
pub fn now_micros() -> DateTime<Utc> {
    let n = Utc::now();
    n.duration_trunc(chrono::Duration::microseconds(1))
        .unwrap_or(n)
}

fn local_day(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&chrono_tz::Asia::Ho_Chi_Minh).date_naive()
}

async fn write_batch(db: &Db, rules: &Rules, batch: Vec<Job>) {
    let jobs: Vec<(NewRating, DateTime<Utc>)> =
        batch.iter().map(|j| (j.rating.clone(), j.at)).collect();
    let started = std::time::Instant::now();
    let written = write_all(db, rules, &jobs).await;
    tracing::debug!(
        n = jobs.len(),
        ms = started.elapsed().as_secs_f64() * 1000.0,
        "rating batch"
    );
    match written {
        Ok(results) => {
            for (job, r) in batch.into_iter().zip(results) {
                let _ = job.reply.send(r);
            }
        }
        Err(e) if batch.len() > 1 => {
            // One bad answer must not sink the others: write them one by one.
            tracing::warn!(error = %e, n = batch.len(), "rating batch failed; retrying one by one");
            for job in batch {
                let one = [(job.rating.clone(), job.at)];
                let r = match write_all(db, rules, &one).await {
                    Ok(mut v) => v.pop().unwrap_or(Err(SaveError::Stopped)),
                    Err(e) => Err(SaveError::Db(e)),
                };
                let _ = job.reply.send(r);
            }
        }
        Err(e) => {
            tracing::error!(error = %e, "rating not saved");
            for job in batch {
                let _ = job
                    .reply
                    .send(Err(SaveError::Db(DbError::Conflict("err.internal"))));
            }
        }
    }
}

/// Writes many ratings with given times in transactions of `MAX_BATCH` (the demo and synthetic
/// data generator); the same checks, flags and chain as live answers.
pub async fn save_many(
    db: &Db,
    rules: &Rules,
    list: Vec<(NewRating, DateTime<Utc>)>,
) -> DbResult<Vec<Result<Saved, SaveError>>> {
    let mut out = Vec::with_capacity(list.len());
    for chunk in list.chunks(MAX_BATCH) {
        let chunk: Vec<_> = chunk
            .iter()
            .map(|(r, at)| {
                (
                    r.clone(),
                    at.duration_trunc(chrono::Duration::microseconds(1))
                        .unwrap_or(*at),
                )
            })
            .collect();
        out.extend(write_all(db, rules, &chunk).await?);
    }
    Ok(out)
}

/// Writes the batch in one transaction; per-job outcomes (duplicates, used links) come back in order.
async fn write_all(
    db: &Db,
    rules: &Rules,
    jobs: &[(NewRating, DateTime<Utc>)],
) -> DbResult<Vec<Result<Saved, SaveError>>> {
    let mut tx = db.begin().await?;
    let is_pg = matches!(tx, Tx::Postgres(_));
    let mut out: Vec<Option<Result<Saved, SaveError>>> = (0..jobs.len()).map(|_| None).collect();

    // 1. Kiosk retries: a nonce already saved (or twice in this batch) is a duplicate.
    let mut seen: HashMap<(i64, String), usize> = HashMap::new();
    for (i, (r, _)) in jobs.iter().enumerate() {
        if let (Some(k), Some(n)) = (r.kiosk_id, r.client_nonce.as_ref()) {
            let existing: Option<i64> = tx_run!(&mut tx, c => sqlx::query_scalar("SELECT id FROM ratings WHERE kiosk_id = $1 AND client_nonce = $2")
                .bind(k).bind(n).fetch_optional(&mut *c).await)?;
            if let Some(id) = existing {
                out[i] = Some(Ok(Saved {
                    id,
                    suspicious: None,
                    duplicate: true,
                }));
            } else if seen.insert((k, n.clone()), i).is_some() {
                out[i] = Some(Err(SaveError::LinkUsed)); // resolved below to the first one's id
            }
        }
    }

    // 2. One-time links: mark used, or refuse.
    for (i, (r, at)) in jobs.iter().enumerate() {
        if out[i].is_some() {
            continue;
        }
        if let Some(link) = r.survey_link_id {
            let n = tx_run!(&mut tx, c => sqlx::query("UPDATE survey_links SET used_at = $1 WHERE id = $2 AND used_at IS NULL")
                .bind(*at).bind(link).execute(&mut *c).await.map(|r| r.rows_affected()))?;
            if n == 0 {
                out[i] = Some(Err(SaveError::LinkUsed));
            }
        }
        if let Some(signup) = r.session_signup_id {
            let n = tx_run!(&mut tx, c => sqlx::query(
                "UPDATE session_signups SET rated_at = $1 WHERE id = $2 AND rated_at IS NULL AND checked_in_at IS NOT NULL")
                .bind(*at).bind(signup).execute(&mut *c).await.map(|r| r.rows_affected()))?;
            if n == 0 {
                out[i] = Some(Err(SaveError::LinkUsed));
            }
        }
    }

    // 3. Bursts and odd hours, judged against each kiosk's last few answers. A correction is an
    //    official's act on an answer already judged, not a new answer at the kiosk.
    let judged = |r: &NewRating| r.kiosk_id.filter(|_| r.correction.is_none());
    let kiosk_ids: std::collections::BTreeSet<i64> = jobs
        .iter()
        .enumerate()
        .filter(|(i, _)| out[*i].is_none())
        .filter_map(|(_, (r, _))| judged(r))
        .collect();
    let missing: Vec<i64> = match rules.memory.recent.lock() {
        Ok(m) => kiosk_ids
            .iter()
            .filter(|k| !m.contains_key(k))
            .copied()
            .collect(),
        Err(_) => Vec::new(),
    };
    for k in missing {
        let mut rows: Vec<(DateTime<Utc>, i32)> = tx_run!(&mut tx, c => sqlx::query_as(
            "SELECT created_at, score FROM ratings WHERE kiosk_id = $1 AND corrects_id IS NULL ORDER BY created_at DESC, id DESC LIMIT $2")
            .bind(k).bind(rules.burst.count as i64).fetch_all(&mut *c).await)?;
        rows.reverse();
        if let Ok(mut m) = rules.memory.recent.lock() {
            m.entry(k).or_insert(rows);
        }
    }
    let mut suspicion: Vec<Option<Suspicion>> = vec![None; jobs.len()];
    if let Ok(mut recent) = rules.memory.recent.lock() {
        for (i, (r, at)) in jobs.iter().enumerate() {
            let (Some(k), true) = (judged(r), out[i].is_none()) else {
                continue;
            };
            let list = recent.entry(k).or_default();
            suspicion[i] = judge_kiosk_answer(*at, r.score, list, &rules.hours, rules.burst);
            list.push((*at, r.score));
            let keep = rules.burst.count.max(1);
            if list.len() > keep {
                list.drain(..list.len() - keep);
            }
        }
    }

    // 4. Extend each unit's hash chain. Heads are created if missing and read (locked on
    //    PostgreSQL) in unit order, so concurrent batches never wait on each other in a circle.
    let units: Vec<i64> = jobs
        .iter()
        .enumerate()
        .filter(|(i, _)| out[*i].is_none())
        .map(|(_, (r, _))| r.unit_id)
        .collect::<std::collections::BTreeSet<i64>>()
        .into_iter()
        .collect();
    let mut heads: HashMap<i64, (i64, String)> = HashMap::new();
    if !is_pg {
        if let Ok(cached) = rules.memory.heads.lock() {
            for u in &units {
                if let Some(h) = cached.get(u) {
                    heads.insert(*u, h.clone());
                }
            }
        }
    }
    let to_read: Vec<i64> = units
        .iter()
        .filter(|u| !heads.contains_key(u))
        .copied()
        .collect();
    if !to_read.is_empty() {
        let lock = if is_pg { " FOR UPDATE" } else { "" };
        let select = format!(
            "SELECT unit_id, seq, hash FROM chain_heads WHERE unit_id IN ({}) ORDER BY unit_id{lock}",
            placeholders(1, to_read.len())
        );
        // Read (and lock) the heads; a unit's first rating creates its head, then they are read again.
        let mut rows: Vec<(i64, i64, String)> = Vec::new();
        for attempt in 0..2 {
            rows = tx_run!(&mut tx, c => {
                let mut q = sqlx::query_as::<_, (i64, i64, String)>(&select);
                for u in &to_read {
                    q = q.bind(*u);
                }
                q.fetch_all(&mut *c).await
            })?;
            if rows.len() == to_read.len() || attempt == 1 {
                break;
            }
            let values: Vec<String> = (0..to_read.len())
                .map(|k| format!("(${}, 0, '{GENESIS}')", k + 1))
                .collect();
            let sql = format!("INSERT INTO chain_heads (unit_id, seq, hash) VALUES {} ON CONFLICT (unit_id) DO NOTHING", values.join(", "));
            tx_run!(&mut tx, c => {
                let mut q = sqlx::query(&sql);
                for u in &to_read {
                    q = q.bind(*u);
                }
                q.execute(&mut *c).await.map(|r| r.rows_affected())
            })?;
        }
        heads.extend(rows.into_iter().map(|(u, seq, h)| (u, (seq, h))));
    }
    let old_seqs: HashMap<i64, i64> = heads.iter().map(|(u, (seq, _))| (*u, *seq)).collect();

    // Compute every new row's place in its chain, then insert the rows many at a time.
    struct Row<'a> {
        i: usize,
        r: &'a NewRating,
        at: DateTime<Utc>,
        seq: i64,
        prev: String,
        hash: String,
    }
    let mut rows: Vec<Row> = Vec::new();
    for (i, (r, at)) in jobs.iter().enumerate() {
        if out[i].is_some() {
            continue;
        }
        let head = heads.entry(r.unit_id).or_insert((0, GENESIS.to_string()));
        let seq = head.0 + 1;
        let (corrects_id, reason) = match &r.correction {
            Some((id, reason, _)) => (Some(*id), reason.as_str()),
            None => (None, ""),
        };
        let fields = ChainFields {
            unit_id: r.unit_id,
            seq,
            instrument_id: r.instrument_id,
            channel: r.channel.as_str(),
            score: r.score,
            faces: r.faces,
            counter_id: r.counter_id,
            kiosk_id: r.kiosk_id,
            procedure_id: r.procedure_id,
            dossier_id: r.dossier_id,
            corrects_id,
            correction_reason: reason,
            created_at: *at,
        };
        let hash = chain_hash(&head.1, &fields);
        rows.push(Row {
            i,
            r,
            at: *at,
            seq,
            prev: std::mem::replace(&mut head.1, hash.clone()),
            hash,
        });
        head.0 = seq;
    }
    const COLS: usize = 18;
    let mut flags: Vec<(i64, &str, DateTime<Utc>)> = Vec::new();
    // What enters or leaves the indices with this batch (kept in the rollups below).
    let mut deltas: Vec<super::rollup::Delta> = Vec::new();
    // Chunks of 64, 32, 16 … rows: few distinct statements, so each stays prepared in the cache.
    let mut chunks: Vec<&[Row]> = Vec::new();
    let mut rest: &[Row] = &rows;
    while !rest.is_empty() {
        let size = if rest.len() >= 64 {
            64
        } else {
            1 << (usize::BITS - 1 - rest.len().leading_zeros())
        };
        let (head, tail) = rest.split_at(size);
        chunks.push(head);
        rest = tail;
    }
    for chunk in chunks {
        let values: Vec<String> = (0..chunk.len())
            .map(|k| {
                let p: Vec<String> = (1..=COLS).map(|c| format!("${}", k * COLS + c)).collect();
                format!("({})", p.join(", "))
            })
            .collect();
        let sql = format!(
            "INSERT INTO ratings (unit_id, seq, instrument_id, channel, score, faces, counter_id, kiosk_id, procedure_id, dossier_id,
                                  corrects_id, correction_reason, corrected_by, client_nonce, created_at, day, prev_hash, hash)
             VALUES {} RETURNING id, unit_id, seq",
            values.join(", ")
        );
        let ids: Vec<(i64, i64, i64)> = tx_run!(&mut tx, c => {
            let mut q = sqlx::query_as::<_, (i64, i64, i64)>(&sql);
            for row in chunk {
                let r = row.r;
                let (corrects_id, reason, corrected_by) = match &r.correction {
                    Some((id, reason, by)) => (Some(*id), reason.as_str(), Some(*by)),
                    None => (None, "", None),
                };
                q = q.bind(r.unit_id).bind(row.seq).bind(r.instrument_id).bind(r.channel.as_str()).bind(r.score).bind(r.faces)
                    .bind(r.counter_id).bind(r.kiosk_id).bind(r.procedure_id).bind(r.dossier_id)
                    .bind(corrects_id).bind(reason).bind(corrected_by).bind(&r.client_nonce).bind(row.at).bind(local_day(row.at))
                    .bind(&row.prev).bind(&row.hash);
            }
            q.fetch_all(&mut *c).await
        })?;
        let by_key: HashMap<(i64, i64), i64> =
            ids.into_iter().map(|(id, u, seq)| ((u, seq), id)).collect();
        for row in chunk {
            let id = *by_key
                .get(&(row.r.unit_id, row.seq))
                .ok_or(DbError::Conflict("err.internal"))?;
            insert_details(
                &mut tx,
                id,
                &row.hash,
                &row.r.answers,
                &row.r.comment,
                row.at,
            )
            .await?;
            if let Some(s) = suspicion[row.i] {
                flags.push((id, s.as_str(), row.at));
            } else {
                deltas.push(super::rollup::Delta {
                    unit_id: row.r.unit_id,
                    day: local_day(row.at),
                    channel: row.r.channel.as_str().to_string(),
                    procedure_id: row.r.procedure_id,
                    counter_id: row.r.counter_id,
                    score: Some(row.r.score),
                    answers: row.r.answers.clone(),
                    sign: 1,
                });
            }
            // A correction takes the rating it corrects out of the indices (if it was in).
            if let Some((corrected, ..)) = &row.r.correction {
                if super::rollup::counts(&mut tx, *corrected, Some(id)).await? {
                    deltas.extend(super::rollup::delta_of(&mut tx, *corrected, -1).await?);
                }
            }
            if let Some(signup) = row.r.session_signup_id {
                tx_run!(&mut tx, c => sqlx::query("UPDATE session_signups SET rating_id = $1 WHERE id = $2")
                    .bind(id).bind(signup).execute(&mut *c).await.map(|r| r.rows_affected()))?;
            }
            out[row.i] = Some(Ok(Saved {
                id,
                suspicious: suspicion[row.i],
                duplicate: false,
            }));
        }
    }

    super::rollup::apply(&mut tx, &deltas).await?;
    for chunk in flags.chunks(64) {
        let values: Vec<String> = (0..chunk.len())
            .map(|k| format!("(${}, ${}, ${})", 3 * k + 1, 3 * k + 2, 3 * k + 3))
            .collect();
        let sql = format!(
            "INSERT INTO rating_flags (rating_id, reason, flagged_at) VALUES {}",
            values.join(", ")
        );
        tx_run!(&mut tx, c => {
            let mut q = sqlx::query(&sql);
            for (id, reason, at) in chunk {
                q = q.bind(*id).bind(*reason).bind(*at);
            }
            q.execute(&mut *c).await.map(|r| r.rows_affected())
        })?;
    }

    // Kiosks that answered are alive: write `last_seen_at` about once a minute per kiosk.
    let mut kiosk_rows: Vec<(i64, DateTime<Utc>)> = Vec::new();
    if let Ok(mut written) = rules.memory.seen_written.lock() {
        for (r, at) in jobs.iter() {
            let Some(k) = r.kiosk_id else { continue };
            let stale = written
                .get(&k)
                .is_none_or(|t| *at - *t > chrono::Duration::seconds(60));
            if stale && !kiosk_rows.iter().any(|(x, _)| *x == k) {
                written.insert(k, *at);
                kiosk_rows.push((k, *at));
            }
        }
    }
    if !kiosk_rows.is_empty() {
        let sql = set_update_sql(
            is_pg,
            "kiosks",
            "id",
            &[("last_seen_at", "TIMESTAMPTZ")],
            None,
            kiosk_rows.len(),
        );
        tx_run!(&mut tx, c => {
            let mut q = sqlx::query(&sql);
            for (k, seen) in &kiosk_rows {
                q = q.bind(*k).bind(*seen);
            }
            q.execute(&mut *c).await.map(|r| r.rows_affected())
        })?;
    }
    if !heads.is_empty() {
        // Move each head on from the sequence it was read at; anything else means another
        // writer moved it, and the whole batch is refused (then retried one by one).
        let list: Vec<(i64, i64, String, i64)> = heads
            .iter()
            .map(|(u, (seq, hash))| {
                (
                    *u,
                    *seq,
                    hash.clone(),
                    old_seqs.get(u).copied().unwrap_or(-1),
                )
            })
            .collect();
        let sql = set_update_sql(
            is_pg,
            "chain_heads",
            "unit_id",
            &[("seq", "BIGINT"), ("hash", "TEXT")],
            Some(("seq", "BIGINT")),
            list.len(),
        );
        let moved = tx_run!(&mut tx, c => {
            let mut q = sqlx::query(&sql);
            for (u, seq, hash, old) in &list {
                q = q.bind(*u).bind(*seq).bind(hash).bind(*old);
            }
            q.execute(&mut *c).await.map(|r| r.rows_affected())
        })?;
        if moved != list.len() as u64 {
            rules.memory.forget_heads();
            return Err(DbError::Conflict("err.chain_moved"));
        }
    }
    if let Err(e) = tx.commit().await {
        rules.memory.forget_heads();
        return Err(e);
    }
    if !is_pg {
        if let Ok(mut cached) = rules.memory.heads.lock() {
            cached.extend(heads);
        }
    }

    // A nonce repeated inside the batch answers with the first one's id.
    let mut results: Vec<Result<Saved, SaveError>> = Vec::with_capacity(jobs.len());
    let first_ids: HashMap<(i64, String), i64> = seen
        .iter()
        .filter_map(|(k, i)| match &out[*i] {
            Some(Ok(s)) => Some((k.clone(), s.id)),
            _ => None,
        })
        .collect();
    for (i, o) in out.into_iter().enumerate() {
        let r = &jobs[i].0;
        let dup_in_batch = matches!(o, Some(Err(SaveError::LinkUsed)))
            && r.survey_link_id.is_none()
            && r.session_signup_id.is_none();
        if dup_in_batch {
            let key = (
                r.kiosk_id.unwrap_or_default(),
                r.client_nonce.clone().unwrap_or_default(),
            );
            results.push(match first_ids.get(&key) {
                Some(id) => Ok(Saved {
                    id: *id,
                    suspicious: None,
                    duplicate: true,
                }),
                None => Err(SaveError::Stopped),
            });
        } else {
            results.push(o.unwrap_or(Err(SaveError::Stopped)));
        }
    }
    Ok(results)
}

/// `$first, $first+1, …` for `n` parameters.
fn placeholders(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// An UPDATE of `n` rows in one statement: parameters are (key, col1, col2, …[, guard]) per
/// row. With a guard `(column, type)`, a row is updated only while its column still holds the
/// guard value given for it.
fn set_update_sql(
    is_pg: bool,
    table: &str,
    key: &str,
    cols: &[(&str, &str)],
    guard: Option<(&str, &str)>,
    n: usize,
) -> String {
    let types: Vec<&str> = std::iter::once("BIGINT")
        .chain(cols.iter().map(|(_, t)| *t))
        .chain(guard.map(|(_, t)| t))
        .collect();
    let width = types.len();
    let rows: Vec<String> = (0..n)
        .map(|r| {
            let cells: Vec<String> = types
                .iter()
                .enumerate()
                .map(|(c, ty)| {
                    let p = format!("${}", r * width + c + 1);
                    // PostgreSQL needs the types of the VALUES columns spelled out.
                    if is_pg {
                        format!("CAST({p} AS {ty})")
                    } else {
                        p
                    }
                })
                .collect();
            format!("({})", cells.join(", "))
        })
        .collect();
    let names: Vec<&str> = std::iter::once(key)
        .chain(cols.iter().map(|(c, _)| *c))
        .chain(guard.map(|_| "guard"))
        .collect();
    if is_pg {
        let sets: Vec<String> = cols.iter().map(|(c, _)| format!("{c} = v.{c}")).collect();
        let cond = guard
            .map(|(g, _)| format!(" AND {table}.{g} = v.guard"))
            .unwrap_or_default();
        format!(
            "UPDATE {table} SET {} FROM (VALUES {}) AS v({}) WHERE {table}.{key} = v.{key}{cond}",
            sets.join(", "),
            rows.join(", "),
            names.join(", ")
        )
    } else {
        let sets: Vec<String> = cols
            .iter()
            .map(|(c, _)| format!("{c} = (SELECT v.{c} FROM v WHERE v.{key} = {table}.{key})"))
            .collect();
        let cond = guard
            .map(|(g, _)| {
                format!(" AND {g} = (SELECT v.guard FROM v WHERE v.{key} = {table}.{key})")
            })
            .unwrap_or_default();
        format!(
            "WITH v({}) AS (VALUES {}) UPDATE {table} SET {} WHERE {key} IN (SELECT {key} FROM v){cond}",
            names.join(", "),
            rows.join(", "),
            sets.join(", ")
        )
    }
}

async fn insert_details(
    tx: &mut Tx,
    rating_id: i64,
    rating_hash: &str,
    answers: &[(i64, Option<i64>, i32)],
    comment: &str,
    at: DateTime<Utc>,
) -> DbResult<()> {
    for (e, c, s) in answers {
        let h = answer_hash(rating_hash, *e, *c, *s);
        tx_run!(tx, conn => sqlx::query("INSERT INTO rating_answers (rating_id, element_id, criterion_id, score, hash) VALUES ($1, $2, $3, $4, $5)")
            .bind(rating_id).bind(*e).bind(*c).bind(*s).bind(&h).execute(&mut *conn).await.map(|r| r.rows_affected()))?;
    }
    if !comment.is_empty() {
        let h = comment_hash(rating_hash, comment);
        tx_run!(tx, conn => sqlx::query("INSERT INTO rating_comments (rating_id, comment, created_at, hash) VALUES ($1, $2, $3, $4)")
            .bind(rating_id).bind(comment).bind(at).bind(&h).execute(&mut *conn).await.map(|r| r.rows_affected()))?;
    }
    Ok(())
}

/// Adds the second kiosk step (element answers and a comment) to a kiosk rating, once, within
/// ten minutes of the rating, from the same kiosk.
pub async fn add_kiosk_details(
    db: &Db,
    rating_id: i64,
    kiosk_id: i64,
    answers: &[(i64, Option<i64>, i32)],
    comment: &str,
) -> DbResult<()> {
    let mut tx = db.begin().await?;
    let row: Option<(String, DateTime<Utc>)> = tx_run!(&mut tx, c => sqlx::query_as(
        "SELECT hash, created_at FROM ratings WHERE id = $1 AND kiosk_id = $2").bind(rating_id).bind(kiosk_id).fetch_optional(&mut *c).await)?;
    let Some((hash, created)) = row else {
        return Err(DbError::NotFound);
    };
    if Utc::now() - created > chrono::Duration::minutes(10) {
        return Err(DbError::Conflict("err.kiosk_details_late"));
    }
    let has: i64 = tx_run!(&mut tx, c => sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM rating_answers WHERE rating_id = $1) + (SELECT COUNT(*) FROM rating_comments WHERE rating_id = $1)")
        .bind(rating_id).fetch_one(&mut *c).await)?;
    if has > 0 {
        return Err(DbError::Conflict("err.kiosk_details_done"));
    }
    insert_details(&mut tx, rating_id, &hash, answers, comment, now_micros()).await?;
    if super::rollup::counts(&mut tx, rating_id, None).await? {
        if let Some(mut d) = super::rollup::delta_of(&mut tx, rating_id, 1).await? {
            d.score = None; // the rating itself is already counted; only its answers are new
            d.answers = answers.to_vec();
            super::rollup::apply(&mut tx, &[d]).await?;
        }
    }
    tx.commit().await
}

/// One rating as officials see it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RatingView {
    pub id: i64,
    pub unit_id: i64,
    pub unit_name: String,
    pub channel: String,
    pub score: i32,
    pub created_at: DateTime<Utc>,
    pub counter_name: Option<String>,
    pub procedure_name: Option<String>,
    pub dossier_code: Option<String>,
    pub comment: Option<String>,
    pub flag: Option<String>,
    pub flag_cleared: bool,
    pub corrects_id: Option<i64>,
    pub correction_reason: String,
    pub corrected_by_name: Option<String>,
    pub corrected_later: bool,
}

/// Filters of the officials' list.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub procedure_id: Option<i64>,
    pub counter_id: Option<i64>,
    /// Only flagged (suspicious, not cleared) ratings.
    pub flagged_only: bool,
}

impl Filter {
    /// The period as dates both databases compare, open ends replaced by far dates.
    fn bounds(&self) -> (NaiveDate, NaiveDate) {
        (
            self.from
                .unwrap_or(NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or_default()),
            self.to
                .unwrap_or(NaiveDate::from_ymd_opt(9999, 12, 31).unwrap_or_default()),
        )
    }
}

/// Ratings of a subtree, low scores first, then newest; returns the page and the total.
pub async fn list(
    db: &Db,
    path_prefix: &str,
    f: &Filter,
    limit: i64,
    offset: i64,
) -> DbResult<(Vec<RatingView>, i64)> {
    let like = format!("{path_prefix}%");
    let (from, to) = f.bounds();
    let cond = "WHERE u.path LIKE $1 AND r.day >= $2 AND r.day <= $3
                  AND ($4 = 0 OR r.procedure_id = $4) AND ($5 = 0 OR r.counter_id = $5)
                  AND ($6 = FALSE OR (fl.rating_id IS NOT NULL AND fl.cleared_at IS NULL))";
    let from_sql = "FROM ratings r JOIN units u ON u.id = r.unit_id
                    LEFT JOIN counters co ON co.id = r.counter_id
                    LEFT JOIN procedures p ON p.id = r.procedure_id
                    LEFT JOIN dossiers d ON d.id = r.dossier_id
                    LEFT JOIN rating_comments cm ON cm.rating_id = r.id
                    LEFT JOIN rating_flags fl ON fl.rating_id = r.id
                    LEFT JOIN accounts a ON a.id = r.corrected_by";
    let sql = format!(
        "SELECT r.id, r.unit_id, u.name AS unit_name, r.channel, r.score, r.created_at, co.name AS counter_name,
                p.name AS procedure_name, d.code AS dossier_code, cm.comment, fl.reason AS flag,
                (fl.cleared_at IS NOT NULL) AS flag_cleared, r.corrects_id, r.correction_reason,
                a.full_name AS corrected_by_name,
                EXISTS (SELECT 1 FROM ratings x WHERE x.corrects_id = r.id) AS corrected_later
           {from_sql} {cond}
          ORDER BY r.score ASC, r.created_at DESC, r.id DESC LIMIT $7 OFFSET $8"
    );
    let count_sql = format!("SELECT COUNT(*) {from_sql} {cond}");
    let pid = f.procedure_id.unwrap_or(0);
    let cid = f.counter_id.unwrap_or(0);
    let rows = db_run!(db, c => sqlx::query_as::<_, RatingView>(&sql)
        .bind(&like).bind(from).bind(to).bind(pid).bind(cid).bind(f.flagged_only).bind(limit).bind(offset)
        .fetch_all(c).await)?;
    let total: i64 = db_run!(db, c => sqlx::query_scalar(&count_sql)
        .bind(&like).bind(from).bind(to).bind(pid).bind(cid).bind(f.flagged_only).fetch_one(c).await)?;
    Ok((rows, total))
}

/// Count, mean score and satisfied count of the ratings a filter selects that count in indices
/// (not flagged, not corrected by a later record).
pub async fn summary(db: &Db, path_prefix: &str, f: &Filter) -> DbResult<(i64, f64, i64)> {
    let like = format!("{path_prefix}%");
    let (from, to) = f.bounds();
    let row: (i64, Option<f64>, Option<i64>) = db_run!(db, c => sqlx::query_as(
        "SELECT COUNT(*), AVG(CAST(r.score AS DOUBLE PRECISION)), CAST(SUM(CASE WHEN r.score >= 4 THEN 1 ELSE 0 END) AS BIGINT)
           FROM ratings r JOIN units u ON u.id = r.unit_id LEFT JOIN rating_flags fl ON fl.rating_id = r.id
          WHERE u.path LIKE $1 AND r.day >= $2 AND r.day <= $3
            AND ($4 = 0 OR r.procedure_id = $4) AND ($5 = 0 OR r.counter_id = $5)
            AND (fl.rating_id IS NULL OR fl.cleared_at IS NOT NULL)
            AND NOT EXISTS (SELECT 1 FROM ratings x WHERE x.corrects_id = r.id)")
        .bind(&like).bind(from).bind(to).bind(f.procedure_id.unwrap_or(0)).bind(f.counter_id.unwrap_or(0))
        .fetch_one(c).await)?;
    Ok((row.0, row.1.unwrap_or(0.0), row.2.unwrap_or(0)))
}

/// The unit and path of a rating (for scope checks).
pub async fn unit_of(db: &Db, rating_id: i64) -> DbResult<(i64, String)> {
    db_run!(db, c => sqlx::query_as::<_, (i64, String)>("SELECT r.unit_id, u.path FROM ratings r JOIN units u ON u.id = r.unit_id WHERE r.id = $1")
        .bind(rating_id).fetch_optional(c).await)?.ok_or(DbError::NotFound)
}

/// A full rating row, to build its correction.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RatingRow {
    pub id: i64,
    pub unit_id: i64,
    pub seq: i64,
    pub instrument_id: i64,
    pub channel: String,
    pub score: i32,
    pub faces: Option<i32>,
    pub counter_id: Option<i64>,
    pub kiosk_id: Option<i64>,
    pub procedure_id: Option<i64>,
    pub dossier_id: Option<i64>,
    pub corrects_id: Option<i64>,
    pub correction_reason: String,
    pub created_at: DateTime<Utc>,
    pub prev_hash: String,
    pub hash: String,
}

const ROW_SELECT: &str = "SELECT id, unit_id, seq, instrument_id, channel, score, faces, counter_id, kiosk_id, procedure_id,
        dossier_id, corrects_id, correction_reason, created_at, prev_hash, hash FROM ratings";

pub async fn get(db: &Db, id: i64) -> DbResult<RatingRow> {
    let sql = format!("{ROW_SELECT} WHERE id = $1");
    db_run!(db, c => sqlx::query_as::<_, RatingRow>(&sql).bind(id).fetch_optional(c).await)?
        .ok_or(DbError::NotFound)
}

/// Clears a suspicious flag (the rating then counts in the indices); recorded with who and when.
pub async fn clear_flag(db: &Db, actor: i64, rating_id: i64) -> DbResult<()> {
    let mut tx = db.begin().await?;
    let n = tx_run!(&mut tx, c => sqlx::query("UPDATE rating_flags SET cleared_by = $1, cleared_at = $2 WHERE rating_id = $3 AND cleared_at IS NULL")
        .bind(actor).bind(Utc::now()).bind(rating_id).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    if n == 0 {
        return Err(DbError::NotFound);
    }
    if super::rollup::counts(&mut tx, rating_id, None).await? {
        let d = super::rollup::delta_of(&mut tx, rating_id, 1).await?;
        super::rollup::apply(&mut tx, d.as_slice()).await?;
    }
    super::audit::record(
        &mut tx,
        Some(actor),
        "rating.clear_flag",
        "rating",
        Some(rating_id),
        "",
    )
    .await?;
    tx.commit().await
}

/// Whether a rating counts in the indices: not flagged (or cleared), and not replaced by a correction.
/// Returns the ratings of a unit that count, as (score) — used by tests and `verify` reports.
pub async fn counted_scores(db: &Db, unit_id: i64) -> DbResult<Vec<i32>> {
    Ok(db_run!(db, c => sqlx::query_scalar::<_, i32>(
        "SELECT r.score FROM ratings r LEFT JOIN rating_flags fl ON fl.rating_id = r.id
          WHERE r.unit_id = $1 AND (fl.rating_id IS NULL OR fl.cleared_at IS NOT NULL)
            AND NOT EXISTS (SELECT 1 FROM ratings x WHERE x.corrects_id = r.id)
          ORDER BY r.id")
        .bind(unit_id).fetch_all(c).await)?)
}

/// One problem `verify` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainProblem {
    pub unit_id: i64,
    pub rating_id: Option<i64>,
    pub what: String,
}

/// Recomputes every unit's chain and every answer's and comment's hash; reports what differs
/// (a row changed, removed or inserted behind the application's back).
pub async fn verify(db: &Db) -> DbResult<(usize, Vec<ChainProblem>)> {
    let mut problems = Vec::new();
    let units: Vec<i64> = db_run!(db, c => sqlx::query_scalar::<_, i64>("SELECT DISTINCT unit_id FROM ratings ORDER BY unit_id").fetch_all(c).await)?;
    let heads: HashMap<i64, (i64, String)> = db_run!(db, c => sqlx::query_as::<_, (i64, i64, String)>("SELECT unit_id, seq, hash FROM chain_heads").fetch_all(c).await)?
        .into_iter()
        .map(|(u, s, h)| (u, (s, h)))
        .collect();
    let mut checked = 0usize;
    let sql = format!("{ROW_SELECT} WHERE unit_id = $1 ORDER BY seq");
    for u in units {
        let rows =
            db_run!(db, c => sqlx::query_as::<_, RatingRow>(&sql).bind(u).fetch_all(c).await)?;
        let mut prev = GENESIS.to_string();
        let mut expected_seq = 1;
        let mut hashes: HashMap<i64, String> = HashMap::new();
        for r in &rows {
            checked += 1;
            if r.seq != expected_seq {
                problems.push(ChainProblem {
                    unit_id: u,
                    rating_id: Some(r.id),
                    what: format!(
                        "sequence {} where {} was expected (a row is missing)",
                        r.seq, expected_seq
                    ),
                });
                expected_seq = r.seq;
            }
            if r.prev_hash != prev {
                problems.push(ChainProblem {
                    unit_id: u,
                    rating_id: Some(r.id),
                    what: "previous hash does not match the row before".into(),
                });
            }
            let fields = ChainFields {
                unit_id: r.unit_id,
                seq: r.seq,
                instrument_id: r.instrument_id,
                channel: &r.channel,
                score: r.score,
                faces: r.faces,
                counter_id: r.counter_id,
                kiosk_id: r.kiosk_id,
                procedure_id: r.procedure_id,
                dossier_id: r.dossier_id,
                corrects_id: r.corrects_id,
                correction_reason: &r.correction_reason,
                created_at: r.created_at,
            };
            let h = chain_hash(&r.prev_hash, &fields);
            if h != r.hash {
                problems.push(ChainProblem {
                    unit_id: u,
                    rating_id: Some(r.id),
                    what: "row content changed (hash differs)".into(),
                });
            }
            hashes.insert(r.id, r.hash.clone());
            prev = r.hash.clone();
            expected_seq += 1;
        }
        match heads.get(&u) {
            Some((seq, hash))
                if *seq == rows.last().map(|r| r.seq).unwrap_or(0) && *hash == prev => {}
            _ => problems.push(ChainProblem {
                unit_id: u,
                rating_id: None,
                what: "chain head does not match the last row (rows removed at the end?)".into(),
            }),
        }
        let answers: Vec<(i64, i64, Option<i64>, i32, String)> = db_run!(db, c => sqlx::query_as(
            "SELECT a.rating_id, a.element_id, a.criterion_id, a.score, a.hash FROM rating_answers a JOIN ratings r ON r.id = a.rating_id WHERE r.unit_id = $1")
            .bind(u).fetch_all(c).await)?;
        for (rid, e, cr, s, h) in answers {
            let expected = hashes.get(&rid).map(|rh| answer_hash(rh, e, cr, s));
            if expected.as_deref() != Some(h.as_str()) {
                problems.push(ChainProblem {
                    unit_id: u,
                    rating_id: Some(rid),
                    what: "an answer was changed".into(),
                });
            }
        }
        let comments: Vec<(i64, String, String)> = db_run!(db, c => sqlx::query_as(
            "SELECT m.rating_id, m.comment, m.hash FROM rating_comments m JOIN ratings r ON r.id = m.rating_id WHERE r.unit_id = $1")
            .bind(u).fetch_all(c).await)?;
        for (rid, text, h) in comments {
            let expected = hashes.get(&rid).map(|rh| comment_hash(rh, &text));
            if expected.as_deref() != Some(h.as_str()) {
                problems.push(ChainProblem {
                    unit_id: u,
                    rating_id: Some(rid),
                    what: "a comment was changed".into(),
                });
            }
        }
    }
    Ok((checked, problems))
}
