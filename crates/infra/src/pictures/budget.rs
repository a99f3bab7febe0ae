//! How much memory processing a picture takes beside its decoded pixels: what each decoder
//! keeps of its own while it decodes, and the buffers the scaling needs. Counted from the
//! file's header, before anything is allocated, so a picture that would not fit the budget
//! is refused without trying.

use image::ImageFormat;

use super::processor::SIDE;

/// What the scaling holds besides the decoded picture: the vertical pass's buffer (a column
/// of the square per output row, four `f32` channels a pixel), and at the end a few
/// 300x300 images (the scaled one of up to 16 bytes a pixel, its upright copy, the RGB
/// one) and the JPEG.
fn scaling(side: u32) -> u64 {
    let small = u64::from(SIDE) * u64::from(SIDE);
    u64::from(side) * u64::from(SIDE) * 16 + small * (16 + 16 + 3 + 3)
}

/// The bytes processing this picture holds beside its decoded pixels, at most.
pub(super) fn beside_the_pixels(
    format: ImageFormat,
    upload: &[u8],
    width: u32,
    height: u32,
    side: u32,
) -> u64 {
    let pixels = u64::from(width) * u64::from(height);
    let decoder = match format {
        ImageFormat::Jpeg => jpeg_coefficients(upload, width, height),
        // The lossless decoder works on 4-byte pixels plus a plane of its own, and an
        // animation's first frame is painted from a frame buffer onto a canvas.
        ImageFormat::WebP => pixels * 9,
        // A few rows (the current and the previous, before and after expansion) and the
        // inflater's window.
        ImageFormat::Png => u64::from(width) * 8 * 4 + (1 << 20),
        // The GIF decoder reserves its frame buffer from the limits it is given itself.
        _ => 0,
    };
    decoder + scaling(side)
}

/// What a progressive JPEG's decoder holds: every coefficient of every component (two
/// bytes each) until the last scan; a baseline JPEG decodes one row of blocks at a time.
/// A frame header that cannot be read is counted as the worst layout: four components,
/// none subsampled.
fn jpeg_coefficients(jpeg: &[u8], width: u32, height: u32) -> u64 {
    let padded = |n: u32, block: u32| u64::from(n.div_ceil(block) * block);
    let worst = padded(width, 8) * padded(height, 8) * 4 * 2;
    let Some((progressive, sampling)) = frame_header(jpeg) else {
        return worst;
    };
    if !progressive {
        return 0;
    }
    let h_max = sampling.iter().map(|(h, _)| *h).max().unwrap_or(1).max(1);
    let v_max = sampling.iter().map(|(_, v)| *v).max().unwrap_or(1).max(1);
    let mcus_across = u64::from(width.div_ceil(8 * h_max));
    let mcus_down = u64::from(height.div_ceil(8 * v_max));
    sampling
        .iter()
        .map(|(h, v)| mcus_across * mcus_down * 64 * u64::from(h * v) * 2)
        .sum()
}

/// Whether the frame is progressive, and each component's sampling factors (horizontal,
/// vertical), read from the first start-of-frame segment.
fn frame_header(jpeg: &[u8]) -> Option<(bool, Vec<(u32, u32)>)> {
    let mut at = 2;
    while at + 4 <= jpeg.len() {
        if jpeg[at] != 0xff {
            return None;
        }
        let marker = jpeg[at + 1];
        let length = usize::from(u16::from_be_bytes([jpeg[at + 2], jpeg[at + 3]]));
        let is_frame = matches!(marker, 0xc0..=0xcf) && !matches!(marker, 0xc4 | 0xc8 | 0xcc);
        if is_frame {
            let segment = jpeg.get(at + 4..at + 2 + length)?;
            let components = usize::from(*segment.get(5)?);
            let sampling = (0..components)
                .map(|n| {
                    let factors = *segment.get(6 + 3 * n + 1)?;
                    Some((u32::from(factors >> 4), u32::from(factors & 0x0f)))
                })
                .collect::<Option<Vec<_>>>()?;
            // SOF2, 6, 10 and 14 are the progressive frames.
            return Some((matches!(marker, 0xc2 | 0xc6 | 0xca | 0xce), sampling));
        }
        if marker == 0xda {
            return None;
        }
        at += 2 + length;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A JPEG's start, up to and including a frame header of `marker` with `factors`.
    fn header(marker: u8, factors: &[u8]) -> Vec<u8> {
        let mut jpeg = vec![0xff, 0xd8, 0xff, 0xe0, 0, 4, 0, 0, 0xff, marker];
        let length = 8 + 3 * factors.len();
        jpeg.extend_from_slice(&u16::try_from(length).unwrap().to_be_bytes());
        jpeg.extend_from_slice(&[8, 0, 16, 0, 16, u8::try_from(factors.len()).unwrap()]);
        for (n, f) in factors.iter().enumerate() {
            jpeg.extend_from_slice(&[u8::try_from(n).unwrap(), *f, 0]);
        }
        jpeg
    }

    #[test]
    fn a_baseline_jpeg_holds_no_coefficients_and_a_progressive_one_holds_them_all() {
        assert_eq!(
            jpeg_coefficients(&header(0xc0, &[0x22, 0x11, 0x11]), 16, 16),
            0
        );
        // 4:2:0: one 16x16 block group of luma (4 blocks) and one block of each chroma.
        assert_eq!(
            jpeg_coefficients(&header(0xc2, &[0x22, 0x11, 0x11]), 16, 16),
            (4 + 1 + 1) * 64 * 2
        );
    }

    #[test]
    fn an_unreadable_frame_header_is_counted_as_the_worst_layout() {
        assert_eq!(
            jpeg_coefficients(&[0xff, 0xd8, 0x00], 16, 16),
            16 * 16 * 4 * 2
        );
    }

    #[test]
    fn the_scaling_of_a_large_square_is_counted_by_its_side() {
        let small = beside_the_pixels(ImageFormat::Gif, &[], 10, 10, 10);
        let large = beside_the_pixels(ImageFormat::Gif, &[], 10_000, 10_000, 10_000);
        assert_eq!(large - small, (10_000 - 10) * 300 * 16);
    }
}
