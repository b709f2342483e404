-- The calendar's legal bases and the 2026/2027 corrections (issue 20), SQLite dialect. Keep in step with
-- migrations/postgres/0015_calendar.sql.

-- Each listed day says on what legal text it rests, and whether it is provisional (the
-- Government's notice for that year is not out yet; the day follows the Labour Code and the
-- lunar calendar as we computed it). See README "Working days and deadlines".
ALTER TABLE calendar_days ADD COLUMN basis TEXT NOT NULL DEFAULT '';
ALTER TABLE calendar_days ADD COLUMN provisional BOOLEAN NOT NULL DEFAULT FALSE;

-- The bases (Bộ luật Lao động 2019 = BLLĐ; Điều 112 khoản 1 lists the holidays, khoản 3 lets the
-- Prime Minister fix the Tết and National Day days; Điều 111 khoản 3: a holiday on a weekly
-- rest day is taken on the next working day; swaps of working days for civil servants are
-- announced by the Ministry of Home Affairs).
UPDATE calendar_days SET basis = 'BLLĐ 2019, Điều 112 khoản 1 điểm a (Tết Dương lịch 01/01)' WHERE name = 'Tết Dương lịch';
UPDATE calendar_days SET basis = 'BLLĐ 2019, Điều 112 khoản 1 điểm b và khoản 3 (Tết Âm lịch 05 ngày, Thủ tướng quyết định ngày nghỉ cụ thể)' WHERE name LIKE 'Tết Nguyên đán%';
UPDATE calendar_days SET basis = 'BLLĐ 2019, Điều 112 khoản 1 điểm e (Giỗ Tổ Hùng Vương 10/3 âm lịch)' WHERE name LIKE 'Giỗ Tổ Hùng Vương%';
UPDATE calendar_days SET basis = 'BLLĐ 2019, Điều 112 khoản 1 điểm e và Điều 111 khoản 3 (10/3 âm lịch là Chủ nhật 26/4/2026, nghỉ bù thứ Hai)' WHERE day = '2026-04-27';
UPDATE calendar_days SET basis = 'BLLĐ 2019, Điều 112 khoản 1 điểm c (30/4)' WHERE name = 'Ngày Giải phóng miền Nam';
UPDATE calendar_days SET basis = 'BLLĐ 2019, Điều 112 khoản 1 điểm d (01/5)' WHERE name = 'Quốc tế Lao động';
UPDATE calendar_days SET basis = 'BLLĐ 2019, Điều 112 khoản 1 điểm d và Điều 111 khoản 3 (01/5/2027 là thứ Bảy, nghỉ bù thứ Hai)' WHERE day = '2027-05-03';
UPDATE calendar_days SET basis = 'BLLĐ 2019, Điều 112 khoản 1 điểm đ và khoản 3 (02/9 và 01 ngày liền kề trước hoặc sau)' WHERE name = 'Quốc khánh';
UPDATE calendar_days SET basis = 'Thông báo của Bộ Nội vụ về hoán đổi ngày làm việc (theo quyết định của Thủ tướng), BLLĐ 2019, Điều 112 khoản 3'
 WHERE day IN ('2025-04-26', '2025-05-02', '2026-01-02', '2026-01-10');

-- 2026: National Day is Wednesday 2/9; 1/9 is the adjacent day; Monday 31/8 is swapped with
-- Saturday 22/8 (worked). Vietnam Culture Day 24/11 is a day off from 2026 on.
INSERT INTO calendar_days (day, kind, name, basis, provisional, updated_at) VALUES
('2026-08-22', 'workday', 'Làm bù cho ngày 31/8', 'Thông báo của Bộ Nội vụ về hoán đổi ngày làm việc dịp Quốc khánh 2026 (theo quyết định của Thủ tướng), BLLĐ 2019, Điều 112 khoản 3', FALSE, '2026-12-01T00:00:00+00:00'),
('2026-08-31', 'holiday', 'Nghỉ hoán đổi (làm bù thứ Bảy 22/8)', 'Thông báo của Bộ Nội vụ về hoán đổi ngày làm việc dịp Quốc khánh 2026 (theo quyết định của Thủ tướng), BLLĐ 2019, Điều 112 khoản 3', FALSE, '2026-12-01T00:00:00+00:00'),
('2026-11-24', 'holiday', 'Ngày Văn hóa Việt Nam', 'Ngày Văn hóa Việt Nam 24/11, ngày nghỉ hưởng nguyên lương từ năm 2026', FALSE, '2026-12-01T00:00:00+00:00'),
('2027-11-24', 'holiday', 'Ngày Văn hóa Việt Nam (dự kiến)', 'Ngày Văn hóa Việt Nam 24/11, ngày nghỉ hưởng nguyên lương từ năm 2026', TRUE, '2026-12-01T00:00:00+00:00')
ON CONFLICT (day) DO NOTHING;

-- 2027 is not announced yet. Lunar New Year (mùng 1 Tết Đinh Mùi) is Saturday 6/2/2027 (the new
-- moon of 6/2/2027 in UTC+7; tháng Chạp Bính Ngọ has 29 days, so 5/2 is its last day). We
-- assume the usual pattern: 28 and 29 tháng Chạp (Thu 4, Fri 5) and mùng 1–3 (Sat 6, Sun 7,
-- Mon 8), the two weekend days taken on Tue 9 and Wed 10. Giỗ Tổ 10/3 âm lịch is Friday
-- 16/4/2027 (tháng Ba begins 7/4/2027). National Day 2/9/2027 is a Thursday; we assume Friday
-- 3/9 as the adjacent day. All of these wait for the Prime Minister's decision.
UPDATE calendar_days SET provisional = TRUE
 WHERE day IN ('2027-02-04', '2027-02-05', '2027-02-08', '2027-02-09', '2027-02-10', '2027-09-03');

-- A yearly import waiting for the administrator's confirmation: the file as uploaded (already
-- checked), shown as a preview of what changes until it is applied or replaced.
CREATE TABLE calendar_imports (
    id          INTEGER PRIMARY KEY,
    year        INTEGER NOT NULL,
    file_name   TEXT NOT NULL,
    content     TEXT NOT NULL,
    created_by  INTEGER REFERENCES accounts(id),
    created_at  TIMESTAMP NOT NULL,
    applied_at  TIMESTAMP
);
