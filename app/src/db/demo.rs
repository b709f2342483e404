//! The demo and synthetic-data generator. On a new database it builds the province of
//! Lam Giang (about twenty units in three peer groups, a merged pair of communes, fifty
//! procedures, counters, kiosks and one account per role). With `synthetic_units > 0` it adds
//! that many generated communes, deterministically from `seed`, for scale tests and benchmarks;
//! later data sets (ratings, dossiers) are generated the same way, in bulk.

use super::demo_catalog as cat;
use super::{
    accounts, dossiers, instruments, kiosks, procedures, ratings, sipas, units, Db, DbError,
    DbResult,
};
use crate::domain::procedure::ProcedureInput;
use crate::domain::rating::{face_scores, Channel};
use crate::domain::Role;
use chrono::NaiveDate;
use chrono::{DateTime, Datelike, TimeZone, Utc, Weekday};
use rand::{Rng, SeedableRng};
use std::collections::HashMap;

/// What to generate.
#[derive(Debug, Clone)]
pub struct DemoSpec {
    /// Extra generated communes beyond the demo province (0 for the plain demo).
    pub synthetic_units: usize,
    /// The random seed: the same seed gives the same data.
    pub seed: u64,
    /// Kiosk ratings to generate over the last `days` days (before today).
    pub ratings: usize,
    /// Completed dossiers with survey links (about two in three answered).
    pub dossiers: usize,
    pub days: i64,
    /// The server secret, to derive the dossiers' survey links (no dossiers without it).
    pub secret: Option<Vec<u8>>,
    /// A dozen feedback cases in every state of the workflow, and three dialogue sessions.
    pub feedback: bool,
}

impl Default for DemoSpec {
    fn default() -> Self {
        DemoSpec {
            synthetic_units: 0,
            seed: 2026,
            ratings: 2800,
            dossiers: 60,
            days: 450,
            secret: None,
            feedback: true,
        }
    }
}

impl DemoSpec {
    /// The structure only: units, procedures, counters, kiosks, accounts; no ratings.
    pub fn structure_only() -> DemoSpec {
        DemoSpec {
            ratings: 0,
            dossiers: 0,
            feedback: false,
            ..DemoSpec::default()
        }
    }
}

/// A demo account whose credentials are printed at start-up and in the README.
#[derive(Debug, Clone)]
pub struct DemoAccount {
    pub username: &'static str,
    pub password: &'static str,
    pub role: Role,
    pub unit_code: &'static str,
    pub full_name: &'static str,
}

pub const DEMO_ACCOUNTS: [DemoAccount; 4] = [
    DemoAccount {
        username: "quantri",
        password: "langnghe-quantri",
        role: Role::Admin,
        unit_code: "LG",
        full_name: "Nguyễn Thị Quản Trị",
    },
    DemoAccount {
        username: "lanhdao",
        password: "langnghe-lanhdao",
        role: Role::Leader,
        unit_code: "LG",
        full_name: "Trần Văn Lãnh",
    },
    DemoAccount {
        username: "canbo",
        password: "langnghe-canbo",
        role: Role::Official,
        unit_code: "XAPL",
        full_name: "Lê Thị Cán",
    },
    DemoAccount {
        username: "canbo.stp",
        password: "langnghe-canbo",
        role: Role::Official,
        unit_code: "STP",
        full_name: "Phạm Minh Tư",
    },
];

/// The device token of the n-th demo kiosk. Demo tokens are public (printed at start-up and in
/// the README) so a visitor can open a kiosk; a real kiosk's token is random and shown once.
pub fn demo_kiosk_token(n: usize) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(
        format!("langnghe-demo-kiosk-{n}").as_bytes(),
    ))
}

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or(NaiveDate::MIN)
}

/// Whether the database has no units yet (a new install).
pub async fn is_empty(db: &Db) -> DbResult<bool> {
    Ok(units::count(db).await? == 0)
}

/// Builds the demo province in one transaction. Call only on an empty database.
pub async fn generate(db: &Db, spec: &DemoSpec) -> DbResult<()> {
    let mut tx = db.begin().await?;
    let mut groups = HashMap::new();
    for (i, (code, vi, en)) in [
        ("department", "Khối sở, ban, ngành", "Departments"),
        ("commune", "Khối xã, phường", "Communes and wards"),
        ("vertical", "Khối cơ quan ngành dọc", "Vertical agencies"),
    ]
    .into_iter()
    .enumerate()
    {
        groups.insert(
            code,
            units::insert_group(&mut tx, code, vi, en, i as i32).await?,
        );
    }

    let mut ids: HashMap<&str, i64> = HashMap::new();
    for u in std::iter::once(&cat::PROVINCE).chain(cat::UNITS.iter()) {
        let input = units::UnitInput {
            parent_id: ids.get(u.parent).copied(),
            group_id: groups.get(u.group).copied(),
            code: u.code.to_string(),
            name: u.name.to_string(),
            kind: u.kind.to_string(),
            address: u.address.to_string(),
            effective_from: date(u.effective_from),
            effective_to: None,
        };
        let id = if u.successor_of.is_empty() {
            units::create(&mut tx, None, &input).await?
        } else {
            let preds: Vec<i64> = u
                .successor_of
                .iter()
                .filter_map(|c| ids.get(c).copied())
                .collect();
            units::merge(
                &mut tx,
                None,
                &preds,
                &input,
                false,
                "Sắp xếp đơn vị hành chính cấp xã",
            )
            .await?
        };
        ids.insert(u.code, id);
    }

    // Synthetic communes for scale: deterministic names from the seed.
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(spec.seed);
    let root = ids.get(cat::PROVINCE.code).copied();
    for n in 0..spec.synthetic_units {
        let place = cat::PLACE_NAMES[rng.gen_range(0..cat::PLACE_NAMES.len())];
        let (kind, prefix) = if rng.gen_bool(0.3) {
            ("ward", "Phường")
        } else {
            ("commune", "Xã")
        };
        let input = units::UnitInput {
            parent_id: root,
            group_id: groups.get("commune").copied(),
            code: format!("SYN{:05}", n + 1),
            name: format!("{prefix} {place} {}", n + 1),
            kind: kind.to_string(),
            address: String::new(),
            effective_from: date("2020-01-01"),
            effective_to: None,
        };
        units::create(&mut tx, None, &input).await?;
    }

    for p in cat::PROCEDURES {
        let input = ProcedureInput {
            code: p.code.to_string(),
            name: p.name.to_string(),
            field: p.field.to_string(),
            processing_days: p.processing_days,
        };
        procedures::upsert(&mut tx, None, &input).await?;
    }

    let mut counters: HashMap<(&str, &str), i64> = HashMap::new();
    for c in cat::COUNTERS {
        if let Some(unit_id) = ids.get(c.unit) {
            let id = kiosks::create_counter(&mut tx, None, *unit_id, c.name, c.location).await?;
            counters.insert((c.unit, c.name), id);
        }
    }
    for (n, k) in cat::KIOSKS.iter().enumerate() {
        if let Some(counter_id) = counters.get(&(k.unit, k.counter)) {
            kiosks::register_with_token(
                &mut tx,
                None,
                *counter_id,
                k.name,
                k.faces,
                demo_kiosk_token(n),
            )
            .await?;
        }
    }

    for a in DEMO_ACCOUNTS.iter() {
        if let Some(unit_id) = ids.get(a.unit_code) {
            let new = accounts::NewAccount {
                username: a.username,
                full_name: a.full_name,
                email: "",
                password: a.password,
                role: a.role,
                unit_id: *unit_id,
            };
            accounts::create(&mut tx, None, &new).await?;
        }
    }
    tx.commit().await?;
    generate_ratings(db, spec, &ids).await?;
    if spec.feedback {
        super::demo_feedback::generate(db, &ids).await?;
        super::demo_sessions::generate(db, &ids).await?;
    }
    Ok(())
}

/// A moment on a weekday `days_ago` days before today, between 07:30 and 16:30 local time.
fn service_time(rng: &mut impl Rng, today: NaiveDate, max_days: i64) -> DateTime<Utc> {
    loop {
        let d = today - chrono::Duration::days(rng.gen_range(1..=max_days.max(1)));
        if matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
            continue;
        }
        let secs = rng.gen_range(7 * 3600 + 1800..16 * 3600 + 1800);
        let local = d
            .and_hms_opt(secs / 3600, (secs % 3600) / 60, secs % 60)
            .unwrap_or_default();
        if let Some(t) = chrono_tz::Asia::Ho_Chi_Minh
            .from_local_datetime(&local)
            .single()
        {
            return t.with_timezone(&Utc);
        }
    }
}

/// A score drawn for a unit of quality `q` (share of satisfied answers it tends to get).
fn draw_score(rng: &mut impl Rng, q: f64) -> i32 {
    let x: f64 = rng.gen();
    if x < q * 0.55 {
        5
    } else if x < q {
        4
    } else if x < q + (1.0 - q) * 0.5 {
        3
    } else if x < q + (1.0 - q) * 0.8 {
        2
    } else {
        1
    }
}

/// Ratings at the demo kiosks and answered surveys of demo dossiers, over the last days, with
/// a realistic spread between units and one burst (which is flagged) to show what admins review.
async fn generate_ratings(db: &Db, spec: &DemoSpec, ids: &HashMap<&str, i64>) -> DbResult<()> {
    if spec.ratings == 0 && spec.dossiers == 0 {
        return Ok(());
    }
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(spec.seed.wrapping_add(1));
    let now = Utc::now();
    let today = now
        .with_timezone(&chrono_tz::Asia::Ho_Chi_Minh)
        .date_naive();
    let instrument = instruments::published(db, sipas::CODE)
        .await?
        .ok_or(DbError::NotFound)?;
    let root = ids.get(cat::PROVINCE.code).copied().unwrap_or_default();
    let root_path = units::get(db, root).await?.path;
    let kiosk_list = kiosks::kiosks_in(db, &root_path).await?;
    let mut quality: HashMap<i64, f64> = HashMap::new();
    let mut list: Vec<(ratings::NewRating, DateTime<Utc>)> = Vec::new();
    for _ in 0..spec
        .ratings
        .min(if kiosk_list.is_empty() { 0 } else { usize::MAX })
    {
        let k = &kiosk_list[rng.gen_range(0..kiosk_list.len())];
        let q = *quality
            .entry(k.unit_id)
            .or_insert_with(|| rng.gen_range(0.55..0.95));
        let mut score = draw_score(&mut rng, q);
        let faces = face_scores(k.faces);
        if !faces.contains(&score) {
            score = *faces
                .iter()
                .min_by_key(|f| (*f - score).abs())
                .unwrap_or(&3);
        }
        let mut r = ratings::NewRating::new(k.unit_id, instrument.id(), Channel::Kiosk, score);
        r.faces = Some(k.faces);
        r.counter_id = Some(k.counter_id);
        r.kiosk_id = Some(k.id);
        if rng.gen_bool(0.25) {
            r.answers = instrument
                .elements
                .iter()
                .map(|(e, _)| {
                    let s = (score + rng.gen_range(-1..=1)).clamp(1, 5);
                    let s = *faces.iter().min_by_key(|f| (*f - s).abs()).unwrap_or(&s);
                    (e.id, None, s)
                })
                .collect();
        }
        if rng.gen_bool(0.15) {
            let pool = if score >= 4 {
                cat::COMMENTS_POSITIVE
            } else {
                cat::COMMENTS_NEGATIVE
            };
            if score != 3 {
                r.comment = pool[rng.gen_range(0..pool.len())].to_string();
            }
        }
        list.push((r, service_time(&mut rng, today, spec.days)));
    }
    // One burst: somebody pressing the happiest face again and again.
    if let Some(k) = kiosk_list.first() {
        let t0 = service_time(&mut rng, today, spec.days.min(7));
        for i in 0..6 {
            let mut r = ratings::NewRating::new(k.unit_id, instrument.id(), Channel::Kiosk, 5);
            r.faces = Some(k.faces);
            r.counter_id = Some(k.counter_id);
            r.kiosk_id = Some(k.id);
            list.push((r, t0 + chrono::Duration::seconds(i * 2)));
        }
    }
    // Dossiers with their survey links; about two in three answered in full.
    if let Some(secret) = &spec.secret {
        let all_procs = procedures::search(db, "", None, 1000, 0).await?.0;
        let communes: Vec<(i64, &str)> = cat::UNITS
            .iter()
            .filter(|u| u.effective_to.is_empty() && u.kind != "province")
            .filter_map(|u| ids.get(u.code).map(|id| (*id, u.group)))
            .collect();
        for n in 0..spec.dossiers {
            let (unit_id, group) = communes[rng.gen_range(0..communes.len())];
            let procs: Vec<_> = cat::PROCEDURES
                .iter()
                .filter(|p| p.group == group)
                .collect();
            let proc_id = procs
                .get(rng.gen_range(0..procs.len().max(1)))
                .and_then(|p| all_procs.iter().find(|x| x.code == p.code))
                .map(|p| p.id);
            let completed = service_time(&mut rng, today, spec.days.min(30));
            let phone = format!("09{:08}", rng.gen_range(0..100_000_000u32));
            let input = dossiers::DossierInput {
                code: format!("LG-{}-{:05}", completed.format("%y%m%d"), n + 1),
                unit_id,
                procedure_id: proc_id,
                counter_id: None,
                phone_hash: crate::sign::sign(secret, &format!("phone:{phone}")),
                phone_hint: phone[7..].to_string(),
                received_at: Some(completed - chrono::Duration::days(rng.gen_range(1..10))),
                // About one dossier in twelve finishes late; one in thirty draws a complaint.
                due_at: Some(if rng.gen_range(0..12) == 0 {
                    completed - chrono::Duration::days(1)
                } else {
                    completed + chrono::Duration::days(1)
                }),
                completed_at: Some(completed),
                complained: rng.gen_range(0..30) == 0,
            };
            let mut tx = db.begin().await?;
            // Demo codes are new and unique: only a database error can stop the insert.
            let (id, _) = match dossiers::upsert(&mut tx, &input).await {
                Ok(saved) => saved,
                Err(dossiers::DossierError::Db(e)) => return Err(e),
                Err(_) => return Err(super::DbError::Inconsistent("a demo dossier was refused")),
            };
            let token = crate::sign::sign(secret, &format!("survey:{id}"));
            dossiers::ensure_link(
                &mut tx,
                id,
                &dossiers::hash_token(&token),
                completed + chrono::Duration::days(3650),
            )
            .await?;
            tx.commit().await?;
            if rng.gen_bool(0.66) {
                let link = dossiers::link_by_token(db, &token)
                    .await?
                    .ok_or(DbError::NotFound)?;
                let q = *quality
                    .entry(unit_id)
                    .or_insert_with(|| rng.gen_range(0.55..0.95));
                let score = draw_score(&mut rng, q);
                let mut r =
                    ratings::NewRating::new(unit_id, instrument.id(), Channel::SmsLink, score);
                r.procedure_id = proc_id;
                r.dossier_id = Some(id);
                r.survey_link_id = Some(link.id);
                r.answers = instrument
                    .elements
                    .iter()
                    .flat_map(|(e, cs)| cs.iter().map(move |c| (e.id, Some(c.id))))
                    .map(|(e, c)| (e, c, (score + rng.gen_range(-1..=1)).clamp(1, 5)))
                    .collect();
                // Answered a few hours after the result, and never later than now (a dossier
                // completed yesterday is answered by now, not tomorrow).
                let answered = completed + chrono::Duration::hours(rng.gen_range(1..48));
                list.push((r, answered.min(now - chrono::Duration::minutes(1))));
            }
        }
    }
    list.sort_by_key(|(_, at)| *at);
    let rules = ratings::Rules::default();
    ratings::save_many(db, &rules, list).await?;
    Ok(())
}

/// A busy ordinary day at every demo kiosk, with the demo's own patterns: citizens arriving at
/// random moments between 07:30 and 16:30 (about `per_kiosk` each), each answering once with
/// a score drawn for the kiosk's unit as the demo draws them, mapped onto the kiosk's faces.
/// For the tests and the bench that check ordinary traffic is not flagged.
pub async fn busy_day(
    db: &Db,
    day: NaiveDate,
    per_kiosk: usize,
    seed: u64,
) -> DbResult<Vec<(ratings::NewRating, DateTime<Utc>)>> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let instrument = instruments::published(db, sipas::CODE)
        .await?
        .ok_or(DbError::NotFound)?;
    let root = units::root(db).await?.ok_or(DbError::NotFound)?;
    let mut list = Vec::new();
    for k in kiosks::kiosks_in(db, &root.path).await? {
        let shown: (i64, i64) = crate::db_run!(db, c => sqlx::query_as(
            "SELECT COUNT(*), CAST(COALESCE(SUM(CASE WHEN r.score >= 4 THEN 1 ELSE 0 END), 0) AS BIGINT)
               FROM ratings r LEFT JOIN rating_flags f ON f.rating_id = r.id
              WHERE r.kiosk_id = $1 AND f.rating_id IS NULL")
            .bind(k.id).fetch_one(c).await)?;
        let q = if shown.0 >= 20 {
            shown.1 as f64 / shown.0 as f64
        } else {
            rng.gen_range(0.55..0.95)
        };
        let faces = face_scores(k.faces);
        for _ in 0..per_kiosk {
            let score = draw_score(&mut rng, q);
            let score = *faces
                .iter()
                .min_by_key(|f| (*f - score).abs())
                .unwrap_or(&3);
            let secs = rng.gen_range(7 * 3600 + 1800..16 * 3600 + 1800);
            let local = day
                .and_hms_opt(secs / 3600, (secs % 3600) / 60, secs % 60)
                .unwrap_or_default();
            let Some(at) = chrono_tz::Asia::Ho_Chi_Minh
                .from_local_datetime(&local)
                .single()
            else {
                continue;
            };
            let mut r = ratings::NewRating::new(k.unit_id, instrument.id(), Channel::Kiosk, score);
            r.faces = Some(k.faces);
            r.counter_id = Some(k.counter_id);
            r.kiosk_id = Some(k.id);
            list.push((r, at.with_timezone(&Utc)));
        }
    }
    list.sort_by_key(|(_, at)| *at);
    Ok(list)
}
