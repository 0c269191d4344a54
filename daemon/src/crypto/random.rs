//! Randomness from the operating system's CSPRNG, shaped as the daemon needs it: opaque
//! tokens, numeric codes, short method ids and recovery codes. Every value is drawn without
//! modulo bias (rejection sampling).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::CryptoError;

/// Fills `buf` from the OS CSPRNG.
pub fn fill(buf: &mut [u8]) -> Result<(), CryptoError> {
    getrandom::fill(buf).map_err(|_| CryptoError::Random)
}

pub fn bytes<const N: usize>() -> Result<[u8; N], CryptoError> {
    let mut out = [0u8; N];
    fill(&mut out)?;
    Ok(out)
}

/// An opaque URL-safe token carrying `N` random bytes (32 bytes = 256 bits).
pub fn token<const N: usize>() -> Result<String, CryptoError> {
    Ok(URL_SAFE_NO_PAD.encode(bytes::<N>()?))
}

/// A uniformly random index below `bound` (`bound` > 0).
fn below(bound: u32) -> Result<u32, CryptoError> {
    // Reject the top partial range so every residue is equally likely.
    let zone = u32::MAX - (u32::MAX % bound);
    loop {
        let value = u32::from_le_bytes(bytes::<4>()?);
        if value < zone {
            return Ok(value % bound);
        }
    }
}

/// A string of `len` characters drawn uniformly from `alphabet`.
pub fn from_alphabet(alphabet: &[u8], len: usize) -> Result<String, CryptoError> {
    let bound = u32::try_from(alphabet.len()).map_err(|_| CryptoError::Random)?;
    let mut out = String::with_capacity(len);
    for _ in 0..len {
        let index = usize::try_from(below(bound)?).map_err(|_| CryptoError::Random)?;
        out.push(char::from(alphabet[index]));
    }
    Ok(out)
}

/// A numeric one-time code of `len` digits (6 digits ≈ 19.9 bits, the ASVS/NIST floor).
pub fn digits(len: usize) -> Result<String, CryptoError> {
    from_alphabet(b"0123456789", len)
}

/// Crockford's base32 alphabet: no I, L, O or U, so codes survive being read aloud.
pub const CROCKFORD: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A short id for a two-factor method (FusionAuth uses four characters).
pub fn method_id() -> Result<String, CryptoError> {
    from_alphabet(CROCKFORD, 4)
}

/// A recovery code shaped like FusionAuth's `QJD73-L6GR5`: 10 Crockford characters (50 bits).
pub fn recovery_code() -> Result<String, CryptoError> {
    let raw = from_alphabet(CROCKFORD, 10)?;
    Ok(format!("{}-{}", &raw[..5], &raw[5..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        let code = digits(6).expect("rng");
        assert_eq!(code.len(), 6);
        assert!(code.chars().all(|c| c.is_ascii_digit()));
        let rc = recovery_code().expect("rng");
        assert_eq!(rc.len(), 11);
        assert_eq!(&rc[5..6], "-");
        assert_eq!(method_id().expect("rng").len(), 4);
        assert_eq!(token::<32>().expect("rng").len(), 43);
    }

    #[test]
    fn digits_are_roughly_uniform() {
        let mut counts = [0u32; 10];
        for _ in 0..2000 {
            for c in digits(5).expect("rng").bytes() {
                counts[usize::from(c - b'0')] += 1;
            }
        }
        // 10_000 draws, 1_000 expected per digit; a fair source stays well inside ±20 %.
        assert!(
            counts.iter().all(|&n| (800..1200).contains(&n)),
            "{counts:?}"
        );
    }
}
