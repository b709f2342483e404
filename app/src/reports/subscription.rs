//! The report leaders subscribe to: on the first working day of a month (or of a quarter), each
//! subscriber's report of their subtree for the period just ended goes into the outbox as an
//! e-mail with the workbook attached and a link to the printable page.

use super::ReportResult;
use crate::db::{self, Db};
use crate::domain::calendar::Calendar;
use crate::domain::period::Period;
use crate::i18n::Lang;
use base64::Engine;
use chrono::{Datelike, NaiveDate};

/// The first working day of the month of `day`.
pub fn first_working_day(cal: &Calendar, day: NaiveDate) -> NaiveDate {
    let mut d = day.with_day(1).unwrap_or(day);
    while !cal.is_working(d) {
        d += chrono::Duration::days(1);
    }
    d
}

/// The period a subscription is due for on `today`, if any: the month (or quarter) just ended,
/// from the first working day of the new month (or quarter) on.
pub fn due_period(cal: &Calendar, today: NaiveDate, frequency: &str) -> Option<Period> {
    let start = match frequency {
        "quarter" => {
            let m = ((today.month() - 1) / 3) * 3 + 1;
            NaiveDate::from_ymd_opt(today.year(), m, 1)?
        }
        _ => today.with_day(1)?,
    };
    if today < first_working_day(cal, start) {
        return None;
    }
    let last = start - chrono::Duration::days(1);
    match frequency {
        "quarter" => Period::quarter(last.year(), (last.month() - 1) / 3 + 1),
        _ => Period::month(last.year(), last.month()),
    }
}

/// Queues every report due on `today` (each subscriber and period once, even with several
/// instances: the subscription's last period is claimed in the same transaction). Returns how
/// many were queued.
pub async fn queue_reports(db: &Db, base_url: &str, today: NaiveDate) -> ReportResult<usize> {
    let cal = db::calendar::load(db).await?;
    let accounts = db::accounts::in_subtree(db, "/").await?;
    let mut queued = 0;
    for (account, frequency, last) in db::insight::subscriptions(db).await? {
        let Some(p) = due_period(&cal, today, &frequency) else {
            continue;
        };
        if last == p.key() {
            continue;
        }
        let Some(a) = accounts
            .iter()
            .find(|a| a.id == account && a.active && !a.email.is_empty())
        else {
            continue;
        };
        let root = db::units::get(db, a.unit_id).await?;
        let bytes = super::export::report_bytes(db, root.clone(), &p, Lang::Vi).await?;
        let mut tx = db.begin().await?;
        if !db::insight::claim_period(&mut tx, account, &p.key()).await? {
            continue;
        }
        db::notify::enqueue(
            &mut tx,
            &db::notify::Message {
                event: "report.periodic",
                entity: "account",
                entity_id: account,
                channel: "email",
                recipient: &a.email,
                lang: "vi",
                params: serde_json::json!({
                    "name": a.full_name, "unit": root.name, "period": p.label(false),
                    "url": format!("{base_url}/dashboard/report?unit={}&period={}", root.id, p.key()),
                    "attachment": {
                        "name": format!("bao-cao-{}.xlsx", p.key()),
                        "type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        "base64": base64::engine::general_purpose::STANDARD.encode(&bytes),
                    },
                }),
                dedupe_key: Some(format!("report:{account}:{}", p.key())),
            },
        )
        .await?;
        tx.commit().await?;
        queued += 1;
    }
    Ok(queued)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::calendar::DayKind;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn reports_fall_due_on_the_first_working_day() {
        // 1 January 2027 (Friday) is a holiday: the first working day is Monday 4 January.
        let cal = Calendar::new([(d(2027, 1, 1), DayKind::Holiday)]);
        assert_eq!(first_working_day(&cal, d(2027, 1, 20)), d(2027, 1, 4));
        assert_eq!(due_period(&cal, d(2027, 1, 1), "month"), None);
        assert_eq!(due_period(&cal, d(2027, 1, 3), "month"), None);
        assert_eq!(
            due_period(&cal, d(2027, 1, 4), "month"),
            Period::month(2026, 12)
        );
        assert_eq!(
            due_period(&cal, d(2027, 1, 4), "quarter"),
            Period::quarter(2026, 4)
        );
        // Later in the month the same period stays due (a server down that day sends it later).
        assert_eq!(
            due_period(&cal, d(2027, 1, 25), "month"),
            Period::month(2026, 12)
        );
        // 1 August 2026 is a Saturday: Monday 3 August; the quarter due is still Q2.
        let cal = Calendar::default();
        assert_eq!(due_period(&cal, d(2026, 8, 1), "month"), None);
        assert_eq!(
            due_period(&cal, d(2026, 8, 3), "month"),
            Period::month(2026, 7)
        );
        assert_eq!(
            due_period(&cal, d(2026, 8, 3), "quarter"),
            Period::quarter(2026, 2)
        );
    }
}
