//! Demo dialogue sessions: a Saturday listening session, a no-wait Thursday with slots and a
//! business dialogue, in the coming weeks, with a few sign-ups; and last Saturday's session,
//! held, with attendance, published minutes (one question turned into a feedback case) and the
//! participants' ratings.

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
            demo_sign_up(db, &s, &input, pid, slot).await?;
        }
    }
    if let Some(&unit_id) = ids.get("XAPL") {
        held(db, admin, unit_id, kind("saturday"), today).await?;
    }
    Ok(())
}

/// Last Saturday's listening session at the commune: five signed up, four came, three
/// questions in the published minutes (the third became a feedback case), three ratings.
async fn held(db: &Db, admin: i64, unit_id: i64, kind_id: i64, today: NaiveDate) -> DbResult<()> {
    use crate::domain::rating::Channel;
    use crate::domain::session::QuestionFields;
    let starts_at = next(today - Duration::days(8), Weekday::Sat, 8);
    let new = NewSession {
        unit_id,
        kind_id,
        title: "Ngày thứ bảy lắng nghe dân nói — kỳ trước".into(),
        starts_at,
        ends_at: starts_at + Duration::hours(3),
        place: "Hội trường UBND xã An Phú Lạc".into(),
        capacity: 30,
        description: "Lãnh đạo xã trả lời ý kiến về đường giao thông, đất đai và hộ tịch.".into(),
        slot_minutes: None,
        procedures: vec![],
    };
    let mut tx = db.begin().await?;
    let id = sessions::create(&mut tx, admin, &new).await?;
    sessions::publish(&mut tx, admin, id).await?;
    tx.commit().await?;
    let s = sessions::get(db, id).await?;
    let people = [
        (
            "Lê Văn Tám",
            "0912200001",
            "Đường liên thôn Phú Lạc hư hỏng nặng, khi nào sửa?",
        ),
        (
            "Phạm Thị Hằng",
            "0912200002",
            "Thủ tục đăng ký khai sinh cho con có cần sổ hộ khẩu không?",
        ),
        (
            "Đỗ Minh Quân",
            "0912200003",
            "Đèn đường khu dân cư số 3 không sáng đã hai tháng.",
        ),
        ("Hoàng Thị Lan", "0912200004", ""),
        ("Vũ Đức Thành", "0912200005", ""),
    ];
    let mut codes = Vec::new();
    for (name, phone, topic) in people {
        let input = SignupInput {
            name: name.into(),
            phone: phone.into(),
            id_number: String::new(),
            topic: topic.into(),
        };
        codes.push(demo_sign_up(db, &s, &input, None, None).await?);
    }
    // Four came (the last did not); their arrival is the session's first minutes.
    for (i, code) in codes.iter().take(4).enumerate() {
        let su = sessions::check_in(db, admin, id, code).await?;
        let at = starts_at + Duration::minutes(5 * i as i64 - 10);
        crate::db_run!(db, c => sqlx::query("UPDATE session_signups SET checked_in_at = $1 WHERE id = $2")
            .bind(at).bind(su.id).execute(c).await.map(|r| r.rows_affected()))?;
    }
    let asked = [
        (0, "Đường liên thôn Phú Lạc hư hỏng nặng, mùa mưa xe máy không đi được. Khi nào xã sửa?",
         "Xã đã đưa tuyến đường vào kế hoạch đầu tư công năm tới, khởi công trong quý I.",
         "Phó Chủ tịch UBND xã", "Văn phòng xã thông báo tiến độ trên bảng tin thôn mỗi tháng.", ""),
        (1, "Đăng ký khai sinh cho con có cần sổ hộ khẩu không?",
         "Không. Từ 2023 không dùng sổ hộ khẩu; công chức tư pháp tra cứu Cơ sở dữ liệu quốc gia về dân cư.",
         "Công chức Tư pháp – Hộ tịch", "", ""),
        (2, "Đèn đường khu dân cư số 3 không sáng đã hai tháng, đã báo thôn nhưng chưa ai sửa.",
         "Xã ghi nhận, sẽ kiểm tra và trả lời bằng văn bản.",
         "Chủ tịch UBND xã", "Chuyển thành phản ánh để theo dõi thời hạn trả lời.", "Khu dân cư số 3, xã An Phú Lạc"),
    ];
    let mut last = 0;
    for (who, question, answer, by, follow, address) in asked {
        let signup = sessions::signup_by_code(db, &codes[who]).await?;
        let q = QuestionFields {
            asker: people[who].0.into(),
            asker_phone: String::new(),
            asker_address: address.into(),
            question: question.into(),
            answer: answer.into(),
            answered_by: by.into(),
            follow_up: follow.into(),
        };
        last = sessions::save_question(db, admin, id, None, signup.map(|s| s.id), &q).await?;
    }
    let cal = super::calendar::load(db).await?;
    let settings = super::calendar::feedback_settings(db).await?;
    sessions::question_to_case(db, &cal, &settings, admin, last).await?;
    sessions::publish_minutes(db, admin, id, None).await?;
    // Three of the four rated it from the link sent after the session.
    let instrument: i64 = crate::db_run!(db, c => sqlx::query_scalar(
        "SELECT id FROM instruments WHERE code = $1 AND status = 'published'")
        .bind(super::sipas::CODE).fetch_one(c).await)?;
    let mut list = Vec::new();
    for (i, score) in [5, 4, 2].into_iter().enumerate() {
        let Some(su) = sessions::signup_by_code(db, &codes[i]).await? else {
            continue;
        };
        let mut r = super::ratings::NewRating::new(unit_id, instrument, Channel::Session, score);
        r.session_signup_id = Some(su.id);
        if score <= 2 {
            r.comment = "Câu hỏi về đèn đường chưa được trả lời cụ thể.".into();
        }
        list.push((r, s.ends_at + Duration::hours(2 + i as i64)));
    }
    super::ratings::save_many(db, &Default::default(), list).await?;
    Ok(())
}

async fn s_first_proc(db: &Db, id: i64) -> DbResult<Option<i64>> {
    Ok(sessions::procedures_of(db, id).await?.first().map(|p| p.0))
}

/// A demo sign-up (every demo phone signs up once per session: only a database error stops it).
async fn demo_sign_up(
    db: &Db,
    s: &sessions::Session,
    input: &SignupInput,
    procedure_id: Option<i64>,
    slot: Option<chrono::DateTime<chrono::Utc>>,
) -> DbResult<String> {
    match sessions::sign_up(db, s, input, procedure_id, slot, "vi").await {
        Ok((code, _)) => Ok(code),
        Err(sessions::SignupError::Db(e)) => Err(e),
        Err(_) => Err(super::DbError::Inconsistent("a demo sign-up was refused")),
    }
}
