//! The coefficients of a body with circulation: from the circulation (Kutta-Joukowski) and
//! from the surface pressure, which agree where the far field is far and the mesh fine.
//!
//! ```text
//! q = ½ ρ U²,  c = |LE − TE|,  α = the stream's angle to the chord line (LE → TE)
//! cl_circulation = 2 Γ / (U c)               (L = ρ U Γ, Γ clockwise positive)
//! cl = F · (−sin a, cos a) / (q c)           (a the stream's direction; F the pressure force)
//! cd = F · (cos a, sin a) / (q c)            (zero in exact potential flow: d'Alembert)
//! cm_c4 = −M / (q c²)                         (M the pressure force's counter-clockwise moment
//!                                             about LE + ¼ (TE − LE); nose-up positive for a
//!                                             section with its leading edge upstream)
//! ```

use super::SurfaceRow;

/// What the run knows about the body: its circulation and where its chord lies.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LiftInput {
    /// Γ, m²/s, clockwise positive.
    pub circulation: f64,
    pub leading_edge: [f64; 2],
    /// Where the chord ends; `None` for a body without a trailing edge, whose chord is its
    /// largest extent from `far_end`.
    pub trailing_edge: Option<[f64; 2]>,
    /// The other end of the chord where there is no trailing edge.
    pub far_end: [f64; 2],
}

/// The body's coefficients (flattened into its surface entry of the report).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct LiftCoefficients {
    /// Γ, m²/s, clockwise positive.
    pub circulation: f64,
    /// 2Γ / (U c), Kutta-Joukowski.
    pub cl_circulation: f64,
    /// From the pressure force, across and along the stream.
    pub cl: f64,
    pub cd: f64,
    /// About the quarter chord, nose-up positive.
    pub cm_c4: f64,
    /// m.
    pub chord: f64,
    /// The angle of attack: the stream's direction in the mesh's frame (the frame of the
    /// section's coordinates, as XFOIL and the panel codes give it), degrees.
    pub alpha: f64,
    pub leading_edge: [f64; 2],
    pub trailing_edge: [f64; 2],
}

impl LiftInput {
    fn chord_end(&self) -> [f64; 2] {
        self.trailing_edge.unwrap_or(self.far_end)
    }

    /// LE + ¼ (TE − LE).
    pub fn quarter_chord(&self) -> [f64; 2] {
        let (l, t) = (self.leading_edge, self.chord_end());
        [l[0] + 0.25 * (t[0] - l[0]), l[1] + 0.25 * (t[1] - l[1])]
    }

    /// The coefficients from the pressure force `f`, its moment `mz` about the quarter chord,
    /// the dynamic pressure `q`, the stream's speed and direction.
    pub fn coefficients(
        &self,
        f: [f64; 2],
        mz: f64,
        q: f64,
        speed: f64,
        stream_angle_deg: f64,
    ) -> LiftCoefficients {
        let (l, t) = (self.leading_edge, self.chord_end());
        let chord = (t[0] - l[0]).hypot(t[1] - l[1]);
        let a = stream_angle_deg.to_radians();
        let alpha = (stream_angle_deg + 180.0).rem_euclid(360.0) - 180.0;
        LiftCoefficients {
            circulation: self.circulation,
            cl_circulation: 2.0 * self.circulation / (speed * chord),
            cl: (-f[0] * a.sin() + f[1] * a.cos()) / (q * chord),
            cd: (f[0] * a.cos() + f[1] * a.sin()) / (q * chord),
            cm_c4: -mz / (q * chord * chord),
            chord,
            alpha,
            leading_edge: l,
            trailing_edge: t,
        }
    }
}

/// Turns the closed chain through `te` so that it starts there: the rows then run from the
/// trailing edge along the lower side to the leading edge and back along the upper side.
pub(super) fn start_at(
    order: &mut [Vec<usize>],
    edges: &[[u32; 3]],
    xy: &dyn Fn(u32) -> [f64; 2],
    te: [f64; 2],
) {
    let distance = |k: u32| {
        let p = xy(k);
        (p[0] - te[0]).hypot(p[1] - te[1])
    };
    for chain in order.iter_mut() {
        if let Some(at) = (0..chain.len())
            .min_by(|&a, &b| distance(edges[chain[a]][0]).total_cmp(&distance(edges[chain[b]][0])))
        {
            if distance(edges[chain[at]][0]) == 0.0 {
                chain.rotate_left(at);
            }
        }
    }
}

/// x/c and the side (`lower` from the trailing edge to the leading edge, then `upper`) of
/// each row, for rows that start at the trailing edge.
pub fn chord_positions(rows: &[SurfaceRow], lift: &LiftCoefficients) -> Vec<(f64, &'static str)> {
    let (l, t) = (lift.leading_edge, lift.trailing_edge);
    let d = [t[0] - l[0], t[1] - l[1]];
    let c2 = d[0] * d[0] + d[1] * d[1];
    let at_le = rows
        .iter()
        .enumerate()
        .min_by(|(_, a), (_, b)| {
            let dist = |r: &SurfaceRow| (r.x - l[0]).hypot(r.y - l[1]);
            dist(a).total_cmp(&dist(b))
        })
        .map_or(0, |(i, _)| i);
    rows.iter()
        .enumerate()
        .map(|(i, r)| {
            let x = ((r.x - l[0]) * d[0] + (r.y - l[1]) * d[1]) / c2;
            let side = if i < at_le {
                "lower"
            } else if i == at_le {
                "leading_edge"
            } else {
                "upper"
            };
            (x, side)
        })
        .collect()
}
