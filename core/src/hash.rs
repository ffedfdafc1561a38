//! Portable hashing: stream seeds derived from a user seed, and content digests that are the same
//! on every platform (used to prove that a seed gives the same data natively, in wasm and in Python).

use sha2::{Digest, Sha256};

/// SplitMix64 finaliser: a bijective mix of 64 bits, used to derive independent stream seeds.
pub fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Seed of stream `stream` under user seed `seed` (e.g. one stream per patient), independent of
/// the order in which streams are drawn, so generation can be split across threads.
pub fn stream_seed(seed: u64, stream: u64) -> u64 {
    mix64(mix64(seed) ^ mix64(stream.wrapping_add(0x5851_F42D_4C95_7F2D)))
}

/// Incremental SHA-256 digest, printed as lowercase hex.
#[derive(Default, Clone)]
pub struct Digester(Sha256);

impl Digester {
    /// A new, empty digest.
    pub fn new() -> Self {
        Self::default()
    }
    /// Feed bytes.
    pub fn update(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }
    /// Feed a length-prefixed string (so `["ab","c"]` and `["a","bc"]` differ).
    pub fn update_str(&mut self, s: &str) {
        self.0.update((s.len() as u64).to_le_bytes());
        self.0.update(s.as_bytes());
    }
    /// The hex digest.
    pub fn finish(self) -> String {
        self.0
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_known_vector() {
        // FIPS 180-2 test vector for "abc".
        let mut d = Digester::new();
        d.update(b"abc");
        assert_eq!(
            d.finish(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn streams_differ() {
        assert_ne!(stream_seed(1, 0), stream_seed(1, 1));
        assert_ne!(stream_seed(1, 0), stream_seed(2, 0));
    }
}
