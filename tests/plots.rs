//! The PNG plots as a reader sees them: no holes between elements, a colour range that a
//! corner singularity does not take over (and says when it clips), and a view window.

mod common;

use std::path::Path;

use common::{potflow, s};

/// An RGB image.
struct Image {
    w: usize,
    h: usize,
    rgb: Vec<u8>,
}

impl Image {
    fn read(path: &Path) -> Image {
        let (w, h, rgb) = common::read_png(path);
        Image { w, h, rgb }
    }

    fn at(&self, x: usize, y: usize) -> [u8; 3] {
        std::array::from_fn(|c| self.rgb[3 * (y * self.w + x) + c])
    }
}

const WHITE: [u8; 3] = [255; 3];

/// A colour of the field: viridis, possibly under a contour line, never grey (text, frame
/// and background are grey or white).
fn field_colour(c: [u8; 3]) -> bool {
    !(c[0] == c[1] && c[1] == c[2])
}

/// Draws `mesh` with the extra arguments into a fresh directory and reads `velocity.png`.
fn velocity_plot(mesh: &str, extra: &[&str]) -> Image {
    let dir = tempfile::tempdir().unwrap();
    let mut args = vec!["solve", mesh, "--backend", "cpu", "--png", s(dir.path())];
    args.extend_from_slice(extra);
    args.push("--quiet");
    let o = potflow(&args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    Image::read(&dir.path().join("velocity.png"))
}

/// The first row, from the top, where a column 2 px inside the colour bar's left edge is
/// yellow. The bar is 28 px wide, 40 px right of a plot that ends 200 px before the right
/// edge (images up to 1600 px wide). A triangle over the bar (22 px high, its apex at the
/// plot's top) shifts the bar down by its height, and reaches this column only near its base.
fn colour_bar_top(img: &Image) -> usize {
    let x = img.w - 200 + 40 + 2;
    let yellow = potflow::output::colormap::viridis(1.0);
    (0..img.h)
        .find(|&y| {
            let c = img.at(x, y);
            c.iter()
                .zip(yellow)
                .all(|(a, b)| (*a as i32 - b as i32).abs() <= 30)
        })
        .expect("a yellow end of the colour bar")
}

#[test]
fn shared_curved_edges_leave_no_holes() {
    // Today's main drew about 20 single background pixels inside this domain, where
    // neighbouring curved elements cut their shared edge into different polylines.
    let img = velocity_plot(
        "cylinder_in_stream:40000",
        &["--bc", "farfield=stream:1@10"],
    );
    let mut holes = Vec::new();
    let mut field = 0;
    for y in 1..img.h - 1 {
        for x in 1..img.w - 1 {
            let c = img.at(x, y);
            field += field_colour(c) as usize;
            let enclosed = [(1, 0), (-1, 0), (0, 1), (0, -1)].iter().all(|&(dx, dy)| {
                field_colour(img.at((x as i64 + dx) as usize, (y as i64 + dy) as usize))
            });
            if c == WHITE && enclosed {
                holes.push((x, y));
            }
        }
    }
    assert!(field > 500_000, "only {field} pixels of field drawn");
    assert!(
        holes.is_empty(),
        "background pixels inside the domain: {holes:?}"
    );
}

#[test]
fn a_corner_singularity_is_clipped_and_marked_and_a_real_peak_is_not() {
    // The t_junction's re-entrant corners make |v| singular: the robust range clips the
    // upper end and marks it with a triangle over the bar.
    let robust = colour_bar_top(&velocity_plot("t_junction:20000", &["--png-width", "900"]));
    let full = colour_bar_top(&velocity_plot(
        "t_junction:20000",
        &["--png-width", "900", "--range", "full"],
    ));
    assert!(
        robust > full + 12,
        "no triangle over the bar: yellow from row {robust} (robust) and {full} (full)"
    );
    // The cylinder's 2U on its shoulders is a real peak over a small area: not clipped.
    let cylinder = ["--bc", "farfield=stream:1@10", "--view", "-3,3,-2,2"];
    let mut with_width = cylinder.to_vec();
    with_width.extend(["--png-width", "900"]);
    let robust = colour_bar_top(&velocity_plot("cylinder_in_stream:20000", &with_width));
    with_width.extend(["--range", "full"]);
    let full = colour_bar_top(&velocity_plot("cylinder_in_stream:20000", &with_width));
    assert_eq!(robust, full, "the cylinder's peak was clipped");
}

#[test]
fn a_view_frames_the_body() {
    // R = 0.5 in a far field of 40 R: the window [-3, 3] × [-2, 2] is 1300 px wide at 1600 px
    // (margins 100 and 200), so 216.7 px per metre, plot from (100, 70).
    let img = velocity_plot(
        "cylinder_in_stream:20000",
        &["--bc", "farfield=stream:1@10", "--view", "-3,3,-2,2"],
    );
    let scale = 1300.0 / 6.0;
    let px = |x: f64, y: f64| {
        (
            (100.0 + (x + 3.0) * scale) as usize,
            (70.0 + (2.0 - y) * scale) as usize,
        )
    };
    assert_eq!(img.h, (70.0 + 4.0 * scale + 70.0_f64).ceil() as usize);
    for (x, y, inside_body) in [(0.0, 0.0, true), (0.4, 0.0, true), (0.0, -0.6, false)] {
        let (i, j) = px(x, y);
        let c = img.at(i, j);
        assert_eq!(
            c == WHITE,
            inside_body,
            "({x}, {y}) drawn as {c:?}, inside the body: {inside_body}"
        );
    }
    // Outside the window nothing is drawn: the margin left of the plot is background.
    let (_, j) = px(0.0, 0.0);
    assert!((0..95).all(|i| !field_colour(img.at(i, j))));
}

#[test]
fn bad_plot_options_get_one_line() {
    for (args, says) in [
        (vec!["--range", "3,1"], "--range 3,1: MIN must be below MAX"),
        (vec!["--range", "speed=full"], "unknown plot 'speed'"),
        (
            vec!["--view", "0,1,0"],
            "--view 0,1,0: expected x0,x1,y0,y1",
        ),
        (vec!["--view", "1,0,0,1"], "expected x0 < x1"),
        (
            vec!["--view", "100,101,100,101"],
            "holds no part of the mesh",
        ),
        // Numbers as the user wrote them, not three hundred digits.
        (
            vec!["--view", "1e300,2e300,-1,1"],
            "--view 1e300,2e300,-1,1 holds no part of the mesh, which spans x 0..",
        ),
    ] {
        let mut all = vec!["solve", "channel:500", "--json", "/dev/null"];
        all.extend(&args);
        let o = potflow(&all);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{args:?}: {err}");
    }
}
