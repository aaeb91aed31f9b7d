//! The fake's one source of randomness: SplitMix64, seeded by `--rng-seed`. Small, fast, and the
//! same sequence on every platform, so the same requests in the same order give the same card
//! numbers and PINs. Its state is part of the world, so a reset or a saved state replays exactly.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub(crate) struct Rng {
    state: u64,
}

impl Rng {
    pub(crate) fn new(seed: u64) -> Rng {
        Rng { state: seed }
    }

    /// The generator at a state `state` returned (to continue a kept world).
    #[cfg(feature = "state")]
    pub(crate) fn from_state(state: u64) -> Rng {
        Rng { state }
    }

    /// The whole state, to keep it.
    #[cfg(feature = "state")]
    pub(crate) fn state(&self) -> u64 {
        self.state
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..bound` (bound > 0), by rejection so no value is more likely than another.
    pub(crate) fn below(&mut self, bound: u128) -> u128 {
        assert!(bound > 0, "an empty range has no values");
        let zone = u128::MAX - u128::MAX % bound;
        loop {
            let draw = (u128::from(self.next_u64()) << 64) | u128::from(self.next_u64());
            if draw < zone {
                return draw % bound;
            }
        }
    }

    /// `length` decimal digits, leading zeros allowed (a PIN, D9).
    pub(crate) fn digits(&mut self, length: usize) -> String {
        (0..length)
            .map(|_| char::from(b'0' + self.below(10) as u8))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_sequence() {
        let (mut a, mut b) = (Rng::new(7), Rng::new(7));
        let first: Vec<u64> = (0..5).map(|_| a.next_u64()).collect();
        let second: Vec<u64> = (0..5).map(|_| b.next_u64()).collect();
        assert_eq!(first, second);
        assert_ne!(Rng::new(8).next_u64(), first[0]);
    }

    #[test]
    fn below_stays_below_and_reaches_every_value() {
        let mut rng = Rng::new(1);
        let mut seen = [false; 7];
        for _ in 0..1000 {
            let v = rng.below(7) as usize;
            seen[v] = true;
        }
        assert!(seen.iter().all(|s| *s));
    }

    #[test]
    fn digits_have_the_asked_length_and_may_start_with_zero() {
        let mut rng = Rng::new(3);
        let pins: Vec<String> = (0..200).map(|_| rng.digits(4)).collect();
        assert!(
            pins.iter()
                .all(|p| p.len() == 4 && p.bytes().all(|b| b.is_ascii_digit()))
        );
        assert!(pins.iter().any(|p| p.starts_with('0')));
        assert_eq!(rng.digits(0), "");
    }
}
