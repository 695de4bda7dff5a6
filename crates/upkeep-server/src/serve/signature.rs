//! `X-Hub-Signature-256`: GitHub signs every delivery with the webhook secret.
//!
//! The header is `sha256=` and the lower-case hex HMAC-SHA256 of the raw body. The MAC
//! is checked by the `hmac` crate's constant-time comparison, on the raw bytes as
//! received (before any JSON parsing), so a replayed signature with a changed body, a
//! truncated signature or one for another secret all fail the same way.

use hmac::{KeyInit, Mac};
use sha2::Sha256;

/// The header GitHub puts the signature in.
pub const SIGNATURE_HEADER: &str = "x-hub-signature-256";

/// Why a delivery's signature is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// No `X-Hub-Signature-256` header.
    #[error("the X-Hub-Signature-256 header is missing")]
    Missing,
    /// Not `sha256=` and 64 hex digits.
    #[error("the X-Hub-Signature-256 header is not `sha256=` and 64 hex digits")]
    Malformed,
    /// Well-formed, but not the body's HMAC with our secret.
    #[error("the X-Hub-Signature-256 signature does not match the body")]
    Mismatch,
}

/// Checks `header` (the header's value, if present) against `body` and `secret`.
pub fn verify(secret: &[u8], body: &[u8], header: Option<&[u8]>) -> Result<(), SignatureError> {
    let header = header.ok_or(SignatureError::Missing)?;
    let hex = header
        .strip_prefix(b"sha256=")
        .ok_or(SignatureError::Malformed)?;
    let expected = decode_hex(hex).ok_or(SignatureError::Malformed)?;
    let mut mac = Hmac256::new_from_slice(secret).map_err(|_| SignatureError::Mismatch)?;
    mac.update(body);
    mac.verify_slice(&expected)
        .map_err(|_| SignatureError::Mismatch)
}

/// The header value GitHub would send for `body` (for tests and tools).
pub fn sign(secret: &[u8], body: &[u8]) -> String {
    let mut mac = Hmac256::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(body);
    let digest = mac.finalize().into_bytes();
    let hex: String = digest.iter().map(|byte| format!("{byte:02x}")).collect();
    format!("sha256={hex}")
}

type Hmac256 = hmac::Hmac<Sha256>;

/// 64 hex digits (either case) into 32 bytes.
fn decode_hex(hex: &[u8]) -> Option<[u8; 32]> {
    if hex.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (byte, pair) in out.iter_mut().zip(hex.chunks_exact(2)) {
        let text = std::str::from_utf8(pair).ok()?;
        *byte = u8::from_str_radix(text, 16).ok()?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    // GitHub's documented example: secret "It's a Secret to Everybody", body
    // "Hello, World!".
    const DOCUMENTED: &str =
        "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

    #[test]
    fn matches_githubs_documented_example() {
        let secret = b"It's a Secret to Everybody";
        assert_eq!(sign(secret, b"Hello, World!"), DOCUMENTED);
        assert_eq!(
            verify(secret, b"Hello, World!", Some(DOCUMENTED.as_bytes())),
            Ok(())
        );
        let upper = DOCUMENTED.replace("757107ea", "757107EA");
        assert_eq!(
            verify(secret, b"Hello, World!", Some(upper.as_bytes())),
            Ok(())
        );
    }

    #[test]
    fn refuses_missing_malformed_and_mismatched() {
        let secret = b"It's a Secret to Everybody";
        let body = b"Hello, World!";
        assert_eq!(verify(secret, body, None), Err(SignatureError::Missing));
        let truncated = &DOCUMENTED[..DOCUMENTED.len() - 2];
        assert_eq!(
            verify(secret, body, Some(truncated.as_bytes())),
            Err(SignatureError::Malformed)
        );
        let sha1 = DOCUMENTED.replace("sha256=", "sha1=");
        assert_eq!(
            verify(secret, body, Some(sha1.as_bytes())),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            verify(secret, b"Hello, World?", Some(DOCUMENTED.as_bytes())),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(b"another secret", body, Some(DOCUMENTED.as_bytes())),
            Err(SignatureError::Mismatch)
        );
    }
}
