//! Kiosk answers that cannot be inflated. A kiosk is a device at a one-stop counter where a
//! person answers once, after being served: a few answers a minute at the very most, a day's
//! share satisfied close to the kiosk's usual one, and one device. These pure rules say when
//! answers stop looking like that; the writer (`db::ratings`) applies them to every kiosk answer
//! and keeps what they flag (kept, left out of the counts, reviewed by an administrator).
//!
//! Every rule counts in the **server's** time. A kiosk that was offline sends its queued answers
//! with their age on the device (`age`, milliseconds between the touch and the sending, both read
//! from the kiosk's own clock, so a wrong clock does not matter); [`judged_time`] places such an
//! answer back inside the silence the server saw, never before the kiosk's previous answer and
//! never more than [`MAX_QUEUE_AGE_SECS`] back. So a queue flushed at once is judged by when its
//! answers were given, while no claimed time can let more answers through than the ceilings
//! allow over the real time that passed. The time an answer is stored and counted under is
//! always the server's.

use chrono::{DateTime, Duration, Utc};

/// The longest a queued answer is believed to have waited on the kiosk.
pub const MAX_QUEUE_AGE_SECS: i64 = 3600;

/// The rules for one kiosk's answers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KioskLimits {
    /// At most this many answers in any 60 seconds; the ones past it are flagged `ceiling`.
    pub per_minute: usize,
    /// At most this many answers in any hour; the ones past it are flagged `ceiling`.
    pub per_hour: usize,
    /// A run of this many answers whose gaps are all alike (a metronome, not a queue of
    /// people) is flagged `rhythm`, whole.
    pub rhythm_run: usize,
    /// "Alike": the gaps' coefficient of variation (standard deviation ÷ mean) below this.
    pub rhythm_cv: f64,
    /// Only runs whose gaps are all at most this long (seconds) are judged for rhythm.
    pub rhythm_max_gap_secs: i64,
    /// The day test (share satisfied far above the kiosk's own history with a volume spike).
    pub day: DayTest,
    /// A device key older than this is replaced by a new one (seconds).
    pub key_rotate_secs: i64,
    /// The previous key still works this long after the new one was first used (seconds):
    /// requests already on their way when the kiosk got its new key.
    pub key_grace_secs: i64,
}

impl Default for KioskLimits {
    fn default() -> Self {
        KioskLimits {
            per_minute: 6,
            per_hour: 30,
            rhythm_run: 10,
            rhythm_cv: 0.1,
            rhythm_max_gap_secs: 600,
            day: DayTest::default(),
            key_rotate_secs: 300,
            key_grace_secs: 30,
        }
    }
}

/// How many earlier answers a judgement needs to see (the newest ones, oldest first).
pub fn window_len(l: &KioskLimits, burst_count: usize) -> usize {
    l.per_hour
        .max(l.per_minute)
        .max(l.rhythm_run)
        .max(burst_count)
        .max(1)
}

/// The time an answer is judged at: the server's time, or for an answer that waited on the
/// kiosk (`age_ms` > 0), that much earlier, but at most [`MAX_QUEUE_AGE_SECS`] earlier and
/// never before the kiosk's previous answer (`previous`, as judged). Never after `received`.
pub fn judged_time(
    received: DateTime<Utc>,
    age_ms: Option<i64>,
    previous: Option<DateTime<Utc>>,
) -> DateTime<Utc> {
    let age = age_ms.unwrap_or(0).clamp(0, MAX_QUEUE_AGE_SECS * 1000);
    if age == 0 {
        return received;
    }
    let claimed = received - Duration::milliseconds(age);
    match previous {
        Some(p) if p > claimed => p.min(received),
        _ => claimed,
    }
}

/// Whether a new answer at `at` is past a ceiling of `limit` answers in any `span`: at least
/// `limit` earlier answers (`earlier`, any order) lie less than `span` from it (before it, or
/// after it when data given with its times arrives out of order).
pub fn past_ceiling(
    at: DateTime<Utc>,
    earlier: &[DateTime<Utc>],
    limit: usize,
    span: Duration,
) -> bool {
    earlier.iter().filter(|t| (at - **t).abs() < span).count() >= limit
}

/// Whether the last `run` answer times (oldest first, the new one last) beat like a metronome:
/// every gap at most `max_gap`, and the gaps' coefficient of variation below `cv` (all gaps
/// zero counts as regular). People reaching a kiosk after being served arrive irregularly.
pub fn metronome(times: &[DateTime<Utc>], run: usize, cv: f64, max_gap: Duration) -> bool {
    if run < 3 || times.len() < run {
        return false;
    }
    let last = &times[times.len() - run..];
    let gaps: Vec<f64> = last
        .windows(2)
        .map(|w| (w[1] - w[0]).num_microseconds().unwrap_or(i64::MAX) as f64 / 1e6)
        .collect();
    if gaps
        .iter()
        .any(|g| *g > max_gap.num_seconds() as f64 || *g < 0.0)
    {
        return false;
    }
    let n = gaps.len() as f64;
    let mean = gaps.iter().sum::<f64>() / n;
    if mean == 0.0 {
        return true;
    }
    let var = gaps.iter().map(|g| (g - mean).powi(2)).sum::<f64>() / n;
    var.sqrt() / mean < cv
}

/// The day test: a day whose share satisfied at a kiosk jumps far above the kiosk's own level
/// over the previous days, together with a volume spike, is held for review.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DayTest {
    /// The days of history compared with (before the day itself).
    pub history_days: i64,
    /// Enough history: at least this many days with answers …
    pub min_history_days: i64,
    /// … and this many answers in them.
    pub min_history_answers: i64,
    /// A day with fewer answers is not tested.
    pub min_answers: i64,
    /// The volume spike: the day's answers (all received) at least this many times the
    /// kiosk's mean per day (its answers kept, over its days with answers kept).
    pub volume_ratio: f64,
    /// The jump: the day's share at least this far above the usual share (0.10 = 10 points) …
    pub min_jump: f64,
    /// … and that many satisfied answers or more less likely than this under the usual share
    /// (exact one-sided binomial test).
    pub alpha: f64,
}

impl Default for DayTest {
    fn default() -> Self {
        DayTest {
            history_days: 30,
            min_history_days: 5,
            min_history_answers: 30,
            min_answers: 20,
            volume_ratio: 2.0,
            min_jump: 0.10,
            alpha: 0.001,
        }
    }
}

/// A day's answers at a kiosk and the kiosk's history before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayCounts {
    pub answers: i64,
    pub satisfied: i64,
    pub history_answers: i64,
    pub history_satisfied: i64,
    /// Days with answers in the history.
    pub history_days: i64,
}

/// What the day test found.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DayAnomaly {
    /// The usual share (history).
    pub usual: f64,
    /// The day's share.
    pub share: f64,
    /// The day's answers ÷ the mean per day.
    pub volume_ratio: f64,
    /// P(X ≥ satisfied) for X ~ Binomial(answers, usual).
    pub p_value: f64,
}

/// P(X ≥ k) for X ~ Binomial(n, p).
pub fn binomial_at_least(k: i64, n: i64, p: f64) -> f64 {
    use statrs::distribution::{Binomial, DiscreteCDF};
    if k <= 0 {
        return 1.0;
    }
    if k > n {
        return 0.0;
    }
    match Binomial::new(p.clamp(0.0, 1.0), n as u64) {
        // sf(x) = P(X > x)
        Ok(b) => b.sf((k - 1) as u64),
        Err(_) => 1.0,
    }
}

/// Applies the day test; `None` when the day looks like the kiosk's other days (or there is
/// not enough history to tell).
pub fn day_anomaly(c: DayCounts, t: &DayTest) -> Option<DayAnomaly> {
    if c.history_days < t.min_history_days
        || c.history_answers < t.min_history_answers
        || c.answers < t.min_answers
    {
        return None;
    }
    let mean = c.history_answers as f64 / c.history_days as f64;
    let volume_ratio = c.answers as f64 / mean;
    let usual = c.history_satisfied as f64 / c.history_answers as f64;
    let share = c.satisfied as f64 / c.answers as f64;
    if volume_ratio < t.volume_ratio || share - usual < t.min_jump {
        return None;
    }
    let p_value = binomial_at_least(c.satisfied, c.answers, usual);
    (p_value < t.alpha).then_some(DayAnomaly {
        usual,
        share,
        volume_ratio,
        p_value,
    })
}

/// Which key a kiosk request presented.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presented {
    /// The kiosk's current key.
    Current,
    /// The key before it.
    Previous,
    /// Another key, an old one, or none.
    Other,
}

/// A kiosk's device key state (the keys themselves are derived from the server secret, the
/// binding and the epoch, so only this is stored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyState {
    /// Bound to a device (at registration, or at the first answer of a kiosk registered before
    /// device keys).
    pub bound: bool,
    pub epoch: i64,
    /// When the current key was issued.
    pub issued_at: Option<DateTime<Utc>>,
    /// When the current key was first used (None: not yet).
    pub seen_at: Option<DateTime<Utc>>,
    /// The address the kiosk was last seen from.
    pub last_addr: Option<String>,
}

/// What the key check says about one kiosk request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct KeyCheck {
    /// The request comes from a second device (a copied credential): its answer is kept and
    /// flagged, and the administrator alerted.
    pub second_device: bool,
    /// The kiosk is seen from an address other than the last one (alert).
    pub new_address: bool,
    /// Send the current key (of the state's epoch after the check) in the response.
    pub send_key: bool,
    /// The state must be bound now (a kiosk registered before device keys): new binding.
    pub bind: bool,
}

/// Checks a kiosk request at `at` from `addr` presenting `key`, and moves the state on: the
/// first use of a key is recorded; a key older than the rotation time, or used from a new
/// address, is replaced by a new one sent with the response. The previous key still works for
/// requests in flight (within the grace after the new key's first use), and, from the same
/// address, until the new key is first used (its response may have been lost). Any other key
/// — the old key of a device that was copied and has been left behind, or no key — is a
/// second device.
pub fn check_key(
    s: &mut KeyState,
    key: Presented,
    addr: &str,
    at: DateTime<Utc>,
    l: &KioskLimits,
) -> KeyCheck {
    let mut out = KeyCheck {
        new_address: s.last_addr.as_deref().is_some_and(|a| a != addr),
        ..KeyCheck::default()
    };
    let same_addr = !out.new_address;
    s.last_addr = Some(addr.to_string());
    if !s.bound {
        s.bound = true;
        s.epoch = 1;
        s.issued_at = Some(at);
        s.seen_at = None;
        out.bind = true;
        out.send_key = true;
        return out;
    }
    match key {
        Presented::Current => {
            s.seen_at.get_or_insert(at);
            let old = s
                .issued_at
                .is_none_or(|t| at - t >= Duration::seconds(l.key_rotate_secs));
            if old || out.new_address {
                s.epoch += 1;
                s.issued_at = Some(at);
                s.seen_at = None;
                out.send_key = true;
            }
        }
        Presented::Previous => match s.seen_at {
            None if same_addr => out.send_key = true,
            Some(seen) if at - seen <= Duration::seconds(l.key_grace_secs) => {}
            _ => out.second_device = true,
        },
        Presented::Other => out.second_device = true,
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(secs: f64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, 2, 0, 0).unwrap()
            + Duration::microseconds((secs * 1e6).round() as i64)
    }

    #[test]
    fn the_minute_ceiling_counts_sixty_seconds_exactly() {
        // Six answers at 0, 10, …, 50 s: a seventh 59.999 s after the first is the seventh in
        // a minute (flagged); at 60.000 s the first is a minute old and no longer in it.
        let earlier: Vec<_> = (0..6).map(|i| t(i as f64 * 10.0)).collect();
        let minute = Duration::seconds(60);
        assert!(past_ceiling(t(59.999), &earlier, 6, minute));
        assert!(!past_ceiling(t(60.0), &earlier, 6, minute));
        assert!(
            !past_ceiling(t(59.999), &earlier[1..], 6, minute),
            "five before it"
        );
        // Thirty in the hour: the 31st within 3,600 s is past the hourly ceiling.
        let hour: Vec<_> = (0..30).map(|i| t(i as f64 * 119.0)).collect();
        assert!(past_ceiling(t(3599.0), &hour, 30, Duration::hours(1)));
        assert!(!past_ceiling(t(3600.0), &hour, 30, Duration::hours(1)));
    }

    #[test]
    fn a_metronome_is_not_a_queue() {
        let l = KioskLimits::default();
        let max = Duration::seconds(l.rhythm_max_gap_secs);
        // Every 120 s ± 1 s: gaps 120, 121, 119, … mean 120, sd < 1, CV < 0.01.
        let mut s = 0.0;
        let mut regular = vec![t(0.0)];
        for g in [
            120.0, 121.0, 119.0, 120.0, 120.5, 119.5, 120.0, 121.0, 119.0,
        ] {
            s += g;
            regular.push(t(s));
        }
        assert!(metronome(&regular, 10, l.rhythm_cv, max));
        assert!(
            !metronome(&regular[1..], 10, l.rhythm_cv, max),
            "nine answers"
        );
        // People: gaps 10, 95, 30, 200, 45, 12, 150, 60, 80 s. Mean 682/9 = 75.8 s, standard
        // deviation 60.6 s: CV 0.80. (The metronome above: mean 120 s, sd 0.71 s, CV 0.006.)
        let mut s = 0.0;
        let mut people = vec![t(0.0)];
        for g in [10.0, 95.0, 30.0, 200.0, 45.0, 12.0, 150.0, 60.0, 80.0] {
            s += g;
            people.push(t(s));
        }
        assert!(!metronome(&people, 10, l.rhythm_cv, max));
        // A gap of 11 minutes breaks the run.
        let mut slow = regular.clone();
        slow[5] = slow[4] + Duration::seconds(660);
        assert!(!metronome(&slow, 10, l.rhythm_cv, max));
    }

    #[test]
    fn a_queued_answer_is_judged_inside_the_silence_only() {
        let now = t(1000.0);
        assert_eq!(judged_time(now, None, Some(t(10.0))), now);
        // Tapped 300 s before it was sent; the kiosk's previous answer was 900 s ago.
        assert_eq!(judged_time(now, Some(300_000), Some(t(100.0))), t(700.0));
        // Never before the previous answer: a claimed age reaching back past it is cut there.
        assert_eq!(judged_time(now, Some(300_000), Some(t(800.0))), t(800.0));
        // Never more than an hour back, never in the future.
        let later = t(10_000.0);
        assert_eq!(
            judged_time(later, Some(9_000_000), None),
            t(10_000.0 - 3600.0)
        );
        assert_eq!(judged_time(now, Some(-5_000), None), now);
        assert_eq!(judged_time(now, Some(1_000), Some(t(1200.0))), now);
        // An answer that claims no wait keeps its own time, whatever came before it.
        assert_eq!(judged_time(now, None, Some(t(1200.0))), now);
        assert_eq!(judged_time(now, Some(0), Some(t(1200.0))), now);
    }

    #[test]
    fn binomial_tail_by_hand() {
        // n = 10, p = ½: P(X ≥ 10) = 1/1024; P(X ≥ 9) = (10 + 1)/1024; P(X ≥ 0) = 1.
        assert!((binomial_at_least(10, 10, 0.5) - 1.0 / 1024.0).abs() < 1e-12);
        assert!((binomial_at_least(9, 10, 0.5) - 11.0 / 1024.0).abs() < 1e-12);
        assert_eq!(binomial_at_least(0, 10, 0.5), 1.0);
        // n = 3, p = 0.8: P(X ≥ 2) = 3·0.64·0.2 + 0.512 = 0.896.
        assert!((binomial_at_least(2, 3, 0.8) - 0.896).abs() < 1e-12);
        assert_eq!(binomial_at_least(11, 10, 0.5), 0.0);
    }

    #[test]
    fn a_day_far_above_the_kiosks_usual_share_with_a_spike_is_held() {
        let test = DayTest::default();
        // History: 300 answers on 30 days (10 a day), 180 satisfied (60 %).
        let base = DayCounts {
            answers: 0,
            satisfied: 0,
            history_answers: 300,
            history_satisfied: 180,
            history_days: 30,
        };
        // 40 answers (4× the usual 10), 40 satisfied: P(X ≥ 40 | 40, 0.6) = 0.6^40 ≈ 1.3e-9.
        let spike = DayCounts {
            answers: 40,
            satisfied: 40,
            ..base
        };
        let a = day_anomaly(spike, &test).expect("held");
        assert!((a.usual - 0.6).abs() < 1e-12 && (a.volume_ratio - 4.0).abs() < 1e-12);
        assert!((a.p_value - 0.6f64.powi(40)).abs() < 1e-15);
        // At a busier kiosk (450 answers in 30 days: 15 a day, 270 satisfied, 60 %), 25
        // answers all satisfied are 1.67× the usual volume: a good day, not a spike; 30 are
        // exactly 2× and held (P = 0.6^30 ≈ 2.2e-7).
        let busier = DayCounts {
            history_answers: 450,
            history_satisfied: 270,
            ..base
        };
        assert_eq!(
            day_anomaly(
                DayCounts {
                    answers: 25,
                    satisfied: 25,
                    ..busier
                },
                &test
            ),
            None
        );
        let two = day_anomaly(
            DayCounts {
                answers: 30,
                satisfied: 30,
                ..busier
            },
            &test,
        )
        .expect("held at twice the volume");
        assert!((two.volume_ratio - 2.0).abs() < 1e-12);
        assert!((two.p_value - 0.6f64.powi(30)).abs() < 1e-15);
        // Fewer than 20 answers are not tested, however they look.
        assert_eq!(
            day_anomaly(
                DayCounts {
                    answers: 19,
                    satisfied: 19,
                    ..base
                },
                &test
            ),
            None
        );
        // A busy day at the usual share (40 answers, 24 satisfied) is a busy day.
        assert_eq!(
            day_anomaly(
                DayCounts {
                    answers: 40,
                    satisfied: 24,
                    ..base
                },
                &test
            ),
            None
        );
        // 40 answers, 30 satisfied (75 %, 15 points up): P(X ≥ 30 | 40, 0.6) = 0.035 > 0.001.
        assert_eq!(
            day_anomaly(
                DayCounts {
                    answers: 40,
                    satisfied: 30,
                    ..base
                },
                &test
            ),
            None
        );
        // Without enough history (4 days) nothing is said.
        assert_eq!(
            day_anomaly(
                DayCounts {
                    history_days: 4,
                    ..spike
                },
                &test
            ),
            None
        );
    }

    #[test]
    fn a_copied_key_is_a_second_device() {
        let l = KioskLimits::default();
        let mut s = KeyState {
            bound: false,
            epoch: 0,
            issued_at: None,
            seen_at: None,
            last_addr: None,
        };
        // A kiosk registered before device keys is bound at its first answer.
        let c = check_key(&mut s, Presented::Other, "10.0.0.5", t(0.0), &l);
        assert!(c.bind && c.send_key && !c.second_device && !c.new_address);
        assert_eq!(s.epoch, 1);
        // Its key works; after five minutes it is replaced (sent with the response).
        let c = check_key(&mut s, Presented::Current, "10.0.0.5", t(10.0), &l);
        assert_eq!(c, KeyCheck::default());
        let c = check_key(&mut s, Presented::Current, "10.0.0.5", t(300.0), &l);
        assert!(c.send_key && !c.second_device);
        assert_eq!((s.epoch, s.seen_at), (2, None));
        // A request in flight with the old key, before the new one is used: fine.
        let c = check_key(&mut s, Presented::Previous, "10.0.0.5", t(301.0), &l);
        assert!(!c.second_device && c.send_key);
        // The kiosk uses its new key; a request with the old one within 30 s is still fine …
        check_key(&mut s, Presented::Current, "10.0.0.5", t(302.0), &l);
        let c = check_key(&mut s, Presented::Previous, "10.0.0.5", t(332.0), &l);
        assert!(!c.second_device);
        // … after that the old key belongs to a device that was left behind: a copy.
        let c = check_key(&mut s, Presented::Previous, "10.0.0.5", t(332.001), &l);
        assert!(c.second_device);
        // A copy used from another address: alert, and the key moves on at once, so the
        // device that keeps the old one shows itself at its next answer.
        let c = check_key(&mut s, Presented::Current, "10.0.0.99", t(340.0), &l);
        assert!(c.new_address && c.send_key && !c.second_device);
        let c = check_key(&mut s, Presented::Previous, "10.0.0.5", t(345.0), &l);
        assert!(c.new_address && c.second_device, "old key, other address");
        // No key at all, or a made-up one.
        assert!(check_key(&mut s, Presented::Other, "10.0.0.5", t(346.0), &l).second_device);
    }
}
