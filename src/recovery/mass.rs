//! The consistent mass matrix, kept element by element and applied without assembly.
//!
//! ```text
//! M = Σₑ Pₑᵀ Mₑ Pₑ,    (Mₑ)ₐᵦ = ∫ₑ Nₐ Nᵦ dΩ
//! ```
//!
//! The recovery multiplies by M a dozen times and needs nothing else of it, so it keeps each
//! Mₑ (symmetric: [`PACKED`] values, its upper triangle row by row) and applies y = M x in two
//! passes:
//!
//! 1. element by element, in parallel: yₑ = Mₑ xₑ on the element's eight nodes;
//! 2. node by node, in parallel: yᵢ = Σ yₑ\[a\] over the slots (e, a) of node i
//!    ([`NodeSlots`]), in the elements' order.
//!
//! No sparsity pattern is built and no element's 64 slots are scattered into one: those two
//! steps took 0.22 of the recovery's 0.54 CPU-seconds on y_tube:195000 (docs/benchmarks.md).
//! Each yᵢ is the same left-to-right sum whatever the thread count. The elements are taken in
//! the order of their lowest node ([`by_first_node`]): the solver numbers nodes so that
//! neighbours in space are near in number, and so then are a node's elements, whose yₑ pass 2
//! reads (in the mesh's own order the product took 1.4× as long).

use std::sync::Mutex;

use rayon::prelude::*;

use crate::element::NODES;
use crate::mesh::prepare::node_adjacency;
use crate::sparse::spmv::LinearOperator;

/// Values of a symmetric 8 × 8 element matrix kept: the upper triangle.
pub const PACKED: usize = NODES * (NODES + 1) / 2;

/// Where (a, b), a ≤ b, lies in the packed upper triangle (row by row).
pub const fn packed(a: usize, b: usize) -> usize {
    a * NODES - a * (a + 1) / 2 + b
}

/// The elements (their indices) in the order of their lowest node, ties by index.
pub fn by_first_node(elements: &[[u32; NODES]]) -> Vec<u32> {
    let mut order: Vec<u32> = (0..elements.len() as u32).collect();
    order.par_sort_unstable_by_key(|&e| {
        let el = &elements[e as usize];
        (el.iter().copied().min().unwrap_or(0), e)
    });
    order
}

/// Each node's slots: 8e + a for every element e (a position in the element list given)
/// that holds the node as its local node a, ascending (so elements in the list's order).
#[derive(Debug, Clone)]
pub struct NodeSlots {
    ptr: Vec<u32>,
    slots: Vec<u32>,
}

impl NodeSlots {
    /// The slots of an `n`-node mesh's `elements` (at most [`crate::mesh::MAX_ELEMENTS`], so
    /// 8e + a fits a u32).
    pub fn new(n: usize, elements: &[[u32; NODES]]) -> Self {
        let (ptr, slots) = node_adjacency(n, elements, |e, a| (NODES * e + a) as u32);
        NodeSlots { ptr, slots }
    }

    /// Node `i`'s slots.
    pub fn of(&self, i: usize) -> &[u32] {
        &self.slots[self.ptr[i] as usize..self.ptr[i + 1] as usize]
    }

    /// `out[i]` = Σ `per_slot[s]` over node i's slots s, in their order, nodes in parallel.
    pub fn gather<const W: usize>(&self, per_slot: &[[f64; W]], out: &mut [[f64; W]]) {
        out.par_iter_mut()
            .with_min_len(1024)
            .enumerate()
            .for_each(|(i, o)| {
                let mut sum = [0.0; W];
                for &s in self.of(i) {
                    let v = &per_slot[s as usize];
                    for c in 0..W {
                        sum[c] += v[c];
                    }
                }
                *o = sum;
            });
    }
}

/// yₑ = Mₑ xₑ for the two interleaved components, Mₑ packed.
fn element_product(m: &[f64; PACKED], xe: &[[f64; 2]; NODES]) -> [[f64; 2]; NODES] {
    let mut y = [[0.0; 2]; NODES];
    for (a, ya) in y.iter_mut().enumerate() {
        for (b, xb) in xe.iter().enumerate() {
            let v = m[INDEX[a][b]];
            ya[0] += v * xb[0];
            ya[1] += v * xb[1];
        }
    }
    y
}

/// [`packed`] of every (a, b).
const INDEX: [[usize; NODES]; NODES] = {
    let mut t = [[0; NODES]; NODES];
    let mut a = 0;
    while a < NODES {
        let mut b = 0;
        while b < NODES {
            t[a][b] = if a <= b { packed(a, b) } else { packed(b, a) };
            b += 1;
        }
        a += 1;
    }
    t
};

/// M applied to both velocity components at once, interleaved node by node
/// (x₀, y₀, x₁, y₁, …): one pass over the element matrices for the two.
pub struct MassPair<'a> {
    mass: &'a [[f64; PACKED]],
    elements: &'a [[u32; NODES]],
    slots: &'a NodeSlots,
    /// yₑ of every slot, two components each: written by pass 1, read by pass 2.
    scratch: Mutex<Vec<f64>>,
}

impl<'a> MassPair<'a> {
    pub fn new(
        mass: &'a [[f64; PACKED]],
        elements: &'a [[u32; NODES]],
        slots: &'a NodeSlots,
    ) -> Self {
        // Written in parallel, not mapped from the zero page
        // (see [`crate::assembly::CsrPattern::zero_values`]).
        let scratch = (0..2 * NODES * elements.len())
            .into_par_iter()
            .map(|_| 0.0)
            .collect();
        MassPair {
            mass,
            elements,
            slots,
            scratch: Mutex::new(scratch),
        }
    }

    /// 1 / Mᵢᵢ (1 where Mᵢᵢ = 0), Mᵢᵢ summed over node i's slots in their order.
    pub fn inverse_diagonal(&self) -> Vec<f64> {
        let diagonal: Vec<[f64; 1]> = self
            .mass
            .par_iter()
            .flat_map_iter(|m| (0..NODES).map(move |a| [m[packed(a, a)]]))
            .collect();
        let mut d = vec![[0.0]; self.slots.ptr.len() - 1];
        self.slots.gather(&diagonal, &mut d);
        d.iter()
            .map(|&[d]| if d != 0.0 { 1.0 / d } else { 1.0 })
            .collect()
    }
}

impl LinearOperator for MassPair<'_> {
    fn apply(&self, x: &[f64], y: &mut [f64]) {
        let mut per_slot = self.scratch.lock().unwrap_or_else(|e| e.into_inner());
        per_slot
            .par_chunks_mut(2 * NODES)
            .zip(self.elements.par_iter().zip(self.mass.par_iter()))
            .with_min_len(256)
            .for_each(|(out, (el, m))| {
                let xe = el.map(|k| [x[2 * k as usize], x[2 * k as usize + 1]]);
                let ye = element_product(m, &xe);
                out.copy_from_slice(ye.as_flattened());
            });
        self.slots
            .gather(per_slot.as_chunks::<2>().0, y.as_chunks_mut::<2>().0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_positions_cover_the_upper_triangle_once() {
        let mut seen = [false; PACKED];
        let mut next = 0;
        for a in 0..NODES {
            for b in a..NODES {
                let p = packed(a, b);
                assert_eq!(p, next, "row by row");
                assert!(!seen[p]);
                seen[p] = true;
                next += 1;
            }
        }
        assert!(seen.iter().all(|&s| s));
    }

    /// Two elements sharing an edge, arbitrary symmetric matrices: the two passes give what
    /// the assembled matrix gives.
    #[test]
    fn applies_the_assembled_matrix() {
        let elements = [[0u32, 1, 2, 3, 4, 5, 6, 7], [1, 8, 9, 2, 10, 11, 12, 5]];
        let n = 13;
        let full = |e: usize, a: usize, b: usize| {
            let (a, b) = (a.min(b), a.max(b));
            1.0 + (e * 100 + a * 10 + b) as f64 * 0.01 + if a == b { 3.0 } else { 0.0 }
        };
        let mass: Vec<[f64; PACKED]> = (0..2)
            .map(|e| {
                let mut m = [0.0; PACKED];
                for a in 0..NODES {
                    for b in a..NODES {
                        m[packed(a, b)] = full(e, a, b);
                    }
                }
                m
            })
            .collect();
        let mut dense = vec![vec![0.0; n]; n];
        for (e, el) in elements.iter().enumerate() {
            for a in 0..NODES {
                for b in 0..NODES {
                    dense[el[a] as usize][el[b] as usize] += full(e, a, b);
                }
            }
        }
        let x: Vec<f64> = (0..2 * n).map(|i| ((i * 7) % 11) as f64 - 4.5).collect();
        let slots = NodeSlots::new(n, &elements);
        let op = MassPair::new(&mass, &elements, &slots);
        let mut y = vec![0.0; 2 * n];
        op.apply(&x, &mut y);
        for i in 0..n {
            for c in 0..2 {
                let want: f64 = (0..n).map(|j| dense[i][j] * x[2 * j + c]).sum();
                assert!((y[2 * i + c] - want).abs() <= 1e-12 * want.abs().max(1.0));
            }
        }
        let inv = op.inverse_diagonal();
        for i in 0..n {
            assert!((inv[i] * dense[i][i] - 1.0).abs() < 1e-14);
        }
        assert_eq!(
            slots.of(1),
            &[1, 8],
            "node 1: element 0's local 1, element 1's local 0"
        );
    }
}
