//! Random number generators derived from the one seed of the stage, one per use, so that adding
//! a draw to one use never changes the draws of another.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// What a generator is used for; each use reads its own ChaCha stream.
#[derive(Debug, Clone, Copy)]
pub enum Purpose {
    SubsamplePositives = 1,
    Negatives = 2,
    Shuffle = 3,
}

/// The generator of one use.
pub fn rng(seed: u64, purpose: Purpose) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(purpose as u64);
    rng
}

/// Independent generators for the items of one use (e.g. one per shuffled sequence), so items
/// can be processed in parallel and still give the same result on any number of threads.
pub fn item_rngs(seed: u64, purpose: Purpose) -> impl Fn(u64) -> ChaCha8Rng + Sync {
    let key: u64 = rng(seed, purpose).gen();
    move |item| {
        let mut rng = ChaCha8Rng::seed_from_u64(key);
        rng.set_stream(item);
        rng
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uses_and_items_draw_different_numbers_reproducibly() {
        let draw = |mut r: ChaCha8Rng| r.gen::<u64>();
        assert_eq!(
            draw(rng(1, Purpose::Negatives)),
            draw(rng(1, Purpose::Negatives))
        );
        assert_ne!(
            draw(rng(1, Purpose::Negatives)),
            draw(rng(1, Purpose::Shuffle))
        );
        assert_ne!(
            draw(rng(1, Purpose::Negatives)),
            draw(rng(2, Purpose::Negatives))
        );
        let items = item_rngs(1, Purpose::Shuffle);
        assert_eq!(draw(items(4)), draw(item_rngs(1, Purpose::Shuffle)(4)));
        assert_ne!(draw(items(4)), draw(items(5)));
    }
}
