//! The demo and synthetic-data generator. On a new database it builds the province of
//! Lam Giang (about twenty units in three peer groups, a merged pair of communes, fifty
//! procedures, counters, kiosks and one account per role). With `synthetic_units > 0` it adds
//! that many generated communes, deterministically from `seed`, for scale tests and benchmarks;
//! later data sets (ratings, dossiers) are generated the same way, in bulk.

use super::demo_catalog as cat;
use super::{accounts, kiosks, procedures, units, Db, DbResult};
use crate::domain::procedure::ProcedureInput;
use crate::domain::Role;
use chrono::NaiveDate;
use rand::{Rng, SeedableRng};
use std::collections::HashMap;

/// What to generate.
#[derive(Debug, Clone)]
pub struct DemoSpec {
    /// Extra generated communes beyond the demo province (0 for the plain demo).
    pub synthetic_units: usize,
    /// The random seed: the same seed gives the same data.
    pub seed: u64,
}

impl Default for DemoSpec {
    fn default() -> Self {
        DemoSpec {
            synthetic_units: 0,
            seed: 2026,
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
    tx.commit().await
}
