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
//!
//! **Compressibility** (`--mach M`, M < 1): corrections of the incompressible Cp, valid below
//! the critical Mach number (where the flow first reaches the speed of sound), β = √(1 − M²):
//!
//! ```text
//! Prandtl-Glauert   Cp = Cp₀ / β
//! Karman-Tsien      Cp = Cp₀ / (β + M² / (1 + β) · Cp₀ / 2)
//! critical          Cp* = 2 / (γ M²) · [((2 + (γ − 1) M²) / (γ + 1))^(γ/(γ−1)) − 1],  γ = 1.4
//! ```
//!
//! The corrected coefficients integrate the corrected Cp round the body (Prandtl-Glauert's are
//! the incompressible ones over β). Where the corrected minimum Cp lies below Cp*, the flow is
//! supersonic somewhere and no correction of incompressible flow holds: the report says so.

use super::SurfaceRow;

/// The ratio of specific heats of air.
pub const GAMMA_AIR: f64 = 1.4;

/// Prandtl-Glauert's Cp at Mach `m` from the incompressible `cp0`.
pub fn prandtl_glauert(cp0: f64, m: f64) -> f64 {
    cp0 / (1.0 - m * m).sqrt()
}

/// Karman-Tsien's Cp at Mach `m` from the incompressible `cp0`.
pub fn karman_tsien(cp0: f64, m: f64) -> f64 {
    let beta = (1.0 - m * m).sqrt();
    cp0 / (beta + m * m / (1.0 + beta) * cp0 / 2.0)
}

/// The Cp at which the flow reaches the speed of sound, for a free stream at Mach `m`.
pub fn critical_cp(m: f64) -> f64 {
    let g = GAMMA_AIR;
    2.0 / (g * m * m) * (((2.0 + (g - 1.0) * m * m) / (g + 1.0)).powf(g / (g - 1.0)) - 1.0)
}

/// The compressibility corrections of a body's coefficients at one Mach number.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Compressible {
    pub mach: f64,
    pub cl_prandtl_glauert: f64,
    pub cl_karman_tsien: f64,
    pub cd_karman_tsien: f64,
    pub cm_c4_karman_tsien: f64,
    /// The smallest Cp on the surface: incompressible, and corrected by Karman-Tsien.
    pub cp_min: f64,
    pub cp_min_karman_tsien: f64,
    pub cp_critical: f64,
    /// Whether the corrected minimum Cp lies below the critical one: the correction does not
    /// hold.
    pub supercritical: bool,
}

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
    /// The free stream's Mach number, for the compressibility corrections.
    pub mach: Option<f64>,
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
    /// With `--mach`: the corrected coefficients.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub compressible: Option<Compressible>,
}

/// ∮ Cp n ds and its moment about a point, for Cp corrected or not: the sums
/// [`LiftInput::compressible`] needs.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct CpIntegral {
    pub force: [f64; 2],
    pub moment: f64,
}

impl LiftInput {
    /// The corrected coefficients from the Karman-Tsien integral `kt` (∮ Cp n ds and its
    /// moment, per unit dynamic pressure), the incompressible cl and the smallest Cp.
    pub fn compressible(
        &self,
        kt: CpIntegral,
        cl: f64,
        cp_min: f64,
        stream_angle_deg: f64,
    ) -> Option<Compressible> {
        let m = self.mach?;
        let chord = self.chord();
        let a = stream_angle_deg.to_radians();
        let cp_min_kt = karman_tsien(cp_min, m);
        let cp_critical = critical_cp(m);
        Some(Compressible {
            mach: m,
            cl_prandtl_glauert: cl / (1.0 - m * m).sqrt(),
            cl_karman_tsien: (-kt.force[0] * a.sin() + kt.force[1] * a.cos()) / chord,
            cd_karman_tsien: (kt.force[0] * a.cos() + kt.force[1] * a.sin()) / chord,
            cm_c4_karman_tsien: -kt.moment / (chord * chord),
            cp_min,
            cp_min_karman_tsien: cp_min_kt,
            cp_critical,
            supercritical: cp_min_kt < cp_critical,
        })
    }

    fn chord(&self) -> f64 {
        let (l, t) = (self.leading_edge, self.chord_end());
        (t[0] - l[0]).hypot(t[1] - l[1])
    }
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
            compressible: None,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_corrections_meet_their_textbook_values() {
        // Cp* at M = 0.7 and 0.8 from the isentropic relation: −0.779 and −0.435 in the NACA
        // tables (Anderson, Fundamentals of Aerodynamics, fig. 11.10).
        assert!(
            (critical_cp(0.7) + 0.779).abs() < 1e-3,
            "{}",
            critical_cp(0.7)
        );
        assert!(
            (critical_cp(0.8) + 0.435).abs() < 1e-3,
            "{}",
            critical_cp(0.8)
        );
        // Both corrections vanish at M = 0; Karman-Tsien lies above Prandtl-Glauert in
        // magnitude for suction peaks, and both scale small Cp by 1/β.
        assert_eq!(karman_tsien(-0.5, 0.0), -0.5);
        assert_eq!(prandtl_glauert(-0.5, 0.0), -0.5);
        let beta = (1.0f64 - 0.36).sqrt();
        assert!((prandtl_glauert(-0.5, 0.6) + 0.5 / beta).abs() < 1e-15);
        assert!(karman_tsien(-0.5, 0.6) < prandtl_glauert(-0.5, 0.6));
        assert!((karman_tsien(-1e-6, 0.6) / (-1e-6 / beta) - 1.0).abs() < 1e-6);
    }
}
