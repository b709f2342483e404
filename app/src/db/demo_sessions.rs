//! Demo dialogue sessions: a Saturday listening session, a no-wait Thursday with slots and a
//! business dialogue, in the coming weeks, with a few sign-ups.

use super::sessions::{self, NewSession};
use super::{Db, DbResult};
use crate::domain::session::SignupInput;
use chrono::{Datelike, Duration, NaiveDate, TimeZone, Utc, Weekday};
use std::collections::HashMap;

/// The next `weekday` after `today`, at `hour`:00 in Vietnam.
fn next(today: NaiveDate, weekday: Weekday, hour: u32) -> chrono::DateTime<Utc> {
    let mut d = today + Duration::days(1);
    while d.weekday() != weekday {
        d += Duration::days(1);
    }
    let local = d.and_hms_opt(hour, 0, 0).unwrap_or_default();
    chrono_tz::Asia::Ho_Chi_Minh
        .from_local_datetime(&local)
        .single()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(Utc::now)
}

pub async fn generate(db: &Db, ids: &HashMap<&str, i64>) -> DbResult<()> {
    let kinds = sessions::kinds(db).await?;
    let kind = |code: &str| {
        kinds
            .iter()
            .find(|k| k.code == code)
            .map(|k| k.id)
            .unwrap_or(1)
    };
    let admin: i64 = crate::db_run!(db, c => sqlx::query_scalar("SELECT id FROM accounts WHERE username = 'quantri'")
        .fetch_one(c).await)?;
    let today = super::today();
    let mut procs = Vec::new();
    for code in ["1.001193", "2.000815", "1.004873"] {
        if let Some(p) = super::procedures::get_by_code(db, code).await? {
            procs.push(p.id);
        }
    }
    let plans = [
        ("XAPL", "saturday", "Ngày thứ bảy lắng nghe dân nói — tháng này", next(today, Weekday::Sat, 8), 3, "Hội trường UBND xã An Phú Lạc", 30, None, vec![],
         "Lãnh đạo xã lắng nghe và trả lời ý kiến về đất đai, hộ tịch, chính sách xã hội. Gửi câu hỏi trước khi đăng ký."),
        ("TTHCC", "thursday", "Ngày thứ năm không chờ", next(today, Weekday::Thu, 8), 3, "Trung tâm Phục vụ hành chính công tỉnh, quầy số 1", 6, Some(30), procs.clone(),
         "Thủ tục đơn giản được giải quyết trong ngày, mỗi lượt 30 phút, theo khung giờ đã đặt."),
        ("SXD", "business", "Đối thoại doanh nghiệp quý IV về cấp phép xây dựng", next(today + Duration::days(7), Weekday::Tue, 14), 2, "Phòng họp Sở Xây dựng", 40, None, vec![],
         "Lãnh đạo Sở Xây dựng đối thoại với doanh nghiệp về thủ tục cấp phép xây dựng và thời gian thẩm định."),
    ];
    for (
        unit,
        k,
        title,
        starts_at,
        hours,
        place,
        capacity,
        slot_minutes,
        procedures,
        description,
    ) in plans
    {
        let Some(&unit_id) = ids.get(unit) else {
            continue;
        };
        let new = NewSession {
            unit_id,
            kind_id: kind(k),
            title: title.into(),
            starts_at,
            ends_at: starts_at + Duration::hours(hours),
            place: place.into(),
            capacity,
            description: description.into(),
            slot_minutes,
            procedures,
        };
        let mut tx = db.begin().await?;
        let id = sessions::create(&mut tx, admin, &new).await?;
        sessions::publish(&mut tx, admin, id).await?;
        tx.commit().await?;
        let s = sessions::get(db, id).await?;
        let people = [
            (
                "Nguyễn Thị Mai",
                "0912100001",
                "Xin hỏi về thời hạn cấp giấy chứng nhận quyền sử dụng đất lần đầu.",
            ),
            (
                "Trần Văn Phúc",
                "0912100002",
                "Đề nghị bố trí thêm chỗ ngồi chờ tại bộ phận một cửa.",
            ),
        ];
        for (i, (name, phone, topic)) in people.iter().enumerate() {
            let input = SignupInput {
                name: name.to_string(),
                phone: phone.to_string(),
                id_number: String::new(),
                topic: topic.to_string(),
            };
            let (slot, pid) = if s.slots {
                (s.slot_starts().get(i).copied(), s_first_proc(db, id).await?)
            } else {
                (None, None)
            };
            sessions::sign_up(db, &s, &input, pid, slot, "vi").await?;
        }
    }
    Ok(())
}

async fn s_first_proc(db: &Db, id: i64) -> DbResult<Option<i64>> {
    Ok(sessions::procedures_of(db, id).await?.first().map(|p| p.0))
}
