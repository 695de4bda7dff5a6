use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::TimeZone;

use super::Schedule;

fn schedule(entries: &[&str]) -> Schedule {
    Schedule::parse(&entries.iter().map(|s| s.to_string()).collect::<Vec<_>>())
        .unwrap_or_else(|(i, e)| panic!("entry {i}: {e}"))
}

fn local(tz: &TimeZone, civil: &str) -> Timestamp {
    let dt: DateTime = civil.parse().unwrap();
    tz.to_ambiguous_zoned_datetime(dt)
        .compatible()
        .unwrap()
        .timestamp()
}

// 2026-03-02 is a Monday; 2026-03-07 a Saturday.
#[test]
fn text_forms_contain_the_right_instants() {
    let utc = TimeZone::UTC;
    let table: &[(&[&str], &str, bool)] = &[
        (&["at any time"], "2026-03-02T12:00", true),
        (&["before 5am"], "2026-03-02T04:59", true),
        (&["before 5am"], "2026-03-02T05:00", false),
        (&["before 5:30am"], "2026-03-02T05:29", true),
        (&["after 10pm"], "2026-03-02T22:00", true),
        (&["after 10pm"], "2026-03-02T21:59", false),
        (&["after 9am and before 5pm"], "2026-03-02T12:00", true),
        (&["after 9am and before 5pm"], "2026-03-02T17:00", false),
        (&["after 10pm and before 5am"], "2026-03-02T23:30", true),
        (&["after 10pm and before 5am"], "2026-03-02T03:00", true),
        (&["after 10pm and before 5am"], "2026-03-02T12:00", false),
        (&["every weekend"], "2026-03-07T12:00", true),
        (&["every weekend"], "2026-03-08T12:00", true),
        (&["every weekend"], "2026-03-06T12:00", false),
        (&["every weekday"], "2026-03-06T12:00", true),
        (&["every weekday"], "2026-03-07T12:00", false),
        (&["on monday and tuesday"], "2026-03-03T12:00", true),
        (&["on monday and tuesday"], "2026-03-04T12:00", false),
        (&["on Monday, Wednesday, Friday"], "2026-03-04T12:00", true),
        (&["on monday through wednesday"], "2026-03-04T12:00", true),
        (&["on monday through wednesday"], "2026-03-05T12:00", false),
        (&["every monday"], "2026-03-09T00:00", true),
        (&["before 5am on monday"], "2026-03-02T04:00", true),
        (&["before 5am on monday"], "2026-03-03T04:00", false),
        (&["before 5am on monday"], "2026-03-02T06:00", false),
        (&["on tuesday before 4am"], "2026-03-03T03:00", true),
        (&["after 10pm every weekday"], "2026-03-06T23:00", true),
        (&["after 10pm every weekday"], "2026-03-07T23:00", false),
        (&["before 5am every weekday"], "2026-03-02T04:00", true),
        (
            &["before 6am on the first day of the month"],
            "2026-04-01T05:00",
            true,
        ),
        (
            &["before 6am on the first day of the month"],
            "2026-04-02T05:00",
            false,
        ),
        (
            &["on the 1st and 15th day of the month"],
            "2026-04-15T12:00",
            true,
        ),
        (
            &["on the 1st through 7th day of the month"],
            "2026-04-07T12:00",
            true,
        ),
        (
            &["on the 1st through 7th day of the month"],
            "2026-04-08T12:00",
            false,
        ),
        (&["on the last day of the month"], "2026-02-28T12:00", true),
        (&["on the last day of the month"], "2026-03-30T12:00", false),
        (
            &["every 3 months on the first day of the month"],
            "2026-04-01T12:00",
            true,
        ),
        (
            &["every 3 months on the first day of the month"],
            "2026-05-01T12:00",
            false,
        ),
        (
            &["every 3 months on the first day of the month"],
            "2026-01-01T00:00",
            true,
        ),
        (
            &["every month on the first day of the month"],
            "2026-05-01T12:00",
            true,
        ),
        (&["in january and july"], "2026-07-10T12:00", true),
        (&["in january and july"], "2026-08-10T12:00", false),
        (
            &["after 6am and before 10am on Monday, Wednesday, Friday"],
            "2026-03-04T07:00",
            true,
        ),
        (
            &["after 6am and before 10am on Monday, Wednesday, Friday"],
            "2026-03-05T07:00",
            false,
        ),
        (&["before 5am", "every weekend"], "2026-03-07T12:00", true),
        (&["before 5am", "every weekend"], "2026-03-06T12:00", false),
        (&["Before 5AM on Mondays"], "2026-03-02T04:00", true),
    ];
    for (entries, at, expected) in table {
        assert_eq!(
            schedule(entries).contains(local(&utc, at), &utc),
            *expected,
            "{entries:?} at {at}"
        );
    }
}

#[test]
fn cron_forms_contain_the_right_instants() {
    let utc = TimeZone::UTC;
    let table: &[(&str, &str, bool)] = &[
        ("* 0-3 * * 1", "2026-03-02T03:59", true),
        ("* 0-3 * * 1", "2026-03-02T04:00", false),
        ("* 0-3 * * 1", "2026-03-03T01:00", false),
        ("* 0-4,22-23 * * 1-5", "2026-03-03T23:00", true),
        ("* 0-4,22-23 * * 1-5", "2026-03-07T23:00", false),
        ("* * * * 0,6", "2026-03-08T12:00", true),
        ("* * * * 7", "2026-03-08T12:00", true),
        ("* 0-3 1 * *", "2026-04-01T02:00", true),
        ("* * 1 */3 *", "2026-04-01T12:00", true),
        ("* * 1 */3 *", "2026-05-01T12:00", false),
        ("* */2 * * *", "2026-03-02T03:00", false),
        ("* */2 * * *", "2026-03-02T04:30", true),
        ("* * 1 * mon", "2026-03-09T12:00", true),
        ("* * 1 * mon", "2026-04-01T12:00", true),
        ("* * 1 * mon", "2026-04-02T12:00", false),
        ("* * * jan-mar *", "2026-03-31T12:00", true),
        ("* * * jan-mar *", "2026-04-01T12:00", false),
    ];
    for (entry, at, expected) in table {
        assert_eq!(
            schedule(&[entry]).contains(local(&utc, at), &utc),
            *expected,
            "{entry} at {at}"
        );
    }
}

#[test]
fn timezone_shifts_the_window() {
    let berlin = TimeZone::get("Europe/Berlin").unwrap();
    let before_5am = schedule(&["before 5am"]);
    // 03:30Z is 04:30 in Berlin (CET, UTC+1): inside; 04:30Z is 05:30: outside.
    assert!(before_5am.contains("2026-03-02T03:30:00Z".parse().unwrap(), &berlin));
    assert!(!before_5am.contains("2026-03-02T04:30:00Z".parse().unwrap(), &berlin));
    assert!(before_5am.contains("2026-03-02T04:30:00Z".parse().unwrap(), &TimeZone::UTC));
}

#[test]
fn next_open_finds_the_next_window() {
    let utc = TimeZone::UTC;
    let table: &[(&[&str], &str, &str)] = &[
        (
            &["before 5am on monday"],
            "2026-03-03T10:00",
            "2026-03-09T00:00",
        ),
        (
            &["before 5am on monday"],
            "2026-03-02T04:00",
            "2026-03-02T04:00",
        ),
        (
            &["after 10pm every weekday"],
            "2026-03-06T23:30",
            "2026-03-06T23:30",
        ),
        (
            &["after 10pm every weekday"],
            "2026-03-07T10:00",
            "2026-03-09T22:00",
        ),
        (&["every weekend"], "2026-03-04T10:00", "2026-03-07T00:00"),
        (
            &["every 3 months on the first day of the month"],
            "2026-01-02T00:00",
            "2026-04-01T00:00",
        ),
        (
            &["* 0-3 * * 1", "every weekend"],
            "2026-03-04T10:00",
            "2026-03-07T00:00",
        ),
        (
            &["after 9:30am and before 5pm"],
            "2026-03-02T09:10",
            "2026-03-02T09:30",
        ),
    ];
    for (entries, from, expected) in table {
        let next = schedule(entries).next_open(local(&utc, from), &utc);
        assert_eq!(next, Some(local(&utc, expected)), "{entries:?} from {from}");
    }
    let either = schedule(&["on the 31st day of the month", "in february"]);
    assert!(
        either
            .next_open(local(&utc, "2026-03-01T00:00"), &utc)
            .is_some()
    );
    let never = schedule(&["on the 31st day of the month in february"]);
    assert_eq!(never.next_open(local(&utc, "2026-03-01T00:00"), &utc), None);
}

#[test]
fn daylight_saving_transitions() {
    let berlin = TimeZone::get("Europe/Berlin").unwrap();
    // 2026-03-29: clocks jump from 02:00 to 03:00 in Berlin; the 02:00–03:00 window does
    // not exist that day, so the next one opens the following night.
    let gap = schedule(&["after 2am and before 3am"]);
    let next = gap
        .next_open(local(&berlin, "2026-03-29T00:30"), &berlin)
        .unwrap();
    assert_eq!(next, "2026-03-30T00:00:00Z".parse::<Timestamp>().unwrap());
    // "before 4am" on that day lasts only three real hours and ends at 04:00 CEST (02:00Z).
    let before_4am = schedule(&["before 4am"]);
    assert!(before_4am.contains("2026-03-29T01:59:00Z".parse().unwrap(), &berlin));
    assert!(!before_4am.contains("2026-03-29T02:00:00Z".parse().unwrap(), &berlin));

    // 2026-11-01: New York repeats 01:00–02:00; both occurrences are "before 2am".
    let new_york = TimeZone::get("America/New_York").unwrap();
    let before_2am = schedule(&["before 2am"]);
    assert!(before_2am.contains("2026-11-01T05:30:00Z".parse().unwrap(), &new_york)); // 01:30 EDT
    assert!(before_2am.contains("2026-11-01T06:30:00Z".parse().unwrap(), &new_york)); // 01:30 EST
    assert!(!before_2am.contains("2026-11-01T07:00:00Z".parse().unwrap(), &new_york)); // 02:00 EST
    let next = before_2am
        .next_open("2026-11-01T07:00:00Z".parse().unwrap(), &new_york)
        .unwrap();
    assert_eq!(next, "2026-11-02T05:00:00Z".parse::<Timestamp>().unwrap());
}

#[test]
fn unparsable_entries_say_why() {
    let table: &[(&str, &str)] = &[
        ("at 5pm", "names an instant"),
        ("every 2 weeks", "no fixed calendar meaning"),
        ("before 5", "without am/pm"),
        ("on funday", "`funday` where a day of the week was expected"),
        ("0 5 * * *", "must use `*` for minutes"),
        ("* 25 * * *", "invalid hour field `25`"),
        ("whenever", "unexpected word `whenever`"),
        ("before 13pm", "invalid hour"),
        ("on the first monday of the month", "weekday of the month"),
        ("", "empty schedule entry"),
    ];
    for (entry, expected) in table {
        let error = Schedule::parse(&[entry.to_string()]).unwrap_err().1;
        assert!(error.contains(expected), "{entry}: {error}");
    }
}

#[test]
fn serde_round_trips_the_text() {
    let parsed: Schedule =
        serde_json::from_value(serde_json::json!(["before 5am", "every weekend"])).unwrap();
    assert_eq!(
        serde_json::to_value(&parsed).unwrap(),
        serde_json::json!(["before 5am", "every weekend"])
    );
    assert!(serde_json::from_value::<Schedule>(serde_json::json!(["at 5pm"])).is_err());
    assert!(Schedule::parse(&[]).unwrap().is_always());
}
