//! The fine matrix's values split, exactly, into the f32 the V-cycle reads and an i32
//! remainder, so that CG's f64 matrix and the V-cycle's f32 copy take 8 bytes per nonzero
//! together instead of 12.
//!
//! ```text
//! h = fl32(v)                      v rounded to f32, with exponent E (h = ±1.m · 2^E)
//! s = sign(h) · 2^(E − 53)         the remainder's unit
//! r = (v − h) / s                  an integer, |r| ≤ 2^29
//! v = h + r · s                    exactly, in f64
//! ```
//!
//! v − h is exact in f64 (the true difference has at most 30 significant bits), and it is a
//! multiple of v's f64 ulp, which is 2^(E − 52), or 2^(E − 53) where v lies just below the
//! power of two h rounded up to: so r is an integer. |v − h| is at most half h's f32 ulp,
//! 2^(E − 24), so |r| ≤ 2^29. r · s is a power-of-two scaling of an exact integer, and the sum
//! is exact because v is representable. s carries h's sign so that −0.0 comes back as −0.0
//! (r = 0 times a negative unit). A value whose f32 is not normal (zero apart, |v| below
//! 1.2e-38 or above 3.4e38) has no such split: then the values stay whole (see
//! [`FineValues::new`]), the V-cycle reads an f32 copy, and nothing is saved.
//!
//! The remainders are written into the first half of the f64 values' own buffer, which is
//! then shrunk ([`Narrow`]): the split needs no more memory than the f32 copy alone. The
//! coarse levels' f32 values are narrowed in their own buffers the same way.

use std::marker::PhantomData;

use rayon::prelude::*;

/// Values per parallel task of the conversions.
const CHUNK: usize = 1 << 16;

/// Whether `v` has an exact split against `h` = fl32(v): h is normal, or v is zero.
fn splits(v: f64, h: f32) -> bool {
    v == 0.0 || h.is_normal()
}

/// s = sign(h) · 2^(E − 53): h with its mantissa cleared is sign(h) · 2^E, and the product
/// with 2^−53 is exact (E ≥ −126). It gives ±0 for h = ±0 (a zero's remainder is 0, and
/// 0 · −0 = −0 keeps the sign of v = −0).
#[inline(always)]
fn unit_of_normal(h: f32) -> f64 {
    const EXPONENT_AND_SIGN: u64 = 0xfff0_0000_0000_0000;
    const TWO_TO_MINUS_53: f64 = 1.0 / (1u64 << 53) as f64;
    f64::from_bits(f64::from(h).to_bits() & EXPONENT_AND_SIGN) * TWO_TO_MINUS_53
}

/// v rebuilt from its f32 and its remainder.
#[inline(always)]
pub fn join(h: f32, r: i32) -> f64 {
    f64::from(h) + f64::from(r) * unit_of_normal(h)
}

/// The remainder r = (v − h) / s of `v` against `h` = fl32(v), where [`splits`] holds: the
/// division by a power of two is exact, and the result an integer by the argument above.
#[inline(always)]
fn remainder(v: f64, h: f32) -> i32 {
    if v == 0.0 {
        return 0;
    }
    let r = (v - f64::from(h)) / unit_of_normal(h);
    debug_assert!(r == r.trunc() && r.abs() <= f64::from(1 << 29) && join(h, r as i32) == v);
    r as i32
}

/// Four-byte values (f32, or the split's i32 remainders) kept in a buffer of f64s.
pub struct Narrow<T> {
    buffer: Vec<f64>,
    len: usize,
    kind: PhantomData<T>,
}

impl<T: bytemuck::Pod + Send + Sync> Narrow<T> {
    /// `f(k, values[k])` for every k, written over the first half of `values`' own buffer,
    /// which is then shrunk: no second array is allocated. Value k's result goes to position
    /// k, inside f64 slot k/2; taking the values in rounds [k₀, 2k₀), a round's writes fall in
    /// slots [k₀/2, k₀), all read in earlier rounds, and none in the round's own slots.
    pub fn in_place(mut values: Vec<f64>, f: impl Fn(usize, f64) -> T + Sync) -> Self {
        const { assert!(std::mem::size_of::<T>() == 4) };
        let n = values.len();
        if n > 0 {
            let first = f(0, values[0]);
            bytemuck::cast_slice_mut::<f64, T>(&mut values[..1])[0] = first;
        }
        let mut k0 = 1;
        while k0 < n {
            let k1 = (2 * k0).min(n);
            let (done, rest) = values.split_at_mut(k0);
            let out = &mut bytemuck::cast_slice_mut::<f64, T>(done)[k0..k1];
            out.par_chunks_mut(CHUNK)
                .zip(rest[..k1 - k0].par_chunks(CHUNK))
                .enumerate()
                .for_each(|(c, (out, vs))| {
                    for (i, (o, &v)) in out.iter_mut().zip(vs).enumerate() {
                        *o = f(k0 + c * CHUNK + i, v);
                    }
                });
            k0 = k1;
        }
        values.truncate(n.div_ceil(2));
        values.shrink_to_fit();
        Narrow {
            buffer: values,
            len: n,
            kind: PhantomData,
        }
    }

    /// `f(v)` for every value, into a new buffer of half the values' size.
    pub fn from_slice(values: &[f64], f: impl Fn(f64) -> T + Sync) -> Self {
        const { assert!(std::mem::size_of::<T>() == 4) };
        let mut buffer = vec![0.0f64; values.len().div_ceil(2)];
        bytemuck::cast_slice_mut::<f64, T>(&mut buffer)[..values.len()]
            .par_chunks_mut(CHUNK)
            .zip(values.par_chunks(CHUNK))
            .for_each(|(out, vs)| {
                for (o, &v) in out.iter_mut().zip(vs) {
                    *o = f(v);
                }
            });
        Narrow {
            buffer,
            len: values.len(),
            kind: PhantomData,
        }
    }

    pub fn as_slice(&self) -> &[T] {
        &bytemuck::cast_slice::<f64, T>(&self.buffer)[..self.len]
    }
}

/// The fine matrix's values as CG and the V-cycle read them.
pub enum FineValues {
    /// f32 values and their remainders.
    Split {
        hi: Vec<f32>,
        remainders: Narrow<i32>,
    },
    /// Some value has no exact split: f64 values and an f32 copy.
    Whole { hi: Vec<f32>, values: Vec<f64> },
}

impl FineValues {
    /// Splits `values`, reusing their buffer for the remainders, or keeps them whole.
    pub fn new(values: Vec<f64>) -> Self {
        let hi: Vec<f32> = values.par_iter().map(|&v| v as f32).collect();
        if !values.par_iter().zip(&hi).all(|(&v, &h)| splits(v, h)) {
            return FineValues::Whole { hi, values };
        }
        let remainders = Narrow::in_place(values, |k, v| remainder(v, hi[k]));
        FineValues::Split { hi, remainders }
    }

    /// The f32 values the V-cycle reads.
    pub fn hi(&self) -> &[f32] {
        match self {
            FineValues::Split { hi, .. } | FineValues::Whole { hi, .. } => hi,
        }
    }

    /// Whether the values were split (false: kept whole beside an f32 copy).
    pub fn is_split(&self) -> bool {
        matches!(self, FineValues::Split { .. })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pseudo-random f64s over many binades, both signs, with the awkward ones mixed in.
    fn values(n: usize) -> Vec<f64> {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut out: Vec<f64> = (0..n)
            .map(|_| {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let mantissa = seed >> 12;
                let exponent = 1023 - 60 + (seed >> 58) * 2; // 2^-60 .. 2^+66
                f64::from_bits((seed & (1 << 63)) | exponent << 52 | mantissa)
            })
            .collect();
        // Powers of two, values just below them (they round up to the next binade), a value
        // exactly half-way between two f32s, signed zeros.
        let below = f64::from_bits(2.0f64.to_bits() - 1);
        let halfway = 1.0 + f64::powi(2.0, -24);
        out.extend([1.0, -4.0, below, -below, halfway, 0.0, -0.0, 1e-30, -3e30]);
        out
    }

    #[test]
    fn every_value_comes_back_bit_for_bit() {
        for v in values(100_000) {
            let h = v as f32;
            assert!(splits(v, h), "{v:e} has no split");
            let r = remainder(v, h);
            assert!(r.unsigned_abs() <= 1 << 29, "{v:e}: remainder {r}");
            assert_eq!(join(h, r).to_bits(), v.to_bits(), "{v:e}");
        }
    }

    #[test]
    fn remainders_written_in_place_match_and_the_buffer_halves() {
        // Odd and even lengths, across several rounds and chunks.
        for n in [1, 2, 3, 5, 1000, 3 * CHUNK + 7] {
            let original = values(n);
            let original = &original[..n];
            let FineValues::Split { hi, remainders } = FineValues::new(original.to_vec()) else {
                panic!("n = {n}: not split");
            };
            assert_eq!(remainders.buffer.len(), n.div_ceil(2));
            assert_eq!(
                remainders.buffer.capacity(),
                n.div_ceil(2),
                "the buffer is shrunk"
            );
            let r = remainders.as_slice();
            for (k, &v) in original.iter().enumerate() {
                assert_eq!(
                    join(hi[k], r[k]).to_bits(),
                    v.to_bits(),
                    "n = {n}, value {k}"
                );
            }
        }
    }

    #[test]
    fn narrowing_in_place_gives_the_values_a_copy_gives() {
        for n in [0, 1, 2, 7, 3 * CHUNK + 1] {
            let v = values(n);
            let v = &v[..n];
            let expected: Vec<f32> = v.iter().map(|&x| x as f32).collect();
            let copy = Narrow::from_slice(v, |x| x as f32);
            let in_place = Narrow::in_place(v.to_vec(), |_, x| x as f32);
            assert_eq!(copy.as_slice(), &expected[..], "n = {n}");
            assert_eq!(in_place.as_slice(), &expected[..], "n = {n}");
            assert_eq!(in_place.buffer.capacity(), n.div_ceil(2));
        }
    }

    #[test]
    fn values_outside_the_f32_normal_range_stay_whole() {
        for odd in [1e-40, -2e39, f64::INFINITY, f64::NAN] {
            let mut v = values(100);
            v[37] = odd;
            let fine = FineValues::new(v.clone());
            assert!(!fine.is_split(), "{odd:e}");
            let FineValues::Whole { values, .. } = fine else {
                unreachable!()
            };
            assert_eq!(values.len(), v.len());
        }
    }
}
