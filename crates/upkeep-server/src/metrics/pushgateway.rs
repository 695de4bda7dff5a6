//! Pushing the metrics to a Prometheus Pushgateway at the end of a CronJob run.
//!
//! A push is `PUT {url}/metrics/job/{job}/{label}/{value}…` with the text exposition as
//! its body. PUT replaces every metric of that group, so each run's push stands alone
//! and a series from an earlier run (a repository no longer in the fleet) goes away.
//!
//! Grouping: `job` (default `upkeep`) and, for a sharded run, `shard` = the shard's
//! number (from 1), so the pods of one Indexed Job never overwrite each other. Prometheus
//! sees the grouping labels on every series (`job="upkeep",shard="2"`); sum over `shard`
//! for the fleet. Changing the shard count leaves the groups of vanished shards behind:
//! delete them in the Pushgateway (`DELETE /metrics/job/upkeep/shard/N`).
//!
//! Label values that contain `/` (or are empty) use the Pushgateway's base64 form
//! (`label@base64/…`). Credentials in the URL (`https://user:pass@host`) are sent as
//! basic auth and never printed.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE;
use reqwest::Url;

use crate::Error;

/// The content type of the text exposition format.
pub const TEXT_FORMAT: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Where and under which grouping to push.
#[derive(Clone, Debug)]
pub struct Pushgateway {
    push_url: Url,
    credentials: Option<(String, String)>,
    client: reqwest::Client,
}

impl Pushgateway {
    /// A target under `base` (the Pushgateway's address, e.g. `http://pushgateway:9091`)
    /// for `job` and extra grouping labels.
    pub fn new(base: &str, job: &str, grouping: &[(&str, &str)]) -> Result<Pushgateway, Error> {
        let error = |target: &str, reason: &str| Error::PushgatewayTarget {
            target: target.to_owned(),
            reason: reason.to_owned(),
        };
        let mut url = Url::parse(base).map_err(|e| error(&redacted(base), &e.to_string()))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(error(&redacted(base), "the scheme must be http or https"));
        }
        let credentials = (!url.username().is_empty()).then(|| {
            let user = percent_decode(url.username());
            let password = url.password().map(percent_decode).unwrap_or_default();
            (user, password)
        });
        let _ = url.set_username("");
        let _ = url.set_password(None);
        let mut segments = vec!["metrics".to_owned()];
        segments.extend(group_segments("job", job));
        for (label, value) in grouping {
            if !valid_label_name(label) || *label == "job" {
                return Err(error(label, "not a usable grouping label name"));
            }
            segments.extend(group_segments(label, value));
        }
        let shown = url.to_string();
        url.path_segments_mut()
            .map_err(|()| error(&shown, "the URL cannot take a path"))?
            .pop_if_empty()
            .extend(&segments);
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| error(url.as_str(), &e.to_string()))?;
        Ok(Pushgateway {
            push_url: url,
            credentials,
            client,
        })
    }

    /// The URL pushes go to (never with credentials).
    pub fn push_url(&self) -> &Url {
        &self.push_url
    }

    /// Replaces the group's metrics with `exposition` (text format).
    pub async fn push(&self, exposition: String) -> Result<(), Error> {
        let mut request = self
            .client
            .put(self.push_url.clone())
            .header(reqwest::header::CONTENT_TYPE, TEXT_FORMAT)
            .body(exposition);
        if let Some((user, password)) = &self.credentials {
            request = request.basic_auth(user, Some(password));
        }
        let error = |reason: String| Error::Push {
            url: self.push_url.to_string(),
            reason,
        };
        let response = request
            .send()
            .await
            .map_err(|e| error(e.without_url().to_string()))?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let body = response.text().await.unwrap_or_default();
        let body: String = body.trim().chars().take(500).collect();
        Err(error(format!("the Pushgateway answered {status}: {body}")))
    }
}

/// `label/value`, or `label@base64/…` when the value holds a `/` or is empty.
fn group_segments(label: &str, value: &str) -> [String; 2] {
    if value.is_empty() || value.contains('/') {
        [format!("{label}@base64"), URL_SAFE.encode(value.as_bytes())]
            .map(|s| if s.is_empty() { "=".to_owned() } else { s })
    } else {
        [label.to_owned(), value.to_owned()]
    }
}

fn valid_label_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let hex = bytes
            .get(index + 1..index + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[index], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                index += 3;
            }
            (byte, _) => {
                out.push(byte);
                index += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `base` without its userinfo, for messages.
fn redacted(base: &str) -> String {
    match Url::parse(base) {
        Ok(mut url) => {
            let _ = url.set_username("");
            let _ = url.set_password(None);
            url.to_string()
        }
        Err(_) => match base.split_once('@') {
            Some((_, rest)) => format!("…@{rest}"),
            None => base.to_owned(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_push_url_carries_the_grouping() {
        let target = Pushgateway::new("http://gw:9091/", "upkeep", &[("shard", "2")]).unwrap();
        assert_eq!(
            target.push_url().as_str(),
            "http://gw:9091/metrics/job/upkeep/shard/2"
        );
    }

    #[test]
    fn values_with_slashes_use_base64() {
        let target = Pushgateway::new("http://gw:9091", "up/keep", &[("x", "")]).unwrap();
        assert_eq!(
            target.push_url().as_str(),
            "http://gw:9091/metrics/job@base64/dXAva2VlcA==/x@base64/="
        );
    }

    #[test]
    fn credentials_are_kept_out_of_the_url() {
        let target = Pushgateway::new("https://bot:s%40cret@gw.example", "upkeep", &[]).unwrap();
        assert_eq!(
            target.push_url().as_str(),
            "https://gw.example/metrics/job/upkeep"
        );
        assert_eq!(
            target.credentials,
            Some(("bot".to_owned(), "s@cret".to_owned()))
        );
        let error = Pushgateway::new("ftp://bot:pw@gw", "upkeep", &[]).unwrap_err();
        assert!(!error.to_string().contains("pw"), "{error}");
    }

    #[test]
    fn bad_grouping_labels_are_refused() {
        for label in ["job", "9lives", "a-b", ""] {
            assert!(Pushgateway::new("http://gw", "upkeep", &[(label, "1")]).is_err());
        }
    }
}
