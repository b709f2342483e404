//! Demo feedback cases: a handful in every state of the workflow (new, assigned, classified,
//! forwarded on time and late, not accepted, waiting for approval, answered and rated, overdue
//! with an apology), made through the same functions the pages use.

use super::feedback::{self as fb, ForwardTo, NewCase};
use super::{calendar, Db, DbError, DbResult};
use crate::domain::feedback::{CaseInput, Channel, Class, Settings};
use crate::{db_run, tx_run};
use chrono::{Duration, NaiveDate, Utc};
use std::collections::HashMap;

/// How far a demo case has gone.
enum Flow {
    New,
    Assigned,
    Processing(Class),
    Answered {
        class: Class,
        answer: &'static str,
        rating: Option<bool>,
        close: bool,
    },
    AwaitingApproval(&'static str),
    NotAccepted(&'static str),
    ForwardUnit(&'static str),
    ForwardExternal(&'static str),
}

struct Demo {
    unit: &'static str,
    procedure: &'static str,
    channel: Channel,
    working_days_ago: u32,
    name: &'static str,
    phone: &'static str,
    email: &'static str,
    address: &'static str,
    content: &'static str,
    flow: Flow,
}

const CASES: [Demo; 12] = [
    Demo { unit: "XAPL", procedure: "1.012754", channel: Channel::Web, working_days_ago: 18, name: "Nguyễn Văn Bình", phone: "0912345601", email: "", address: "Thôn Đông, xã An Phú Lâm",
        content: "Thủ tục đăng ký đất đai lần đầu yêu cầu nộp bản sao sổ hộ khẩu, trong khi thông tin cư trú đã có trên Cơ sở dữ liệu quốc gia về dân cư. Đề nghị bỏ yêu cầu này để người dân đỡ phải đi lại. Liên hệ tôi: 0912345601.",
        flow: Flow::Answered { class: Class::Applying, answer: "Cảm ơn ông đã phản ánh. Theo quy định hiện hành, cơ quan tiếp nhận phải khai thác thông tin cư trú trên Cơ sở dữ liệu quốc gia về dân cư và không được yêu cầu nộp bản sao sổ hộ khẩu. Bộ phận một cửa xã đã được nhắc nhở và danh mục giấy tờ niêm yết đã được sửa từ ngày 10 tháng này.", rating: Some(true), close: true } },
    Demo { unit: "XAPL", procedure: "2.000815", channel: Channel::Kiosk, working_days_ago: 9, name: "Trần Thị Hoa", phone: "0987654302", email: "", address: "Xóm Trại, xã An Phú Lâm",
        content: "Đề nghị niêm yết rõ phí chứng thực bản sao tại bộ phận một cửa xã; tôi bị thu 5.000 đồng một trang nhưng không thấy bảng phí.",
        flow: Flow::Answered { class: Class::Competent, answer: "Mức phí chứng thực bản sao từ bản chính là 2.000 đồng/trang từ trang thứ nhất đến trang thứ hai, từ trang thứ ba trở lên là 1.000 đồng/trang. UBND xã đã niêm yết bảng phí tại quầy và hoàn trả khoản thu sai cho bà.", rating: None, close: false } },
    Demo { unit: "XAPL", procedure: "1.001193", channel: Channel::Web, working_days_ago: 1, name: "Lê Văn Cường", phone: "0901234503", email: "cuong.le@example.vn", address: "Ấp 3, xã An Phú Lâm",
        content: "Tôi muốn đăng ký khai sinh cho con trên cổng dịch vụ công nhưng hệ thống báo lỗi ở bước ký số. Đề nghị hướng dẫn hoặc cho nộp trực tiếp mà không phải chờ.",
        flow: Flow::New },
    Demo { unit: "XAPL", procedure: "1.009994", channel: Channel::Phone, working_days_ago: 3, name: "Phạm Thị Dung", phone: "0933456704", email: "", address: "Thôn Tây, xã An Phú Lâm",
        content: "Hồ sơ cấp phép xây dựng nhà ở của gia đình tôi bị trả lại hai lần vì thiếu giấy tờ không có trong danh mục đã công khai.",
        flow: Flow::Assigned },
    Demo { unit: "XAPL", procedure: "1.012790", channel: Channel::Paper, working_days_ago: 24, name: "Hoàng Văn Em", phone: "0977123405", email: "", address: "Thôn Bắc, xã An Phú Lâm",
        content: "Đơn xin chuyển mục đích sử dụng đất của tôi nộp đã lâu nhưng chưa có kết quả, không ai báo lý do chậm.",
        flow: Flow::Processing(Class::Competent) },
    Demo { unit: "STP", procedure: "1.000894", channel: Channel::Web, working_days_ago: 4, name: "Đỗ Thị Giang", phone: "", email: "giang.do@example.vn", address: "Phường Hòa Thuận, Lam Giang",
        content: "Kiến nghị cho phép đăng ký kết hôn trực tuyến toàn trình, không bắt buộc hai bên có mặt để nộp hồ sơ, chỉ có mặt khi nhận giấy chứng nhận.",
        flow: Flow::Processing(Class::Applying) },
    Demo { unit: "STP", procedure: "", channel: Channel::Email, working_days_ago: 8, name: "Vũ Văn Hải", phone: "0944556607", email: "", address: "Phường Bắc Mỹ, Lam Giang",
        content: "Thời gian chờ cấp lại căn cước tại điểm tiếp nhận quá lâu, phải xếp hàng từ sáng sớm.",
        flow: Flow::ForwardUnit("CAT") },
    Demo { unit: "STP", procedure: "", channel: Channel::Web, working_days_ago: 6, name: "Ngô Thị Lan", phone: "0966778808", email: "", address: "Xã Vĩnh Thạnh",
        content: "Đề nghị sửa quy định về hồ sơ xin cấp hộ chiếu phổ thông để người cao tuổi được làm tại xã.",
        flow: Flow::ForwardExternal("Cục Quản lý xuất nhập cảnh, Bộ Công an") },
    Demo { unit: "STP", procedure: "", channel: Channel::Web, working_days_ago: 2, name: "Bùi Văn Khoa", phone: "0922334409", email: "", address: "Phường Hòa Thuận, Lam Giang",
        content: "Tôi tố cáo cán bộ địa chính xã nhận tiền của người dân.",
        flow: Flow::NotAccepted("Nội dung ông gửi là tố cáo hành vi của cán bộ, không phải phản ánh, kiến nghị về quy định hành chính. Đề nghị ông gửi đơn tố cáo theo Luật Tố cáo đến Thanh tra tỉnh.") },
    Demo { unit: "SXD", procedure: "1.009974", channel: Channel::Web, working_days_ago: 12, name: "Công ty TNHH Xây dựng Minh Phát", phone: "0283456710", email: "phaply@minhphat.example.vn", address: "Khu công nghiệp Lam Giang",
        content: "Doanh nghiệp kiến nghị rút ngắn thời hạn thẩm định hồ sơ cấp giấy phép xây dựng công trình cấp III từ 20 xuống 15 ngày làm việc như các tỉnh lân cận.",
        flow: Flow::AwaitingApproval("Sở Xây dựng ghi nhận kiến nghị. Từ quý tới, Sở áp dụng quy trình nội bộ rút ngắn thời gian thẩm định còn 15 ngày làm việc đối với công trình cấp III có hồ sơ đầy đủ.") },
    Demo { unit: "XAPL", procedure: "1.000656", channel: Channel::Kiosk, working_days_ago: 15, name: "Trịnh Văn Minh", phone: "0911222311", email: "", address: "Thôn Nam, xã An Phú Lâm",
        content: "Khi đăng ký khai tử cho cha tôi, cán bộ yêu cầu giấy xác nhận của trưởng thôn dù đã có giấy báo tử của bệnh viện.",
        flow: Flow::Answered { class: Class::Applying, answer: "Giấy báo tử của cơ sở y tế là giấy tờ hợp lệ để đăng ký khai tử; không yêu cầu thêm xác nhận của trưởng thôn. UBND xã xin lỗi ông và đã chấn chỉnh cán bộ tiếp nhận.", rating: Some(false), close: false } },
    Demo { unit: "XAPL", procedure: "1.004873", channel: Channel::Web, working_days_ago: 7, name: "Đặng Thị Nga", phone: "0905111212", email: "", address: "Thôn Đông, xã An Phú Lâm",
        content: "Thủ tục cấp giấy xác nhận tình trạng hôn nhân yêu cầu nộp lại bản sao giấy tờ đã nộp lần trước.",
        flow: Flow::Processing(Class::Competent) },
];

/// The code of the `i`-th demo case (fixed, so that a visitor can follow one).
pub fn demo_code(i: usize) -> String {
    crate::domain::feedback::make_code(chrono::Datelike::year(&super::today()), 101 + i as u32)
}

/// A demo case a visitor can follow: its code and the phone number it was sent with.
pub fn sample() -> (String, &'static str) {
    (demo_code(1), CASES[1].phone)
}

async fn account_id(db: &Db, username: &str) -> DbResult<i64> {
    db_run!(db, c => sqlx::query_scalar::<_, i64>("SELECT id FROM accounts WHERE username = $1")
        .bind(username).fetch_optional(c).await)?
    .ok_or(DbError::NotFound)
}

/// The working day `n` working days before `today`.
fn working_days_before(
    cal: &crate::domain::calendar::Calendar,
    today: NaiveDate,
    n: u32,
) -> NaiveDate {
    let mut d = today;
    let mut left = n;
    while left > 0 {
        d -= Duration::days(1);
        if cal.is_working(d) {
            left -= 1;
        }
    }
    d
}

pub async fn generate(db: &Db, ids: &HashMap<&str, i64>) -> DbResult<()> {
    let cal = calendar::load(db).await?;
    let settings = calendar::feedback_settings(db).await?;
    let today = super::today();
    let admin = account_id(db, "quantri").await?;
    let official = |unit: &str| match unit {
        "XAPL" => "canbo",
        "STP" => "canbo.stp",
        _ => "quantri",
    };
    for (i, d) in CASES.iter().enumerate() {
        let Some(&unit_id) = ids.get(d.unit) else {
            continue;
        };
        let actor = account_id(db, official(d.unit)).await.unwrap_or(admin);
        let received_on = working_days_before(&cal, today, d.working_days_ago);
        let received_at =
            crate::db::local_noon(received_on) - Duration::minutes(90 + 37 * i as i64);
        let procedure_id = match d.procedure {
            "" => None,
            code => super::procedures::get_by_code(db, code)
                .await?
                .map(|p| p.id),
        };
        let staff_entry = matches!(d.channel, Channel::Phone | Channel::Paper | Channel::Email);
        let new = NewCase {
            unit_id,
            procedure_id,
            channel: d.channel,
            lang: "vi",
            input: CaseInput {
                name: d.name.into(),
                phone: d.phone.into(),
                email: d.email.into(),
                address: d.address.into(),
                content: d.content.into(),
            },
            received_at,
            received_on,
            entered_by: staff_entry.then_some(actor),
            files: Vec::new(),
            code: Some(demo_code(i)),
        };
        let mut tx = db.begin().await?;
        let (id, _) = fb::create(&mut tx, &cal, &settings, &new).await?;
        tx.commit().await?;
        let step_day = |k: u32| cal.add_working_days(received_on, k).min(today);
        let case = || fb::get(db, id);
        let mut tx = db.begin().await?;
        match &d.flow {
            Flow::New => {}
            Flow::Assigned => {
                fb::assign(
                    &mut tx,
                    admin,
                    &case().await?,
                    Some((actor, official_name(db, actor).await?)),
                )
                .await?;
            }
            Flow::Processing(class) => {
                fb::classify(
                    &mut tx,
                    actor,
                    &case().await?,
                    *class,
                    "",
                    None,
                    &cal,
                    &settings,
                    step_day(2),
                )
                .await?;
            }
            Flow::Answered {
                class,
                answer,
                rating,
                close,
            } => {
                fb::classify(
                    &mut tx,
                    actor,
                    &case().await?,
                    *class,
                    "",
                    None,
                    &cal,
                    &settings,
                    step_day(1),
                )
                .await?;
                tx.commit().await?;
                tx = db.begin().await?;
                fb::answer(
                    &mut tx,
                    actor,
                    &case().await?,
                    answer,
                    &Settings {
                        approval_required: false,
                        ..settings
                    },
                    step_day(6),
                )
                .await?;
                tx.commit().await?;
                tx = db.begin().await?;
                if let Some(yes) = rating {
                    fb::rate(&mut tx, &case().await?, *yes).await?;
                }
                if *close {
                    tx.commit().await?;
                    tx = db.begin().await?;
                    fb::close(&mut tx, actor, &case().await?).await?;
                }
            }
            Flow::AwaitingApproval(answer) => {
                fb::classify(
                    &mut tx,
                    actor,
                    &case().await?,
                    Class::Competent,
                    "",
                    None,
                    &cal,
                    &settings,
                    step_day(1),
                )
                .await?;
                tx.commit().await?;
                tx = db.begin().await?;
                let with_approval = Settings {
                    approval_required: true,
                    ..settings
                };
                fb::answer(
                    &mut tx,
                    actor,
                    &case().await?,
                    answer,
                    &with_approval,
                    step_day(5),
                )
                .await?;
            }
            Flow::NotAccepted(reason) => {
                fb::classify(
                    &mut tx,
                    actor,
                    &case().await?,
                    Class::NotAccepted,
                    reason,
                    None,
                    &cal,
                    &settings,
                    step_day(1),
                )
                .await?;
            }
            Flow::ForwardUnit(code) => {
                if let Some(&to) = ids.get(code) {
                    let name = super::units::get(db, to).await?.name;
                    // Forwarded on the 7th working day: after the 5-day limit, so flagged late.
                    fb::classify(
                        &mut tx,
                        actor,
                        &case().await?,
                        Class::Outside,
                        "",
                        Some(ForwardTo::Unit { id: to, name }),
                        &cal,
                        &settings,
                        step_day(7),
                    )
                    .await?;
                }
            }
            Flow::ForwardExternal(body) => {
                fb::classify(
                    &mut tx,
                    actor,
                    &case().await?,
                    Class::Outside,
                    "",
                    Some(ForwardTo::External(body.to_string())),
                    &cal,
                    &settings,
                    step_day(2),
                )
                .await?;
            }
        }
        tx.commit().await?;
        spread_events(db, id, received_at).await?;
    }
    // Cases past their deadline get their apology with a new date, as in production.
    fb::apologise_overdue(db, &cal, &settings, today).await?;
    Ok(())
}

async fn official_name(db: &Db, id: i64) -> DbResult<String> {
    Ok(super::accounts::get(db, id).await?.full_name)
}

/// Spreads a demo case's timeline between its receipt and now (the steps were all made now).
async fn spread_events(db: &Db, case_id: i64, from: chrono::DateTime<Utc>) -> DbResult<()> {
    let ids: Vec<i64> = db_run!(db, c => sqlx::query_scalar(
        "SELECT id FROM feedback_events WHERE case_id = $1 ORDER BY id").bind(case_id).fetch_all(c).await)?;
    let span = (Utc::now() - from).num_minutes().max(1);
    let n = ids.len().max(1) as i64;
    let mut tx = db.begin().await?;
    for (k, id) in ids.iter().enumerate() {
        let at = from + Duration::minutes(span * k as i64 / n);
        tx_run!(&mut tx, c => sqlx::query("UPDATE feedback_events SET at = $1 WHERE id = $2")
            .bind(at).bind(id).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    }
    // The answer's time is the time of its step.
    tx_run!(&mut tx, c => sqlx::query(
        "UPDATE feedback_cases SET answered_at = (SELECT MAX(at) FROM feedback_events WHERE case_id = $1 AND kind = 'answered')
          WHERE id = $1 AND answered_at IS NOT NULL")
        .bind(case_id).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    tx.commit().await?;
    Ok(())
}
