//! Decompression bombs made on the spot: real, well-formed files whose pixels take far more
//! memory than their bytes, for the picture processor's tests and the picture-flood benchmark.
//! They are generated rather than kept as files, so none of them sits in the repository.

use std::io::Write as _;

/// A 35-byte GIF whose logical screen is `side` x `side` pixels and whose one frame is a
/// single pixel: a decoder that paints the frame onto the whole screen allocates
/// `side² × 4` bytes for it.
#[must_use]
pub fn gif_with_a_huge_screen(side: u16) -> Vec<u8> {
    let [low, high] = side.to_le_bytes();
    let mut gif = b"GIF89a".to_vec();
    // Logical screen: width, height, a global table of two colours, background 0.
    gif.extend_from_slice(&[low, high, low, high, 0x80, 0, 0]);
    gif.extend_from_slice(&[0, 0, 0, 0xff, 0xff, 0xff]);
    // One 1x1 frame at the origin, without a table of its own.
    gif.extend_from_slice(&[0x2c, 0, 0, 0, 0, 1, 0, 1, 0, 0]);
    // LZW, minimum code size 2: clear, index 0, end of information (3 bits each).
    gif.extend_from_slice(&[2, 2, 0x44, 0x01, 0]);
    gif.push(0x3b);
    gif
}

/// The colour layouts a PNG bomb can have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PngPixels {
    /// Three 8-bit channels: 3 bytes a pixel once decoded.
    Rgb8,
    /// Four 16-bit channels: 8 bytes a pixel once decoded.
    Rgba16,
}

impl PngPixels {
    fn bytes_per_pixel(self) -> usize {
        match self {
            Self::Rgb8 => 3,
            Self::Rgba16 => 8,
        }
    }
}

/// A PNG of `width` x `height` real pixels: its first `noise_rows` rows are random, so they
/// do not compress (and pad the file to a chosen size), and the rest are black, so they
/// compress about a thousandfold. 10000x10000 [`PngPixels::Rgba16`] with no noise is about
/// 780 KB holding 800 MB of pixels.
///
/// # Panics
/// When the encoder refuses the dimensions (zero, or over PNG's limits).
#[must_use]
pub fn png(width: u32, height: u32, pixels: PngPixels, noise_rows: u32) -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    let (colour, depth) = match pixels {
        PngPixels::Rgb8 => (png::ColorType::Rgb, png::BitDepth::Eight),
        PngPixels::Rgba16 => (png::ColorType::Rgba, png::BitDepth::Sixteen),
    };
    encoder.set_color(colour);
    encoder.set_depth(depth);
    encoder.set_filter(png::Filter::NoFilter);
    encoder.set_compression(png::Compression::Balanced);
    let mut header = encoder.write_header().expect("the PNG header is written");
    let mut writer = header
        .stream_writer()
        .expect("the PNG data can be streamed");
    let row_len = width as usize * pixels.bytes_per_pixel();
    let mut row = vec![0_u8; row_len];
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    for y in 0..height {
        if y < noise_rows {
            for byte in &mut row {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                *byte = (state >> 32) as u8;
            }
        } else if y == noise_rows {
            row.fill(0);
        }
        writer.write_all(&row).expect("a row is written");
    }
    writer.finish().expect("the pixels are written");
    header.finish().expect("the PNG is finished");
    out
}
