//! Data augmentation: a random small distortion of a 28×28 training image, so
//! that the network also reads digits drawn on a screen (thicker or thinner
//! strokes, off-centre, tilted, larger or smaller), not only scanned MNIST.

use crate::mnist::SIDE;
use rand::Rng;

/// The largest rotation, in radians (±8°).
pub const MAX_ROTATION: f32 = 8.0 * std::f32::consts::PI / 180.0;
/// The scale range: 0.92 to 1.08.
pub const MAX_SCALE_CHANGE: f32 = 0.08;
/// The largest shift, in pixels.
pub const MAX_SHIFT: f32 = 1.0;

/// Writes into `dst` (784 bytes) a randomly distorted copy of `src` (784 bytes):
/// a rotation, scaling and shift about the image centre, sampled bilinearly, then,
/// one time in six each, a thicker or a thinner stroke.
pub fn augment(src: &[u8], dst: &mut [u8], rng: &mut impl Rng) {
    let angle = rng.random_range(-MAX_ROTATION..=MAX_ROTATION);
    let scale = 1.0 + rng.random_range(-MAX_SCALE_CHANGE..=MAX_SCALE_CHANGE);
    let shift = (rng.random_range(-MAX_SHIFT..=MAX_SHIFT), rng.random_range(-MAX_SHIFT..=MAX_SHIFT));
    let stroke = rng.random_range(0..6u8);
    affine(src, dst, angle, scale, shift);
    match stroke {
        1 => thicken(dst),
        2 => thin(dst),
        _ => {}
    }
}

/// dst(p) = src(c + R(−angle)·(p − c − shift)/scale), bilinear, zero outside: the image
/// rotated by `angle`, scaled by `scale` about the centre c, then moved by `shift`.
pub fn affine(src: &[u8], dst: &mut [u8], angle: f32, scale: f32, shift: (f32, f32)) {
    let c = (SIDE as f32 - 1.0) / 2.0;
    let (sin, cos) = angle.sin_cos();
    for y in 0..SIDE {
        for x in 0..SIDE {
            let (dx, dy) = ((x as f32 - c - shift.0) / scale, (y as f32 - c - shift.1) / scale);
            let (sx, sy) = (cos * dx + sin * dy + c, -sin * dx + cos * dy + c);
            dst[y * SIDE + x] = bilinear(src, sx, sy);
        }
    }
}

fn bilinear(src: &[u8], x: f32, y: f32) -> u8 {
    let (x0, y0) = (x.floor(), y.floor());
    let (fx, fy) = (x - x0, y - y0);
    let at = |xi: f32, yi: f32| -> f32 {
        if xi < 0.0 || yi < 0.0 || xi >= SIDE as f32 || yi >= SIDE as f32 {
            0.0
        } else {
            src[yi as usize * SIDE + xi as usize] as f32
        }
    };
    let top = at(x0, y0) * (1.0 - fx) + at(x0 + 1.0, y0) * fx;
    let bottom = at(x0, y0 + 1.0) * (1.0 - fx) + at(x0 + 1.0, y0 + 1.0) * fx;
    (top * (1.0 - fy) + bottom * fy).round().clamp(0.0, 255.0) as u8
}

/// A thicker stroke: each pixel becomes the mean of itself and its brightest 4-neighbour.
fn thicken(img: &mut [u8]) {
    neighbourhood(img, |own, best_of_neighbours| ((own as u16 + best_of_neighbours.0 as u16) / 2) as u8);
}

/// A thinner stroke: each pixel becomes the mean of itself and its darkest 4-neighbour.
fn thin(img: &mut [u8]) {
    neighbourhood(img, |own, neighbours| ((own as u16 + neighbours.1 as u16) / 2) as u8);
}

/// Replaces each pixel by `f(own, (max, min) of its 4-neighbours)`, zero outside the image.
fn neighbourhood(img: &mut [u8], f: impl Fn(u8, (u8, u8)) -> u8) {
    let src = img.to_vec();
    let at = |x: isize, y: isize| {
        if x < 0 || y < 0 || x >= SIDE as isize || y >= SIDE as isize {
            0
        } else {
            src[y as usize * SIDE + x as usize]
        }
    };
    for y in 0..SIDE as isize {
        for x in 0..SIDE as isize {
            let n = [at(x - 1, y), at(x + 1, y), at(x, y - 1), at(x, y + 1)];
            let (max, min) = (*n.iter().max().unwrap_or(&0), *n.iter().min().unwrap_or(&0));
            img[y as usize * SIDE + x as usize] = f(at(x, y), (max, min));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn square() -> Vec<u8> {
        let mut img = vec![0u8; SIDE * SIDE];
        for y in 10..18 {
            for x in 10..18 {
                img[y * SIDE + x] = 255;
            }
        }
        img
    }

    #[test]
    fn identity_transform_is_exact() {
        let src: Vec<u8> = (0..784).map(|i| (i * 31 % 256) as u8).collect();
        let mut dst = vec![0; 784];
        affine(&src, &mut dst, 0.0, 1.0, (0.0, 0.0));
        assert_eq!(src, dst);
    }

    #[test]
    fn whole_pixel_shift_moves_the_image() {
        let src = square();
        let mut dst = vec![0; 784];
        affine(&src, &mut dst, 0.0, 1.0, (2.0, -1.0));
        assert_eq!(dst[9 * SIDE + 12], 255);
        assert_eq!(dst[17 * SIDE + 19], 0);
        assert_eq!(dst[16 * SIDE + 19], 255);
    }

    #[test]
    fn augmentation_keeps_ink_roughly_and_changes_the_image() {
        let src = square();
        let mut rng = rand_pcg::Pcg64::seed_from_u64(7);
        let mut dst = vec![0; 784];
        let ink = |img: &[u8]| img.iter().map(|&p| p as f32).sum::<f32>();
        let mut changed = 0;
        for _ in 0..50 {
            augment(&src, &mut dst, &mut rng);
            let ratio = ink(&dst) / ink(&src);
            assert!((0.4..2.2).contains(&ratio), "ink ratio {ratio}");
            changed += (dst != src) as usize;
        }
        assert!(changed >= 45);
    }

    #[test]
    fn thicken_and_thin_move_ink_the_right_way() {
        let mut thick = square();
        thicken(&mut thick);
        let mut thin_ = square();
        thin(&mut thin_);
        let ink = |img: &[u8]| img.iter().map(|&p| p as u32).sum::<u32>();
        assert!(ink(&thick) > ink(&square()));
        assert!(ink(&thin_) < ink(&square()));
    }
}
