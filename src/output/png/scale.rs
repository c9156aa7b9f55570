//! The colour scale of a plot: which values map to the ends of the colour bar.
//!
//! By default the ends are robust, so that one corner singularity (|v| → ∞ at a re-entrant
//! corner) does not paint the rest of the field one dark colour: an end is clipped to the
//! area-weighted 0.1 % (or 99.9 %) quantile of the plotted values when the values beyond it
//! would stretch the scale by more than a quarter of the quantiles' span. A smooth field, or
//! a real peak such as the 2U on a cylinder's shoulders, keeps its full range; only a thin
//! tail that would dominate the scale is clipped. A clipped end is marked on the colour bar
//! with a triangle, as matplotlib's `extend` does. `full` uses the extremes, `MIN,MAX` fixes
//! the ends.

use std::fmt;

/// How a plot's colour range is chosen.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum RangeChoice {
    /// Area-weighted quantiles where a thin tail would dominate the scale (the default).
    #[default]
    Robust,
    /// The smallest and the largest value.
    Full,
    /// Fixed ends.
    Fixed(f64, f64),
}

impl fmt::Display for RangeChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RangeChoice::Robust => write!(f, "robust"),
            RangeChoice::Full => write!(f, "full"),
            RangeChoice::Fixed(lo, hi) => write!(f, "{lo},{hi}"),
        }
    }
}

/// The lower and upper quantile of the robust range.
pub const ROBUST_QUANTILES: (f64, f64) = (0.001, 0.999);

/// How far beyond a quantile, as a fraction of the quantiles' span, an extreme may lie and
/// still be drawn in full.
pub const WIDEN_WITHIN: f64 = 0.25;

/// The values at the ends of the colour bar, and whether values lie beyond each end.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ColourRange {
    pub lo: f64,
    pub hi: f64,
    /// Some plotted values are below `lo` (a triangle under the bar).
    pub below: bool,
    /// Some plotted values are above `hi` (a triangle over the bar).
    pub above: bool,
}

/// The colour range of `values` with weights `weights` (the area each value stands for).
/// Non-finite values are ignored.
pub fn colour_range(values: &[f64], weights: &[f64], choice: RangeChoice) -> ColourRange {
    let (min, max) = values
        .iter()
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
            (a.min(v), b.max(v))
        });
    let (lo, hi) = match choice {
        RangeChoice::Full => (min, max),
        RangeChoice::Fixed(lo, hi) => (lo, hi),
        RangeChoice::Robust => {
            let (qlo, qhi) = weighted_quantiles(values, weights, ROBUST_QUANTILES);
            let slack = WIDEN_WITHIN * (qhi - qlo);
            (
                if qlo - min <= slack { min } else { qlo },
                if max - qhi <= slack { max } else { qhi },
            )
        }
    };
    ColourRange {
        lo,
        hi,
        below: min < lo,
        above: max > hi,
    }
}

/// The `q.0` and `q.1` quantiles of `values` where each value counts with its weight
/// (the smallest value at which the cumulative weight reaches q of the total).
///
/// Only the tail beyond each quantile is sorted: the k values at that end are selected
/// (`select_nth_unstable`, linear), k doubled until their weight holds the quantile. The
/// robust range's 0.1 % and 99.9 % need a few hundred of a plot's half million values, where
/// sorting them all took 35-45 ms per plot.
pub fn weighted_quantiles(values: &[f64], weights: &[f64], q: (f64, f64)) -> (f64, f64) {
    let mut pairs: Vec<(f64, f64)> = values
        .iter()
        .zip(weights)
        .filter(|(v, w)| v.is_finite() && w.is_finite() && **w >= 0.0)
        .map(|(&v, &w)| (v, w))
        .collect();
    if pairs.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    let total: f64 = pairs.iter().map(|p| p.1).sum();
    (
        quantile(&mut pairs, total, q.0),
        quantile(&mut pairs, total, q.1),
    )
}

/// The weighted `q` quantile of `pairs` (value, weight), whose weights add up to `total`:
/// from the low end for q ≤ ½ (the first value, ascending, at which the cumulative weight
/// reaches q·total), else from the high end (the same value: the last one, descending,
/// with at most (1 − q)·total above it). `pairs` is reordered.
fn quantile(pairs: &mut [(f64, f64)], total: f64, q: f64) -> f64 {
    let n = pairs.len();
    let low = q <= 0.5;
    let mut k = n.min(1024);
    loop {
        // The k values at the quantile's end, in order from that end.
        let tail = if low {
            if k < n {
                pairs.select_nth_unstable_by(k - 1, |a, b| a.0.total_cmp(&b.0));
            }
            &mut pairs[..k]
        } else {
            if k < n {
                pairs.select_nth_unstable_by(n - k, |a, b| a.0.total_cmp(&b.0));
            }
            &mut pairs[n - k..]
        };
        let weight: f64 = tail.iter().map(|p| p.1).sum();
        let enough = if low {
            weight >= q * total
        } else {
            weight > (1.0 - q) * total
        };
        if enough || k == n {
            if low {
                tail.sort_by(|a, b| a.0.total_cmp(&b.0));
                let mut acc = 0.0;
                for &(v, w) in tail.iter() {
                    acc += w;
                    if acc >= q * total {
                        return v;
                    }
                }
                return tail[tail.len() - 1].0;
            }
            tail.sort_by(|a, b| b.0.total_cmp(&a.0));
            let (mut above, mut answer) = (0.0, tail[0].0);
            for &(v, w) in tail.iter() {
                if above > (1.0 - q) * total {
                    break;
                }
                answer = v;
                above += w;
            }
            return answer;
        }
        k = (2 * k).min(n);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_follow_the_weights() {
        // 1..=100 with equal weights: the 5 % quantile is 5, the 95 % one 95.
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        let w = vec![1.0; 100];
        assert_eq!(weighted_quantiles(&v, &w, (0.05, 0.95)), (5.0, 95.0));
        // All the weight on one value puts both quantiles there.
        let mut w = vec![0.0; 100];
        w[41] = 1.0;
        assert_eq!(weighted_quantiles(&v, &w, (0.05, 0.95)), (42.0, 42.0));
    }

    /// The quantile by sorting everything, as the definition reads.
    fn sorted_quantile(values: &[f64], weights: &[f64], q: f64) -> f64 {
        let mut pairs: Vec<(f64, f64)> = values.iter().copied().zip(weights.to_vec()).collect();
        pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
        let total: f64 = pairs.iter().map(|p| p.1).sum();
        let mut acc = 0.0;
        for &(v, w) in &pairs {
            acc += w;
            if acc >= q * total {
                return v;
            }
        }
        pairs[pairs.len() - 1].0
    }

    #[test]
    fn selected_tails_give_the_quantiles_of_a_full_sort() {
        // Many values with repeats, uneven weights (some zero), a spike: the tails selected
        // and sorted give what sorting everything gives, at the robust range's quantiles and
        // at others, below and above the 1024 values first selected.
        let mut state = 12345u64;
        let mut next = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) as f64 / (1u64 << 31) as f64
        };
        for n in [7, 1000, 5000, 40_000] {
            let values: Vec<f64> = (0..n).map(|_| (next() * 50.0).floor() / 7.0).collect();
            let weights: Vec<f64> = (0..n)
                .map(|i| if i % 11 == 0 { 0.0 } else { next() })
                .collect();
            for q in [0.001, 0.01, 0.3, 0.5, 0.7, 0.99, 0.999] {
                let (lo, hi) = weighted_quantiles(&values, &weights, (q, q));
                let exact = sorted_quantile(&values, &weights, q);
                assert_eq!((lo, hi), (exact, exact), "n {n}, q {q}");
            }
        }
    }

    #[test]
    fn a_smooth_field_keeps_its_extremes_and_a_spike_is_clipped() {
        let smooth: Vec<f64> = (0..=1000).map(|i| f64::from(i) / 1000.0).collect();
        let w = vec![1.0; smooth.len()];
        let r = colour_range(&smooth, &w, RangeChoice::Robust);
        assert_eq!((r.lo, r.hi, r.below, r.above), (0.0, 1.0, false, false));

        // A corner singularity: one tiny area with a huge value.
        let mut spiky = smooth.clone();
        let mut w = w;
        spiky.push(40.0);
        w.push(0.5);
        let r = colour_range(&spiky, &w, RangeChoice::Robust);
        assert!(r.above && !r.below, "{r:?}");
        assert!((r.hi - 0.999).abs() < 2e-3, "{r:?}");
        let full = colour_range(&spiky, &w, RangeChoice::Full);
        assert_eq!((full.lo, full.hi, full.above), (0.0, 40.0, false));
        let fixed = colour_range(&spiky, &w, RangeChoice::Fixed(0.2, 2.0));
        assert_eq!((fixed.below, fixed.above), (true, true));
    }
}
