//! Connected pieces of a mesh (union-find over nodes, joined through elements): every piece
//! needs a node where u is fixed, else the system is singular.

use super::PreparedMesh;
use crate::element::NODES;
use crate::error::{Error, Result};

/// Checks that every connected piece of the mesh holds at least one Dirichlet node.
pub fn check_pieces_anchored(mesh: &PreparedMesh, dirichlet: &[u32]) -> Result<()> {
    let mut parent = pieces(mesh);
    let mut anchored = vec![false; mesh.nodes()];
    for &d in dirichlet {
        let r = find(&mut parent, d);
        anchored[r as usize] = true;
    }
    for (e, el) in mesh.elements.iter().enumerate() {
        let r = find(&mut parent, el[0]);
        if !anchored[r as usize] {
            let size = (0..mesh.nodes() as u32)
                .filter(|&i| find(&mut parent, i) == r)
                .count();
            return Err(Error::Singular {
                source_name: String::new(),
                reason: format!(
                    "the mesh piece containing element {e} ({size} nodes) touches no outlet node, \
                     so its potential is undetermined"
                ),
            });
        }
    }
    Ok(())
}

fn find(p: &mut [u32], mut i: u32) -> u32 {
    while p[i as usize] != i {
        p[i as usize] = p[p[i as usize] as usize];
        i = p[i as usize];
    }
    i
}

/// Union-find over nodes, joined through elements: nodes of one connected piece share a root.
fn pieces(mesh: &PreparedMesh) -> Vec<u32> {
    let mut parent: Vec<u32> = (0..mesh.nodes() as u32).collect();
    for el in &mesh.elements {
        let r0 = find(&mut parent, el[0]);
        for &k in &el[1..NODES] {
            let r = find(&mut parent, k);
            parent[r as usize] = r0;
        }
    }
    parent
}

/// The first node of every connected piece of the mesh.
pub fn piece_representatives(mesh: &PreparedMesh) -> Vec<u32> {
    let mut parent = pieces(mesh);
    let mut seen = std::collections::HashSet::new();
    (0..mesh.nodes() as u32)
        .filter(|&i| seen.insert(find(&mut parent, i)))
        .collect()
}
