//! The window the plots frame by default round a body with circulation: the far field of an
//! airfoil lies 20 chords out, where the body would be a dot.

use crate::mesh::{bounding_box, Mesh};

/// A window round boundary group `group` of `mesh`: its bounding box with 30 % of its larger
/// side on each side, made at least 0.55 times as tall as wide (a chord-long section shows its
/// stagnation streamline and some of its wake); `None` where the group has no edges.
pub fn body_window(mesh: &Mesh, group: &str) -> Option<[f64; 4]> {
    let g = mesh.groups.iter().find(|g| g.name == group)?;
    let nodes = g.edges.iter().flatten().filter_map(|&k| {
        let k = k as usize;
        Some([*mesh.x.get(k)?, *mesh.y.get(k)?])
    });
    let [x0, x1, y0, y1] = bounding_box(nodes);
    let size = (x1 - x0).max(y1 - y0);
    if !(size.is_finite() && size > 0.0) {
        return None;
    }
    let pad = 0.3 * size;
    let (left, right) = (x0 - pad, x1 + pad);
    let half = (0.5 * (y1 - y0) + pad).max(0.275 * (right - left));
    let mid = 0.5 * (y0 + y1);
    Some([left, right, mid - half, mid + half])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mesh::BoundaryGroup;

    #[test]
    fn a_window_frames_the_group_with_a_margin() {
        let mesh = Mesh {
            x: vec![0.0, 0.5, 1.0, 9.0],
            y: vec![0.0, 0.06, 0.0, 9.0],
            groups: vec![BoundaryGroup {
                name: "airfoil".into(),
                edges: vec![[0, 1, 2]],
            }],
            ..Mesh::default()
        };
        let [x0, x1, y0, y1] = body_window(&mesh, "airfoil").unwrap();
        assert!((x0 + 0.3).abs() < 1e-12 && (x1 - 1.3).abs() < 1e-12);
        assert!((y1 - y0 - 0.55 * 1.6).abs() < 1e-12, "{y0} {y1}");
        assert!((y0 + y1 - 0.06).abs() < 1e-12);
        assert_eq!(body_window(&mesh, "farfield"), None);
    }
}
