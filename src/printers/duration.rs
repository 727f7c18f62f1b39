//! Human-readable durations and ages exactly as kubectl prints them (apimachinery
//! `util/duration`).

use jiff::{SignedDuration, Timestamp};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;

/// Go's zero `time.Time` (0001-01-01T00:00:00Z), which `metav1.Time.IsZero` treats as unset.
const GO_ZERO_TIME_SECONDS: i64 = -62_135_596_800;

/// Formats `d` like apimachinery's `HumanDuration`: about two significant figures.
///
/// Below -1s the result is `<invalid>`, up to one second in the future is `0s`, then
/// `45s`, `119s`, `2m`, `5m30s`, `95m`, `3h20m`, `26h`, `3d4h`, `12d`, `2y30d`, `9y`.
pub fn human_duration(d: SignedDuration) -> String {
    let seconds = d.as_secs();
    if seconds < -1 {
        return "<invalid>".to_string();
    }
    if seconds < 0 {
        return "0s".to_string();
    }
    if seconds < 60 * 2 {
        return format!("{seconds}s");
    }
    let minutes = seconds / 60;
    if minutes < 10 {
        return with_remainder(minutes, "m", seconds % 60, "s");
    }
    if minutes < 60 * 3 {
        return format!("{minutes}m");
    }
    let hours = seconds / 3600;
    if hours < 8 {
        return with_remainder(hours, "h", minutes % 60, "m");
    }
    if hours < 48 {
        return format!("{hours}h");
    }
    if hours < 24 * 8 {
        return with_remainder(hours / 24, "d", hours % 24, "h");
    }
    if hours < 24 * 365 * 2 {
        return format!("{}d", hours / 24);
    }
    if hours < 24 * 365 * 8 {
        return with_remainder(hours / 24 / 365, "y", (hours / 24) % 365, "d");
    }
    format!("{}y", hours / 24 / 365)
}

/// `"{major}{major_unit}"`, followed by `"{minor}{minor_unit}"` unless `minor` is zero.
fn with_remainder(major: i64, major_unit: &str, minor: i64, minor_unit: &str) -> String {
    if minor == 0 { format!("{major}{major_unit}") } else { format!("{major}{major_unit}{minor}{minor_unit}") }
}

/// Go's `time.Duration.String()` for whole seconds, as the kubelet's messages print durations:
/// `0s`, `10s`, `5m0s`, `1h0m0s`.
pub fn go_duration(d: std::time::Duration) -> String {
    let s = d.as_secs();
    match (s / 3600, s % 3600 / 60, s % 60) {
        (0, 0, secs) => format!("{secs}s"),
        (0, m, secs) => format!("{m}m{secs}s"),
        (h, m, secs) => format!("{h}h{m}m{secs}s"),
    }
}

/// The time elapsed from `at` to `now` as kubectl's `translateTimestampSince` prints it:
/// `<unknown>` when the timestamp is unset (missing or Go's zero time), else [`human_duration`].
pub fn since(at: Option<Timestamp>, now: Timestamp) -> String {
    match at {
        Some(t) if t.as_second() != GO_ZERO_TIME_SECONDS => human_duration(now.duration_since(t)),
        _ => "<unknown>".to_string(),
    }
}

/// The AGE column for an object created at `created`: `<unknown>` when it is missing.
pub fn age(created: Option<&Time>, now: Timestamp) -> String {
    since(created.map(|t| t.0), now)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: i64) -> SignedDuration {
        SignedDuration::from_secs(s)
    }

    #[test]
    fn human_duration_matches_apimachinery_table() {
        let cases: &[(i64, &str)] = &[
            (-2, "<invalid>"),
            (-1, "0s"),
            (0, "0s"),
            (45, "45s"),
            (119, "119s"),
            (120, "2m"),
            (330, "5m30s"),
            (599, "9m59s"),
            (600, "10m"),
            (95 * 60, "95m"),
            (3 * 3600 - 1, "179m"),
            (3 * 3600, "3h"),
            (3 * 3600 + 20 * 60, "3h20m"),
            (8 * 3600, "8h"),
            (26 * 3600, "26h"),
            (48 * 3600, "2d"),
            (76 * 3600, "3d4h"),
            (8 * 86400, "8d"),
            (12 * 86400, "12d"),
            (729 * 86400, "729d"),
            (730 * 86400, "2y"),
            (760 * 86400, "2y30d"),
            (9 * 365 * 86400, "9y"),
        ];
        for (s, want) in cases {
            assert_eq!(human_duration(secs(*s)), *want, "{s}s");
        }
    }

    #[test]
    fn go_durations() {
        let go = |s| go_duration(std::time::Duration::from_secs(s));
        assert_eq!(
            [go(0), go(1), go(59), go(60), go(300), go(3600), go(3725)],
            ["0s", "1s", "59s", "1m0s", "5m0s", "1h0m0s", "1h2m5s"]
        );
    }

    #[test]
    fn sub_second_values_truncate_toward_zero() {
        assert_eq!(human_duration(SignedDuration::from_millis(-1500)), "0s");
        assert_eq!(human_duration(SignedDuration::from_millis(-2500)), "<invalid>");
        assert_eq!(human_duration(SignedDuration::from_millis(119_999)), "119s");
    }

    #[test]
    fn age_of_missing_or_zero_timestamp_is_unknown() {
        let now: Timestamp = "2026-11-27T03:21:09Z".parse().unwrap();
        assert_eq!(age(None, now), "<unknown>");
        let zero = Time("0001-01-01T00:00:00Z".parse().unwrap());
        assert_eq!(age(Some(&zero), now), "<unknown>");
        let created = Time("2026-11-27T03:16:09Z".parse().unwrap());
        assert_eq!(age(Some(&created), now), "5m");
    }

    #[test]
    fn future_timestamps_within_a_second_read_as_zero() {
        let now: Timestamp = "2026-11-27T03:21:09Z".parse().unwrap();
        let later: Timestamp = "2026-11-27T03:21:10Z".parse().unwrap();
        assert_eq!(since(Some(later), now), "0s");
    }
}
