//! Structured Quad-8 meshes from a smooth map of the unit square.
//!
//! The lattice of a block of `nx × ny` Quad-8 elements is the `(2nx+1) × (2ny+1)` grid of
//! half-steps without the element centres (odd, odd). Every lattice point, mid-edge nodes
//! included, is placed by evaluating the map at its parameter, so mid-edge nodes lie on the
//! true curve of a curved wall. Nodes are numbered column by column (x slowest), which keeps
//! an element's nodes within about `4ny` of each other.

use super::{IndexWidth, Mesh};

/// A block of `nx × ny` elements mapped from (s, t) ∈ [0, 1]² by `map`, which must be
/// orientation preserving (counter-clockwise in, counter-clockwise out).
pub fn mapped_block(
    source: impl Into<String>,
    nx: usize,
    ny: usize,
    map: impl Fn(f64, f64) -> [f64; 2],
) -> Mesh {
    let (cols, rows) = (2 * nx + 1, 2 * ny + 1);
    let mut id = vec![u32::MAX; cols * rows];
    let (mut x, mut y) = (Vec::new(), Vec::new());
    for i in 0..cols {
        for j in 0..rows {
            if i % 2 == 1 && j % 2 == 1 {
                continue;
            }
            id[i * rows + j] = x.len() as u32;
            let [px, py] = map(i as f64 / (cols - 1) as f64, j as f64 / (rows - 1) as f64);
            x.push(px);
            y.push(py);
        }
    }
    let at = |i: usize, j: usize| id[i * rows + j];
    let mut quad8 = Vec::with_capacity(nx * ny);
    for ex in 0..nx {
        for ey in 0..ny {
            let (i, j) = (2 * ex, 2 * ey);
            quad8.push([
                at(i, j),
                at(i + 2, j),
                at(i + 2, j + 2),
                at(i, j + 2),
                at(i + 1, j),
                at(i + 2, j + 1),
                at(i + 1, j + 2),
                at(i, j + 1),
            ]);
        }
    }
    Mesh {
        source: source.into(),
        x,
        y,
        quad8,
        index_width: IndexWidth::I32,
        groups: Vec::new(),
    }
}

/// Node count of an `nx × ny` Quad-8 block.
pub fn block_nodes(nx: usize, ny: usize) -> usize {
    (2 * nx + 1) * (2 * ny + 1) - nx * ny
}

/// A straight channel `[0, length] × [0, height]` of `nx × ny` elements.
pub fn channel(nx: usize, ny: usize, length: f64, height: f64) -> Mesh {
    mapped_block(format!("channel {nx}x{ny}"), nx, ny, |s, t| {
        [length * s, height * t]
    })
}

/// Half-width of the venturi channel: 1 far from the throat, 0.5 at x = 4.
pub fn venturi_half_width(x: f64) -> f64 {
    1.0 - 0.5 * (-(x - 4.0) * (x - 4.0)).exp()
}

/// A channel of length 8 and width 2 with a smooth constriction to half its width at x = 4,
/// walls `y = ±h(x)` ([`venturi_half_width`]), with about `target_nodes` nodes (elements about
/// square at the inlet: `nx = 4 ny`). Inlet at x = 0, outlet at x = 8.
pub fn venturi(target_nodes: usize) -> Mesh {
    let (nx, ny) = square_cells(target_nodes);
    mapped_block("generated venturi", nx, ny, |s, t| {
        let x = 8.0 * s;
        let h = venturi_half_width(x);
        [x, h * (2.0 * t - 1.0)]
    })
}

/// The geometries [`by_name`] knows, with a line of description each.
pub const GEOMETRIES: [(&str, &str); 2] = [
    (
        "channel",
        "straight channel 8 x 2, inlet x = 0, outlet x = 8",
    ),
    (
        "venturi",
        "channel 8 x 2 narrowing smoothly to half its width at x = 4",
    ),
];

/// A generated mesh of `geometry` with about `nodes` nodes.
pub fn by_name(geometry: &str, nodes: usize) -> Option<Mesh> {
    match geometry {
        "venturi" => Some(venturi(nodes)),
        "channel" => {
            let (nx, ny) = square_cells(nodes);
            let mut m = channel(nx, ny, 8.0, 2.0);
            m.source = "generated channel".into();
            Some(m)
        }
        _ => None,
    }
}

/// (nx, ny) = (4 ny, ny) with about `nodes` nodes: 12 ny² + 10 ny + 1 = nodes.
fn square_cells(nodes: usize) -> (usize, usize) {
    let ny =
        ((((100.0 + 48.0 * (nodes as f64 - 1.0)).sqrt() - 10.0) / 24.0).round() as usize).max(1);
    (4 * ny, ny)
}

/// The built-in case of `potflow solve` with no mesh: a venturi channel of about 50k nodes.
pub fn default_case() -> Mesh {
    venturi(50_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_counts_match_formula() {
        let m = channel(3, 2, 3.0, 2.0);
        assert_eq!(m.nodes(), block_nodes(3, 2));
        assert_eq!(m.elements(), 6);
        let v = venturi(50_000);
        assert!(
            (v.nodes() as f64 - 50_000.0).abs() < 0.02 * 50_000.0,
            "{}",
            v.nodes()
        );
    }
}
