//! Ratings: the batching writer (each answer acknowledged only after its transaction commits),
//! kiosk details, corrections, flags, the officials' list and the chain verification.

use super::{Db, DbError, DbResult, Tx};
use crate::domain::kiosk_guard::{
    check_key, day_anomaly, judged_time, metronome, past_ceiling, window_len, DayCounts, KeyState,
    KioskLimits, Presented,
};
use crate::domain::rating::{
    answer_hash, chain_hash, comment_hash, flag_hash, judge_kiosk_answer, BurstRule, ChainFields,
    Channel, FlagAction, FlagFields, OpeningHours, Suspicion, GENESIS,
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
    /// What the kiosk's request brought with the answer (the live kiosk path only): its device
    /// key, its address, how long the answer waited in its offline queue.
    pub client: Option<KioskClient>,
}

/// A kiosk request's credentials and circumstances, checked by the writer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KioskClient {
    /// The device key from the kiosk's `kiosk_key` cookie.
    pub key: Option<String>,
    /// The client address of the request.
    pub addr: String,
    /// Milliseconds between the touch and the sending, by the kiosk's clock (a queued answer).
    pub age_ms: Option<i64>,
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
            client: None,
        }
    }
}

/// A saved rating.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Saved {
    pub id: i64,
    pub suspicious: Option<Suspicion>,
    /// The same kiosk answer (same nonce) was already saved: this is its id.
    pub duplicate: bool,
    /// A new device key for the kiosk, to send back in its cookie.
    pub kiosk_key: Option<String>,
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
    /// Ceilings, rhythm, the day test and device keys (`domain::kiosk_guard`).
    pub limits: KioskLimits,
    /// The server secret kiosk device keys are derived from.
    pub key_secret: std::sync::Arc<Vec<u8>>,
    /// What the writers remember of each kiosk between batches.
    pub memory: std::sync::Arc<KioskMemory>,
}

/// One of a kiosk's last answers, as the burst rule sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Past {
    at: DateTime<Utc>,
    score: i32,
    /// Where it is: committed with this id, or a job of the batch being written.
    at_ref: PastRef,
    /// Already set aside (flagged, for any reason): never flagged again.
    flagged: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PastRef {
    Saved(i64),
    Job(usize),
}

/// A kiosk's last answers, oldest first.
type Answers = Vec<Past>;

/// A kiosk's history before a day: (answers kept, satisfied among them, days with answers).
type History = (i64, i64, i64);

/// An open kiosk alert: (kiosk, kind, address).
type AlertKey = (i64, &'static str, String);

/// How often an alert under way has its repeats written.
const ALERT_WRITE_SECS: u64 = 10;

/// What the writers remember between batches, always as last committed: on SQLite (one writer)
/// each kiosk's last few answers and the chain heads; on both, when each kiosk's
/// `last_seen_at` was last written. A batch works on its own copies and hands them over only
/// after its commit, so a batch that fails leaves nothing behind.
#[derive(Debug, Default)]
pub struct KioskMemory {
    /// SQLite only: each kiosk's last answers (read from the database the first time a kiosk
    /// is seen, so a restart forgets nothing).
    recent: std::sync::Mutex<HashMap<i64, Answers>>,
    seen_written: std::sync::Mutex<HashMap<i64, DateTime<Utc>>>,
    /// Each kiosk's history before a day, for the day test (answers kept, satisfied, days),
    /// read at most every few minutes: it moves only when a day is held or released.
    history: std::sync::Mutex<HashMap<(i64, NaiveDate), (History, std::time::Instant)>>,
    /// Open kiosk alerts this process bumped lately (kiosk, kind, address) → when, and the
    /// repeats seen since: an alert under way is written at most every few seconds.
    alerts: std::sync::Mutex<HashMap<AlertKey, (std::time::Instant, i64)>>,
    /// SQLite only: the chain heads. Every use is checked by the UPDATE that moves the head on
    /// (it must find the remembered sequence), and any failure forgets them all.
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

pub use super::now_micros;

fn local_day(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&chrono_tz::Asia::Ho_Chi_Minh).date_naive()
}

async fn write_batch(db: &Db, rules: &Rules, batch: Vec<Job>) {
    let jobs: Vec<(NewRating, DateTime<Utc>)> =
        batch.iter().map(|j| (j.rating.clone(), j.at)).collect();
    let results = save_batch(db, rules, &jobs).await;
    for (job, r) in batch.into_iter().zip(results) {
        let _ = job.reply.send(r);
    }
}

/// The writer's own path for one batch: every answer in one transaction; when that fails, each
/// answer again on its own, so that one bad answer does not sink the others. Tools and tests
/// call it with the times they choose.
pub async fn save_batch(
    db: &Db,
    rules: &Rules,
    jobs: &[(NewRating, DateTime<Utc>)],
) -> Vec<Result<Saved, SaveError>> {
    let started = std::time::Instant::now();
    let written = write_all(db, rules, jobs).await;
    tracing::debug!(
        n = jobs.len(),
        ms = started.elapsed().as_secs_f64() * 1000.0,
        "rating batch"
    );
    match written {
        Ok(results) => results,
        Err(e) if jobs.len() > 1 => {
            tracing::warn!(error = %e, n = jobs.len(), "rating batch failed; retrying one by one");
            let mut out = Vec::with_capacity(jobs.len());
            for job in jobs {
                out.push(
                    match write_all(db, rules, std::slice::from_ref(job)).await {
                        Ok(mut v) => v.pop().unwrap_or(Err(SaveError::Stopped)),
                        Err(e) => Err(SaveError::Db(e)),
                    },
                );
            }
            out
        }
        Err(e) => {
            tracing::error!(error = %e, "rating not saved");
            // Here the batch held at most one answer: it gets the cause itself.
            if jobs.is_empty() {
                Vec::new()
            } else {
                vec![Err(SaveError::Db(e))]
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

/// Writes the batch in one transaction, phase by phase; per-job outcomes (duplicates, used
/// links) come back in order. Nothing shared is touched before the commit.
async fn write_all(
    db: &Db,
    rules: &Rules,
    jobs: &[(NewRating, DateTime<Utc>)],
) -> DbResult<Vec<Result<Saved, SaveError>>> {
    let mut tx = db.begin().await?;
    let mut b = Batch::new(rules, jobs, Dialect::of(&tx));
    b.duplicates(&mut tx).await?;
    b.one_time_links(&mut tx).await?;
    b.chain_heads(&mut tx).await?;
    b.judge(&mut tx).await?;
    b.day_test(&mut tx).await?;
    b.place_in_chains();
    b.insert_rows(&mut tx).await?;
    b.flags_and_rollups(&mut tx).await?;
    b.kiosks_seen(&mut tx).await?;
    b.kiosk_devices(&mut tx).await?;
    b.kiosk_alerts(&mut tx).await?;
    b.move_heads(&mut tx).await?;
    b.commit(tx).await
}

/// The SQL dialect of a transaction: where the SQL differs, each dialect has its own arm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    fn of(tx: &Tx) -> Dialect {
        match tx {
            Tx::Sqlite(_) => Dialect::Sqlite,
            Tx::Postgres(_) => Dialect::Postgres,
        }
    }
}

/// A kiosk's device key state in a batch.
struct Device {
    nonce: Option<String>,
    state: KeyState,
    changed: bool,
}

pub(crate) use super::kiosks::Alert;

/// A new rating's place in its unit's chain.
struct Row {
    /// The job it comes from.
    i: usize,
    seq: i64,
    prev: String,
    hash: String,
}

/// One transaction's worth of answers, written phase by phase.
struct Batch<'a> {
    rules: &'a Rules,
    jobs: &'a [(NewRating, DateTime<Utc>)],
    dialect: Dialect,
    /// Each job's outcome once it is decided (duplicate, used link, saved).
    out: Vec<Option<Result<Saved, SaveError>>>,
    /// The kiosk nonces of this batch → the first job that carries each.
    nonces: HashMap<(i64, String), usize>,
    suspicion: Vec<Option<Suspicion>>,
    /// The judged kiosks' last answers, this batch's included (remembered after the commit).
    recent: HashMap<i64, Answers>,
    /// Committed answers this batch sets aside: the earlier part of a burst or a rhythm it
    /// completes, the day's answers of a kiosk whose day it holds for review.
    flag_earlier: Vec<(i64, Suspicion, DateTime<Utc>)>,
    /// The time the rules judged each kiosk answer at, when not its own (a queued answer).
    judged_at: Vec<Option<DateTime<Utc>>>,
    /// The device key each answer's response carries.
    keys: Vec<Option<String>>,
    /// The device key state of each kiosk that answered with its credentials.
    devices: std::collections::BTreeMap<i64, Device>,
    alerts: Vec<Alert>,
    /// Alert repeats left for a later write, and the alerts written (see `ALERT_WRITE_SECS`).
    alerts_later: HashMap<AlertKey, i64>,
    alerts_written: Vec<AlertKey>,
    /// The id each written job got.
    ids: Vec<Option<i64>>,
    /// Each unit's chain head: as read, then as moved on by this batch.
    heads: HashMap<i64, (i64, String)>,
    /// The sequence each head was read at (the UPDATE that moves it on must still find it).
    read_seqs: HashMap<i64, i64>,
    rows: Vec<Row>,
    /// The new rows set aside: (id, unit, why, when).
    flags: Vec<(i64, i64, Suspicion, DateTime<Utc>)>,
    /// What enters or leaves the indices with this batch (kept in the rollups).
    deltas: Vec<super::rollup::Delta>,
    /// Kiosks whose `last_seen_at` this batch writes.
    seen: Vec<(i64, DateTime<Utc>)>,
}

impl<'a> Batch<'a> {
    fn new(rules: &'a Rules, jobs: &'a [(NewRating, DateTime<Utc>)], dialect: Dialect) -> Self {
        Batch {
            rules,
            jobs,
            dialect,
            out: (0..jobs.len()).map(|_| None).collect(),
            nonces: HashMap::new(),
            suspicion: vec![None; jobs.len()],
            recent: HashMap::new(),
            flag_earlier: Vec::new(),
            judged_at: vec![None; jobs.len()],
            keys: vec![None; jobs.len()],
            devices: std::collections::BTreeMap::new(),
            alerts: Vec::new(),
            alerts_later: HashMap::new(),
            alerts_written: Vec::new(),
            ids: vec![None; jobs.len()],
            heads: HashMap::new(),
            read_seqs: HashMap::new(),
            rows: Vec::new(),
            flags: Vec::new(),
            deltas: Vec::new(),
            seen: Vec::new(),
        }
    }

    /// The jobs still to be written (not a duplicate, not refused), in order.
    fn pending(&self) -> impl Iterator<Item = (usize, &'a NewRating, DateTime<Utc>)> + '_ {
        let jobs = self.jobs;
        jobs.iter()
            .enumerate()
            .filter(|(i, _)| self.out[*i].is_none())
            .map(|(i, (r, at))| (i, r, *at))
    }

    /// 1. Kiosk retries: a nonce already saved (or twice in this batch) is a duplicate.
    async fn duplicates(&mut self, tx: &mut Tx) -> DbResult<()> {
        for (i, (r, _)) in self.jobs.iter().enumerate() {
            let (Some(k), Some(n)) = (r.kiosk_id, r.client_nonce.as_ref()) else {
                continue;
            };
            let existing: Option<i64> = tx_run!(tx, c => sqlx::query_scalar("SELECT id FROM ratings WHERE kiosk_id = $1 AND client_nonce = $2")
                .bind(k).bind(n).fetch_optional(&mut *c).await)?;
            if let Some(id) = existing {
                self.out[i] = Some(Ok(Saved {
                    id,
                    suspicious: None,
                    duplicate: true,
                    kiosk_key: None,
                }));
            } else if self.nonces.insert((k, n.clone()), i).is_some() {
                self.out[i] = Some(Err(SaveError::LinkUsed)); // answered with the first one's id
            }
        }
        Ok(())
    }

    /// 2. One-time links and session sign-ups: marked used, or the answer is refused.
    async fn one_time_links(&mut self, tx: &mut Tx) -> DbResult<()> {
        for (i, (r, at)) in self.jobs.iter().enumerate() {
            if self.out[i].is_some() {
                continue;
            }
            if let Some(link) = r.survey_link_id {
                let n = tx_run!(tx, c => sqlx::query("UPDATE survey_links SET used_at = $1 WHERE id = $2 AND used_at IS NULL")
                    .bind(*at).bind(link).execute(&mut *c).await.map(|r| r.rows_affected()))?;
                if n == 0 {
                    self.out[i] = Some(Err(SaveError::LinkUsed));
                }
            }
            if let Some(signup) = r.session_signup_id {
                let n = tx_run!(tx, c => sqlx::query(
                    "UPDATE session_signups SET rated_at = $1 WHERE id = $2 AND rated_at IS NULL AND checked_in_at IS NOT NULL")
                    .bind(*at).bind(signup).execute(&mut *c).await.map(|r| r.rows_affected()))?;
                if n == 0 {
                    self.out[i] = Some(Err(SaveError::LinkUsed));
                }
            }
        }
        Ok(())
    }

    /// 3. Each unit's chain head, created if missing, read in unit order so that concurrent
    ///    batches never wait on each other in a circle.
    async fn chain_heads(&mut self, tx: &mut Tx) -> DbResult<()> {
        let units: Vec<i64> = self
            .pending()
            .map(|(_, r, _)| r.unit_id)
            .collect::<std::collections::BTreeSet<i64>>()
            .into_iter()
            .collect();
        match self.dialect {
            // One writer: the heads as last committed are remembered; the others are read.
            Dialect::Sqlite => {
                if let Ok(cached) = self.rules.memory.heads.lock() {
                    for u in &units {
                        if let Some(h) = cached.get(u) {
                            self.heads.insert(*u, h.clone());
                        }
                    }
                }
            }
            // Several writers (and instances): every head is read and locked until the commit.
            Dialect::Postgres => {}
        }
        let to_read: Vec<i64> = units
            .iter()
            .filter(|u| !self.heads.contains_key(u))
            .copied()
            .collect();
        let read = read_heads(tx, "chain_heads", &to_read).await?;
        self.heads.extend(read);
        self.read_seqs = self.heads.iter().map(|(u, (seq, _))| (*u, *seq)).collect();
        Ok(())
    }

    /// 4. Each kiosk answer judged against the kiosk's last answers (after the heads are
    ///    locked: on PostgreSQL no other batch of the kiosk's unit can commit meanwhile), at the
    ///    time [`judged_time`] gives it: its device key and address; a burst or a metronome run
    ///    (set aside whole, the answers before it included, in this batch or committed); the
    ///    ceilings per minute and per hour; opening hours. A correction is an official's act on
    ///    an answer already judged, not a new answer.
    async fn judge(&mut self, tx: &mut Tx) -> DbResult<()> {
        let judged = |r: &NewRating| r.kiosk_id.filter(|_| r.correction.is_none());
        let kiosks: std::collections::BTreeSet<i64> =
            self.pending().filter_map(|(_, r, _)| judged(r)).collect();
        let keep = window_len(&self.rules.limits, self.rules.burst.count);
        // The answers around this batch's, per kiosk: up to an hour (the longest window) after
        // its latest one. Another writer's batch of later answers may have committed first, and
        // the rules look both ways in time; data written with its own times (a back-fill) may
        // hold answers of days to come, which no rule of this batch needs.
        let mut untils: HashMap<i64, DateTime<Utc>> = HashMap::new();
        for (_, r, at) in self.pending() {
            if let Some(k) = r.kiosk_id {
                let e = untils.entry(k).or_insert(at);
                *e = (*e).max(at);
            }
        }
        let until = |k: i64| {
            untils.get(&k).copied().unwrap_or_else(now_micros) + chrono::Duration::hours(1)
        };
        type WindowRow = (i64, i64, DateTime<Utc>, i32, bool);
        let rows: Vec<WindowRow> = match tx {
            // One writer: the windows as last committed are remembered; the others are read.
            Tx::Sqlite(c) => {
                let mut rows = Vec::new();
                for k in &kiosks {
                    let remembered = self
                        .rules
                        .memory
                        .recent
                        .lock()
                        .ok()
                        .and_then(|m| m.get(k).cloned());
                    if let Some(list) = remembered {
                        self.recent.insert(*k, list);
                        continue;
                    }
                    let read: Vec<(i64, DateTime<Utc>, i32, bool)> = sqlx::query_as(
                        "SELECT r.id, COALESCE(r.judged_at, r.created_at), r.score, (f.rating_id IS NOT NULL) FROM ratings r
                           LEFT JOIN rating_flags f ON f.rating_id = r.id
                          WHERE r.kiosk_id = $1 AND r.corrects_id IS NULL AND r.created_at <= $3
                          ORDER BY r.created_at DESC, r.id DESC LIMIT $2")
                        .bind(*k).bind(keep as i64).bind(until(*k)).fetch_all(&mut **c).await?;
                    rows.extend(read.into_iter().map(|(id, at, s, f)| (*k, id, at, s, f)));
                }
                rows
            }
            // Other writers and instances write too: the committed answers are the truth,
            // every kiosk's window in one statement.
            Tx::Postgres(c) => {
                let ids: Vec<i64> = kiosks.iter().copied().collect();
                let untils: Vec<DateTime<Utc>> = ids.iter().map(|k| until(*k)).collect();
                sqlx::query_as(
                    "SELECT k.id, w.id, w.at, w.score, w.flagged
                       FROM UNNEST($1::BIGINT[], $2::TIMESTAMPTZ[]) AS k(id, until)
                      CROSS JOIN LATERAL (
                        SELECT r.id, COALESCE(r.judged_at, r.created_at) AS at, r.score, (f.rating_id IS NOT NULL) AS flagged
                          FROM ratings r LEFT JOIN rating_flags f ON f.rating_id = r.id
                         WHERE r.kiosk_id = k.id AND r.corrects_id IS NULL AND r.created_at <= k.until
                         ORDER BY r.created_at DESC, r.id DESC LIMIT $3) w")
                    .bind(&ids).bind(&untils).bind(keep as i64).fetch_all(&mut **c).await?
            }
        };
        // Newest first per kiosk as read: oldest first in the windows.
        for (k, id, at, score, flagged) in rows.into_iter().rev() {
            self.recent.entry(k).or_default().push(Past {
                at,
                score,
                at_ref: PastRef::Saved(id),
                flagged,
            });
        }
        for k in &kiosks {
            self.recent.entry(*k).or_default();
        }
        let with_client: Vec<i64> = kiosks
            .iter()
            .copied()
            .filter(|k| {
                self.pending()
                    .any(|(_, r, _)| r.kiosk_id == Some(*k) && r.client.is_some())
            })
            .collect();
        self.load_devices(tx, &with_client).await?;
        let limits = self.rules.limits;
        let jobs = self.jobs;
        for (i, (r, at)) in jobs.iter().enumerate() {
            let (Some(k), true) = (judged(r), self.out[i].is_none()) else {
                continue;
            };
            let second_device = match &r.client {
                Some(c) => self.check_device(i, k, c, *at),
                None => false,
            };
            let mut list = self.recent.remove(&k).unwrap_or_default();
            let when = judged_time(
                *at,
                r.client.as_ref().and_then(|c| c.age_ms),
                list.last().map(|p| p.at),
            );
            if when != *at {
                self.judged_at[i] = Some(when);
            }
            let earlier: Vec<(DateTime<Utc>, i32)> = list.iter().map(|p| (p.at, p.score)).collect();
            let times: Vec<DateTime<Utc>> = earlier.iter().map(|(t, _)| *t).collect();
            let j =
                judge_kiosk_answer(when, r.score, &earlier, &self.rules.hours, self.rules.burst);
            let mut run = times.clone();
            run.push(when);
            let rhythm = metronome(
                &run,
                limits.rhythm_run,
                limits.rhythm_cv,
                chrono::Duration::seconds(limits.rhythm_max_gap_secs),
            );
            let ceiling =
                past_ceiling(
                    when,
                    &times,
                    limits.per_minute,
                    chrono::Duration::seconds(60),
                ) || past_ceiling(when, &times, limits.per_hour, chrono::Duration::hours(1));
            let burst = j.new == Some(Suspicion::Burst);
            let why = [
                (second_device, Suspicion::SecondDevice),
                (burst, Suspicion::Burst),
                (rhythm, Suspicion::Rhythm),
                (ceiling, Suspicion::Ceiling),
                (
                    j.new == Some(Suspicion::OutsideHours),
                    Suspicion::OutsideHours,
                ),
            ]
            .into_iter()
            .find_map(|(yes, s)| yes.then_some(s));
            let mut tail = |n: usize, s: Suspicion, list: &mut Answers| {
                let from = list.len().saturating_sub(n);
                for p in list[from..].iter_mut().filter(|p| !p.flagged) {
                    p.flagged = true;
                    match p.at_ref {
                        PastRef::Job(x) => {
                            self.suspicion[x].get_or_insert(s);
                        }
                        PastRef::Saved(id) => self.flag_earlier.push((id, s, when)),
                    }
                }
            };
            if burst {
                tail(j.burst_earlier, Suspicion::Burst, &mut list);
            }
            if rhythm {
                tail(limits.rhythm_run - 1, Suspicion::Rhythm, &mut list);
            }
            self.suspicion[i] = why;
            list.push(Past {
                at: when,
                score: r.score,
                at_ref: PastRef::Job(i),
                flagged: why.is_some(),
            });
            if list.len() > keep {
                list.drain(..list.len() - keep);
            }
            self.recent.insert(k, list);
        }
        Ok(())
    }

    /// The device key state of the kiosks that answered with their credentials (locked on
    /// PostgreSQL: the key moves on in this transaction).
    async fn load_devices(&mut self, tx: &mut Tx, kiosks: &[i64]) -> DbResult<()> {
        if kiosks.is_empty() {
            return Ok(());
        }
        let list = placeholders(1, kiosks.len());
        let sql = match self.dialect {
            Dialect::Sqlite => format!(
                "SELECT id, device_nonce, key_epoch, key_issued_at, key_seen_at, last_addr FROM kiosks WHERE id IN ({list}) ORDER BY id"
            ),
            Dialect::Postgres => format!(
                "SELECT id, device_nonce, key_epoch, key_issued_at, key_seen_at, last_addr FROM kiosks WHERE id IN ({list}) ORDER BY id FOR UPDATE"
            ),
        };
        type DeviceRow = (
            i64,
            Option<String>,
            i64,
            Option<DateTime<Utc>>,
            Option<DateTime<Utc>>,
            Option<String>,
        );
        let rows: Vec<DeviceRow> = tx_run!(tx, c => {
            let mut q = sqlx::query_as::<_, DeviceRow>(&sql);
            for k in kiosks {
                q = q.bind(*k);
            }
            q.fetch_all(&mut *c).await
        })?;
        for (id, nonce, epoch, issued_at, seen_at, last_addr) in rows {
            self.devices.insert(
                id,
                Device {
                    state: KeyState {
                        bound: nonce.is_some(),
                        epoch,
                        issued_at,
                        seen_at,
                        last_addr,
                    },
                    nonce,
                    changed: false,
                },
            );
        }
        Ok(())
    }

    /// Checks one answer's device key and address; says whether it comes from a second device.
    fn check_device(&mut self, i: usize, kiosk: i64, c: &KioskClient, at: DateTime<Utc>) -> bool {
        let secret = self.rules.key_secret.clone();
        let Some(d) = self.devices.get_mut(&kiosk) else {
            return false;
        };
        let presented = match (&d.nonce, &c.key) {
            (Some(nonce), Some(key)) => {
                let msg = |epoch: i64| super::kiosks::device_key_message(kiosk, nonce, epoch);
                if crate::sign::verify(&secret, &msg(d.state.epoch), key) {
                    Presented::Current
                } else if d.state.epoch > 1
                    && crate::sign::verify(&secret, &msg(d.state.epoch - 1), key)
                {
                    Presented::Previous
                } else {
                    Presented::Other
                }
            }
            _ => Presented::Other,
        };
        let before = d.state.clone();
        let check = check_key(&mut d.state, presented, &c.addr, at, &self.rules.limits);
        if check.bind {
            d.nonce = Some(super::kiosks::new_token());
        }
        d.changed |= d.state != before || check.bind;
        if check.send_key {
            if let Some(nonce) = &d.nonce {
                self.keys[i] = Some(super::kiosks::device_key(
                    &secret,
                    kiosk,
                    nonce,
                    d.state.epoch,
                ));
            }
        }
        for (yes, kind) in [
            (check.new_address, "new_address"),
            (check.second_device, "second_device"),
        ] {
            if yes {
                self.alerts.push(Alert {
                    kiosk_id: kiosk,
                    kind,
                    addr: c.addr.clone(),
                    day: None,
                    detail: String::new(),
                    at,
                    repeats: 1,
                });
            }
        }
        check.second_device
    }

    /// 4b. The day test: each kiosk's answers of the day are counted (all of them, flagged or
    ///     not); a day held for review sets its answers aside; a day whose share satisfied
    ///     jumps far above the kiosk's own level with a volume spike is held now, its answers
    ///     of the day so far set aside with it, and the administrator alerted.
    async fn day_test(&mut self, tx: &mut Tx) -> DbResult<()> {
        #[derive(Default)]
        struct Day {
            answers: i64,
            satisfied: i64,
            kept: i64,
            kept_satisfied: i64,
            jobs: Vec<usize>,
        }
        let mut days: std::collections::BTreeMap<(i64, NaiveDate), Day> =
            std::collections::BTreeMap::new();
        let jobs = self.jobs;
        for (i, (r, at)) in jobs.iter().enumerate() {
            let (Some(k), None, true) = (r.kiosk_id, &r.correction, self.out[i].is_none()) else {
                continue;
            };
            let e = days.entry((k, local_day(*at))).or_default();
            let (sat, kept) = (i64::from(r.score >= 4), self.suspicion[i].is_none());
            e.answers += 1;
            e.satisfied += sat;
            e.kept += i64::from(kept);
            e.kept_satisfied += if kept { sat } else { 0 };
            e.jobs.push(i);
        }
        if days.is_empty() {
            return Ok(());
        }
        let t = self.rules.limits.day;
        // Every kiosk-day of the batch in one statement.
        let keys: Vec<(i64, NaiveDate)> = days.keys().copied().collect();
        let values: Vec<String> = (0..keys.len())
            .map(|k| {
                let p: Vec<String> = (1..=6).map(|c| format!("${}", k * 6 + c)).collect();
                format!("({})", p.join(", "))
            })
            .collect();
        let sql = format!(
            "INSERT INTO kiosk_days (kiosk_id, day, answers, satisfied, kept, kept_satisfied) VALUES {}
             ON CONFLICT (kiosk_id, day) DO UPDATE SET answers = kiosk_days.answers + excluded.answers,
                                                      satisfied = kiosk_days.satisfied + excluded.satisfied,
                                                      kept = kiosk_days.kept + excluded.kept,
                                                      kept_satisfied = kiosk_days.kept_satisfied + excluded.kept_satisfied
             RETURNING kiosk_id, day, CAST(answers AS BIGINT), CAST(satisfied AS BIGINT), (held_at IS NOT NULL), (released_at IS NOT NULL)",
            values.join(", ")
        );
        type DayState = (i64, NaiveDate, i64, i64, bool, bool);
        let states: Vec<DayState> = tx_run!(tx, c => {
            let mut q = sqlx::query_as::<_, DayState>(&sql);
            for (k, day) in &keys {
                let d = &days[&(*k, *day)];
                q = q.bind(*k).bind(*day).bind(d.answers).bind(d.satisfied).bind(d.kept).bind(d.kept_satisfied);
            }
            q.fetch_all(&mut *c).await
        })?;
        let states: HashMap<(i64, NaiveDate), (i64, i64, bool, bool)> = states
            .into_iter()
            .map(|(k, day, a, s, h, r)| ((k, day), (a, s, h, r)))
            .collect();
        for ((k, day), d) in days {
            let list = d.jobs;
            let Some(&(answers, satisfied, held, released)) = states.get(&(k, day)) else {
                continue;
            };
            if released {
                continue;
            }
            if !held {
                if answers < t.min_answers {
                    continue;
                }
                let cached = self.rules.memory.history.lock().ok().and_then(|h| {
                    h.get(&(k, day))
                        .filter(|(_, at)| at.elapsed() < std::time::Duration::from_secs(300))
                        .map(|(v, _)| *v)
                });
                let (h_answers, h_satisfied, h_days) = match cached {
                    Some(v) => v,
                    None => {
                        let v: (i64, i64, i64) = tx_run!(tx, c => sqlx::query_as(
                            "SELECT CAST(COALESCE(SUM(kept), 0) AS BIGINT), CAST(COALESCE(SUM(kept_satisfied), 0) AS BIGINT), COUNT(*)
                               FROM kiosk_days WHERE kiosk_id = $1 AND day >= $2 AND day < $3 AND kept > 0
                                AND (held_at IS NULL OR released_at IS NOT NULL)")
                            .bind(k).bind(day - chrono::Duration::days(t.history_days)).bind(day)
                            .fetch_one(&mut *c).await)?;
                        if let Ok(mut h) = self.rules.memory.history.lock() {
                            h.retain(|(_, d), _| *d >= day);
                            h.insert((k, day), (v, std::time::Instant::now()));
                        }
                        v
                    }
                };
                let counts = DayCounts {
                    answers,
                    satisfied,
                    history_answers: h_answers,
                    history_satisfied: h_satisfied,
                    history_days: h_days,
                };
                let Some(a) = day_anomaly(counts, &t) else {
                    continue;
                };
                let now = list
                    .iter()
                    .map(|i| jobs[*i].1)
                    .max()
                    .unwrap_or_else(now_micros);
                tx_run!(tx, c => sqlx::query("UPDATE kiosk_days SET held_at = $1 WHERE kiosk_id = $2 AND day = $3")
                    .bind(now).bind(k).bind(day).execute(&mut *c).await.map(|r| r.rows_affected()))?;
                let earlier: Vec<i64> = tx_run!(tx, c => sqlx::query_scalar(
                    "SELECT r.id FROM ratings r LEFT JOIN rating_flags f ON f.rating_id = r.id
                      WHERE r.kiosk_id = $1 AND r.day = $2 AND r.corrects_id IS NULL AND f.rating_id IS NULL
                      ORDER BY r.id")
                    .bind(k).bind(day).fetch_all(&mut *c).await)?;
                if let Some(memo) = self.recent.get_mut(&k) {
                    for p in memo.iter_mut() {
                        if matches!(p.at_ref, PastRef::Saved(id) if earlier.contains(&id)) {
                            p.flagged = true;
                        }
                    }
                }
                self.flag_earlier
                    .extend(earlier.into_iter().map(|id| (id, Suspicion::Review, now)));
                self.alerts.push(Alert {
                    kiosk_id: k,
                    kind: "day_held",
                    addr: String::new(),
                    day: Some(day),
                    detail: serde_json::json!({
                        "answers": answers,
                        "satisfied": satisfied,
                        "share": a.share,
                        "usual": a.usual,
                        "history_answers": h_answers,
                        "history_days": h_days,
                        "volume_ratio": a.volume_ratio,
                        "p_value": a.p_value,
                    })
                    .to_string(),
                    at: now,
                    repeats: 1,
                });
            }
            for i in list {
                self.suspicion[i].get_or_insert(Suspicion::Review);
            }
        }
        // The memory knows which of this batch's answers are set aside now.
        for list in self.recent.values_mut() {
            for p in list.iter_mut() {
                if let PastRef::Job(x) = p.at_ref {
                    p.flagged = self.suspicion[x].is_some();
                }
            }
        }
        Ok(())
    }

    /// 5. Every new row's place in its unit's chain.
    fn place_in_chains(&mut self) {
        let pending: Vec<(usize, &NewRating, DateTime<Utc>)> = self.pending().collect();
        for (i, r, at) in pending {
            let head = self
                .heads
                .entry(r.unit_id)
                .or_insert((0, GENESIS.to_string()));
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
                created_at: at,
            };
            let hash = chain_hash(&head.1, &fields);
            self.rows.push(Row {
                i,
                seq,
                prev: std::mem::replace(&mut head.1, hash.clone()),
                hash,
            });
            head.0 = seq;
        }
    }

    /// 6. The rows, many per INSERT, then each one's answers and comment, its flag or its
    ///    entry in the indices, what a correction takes out, the session sign-up it rates.
    async fn insert_rows(&mut self, tx: &mut Tx) -> DbResult<()> {
        const COLS: usize = 19;
        // Chunks of 64, 32, 16 … rows: few distinct statements, so each stays prepared.
        let mut bounds: Vec<(usize, usize)> = Vec::new();
        let mut start = 0;
        while start < self.rows.len() {
            let rest = self.rows.len() - start;
            let size = if rest >= 64 {
                64
            } else {
                1 << (usize::BITS - 1 - rest.leading_zeros())
            };
            bounds.push((start, start + size));
            start += size;
        }
        let jobs = self.jobs;
        for (from, to) in bounds {
            let chunk = &self.rows[from..to];
            let values: Vec<String> = (0..chunk.len())
                .map(|k| {
                    let p: Vec<String> = (1..=COLS).map(|c| format!("${}", k * COLS + c)).collect();
                    format!("({})", p.join(", "))
                })
                .collect();
            let sql = format!(
                "INSERT INTO ratings (unit_id, seq, instrument_id, channel, score, faces, counter_id, kiosk_id, procedure_id, dossier_id,
                                      corrects_id, correction_reason, corrected_by, client_nonce, created_at, day, prev_hash, hash, judged_at)
                 VALUES {} RETURNING id, unit_id, seq",
                values.join(", ")
            );
            let ids: Vec<(i64, i64, i64)> = tx_run!(tx, c => {
                let mut q = sqlx::query_as::<_, (i64, i64, i64)>(&sql);
                for row in chunk {
                    let (r, at) = (&jobs[row.i].0, jobs[row.i].1);
                    let (corrects_id, reason, corrected_by) = match &r.correction {
                        Some((id, reason, by)) => (Some(*id), reason.as_str(), Some(*by)),
                        None => (None, "", None),
                    };
                    q = q.bind(r.unit_id).bind(row.seq).bind(r.instrument_id).bind(r.channel.as_str()).bind(r.score).bind(r.faces)
                        .bind(r.counter_id).bind(r.kiosk_id).bind(r.procedure_id).bind(r.dossier_id)
                        .bind(corrects_id).bind(reason).bind(corrected_by).bind(&r.client_nonce).bind(at).bind(local_day(at))
                        .bind(&row.prev).bind(&row.hash).bind(self.judged_at[row.i]);
                }
                q.fetch_all(&mut *c).await
            })?;
            let by_key: HashMap<(i64, i64), i64> =
                ids.into_iter().map(|(id, u, seq)| ((u, seq), id)).collect();
            for row in &self.rows[from..to] {
                let (r, at) = (&jobs[row.i].0, jobs[row.i].1);
                let id = *by_key
                    .get(&(r.unit_id, row.seq))
                    .ok_or(DbError::Inconsistent(
                        "a rating written in this batch was not read back",
                    ))?;
                insert_details(tx, id, &row.hash, &r.answers, &r.comment, at).await?;
                match self.suspicion[row.i] {
                    Some(s) => self.flags.push((id, r.unit_id, s, at)),
                    None => self.deltas.push(super::rollup::Delta {
                        unit_id: r.unit_id,
                        day: local_day(at),
                        channel: r.channel.as_str().to_string(),
                        procedure_id: r.procedure_id,
                        counter_id: r.counter_id,
                        score: Some(r.score),
                        answers: r.answers.clone(),
                        sign: 1,
                    }),
                }
                // A correction takes the rating it corrects out of the indices (if it was in).
                if let Some((corrected, ..)) = &r.correction {
                    if super::rollup::counts(tx, *corrected, Some(id)).await? {
                        self.deltas
                            .extend(super::rollup::delta_of(tx, *corrected, -1).await?);
                    }
                }
                if let Some(signup) = r.session_signup_id {
                    tx_run!(tx, c => sqlx::query("UPDATE session_signups SET rating_id = $1 WHERE id = $2")
                        .bind(id).bind(signup).execute(&mut *c).await.map(|r| r.rows_affected()))?;
                }
                self.ids[row.i] = Some(id);
            }
        }
        Ok(())
    }

    /// 7. The flags of suspicious answers (the earlier part of a burst leaves the rollups if
    ///    it was counted), each one an event of its unit's flag chain, and the rollups of those
    ///    that count.
    async fn flags_and_rollups(&mut self, tx: &mut Tx) -> DbResult<()> {
        let mut events: Vec<FlagEvent> = Vec::new();
        for (id, why, at) in &self.flag_earlier {
            let counted = super::rollup::counts(tx, *id, None).await?;
            let n = tx_run!(tx, c => sqlx::query(
                "INSERT INTO rating_flags (rating_id, reason, flagged_at) VALUES ($1, $2, $3) ON CONFLICT (rating_id) DO NOTHING")
                .bind(*id).bind(why.as_str()).bind(*at).execute(&mut *c).await.map(|r| r.rows_affected()))?;
            if n == 0 {
                continue;
            }
            let unit_id: i64 = tx_run!(tx, c => sqlx::query_scalar("SELECT unit_id FROM ratings WHERE id = $1")
                .bind(*id).fetch_one(&mut *c).await)?;
            kept_delta(tx, *id, -1).await?;
            events.push(FlagEvent::flag(unit_id, *id, *why, *at));
            if counted {
                self.deltas
                    .extend(super::rollup::delta_of(tx, *id, -1).await?);
            }
        }
        super::rollup::apply(tx, &self.deltas).await?;
        for chunk in self.flags.chunks(64) {
            let values: Vec<String> = (0..chunk.len())
                .map(|k| format!("(${}, ${}, ${})", 3 * k + 1, 3 * k + 2, 3 * k + 3))
                .collect();
            let sql = format!(
                "INSERT INTO rating_flags (rating_id, reason, flagged_at) VALUES {}",
                values.join(", ")
            );
            tx_run!(tx, c => {
                let mut q = sqlx::query(&sql);
                for (id, _, why, at) in chunk {
                    q = q.bind(*id).bind(why.as_str()).bind(*at);
                }
                q.execute(&mut *c).await.map(|r| r.rows_affected())
            })?;
        }
        events.extend(
            self.flags
                .iter()
                .map(|(id, unit_id, why, at)| FlagEvent::flag(*unit_id, *id, *why, *at)),
        );
        append_flag_events(tx, &events).await
    }

    /// 8. Kiosks that answered are alive: `last_seen_at` is written about once a minute each.
    async fn kiosks_seen(&mut self, tx: &mut Tx) -> DbResult<()> {
        if let Ok(written) = self.rules.memory.seen_written.lock() {
            for (r, at) in self.jobs {
                let Some(k) = r.kiosk_id else { continue };
                let stale = written
                    .get(&k)
                    .is_none_or(|t| *at - *t > chrono::Duration::seconds(60));
                if stale && !self.seen.iter().any(|(x, _)| *x == k) {
                    self.seen.push((k, *at));
                }
            }
        }
        if self.seen.is_empty() {
            return Ok(());
        }
        let sql = values_update_sql(
            self.dialect,
            "kiosks",
            "id",
            &[("last_seen_at", "TIMESTAMPTZ")],
            None,
            self.seen.len(),
        );
        tx_run!(tx, c => {
            let mut q = sqlx::query(&sql);
            for (k, seen) in &self.seen {
                q = q.bind(*k).bind(*seen);
            }
            q.execute(&mut *c).await.map(|r| r.rows_affected())
        })?;
        Ok(())
    }

    /// 8b. The device key states that moved on (a key first used, replaced, a new address,
    ///     a binding).
    async fn kiosk_devices(&mut self, tx: &mut Tx) -> DbResult<()> {
        for (id, d) in self.devices.iter().filter(|(_, d)| d.changed) {
            let s = &d.state;
            tx_run!(tx, c => sqlx::query(
                "UPDATE kiosks SET device_nonce = $1, key_epoch = $2, key_issued_at = $3, key_seen_at = $4, last_addr = $5 WHERE id = $6")
                .bind(&d.nonce).bind(s.epoch).bind(s.issued_at).bind(s.seen_at).bind(&s.last_addr).bind(*id)
                .execute(&mut *c).await.map(|r| r.rows_affected()))?;
        }
        Ok(())
    }

    /// 8c. The alerts of this batch, one open alert per kiosk, kind and address.
    async fn kiosk_alerts(&mut self, tx: &mut Tx) -> DbResult<()> {
        if self.alerts.is_empty() {
            return Ok(());
        }
        let mut write: Vec<Alert> = Vec::new();
        if let Ok(memo) = self.rules.memory.alerts.lock() {
            for a in std::mem::take(&mut self.alerts) {
                let key: AlertKey = (a.kiosk_id, a.kind, a.addr.clone());
                match memo.get(&key) {
                    // Written a moment ago: this repeat is counted with the next write.
                    Some((at, _))
                        if a.kind != "day_held"
                            && at.elapsed() < std::time::Duration::from_secs(ALERT_WRITE_SECS) =>
                    {
                        *self.alerts_later.entry(key).or_insert(0) += a.repeats;
                    }
                    Some((_, pending)) => {
                        let repeats = a.repeats + *pending;
                        self.alerts_written.push(key);
                        write.push(Alert { repeats, ..a });
                    }
                    None => {
                        self.alerts_written.push(key);
                        write.push(a);
                    }
                }
            }
        }
        super::kiosks::raise_alerts(tx, &write).await
    }

    /// 9. Each head moves on from the sequence it was read at; anything else means another
    ///    writer moved it, and the whole batch is refused (then retried one by one).
    async fn move_heads(&mut self, tx: &mut Tx) -> DbResult<()> {
        if self.heads.is_empty() {
            return Ok(());
        }
        let list: Vec<(i64, i64, String, i64)> = self
            .heads
            .iter()
            .map(|(u, (seq, hash))| {
                (
                    *u,
                    *seq,
                    hash.clone(),
                    self.read_seqs.get(u).copied().unwrap_or(-1),
                )
            })
            .collect();
        if !advance_heads(tx, "chain_heads", &list).await? {
            self.rules.memory.forget_heads();
            return Err(DbError::Inconsistent(
                "a unit's chain head moved during the batch",
            ));
        }
        Ok(())
    }

    /// 10. The commit; only then does the memory take this batch's heads, kiosk answers and
    ///     last-seen times, and the answers come back in order (a nonce repeated inside the
    ///     batch with the first one's id).
    async fn commit(mut self, tx: Tx) -> DbResult<Vec<Result<Saved, SaveError>>> {
        let memory = &self.rules.memory;
        if let Err(e) = tx.commit().await {
            memory.forget_heads();
            return Err(e);
        }
        // What this batch wrote is committed now: its jobs become saved answers.
        for (i, id) in self.ids.iter().enumerate() {
            if let Some(id) = id {
                self.out[i] = Some(Ok(Saved {
                    id: *id,
                    suspicious: self.suspicion[i],
                    duplicate: false,
                    kiosk_key: self.keys[i].take(),
                }));
            }
        }
        if self.dialect == Dialect::Sqlite {
            if let Ok(mut cached) = memory.heads.lock() {
                cached.extend(self.heads);
            }
            let ids = &self.ids;
            let recent = self.recent.into_iter().map(|(k, list)| {
                let list: Answers = list
                    .into_iter()
                    .filter_map(|p| match p.at_ref {
                        PastRef::Saved(_) => Some(p),
                        PastRef::Job(i) => ids.get(i).copied().flatten().map(|id| Past {
                            at_ref: PastRef::Saved(id),
                            ..p
                        }),
                    })
                    .collect();
                (k, list)
            });
            if let Ok(mut memo) = memory.recent.lock() {
                memo.extend(recent);
            }
        }
        if let Ok(mut written) = memory.seen_written.lock() {
            written.extend(self.seen);
        }
        if let Ok(mut memo) = memory.alerts.lock() {
            let now = std::time::Instant::now();
            for key in self.alerts_written.drain(..) {
                memo.insert(key, (now, 0));
            }
            for (key, n) in self.alerts_later.drain() {
                memo.entry(key).or_insert((now, 0)).1 += n;
            }
            // What nobody repeated for a minute is forgotten.
            memo.retain(|_, (at, n)| *n > 0 || at.elapsed() < std::time::Duration::from_secs(60));
        }
        let first_ids: HashMap<(i64, String), i64> = self
            .nonces
            .iter()
            .filter_map(|(k, i)| match &self.out[*i] {
                Some(Ok(s)) => Some((k.clone(), s.id)),
                _ => None,
            })
            .collect();
        let mut results: Vec<Result<Saved, SaveError>> = Vec::with_capacity(self.jobs.len());
        for (i, o) in self.out.into_iter().enumerate() {
            let r = &self.jobs[i].0;
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
                        kiosk_key: None,
                    }),
                    None => Err(SaveError::Stopped),
                });
            } else {
                results.push(o.unwrap_or(Err(SaveError::Stopped)));
            }
        }
        Ok(results)
    }
}

/// Reads the heads of `units` in `table` (`chain_heads` or `flag_heads`), creating the missing
/// ones at the start of their chain; in unit order, and on PostgreSQL locked until the commit.
async fn read_heads(
    tx: &mut Tx,
    table: &str,
    units: &[i64],
) -> DbResult<HashMap<i64, (i64, String)>> {
    if units.is_empty() {
        return Ok(HashMap::new());
    }
    let list = placeholders(1, units.len());
    let select = match Dialect::of(tx) {
        // One writer at a time (BEGIN IMMEDIATE): a plain read.
        Dialect::Sqlite => {
            format!("SELECT unit_id, seq, hash FROM {table} WHERE unit_id IN ({list}) ORDER BY unit_id")
        }
        // Several writers: the heads stay locked until the commit.
        Dialect::Postgres => format!(
            "SELECT unit_id, seq, hash FROM {table} WHERE unit_id IN ({list}) ORDER BY unit_id FOR UPDATE"
        ),
    };
    let mut rows: Vec<(i64, i64, String)> = Vec::new();
    for attempt in 0..2 {
        rows = tx_run!(tx, c => {
            let mut q = sqlx::query_as::<_, (i64, i64, String)>(&select);
            for u in units {
                q = q.bind(*u);
            }
            q.fetch_all(&mut *c).await
        })?;
        if rows.len() == units.len() || attempt == 1 {
            break;
        }
        let values: Vec<String> = (0..units.len())
            .map(|k| format!("(${}, 0, '{GENESIS}')", k + 1))
            .collect();
        let sql = format!(
            "INSERT INTO {table} (unit_id, seq, hash) VALUES {} ON CONFLICT (unit_id) DO NOTHING",
            values.join(", ")
        );
        tx_run!(tx, c => {
            let mut q = sqlx::query(&sql);
            for u in units {
                q = q.bind(*u);
            }
            q.execute(&mut *c).await.map(|r| r.rows_affected())
        })?;
    }
    Ok(rows.into_iter().map(|(u, seq, h)| (u, (seq, h))).collect())
}

/// A flag set or cleared, to append to the flag chain of the rating's unit.
#[derive(Debug, Clone)]
struct FlagEvent {
    unit_id: i64,
    rating_id: i64,
    action: FlagAction,
    reason: String,
    account_id: Option<i64>,
    at: DateTime<Utc>,
}

impl FlagEvent {
    fn flag(unit_id: i64, rating_id: i64, why: Suspicion, at: DateTime<Utc>) -> FlagEvent {
        FlagEvent {
            unit_id,
            rating_id,
            action: FlagAction::Flag,
            reason: why.as_str().to_string(),
            account_id: None,
            at,
        }
    }
}

/// Appends flag events to their units' flag chains (the heads locked last, in unit order, after
/// everything else a transaction locks, so that no two transactions wait on each other).
async fn append_flag_events(tx: &mut Tx, events: &[FlagEvent]) -> DbResult<()> {
    if events.is_empty() {
        return Ok(());
    }
    let units: Vec<i64> = events
        .iter()
        .map(|e| e.unit_id)
        .collect::<std::collections::BTreeSet<i64>>()
        .into_iter()
        .collect();
    let mut heads = read_heads(tx, "flag_heads", &units).await?;
    let read: HashMap<i64, i64> = heads.iter().map(|(u, (s, _))| (*u, *s)).collect();
    struct Placed<'e> {
        e: &'e FlagEvent,
        seq: i64,
        prev: String,
        hash: String,
    }
    let mut placed: Vec<Placed> = Vec::with_capacity(events.len());
    for e in events {
        let head = heads.entry(e.unit_id).or_insert((0, GENESIS.to_string()));
        let seq = head.0 + 1;
        let hash = flag_hash(
            &head.1,
            &FlagFields {
                unit_id: e.unit_id,
                seq,
                rating_id: e.rating_id,
                action: e.action.as_str(),
                reason: &e.reason,
                account_id: e.account_id,
                at: e.at,
            },
        );
        placed.push(Placed {
            e,
            seq,
            prev: std::mem::replace(&mut head.1, hash.clone()),
            hash,
        });
        head.0 = seq;
    }
    const COLS: usize = 9;
    for chunk in placed.chunks(32) {
        let values: Vec<String> = (0..chunk.len())
            .map(|k| {
                let p: Vec<String> = (1..=COLS).map(|c| format!("${}", k * COLS + c)).collect();
                format!("({})", p.join(", "))
            })
            .collect();
        let sql = format!(
            "INSERT INTO flag_events (unit_id, seq, rating_id, action, reason, account_id, at, prev_hash, hash) VALUES {}",
            values.join(", ")
        );
        tx_run!(tx, c => {
            let mut q = sqlx::query(&sql);
            for p in chunk {
                q = q.bind(p.e.unit_id).bind(p.seq).bind(p.e.rating_id).bind(p.e.action.as_str()).bind(&p.e.reason)
                    .bind(p.e.account_id).bind(p.e.at).bind(&p.prev).bind(&p.hash);
            }
            q.execute(&mut *c).await.map(|r| r.rows_affected())
        })?;
    }
    let list: Vec<(i64, i64, String, i64)> = heads
        .into_iter()
        .map(|(u, (seq, hash))| (u, seq, hash, read.get(&u).copied().unwrap_or(-1)))
        .collect();
    if !advance_heads(tx, "flag_heads", &list).await? {
        return Err(DbError::Inconsistent(
            "a unit's flag chain head moved during the batch",
        ));
    }
    Ok(())
}

/// Moves each chain head of `table` (unit, new seq, new hash, seq it was read at) on from the
/// sequence it was read at, in one statement: false when another writer moved any of them.
async fn advance_heads(
    tx: &mut Tx,
    table: &str,
    list: &[(i64, i64, String, i64)],
) -> DbResult<bool> {
    let sql = values_update_sql(
        Dialect::of(tx),
        table,
        "unit_id",
        &[("seq", "BIGINT"), ("hash", "TEXT")],
        Some(("seq", "BIGINT")),
        list.len(),
    );
    let moved = tx_run!(tx, c => {
        let mut q = sqlx::query(&sql);
        for (u, seq, hash, old) in list {
            q = q.bind(*u).bind(*seq).bind(hash).bind(*old);
        }
        q.execute(&mut *c).await.map(|r| r.rows_affected())
    })?;
    Ok(moved == list.len() as u64)
}

/// Chains the flags a database had before flags were chained (once: the migration that
/// brought the flag chain leaves a marker, removed here in the same transaction).
pub async fn chain_existing_flags(db: &Db) -> DbResult<()> {
    let mut tx = db.begin().await?;
    let pending = tx_run!(&mut tx, c => sqlx::query("DELETE FROM settings WHERE key = 'flags.chain_pending'")
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    if pending == 0 {
        return Ok(());
    }
    let rows: Vec<FlagRow> = tx_run!(&mut tx, c => sqlx::query_as(
        "SELECT f.rating_id, r.unit_id, f.reason, f.flagged_at, f.cleared_by, f.cleared_at
           FROM rating_flags f JOIN ratings r ON r.id = f.rating_id
          WHERE NOT EXISTS (SELECT 1 FROM flag_events e WHERE e.rating_id = f.rating_id)
          ORDER BY f.flagged_at, f.rating_id").fetch_all(&mut *c).await)?;
    let mut events = Vec::new();
    for (rating_id, unit_id, reason, at, by, cleared) in rows {
        events.push(FlagEvent {
            unit_id,
            rating_id,
            action: FlagAction::Flag,
            reason,
            account_id: None,
            at,
        });
        if let Some(cleared) = cleared {
            events.push(FlagEvent {
                unit_id,
                rating_id,
                action: FlagAction::Clear,
                reason: String::new(),
                account_id: by,
                at: cleared,
            });
        }
    }
    append_flag_events(&mut tx, &events).await?;
    tx.commit().await
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
fn values_update_sql(
    dialect: Dialect,
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
    let names: Vec<&str> = std::iter::once(key)
        .chain(cols.iter().map(|(c, _)| *c))
        .chain(guard.map(|_| "guard"))
        .collect();
    let rows = |cell: &dyn Fn(String, &str) -> String| -> String {
        (0..n)
            .map(|r| {
                let cells: Vec<String> = types
                    .iter()
                    .enumerate()
                    .map(|(c, ty)| cell(format!("${}", r * width + c + 1), ty))
                    .collect();
                format!("({})", cells.join(", "))
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    match dialect {
        // SQLite: a VALUES list in a WITH clause, one sub-select per column.
        Dialect::Sqlite => {
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
                rows(&|p, _| p),
                sets.join(", ")
            )
        }
        // PostgreSQL: UPDATE … FROM (VALUES …), the types of the VALUES columns spelled out.
        Dialect::Postgres => {
            let sets: Vec<String> = cols.iter().map(|(c, _)| format!("{c} = v.{c}")).collect();
            let cond = guard
                .map(|(g, _)| format!(" AND {table}.{g} = v.guard"))
                .unwrap_or_default();
            format!(
                "UPDATE {table} SET {} FROM (VALUES {}) AS v({}) WHERE {table}.{key} = v.{key}{cond}",
                sets.join(", "),
                rows(&|p, ty| format!("CAST({p} AS {ty})")),
                names.join(", ")
            )
        }
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

/// Why the kiosk's second step was not added.
#[derive(Debug, thiserror::Error)]
pub enum DetailsError {
    /// No rating of this kiosk has this id.
    #[error("no such rating at this kiosk")]
    NotFound,
    /// More than ten minutes after the rating.
    #[error("the second step came more than ten minutes after the rating")]
    Late,
    /// The rating already has its second step.
    #[error("the rating already has its second step")]
    Done,
    #[error(transparent)]
    Db(#[from] DbError),
}
crate::from_sqlx!(DetailsError);

/// What became of a second step that was let in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DetailsSaved {
    /// Saved now.
    New,
    /// Saved before under the same client id (a retry from the kiosk's queue): nothing written.
    Again,
}

/// The client id a rating's second step was saved under, if it has one.
async fn detail_claim(tx: &mut Tx, rating_id: i64) -> DbResult<Option<String>> {
    Ok(
        tx_run!(tx, c => sqlx::query_scalar("SELECT client_id FROM kiosk_detail_claims WHERE rating_id = $1")
        .bind(rating_id).fetch_optional(&mut *c).await)?,
    )
}

/// How long after its rating a second kiosk step may be filled in.
pub const DETAILS_WITHIN: chrono::Duration = chrono::Duration::minutes(10);
/// How long a second step filled in time may wait in a kiosk's offline queue.
pub const DETAILS_QUEUED_AT_MOST: chrono::Duration = chrono::Duration::hours(24);

/// Adds the second kiosk step (element answers and a comment) to a kiosk rating, once, filled
/// in within [`DETAILS_WITHIN`] of the rating, from the same kiosk. `queued` is how long the kiosk
/// says the step waited in its offline queue (longer than [`DETAILS_QUEUED_AT_MOST`] is too late): a
/// step filled in time while the network was down is saved when it arrives. `client_id` is the
/// id the kiosk gave this second step: the same id again (a retry from its offline queue, also
/// many at once) is answered [`DetailsSaved::Again`] and writes nothing; another second step for
/// the same rating is `Done`.
pub async fn add_kiosk_details(
    db: &Db,
    rating_id: i64,
    kiosk_id: i64,
    client_id: Option<&str>,
    queued: chrono::Duration,
    answers: &[(i64, Option<i64>, i32)],
    comment: &str,
) -> Result<DetailsSaved, DetailsError> {
    let mut tx = db.begin().await?;
    let row: Option<(String, DateTime<Utc>)> = tx_run!(&mut tx, c => sqlx::query_as(
        "SELECT hash, created_at FROM ratings WHERE id = $1 AND kiosk_id = $2").bind(rating_id).bind(kiosk_id).fetch_optional(&mut *c).await)?;
    let Some((hash, created)) = row else {
        return Err(DetailsError::NotFound);
    };
    // A retry of a second step already saved is a success, also after the ten minutes.
    let again = |claimed: Option<String>| match (claimed, client_id) {
        (Some(c), Some(id)) if c == id => Ok(DetailsSaved::Again),
        _ => Err(DetailsError::Done),
    };
    if let Some(claimed) = detail_claim(&mut tx, rating_id).await? {
        return again(Some(claimed));
    }
    // A step that says it waited longer than a kiosk keeps one is not believed: too late.
    let queued = queued.max(chrono::Duration::zero());
    if queued > DETAILS_QUEUED_AT_MOST || Utc::now() - queued - created > DETAILS_WITHIN {
        return Err(DetailsError::Late);
    }
    let has: i64 = tx_run!(&mut tx, c => sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM rating_answers WHERE rating_id = $1) + (SELECT COUNT(*) FROM rating_comments WHERE rating_id = $1)")
        .bind(rating_id).fetch_one(&mut *c).await)?;
    if has > 0 {
        return Err(DetailsError::Done);
    }
    let at = now_micros();
    // The claim goes first: of parallel retries only one gets the row (PostgreSQL makes the
    // others wait for it and then do nothing; SQLite runs one writer at a time).
    let claimed = tx_run!(&mut tx, c => sqlx::query(
        "INSERT INTO kiosk_detail_claims (rating_id, client_id, created_at) VALUES ($1, $2, $3) ON CONFLICT (rating_id) DO NOTHING")
        .bind(rating_id).bind(client_id.unwrap_or("")).bind(at).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    if claimed == 0 {
        let other = detail_claim(&mut tx, rating_id).await?;
        return again(other);
    }
    insert_details(&mut tx, rating_id, &hash, answers, comment, at).await?;
    if super::rollup::counts(&mut tx, rating_id, None).await? {
        if let Some(mut d) = super::rollup::delta_of(&mut tx, rating_id, 1).await? {
            d.score = None; // the rating itself is already counted; only its answers are new
            d.answers = answers.to_vec();
            super::rollup::apply(&mut tx, &[d]).await?;
        }
    }
    tx.commit().await?;
    Ok(DetailsSaved::New)
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

/// Clears a suspicious flag (the rating then counts in the indices); recorded with who and
/// when, in the audit log and as an event of the unit's flag chain.
pub async fn clear_flag(db: &Db, actor: i64, rating_id: i64) -> DbResult<()> {
    let mut tx = db.begin().await?;
    let at = now_micros();
    let unit_id: Option<i64> = tx_run!(&mut tx, c => sqlx::query_scalar(
        "UPDATE rating_flags SET cleared_by = $1, cleared_at = $2 WHERE rating_id = $3 AND cleared_at IS NULL
         RETURNING (SELECT unit_id FROM ratings WHERE id = $3)")
        .bind(actor).bind(at).bind(rating_id).fetch_optional(&mut *c).await)?;
    let Some(unit_id) = unit_id else {
        return Err(DbError::NotFound);
    };
    if super::rollup::counts(&mut tx, rating_id, None).await? {
        let d = super::rollup::delta_of(&mut tx, rating_id, 1).await?;
        super::rollup::apply(&mut tx, d.as_slice()).await?;
    }
    kept_delta(&mut tx, rating_id, 1).await?;
    super::audit::record(
        &mut tx,
        Some(actor),
        "rating.clear_flag",
        "rating",
        Some(rating_id),
        "",
    )
    .await?;
    append_flag_events(
        &mut tx,
        &[FlagEvent {
            unit_id,
            rating_id,
            action: FlagAction::Clear,
            reason: String::new(),
            account_id: Some(actor),
            at,
        }],
    )
    .await?;
    tx.commit().await
}

/// Releases a kiosk's day held for review (an administrator found it genuine): the answers
/// set aside for the review count again (their flags cleared, each an event of the flag chain,
/// the rollups moved), and the day is not tested again. Other flags of the day (bursts,
/// ceilings, a second device) stay for review one by one. Returns how many answers came back.
pub async fn release_kiosk_day(
    db: &Db,
    actor: i64,
    kiosk_id: i64,
    day: NaiveDate,
) -> DbResult<usize> {
    let mut tx = db.begin().await?;
    let at = now_micros();
    let n = tx_run!(&mut tx, c => sqlx::query(
        "UPDATE kiosk_days SET released_at = $1, released_by = $2 WHERE kiosk_id = $3 AND day = $4 AND held_at IS NOT NULL AND released_at IS NULL")
        .bind(at).bind(actor).bind(kiosk_id).bind(day).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    if n == 0 {
        return Err(DbError::NotFound);
    }
    let held: Vec<(i64, i64)> = tx_run!(&mut tx, c => sqlx::query_as(
        "SELECT f.rating_id, r.unit_id FROM rating_flags f JOIN ratings r ON r.id = f.rating_id
          WHERE r.kiosk_id = $1 AND r.day = $2 AND f.reason = $3 AND f.cleared_at IS NULL ORDER BY f.rating_id")
        .bind(kiosk_id).bind(day).bind(Suspicion::Review.as_str()).fetch_all(&mut *c).await)?;
    let mut deltas = Vec::new();
    let mut events = Vec::new();
    for (rating_id, unit_id) in &held {
        tx_run!(&mut tx, c => sqlx::query("UPDATE rating_flags SET cleared_by = $1, cleared_at = $2 WHERE rating_id = $3")
            .bind(actor).bind(at).bind(*rating_id).execute(&mut *c).await.map(|r| r.rows_affected()))?;
        if super::rollup::counts(&mut tx, *rating_id, None).await? {
            deltas.extend(super::rollup::delta_of(&mut tx, *rating_id, 1).await?);
        }
        kept_delta(&mut tx, *rating_id, 1).await?;
        events.push(FlagEvent {
            unit_id: *unit_id,
            rating_id: *rating_id,
            action: FlagAction::Clear,
            reason: String::new(),
            account_id: Some(actor),
            at,
        });
    }
    super::rollup::apply(&mut tx, &deltas).await?;
    super::audit::record(
        &mut tx,
        Some(actor),
        "kiosk.release_day",
        "kiosk",
        Some(kiosk_id),
        &format!("{day} {}", held.len()),
    )
    .await?;
    append_flag_events(&mut tx, &events).await?;
    tx.commit().await?;
    Ok(held.len())
}

/// Moves a kiosk answer into (+1) or out of (−1) its kiosk's day as "kept" (what later days
/// take as the kiosk's usual level): when a flag is set after the answer was written, or cleared.
async fn kept_delta(tx: &mut Tx, rating_id: i64, sign: i64) -> DbResult<()> {
    tx_run!(tx, c => sqlx::query(
        "UPDATE kiosk_days SET kept = kept + $2,
                kept_satisfied = kept_satisfied + (SELECT CASE WHEN r.score >= 4 THEN $2 ELSE 0 END FROM ratings r WHERE r.id = $1)
          WHERE (kiosk_id, day) = (SELECT r.kiosk_id, r.day FROM ratings r WHERE r.id = $1 AND r.corrects_id IS NULL)")
        .bind(rating_id).bind(sign).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(())
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

/// A flag row as stored: (rating, unit, reason, flagged at, cleared by, cleared at).
type FlagRow = (
    i64,
    i64,
    String,
    DateTime<Utc>,
    Option<i64>,
    Option<DateTime<Utc>>,
);
/// A flag event as stored.
type FlagEventRow = (
    i64,
    i64,
    i64,
    String,
    String,
    Option<i64>,
    DateTime<Utc>,
    String,
    String,
);

/// Recomputes every unit's flag chain, replays it, and compares the result with the flags the
/// counts read: a flag row removed, inserted or changed behind the application's back is named.
async fn verify_flags(db: &Db, problems: &mut Vec<ChainProblem>) -> DbResult<()> {
    let events: Vec<FlagEventRow> = db_run!(db, c => sqlx::query_as(
        "SELECT unit_id, seq, rating_id, action, reason, account_id, at, prev_hash, hash FROM flag_events ORDER BY unit_id, seq")
        .fetch_all(c).await)?;
    let heads: HashMap<i64, (i64, String)> =
        db_run!(db, c => sqlx::query_as::<_, (i64, i64, String)>(
        "SELECT unit_id, seq, hash FROM flag_heads").fetch_all(c).await)?
        .into_iter()
        .map(|(u, s, h)| (u, (s, h)))
        .collect();
    // The state the chain says: rating → (reason, flagged at, cleared by and when).
    type State = (String, i64, Option<(Option<i64>, i64)>);
    let mut state: HashMap<i64, (i64, State)> = HashMap::new();
    let mut last: HashMap<i64, (i64, String)> = HashMap::new();
    for (unit, seq, rating, action, reason, account, at, prev, hash) in &events {
        let (expected_seq, expected_prev) = last
            .get(unit)
            .map(|(s, h)| (s + 1, h.clone()))
            .unwrap_or((1, GENESIS.to_string()));
        let problem = |what: &str| ChainProblem {
            unit_id: *unit,
            rating_id: Some(*rating),
            what: what.to_string(),
        };
        if *seq != expected_seq {
            problems.push(problem(&format!(
                "flag chain: event {seq} where {expected_seq} was expected (an event is missing)"
            )));
        }
        if *prev != expected_prev {
            problems.push(problem(
                "flag chain: previous hash does not match the event before",
            ));
        }
        let fields = FlagFields {
            unit_id: *unit,
            seq: *seq,
            rating_id: *rating,
            action,
            reason,
            account_id: *account,
            at: *at,
        };
        if flag_hash(prev, &fields) != *hash {
            problems.push(problem("flag chain: an event was changed (hash differs)"));
        }
        last.insert(*unit, (*seq, hash.clone()));
        match action.as_str() {
            "clear" => {
                if let Some((_, st)) = state.get_mut(rating) {
                    st.2 = Some((*account, at.timestamp_micros()));
                }
            }
            _ => {
                state.insert(
                    *rating,
                    (*unit, (reason.clone(), at.timestamp_micros(), None)),
                );
            }
        }
    }
    for (unit, (seq, hash)) in &heads {
        let ok = match last.get(unit) {
            Some((s, h)) => s == seq && h == hash,
            None => *seq == 0,
        };
        if !ok {
            problems.push(ChainProblem {
                unit_id: *unit,
                rating_id: None,
                what: "flag chain: head does not match the last event (events removed at the end?)"
                    .into(),
            });
        }
    }
    for unit in last.keys().filter(|u| !heads.contains_key(u)) {
        problems.push(ChainProblem {
            unit_id: *unit,
            rating_id: None,
            what: "flag chain: head removed".into(),
        });
    }
    let rows: Vec<FlagRow> = db_run!(db, c => sqlx::query_as(
        "SELECT f.rating_id, r.unit_id, f.reason, f.flagged_at, f.cleared_by, f.cleared_at
           FROM rating_flags f JOIN ratings r ON r.id = f.rating_id ORDER BY f.rating_id")
        .fetch_all(c).await)?;
    for (rating, unit, reason, at, by, cleared) in rows {
        let stored: State = (
            reason,
            at.timestamp_micros(),
            cleared.map(|c| (by, c.timestamp_micros())),
        );
        match state.remove(&rating) {
            None => problems.push(ChainProblem {
                unit_id: unit,
                rating_id: Some(rating),
                what: "a flag that is not in the flag chain (added behind the application's back)"
                    .into(),
            }),
            Some((_, chained)) if chained != stored => problems.push(ChainProblem {
                unit_id: unit,
                rating_id: Some(rating),
                what: if chained.2.is_none() && stored.2.is_some() {
                    "a flag was cleared behind the application's back (the rating counts)".into()
                } else {
                    "a flag was changed behind the application's back".into()
                },
            }),
            Some(_) => {}
        }
    }
    for (rating, (unit, _)) in state {
        problems.push(ChainProblem {
            unit_id: unit,
            rating_id: Some(rating),
            what: "a flag was removed behind the application's back (the rating counts)".into(),
        });
    }
    Ok(())
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
    verify_flags(db, &mut problems).await?;
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
