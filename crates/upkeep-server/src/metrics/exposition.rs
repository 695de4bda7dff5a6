//! Metric families and the Prometheus text exposition format (version 0.0.4).
//!
//! A [`Family`] is one metric name with fixed label names and a series per label
//! values. Encoding writes `# HELP` and `# TYPE` for every family (even one without
//! series, so dashboards and tests see the whole contract), then one line per sample:
//! counters and gauges as `name{labels} value`, histograms as cumulative `_bucket{le}`
//! lines ending in `le="+Inf"`, then `_sum` and `_count`. Label values escape `\`, `"`
//! and newlines; HELP text escapes `\` and newlines.

use std::collections::BTreeMap;
use std::fmt::Write as _;

/// What kind of metric a family is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Only goes up (reset when the process starts).
    Counter,
    /// Goes up and down.
    Gauge,
    /// Observations counted into fixed buckets, with their sum and count.
    Histogram,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Counter => "counter",
            Kind::Gauge => "gauge",
            Kind::Histogram => "histogram",
        }
    }
}

#[derive(Clone, Debug)]
enum Value {
    Number(f64),
    Histogram {
        bucket_counts: Vec<u64>,
        sum: f64,
        count: u64,
    },
}

/// One metric name and its series.
#[derive(Clone, Debug)]
pub struct Family {
    name: &'static str,
    help: &'static str,
    kind: Kind,
    label_names: &'static [&'static str],
    buckets: &'static [f64],
    series: BTreeMap<Vec<String>, Value>,
}

impl Family {
    /// A counter or gauge family.
    pub fn new(
        name: &'static str,
        help: &'static str,
        kind: Kind,
        label_names: &'static [&'static str],
    ) -> Family {
        Family {
            name,
            help,
            kind,
            label_names,
            buckets: &[],
            series: BTreeMap::new(),
        }
    }

    /// A histogram family with these upper bounds (ascending, without `+Inf`).
    pub fn histogram(
        name: &'static str,
        help: &'static str,
        label_names: &'static [&'static str],
        buckets: &'static [f64],
    ) -> Family {
        Family {
            buckets,
            ..Family::new(name, help, Kind::Histogram, label_names)
        }
    }

    /// The metric name.
    pub fn name(&self) -> &'static str {
        self.name
    }

    fn key(&self, labels: &[&str]) -> Vec<String> {
        debug_assert_eq!(labels.len(), self.label_names.len(), "{}", self.name);
        labels.iter().map(|value| (*value).to_owned()).collect()
    }

    /// Adds `by` to a counter or gauge series (created at 0).
    pub fn add(&mut self, labels: &[&str], by: f64) {
        let key = self.key(labels);
        if let Value::Number(value) = self.series.entry(key).or_insert(Value::Number(0.0)) {
            *value += by;
        }
    }

    /// Sets a gauge series.
    pub fn set(&mut self, labels: &[&str], value: f64) {
        let key = self.key(labels);
        self.series.insert(key, Value::Number(value));
    }

    /// Records one observation in a histogram series.
    pub fn observe(&mut self, labels: &[&str], observation: f64) {
        let key = self.key(labels);
        let bucket_count = self.buckets.len();
        let entry = self.series.entry(key).or_insert(Value::Histogram {
            bucket_counts: vec![0; bucket_count],
            sum: 0.0,
            count: 0,
        });
        if let Value::Histogram {
            bucket_counts,
            sum,
            count,
        } = entry
        {
            for (bound, bucket) in self.buckets.iter().zip(bucket_counts.iter_mut()) {
                if observation <= *bound {
                    *bucket += 1;
                }
            }
            *sum += observation;
            *count += 1;
        }
    }

    /// Drops the series whose labels `remove` picks.
    pub fn remove_where(&mut self, remove: impl Fn(&[String]) -> bool) {
        self.series.retain(|labels, _| !remove(labels));
    }

    /// The value of a counter or gauge series, if it exists.
    pub fn value(&self, labels: &[&str]) -> Option<f64> {
        match self.series.get(&self.key(labels))? {
            Value::Number(value) => Some(*value),
            Value::Histogram { .. } => None,
        }
    }

    /// Appends this family in the text format to `out`.
    pub fn encode(&self, out: &mut String) {
        let help = self.help.replace('\\', "\\\\").replace('\n', "\\n");
        let _ = writeln!(out, "# HELP {} {help}", self.name);
        let _ = writeln!(out, "# TYPE {} {}", self.name, self.kind.as_str());
        for (values, value) in &self.series {
            let labels = label_text(self.label_names, values, None);
            match value {
                Value::Number(number) => {
                    let _ = writeln!(out, "{}{labels} {}", self.name, number_text(*number));
                }
                Value::Histogram {
                    bucket_counts,
                    sum,
                    count,
                } => {
                    for (bound, bucket) in self.buckets.iter().zip(bucket_counts) {
                        let le = number_text(*bound);
                        let labels = label_text(self.label_names, values, Some(&le));
                        let _ = writeln!(out, "{}_bucket{labels} {bucket}", self.name);
                    }
                    let labels_inf = label_text(self.label_names, values, Some("+Inf"));
                    let _ = writeln!(out, "{}_bucket{labels_inf} {count}", self.name);
                    let _ = writeln!(out, "{}_sum{labels} {}", self.name, number_text(*sum));
                    let _ = writeln!(out, "{}_count{labels} {count}", self.name);
                }
            }
        }
    }
}

/// `{a="x",b="y"}` (with `le` last for buckets), or nothing without labels.
fn label_text(names: &[&str], values: &[String], le: Option<&str>) -> String {
    let mut pairs: Vec<String> = names
        .iter()
        .zip(values)
        .map(|(name, value)| format!("{name}=\"{}\"", escape_label_value(value)))
        .collect();
    if let Some(le) = le {
        pairs.push(format!("le=\"{le}\""));
    }
    if pairs.is_empty() {
        String::new()
    } else {
        format!("{{{}}}", pairs.join(","))
    }
}

/// Escapes a label value for the text format.
pub fn escape_label_value(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// A sample value as the text format spells it (`+Inf`, `-Inf`, `NaN`, `1`, `0.25`).
pub fn number_text(value: f64) -> String {
    if value.is_nan() {
        "NaN".to_owned()
    } else if value.is_infinite() {
        if value > 0.0 { "+Inf" } else { "-Inf" }.to_owned()
    } else {
        format!("{value}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histograms_are_cumulative_and_end_in_inf() {
        let mut family = Family::histogram("t_seconds", "Time.", &["stage"], &[1.0, 2.5]);
        family.observe(&["lookup"], 0.5);
        family.observe(&["lookup"], 2.0);
        family.observe(&["lookup"], 9.0);
        let mut out = String::new();
        family.encode(&mut out);
        assert_eq!(
            out,
            "# HELP t_seconds Time.\n# TYPE t_seconds histogram\n\
             t_seconds_bucket{stage=\"lookup\",le=\"1\"} 1\n\
             t_seconds_bucket{stage=\"lookup\",le=\"2.5\"} 2\n\
             t_seconds_bucket{stage=\"lookup\",le=\"+Inf\"} 3\n\
             t_seconds_sum{stage=\"lookup\"} 11.5\n\
             t_seconds_count{stage=\"lookup\"} 3\n"
        );
    }

    #[test]
    fn label_values_and_help_are_escaped() {
        let mut family = Family::new("g", "a \\ b\nc", Kind::Gauge, &["repository"]);
        family.set(&["we\"ird\\na\nme"], f64::INFINITY);
        let mut out = String::new();
        family.encode(&mut out);
        assert_eq!(
            out,
            "# HELP g a \\\\ b\\nc\n# TYPE g gauge\ng{repository=\"we\\\"ird\\\\na\\nme\"} +Inf\n"
        );
    }
}
