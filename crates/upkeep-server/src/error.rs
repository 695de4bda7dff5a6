//! The crate's one error type.

/// What went wrong in the server crate; messages quote the value at fault.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// `--shard` text that is not `I/N` with `1 <= I <= N`.
    #[error("invalid shard `{text}`: {reason} (expected `I/N`, e.g. `1/4`)")]
    Shard {
        /// The text given.
        text: String,
        /// Why it is refused.
        reason: String,
    },
    /// A cron expression that does not parse.
    #[error("invalid cron schedule `{expression}`: {reason}")]
    Cron {
        /// The expression given.
        expression: String,
        /// Why it is refused.
        reason: String,
    },
    /// A Pushgateway URL or grouping that cannot form a push URL.
    #[error("invalid Pushgateway target `{target}`: {reason}")]
    PushgatewayTarget {
        /// The URL or label at fault (without credentials).
        target: String,
        /// Why it is refused.
        reason: String,
    },
    /// The Pushgateway could not be reached or refused the push.
    #[error("pushing metrics to `{url}` failed: {reason}")]
    Push {
        /// The push URL (without credentials).
        url: String,
        /// The transport error or the status and body of the answer.
        reason: String,
    },
    /// The service could not listen or serve.
    #[error("the webhook service failed on `{address}`: {source}")]
    Serve {
        /// The listen address.
        address: String,
        /// The I/O error.
        source: std::io::Error,
    },
}
