//! 商品主图规范: the logo rule and its checks, and auto-fit.
//!
//! The rule: the image is 240×240 px, its background pure white, and the logo
//! sits inside the centred 168×168 px box, which leaves a 36 px white frame on
//! every side.
//!
//! Thresholds, and why:
//! - A pixel is **ink** (part of the logo) when some channel is more than
//!   [`INK_DEVIATION`] below 255. 48 is far above JPEG ringing beside a sharp
//!   edge (23 at most on valid_logo.jpg, quality 90) yet catches any real
//!   colour, including light grey logos down to #CECECE.
//! - A **PNG** frame must be exactly white and opaque: lossless files have no
//!   excuse for anything else.
//! - A **JPEG** frame may carry compression noise: it passes when its mean
//!   deviation from white is at most [`JPEG_FRAME_MEAN_DEVIATION`] (0.34 on
//!   valid_logo.jpg) and no frame pixel is ink. A light grey
//!   background (#F0F0F0, deviation 15 everywhere) is far above that and fails.
//! - A logo is **much smaller** than the box when its longer side is under
//!   [`SMALL_LOGO_SIDE`] (half the box): accepted, with a warning.
//! - Decoding is **bounded**: the header's dimensions are read first. The
//!   check decodes nothing but a 240×240 image (any other size is refused
//!   from the header); auto-fit decodes at most [`MAX_AUTOFIT_SIDE`] on a
//!   side. The decoder itself also runs under [`image::Limits`]
//!   ([`MAX_DECODE_BYTES`]), and the web layer runs a few decodes at once.

use std::io::Cursor;

use image::{DynamicImage, ImageFormat, ImageReader, Limits, Rgba, RgbaImage};

/// Width and height of a logo image.
pub const SIZE: u32 = 240;
/// Side of the centred box the logo must stay in.
pub const BOX: u32 = 168;
/// The white frame on every side: (240 − 168) / 2.
pub const FRAME: u32 = (SIZE - BOX) / 2;
/// Largest upload accepted.
pub const MAX_BYTES: usize = 2 * 1024 * 1024;
/// Largest side auto-fit decodes: a logo drawn at 2048 px still fits, and
/// one such image is 16 MiB as RGBA.
pub const MAX_AUTOFIT_SIDE: u32 = 2048;
/// Most memory the decoder may allocate: one 2048×2048 RGBA image and change.
pub const MAX_DECODE_BYTES: u64 = 20 * 1024 * 1024;
/// How far below 255 a channel must be for the pixel to count as logo.
pub const INK_DEVIATION: u8 = 48;
/// Mean deviation from white a JPEG frame may have (compression noise).
pub const JPEG_FRAME_MEAN_DEVIATION: f64 = 3.0;
/// A logo whose longer side is under this is "much smaller than the box".
pub const SMALL_LOGO_SIDE: u32 = BOX / 2;

/// The formats a logo may be uploaded in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogoFormat {
    Png,
    Jpeg,
}

/// A side of the frame, in the order messages name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Side {
    Top,
    Bottom,
    Left,
    Right,
}

/// An inclusive pixel rectangle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rect {
    pub left: u32,
    pub top: u32,
    pub right: u32,
    pub bottom: u32,
}

impl Rect {
    pub fn width(&self) -> u32 {
        self.right - self.left + 1
    }

    pub fn height(&self) -> u32 {
        self.bottom - self.top + 1
    }
}

/// A broken rule, with what was measured.
#[derive(Debug, Clone, PartialEq)]
pub enum LogoProblem {
    /// More than [`MAX_BYTES`].
    FileTooLarge { bytes: usize },
    /// Not recognisable as an image at all.
    NotAnImage,
    /// An image, but not PNG or JPEG (e.g. GIF).
    UnsupportedFormat { format: String },
    /// Recognised, but cut short or damaged.
    Unreadable,
    /// The header claims more than can be decoded safely.
    DimensionsTooLarge { width: u32, height: u32 },
    /// Not 240×240.
    WrongSize { width: u32, height: u32 },
    /// Frame pixels that are not opaque.
    FrameTransparent {
        sides: Vec<Side>,
        example: (u32, u32),
    },
    /// A PNG frame with non-white pixels: where, and one example.
    FrameNotWhite {
        sides: Vec<Side>,
        example: (u32, u32),
        colour: [u8; 3],
    },
    /// A JPEG frame whose average is too far from white.
    FrameTinted { mean_colour: [u8; 3] },
    /// The logo's extent reaches into the frame.
    ReachesIntoFrame { extent: Rect },
    /// Nothing but background.
    Empty,
}

/// Accepted, but worth telling the vendor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogoWarning {
    SmallLogo { width: u32, height: u32 },
}

/// A logo that passed: re-encoded as PNG without metadata.
#[derive(Debug, Clone)]
pub struct AcceptedLogo {
    pub png: Vec<u8>,
    pub format: LogoFormat,
    pub extent: Rect,
    pub warnings: Vec<LogoWarning>,
}

fn limits(max_side: u32) -> Limits {
    let mut limits = Limits::default();
    limits.max_image_width = Some(max_side);
    limits.max_image_height = Some(max_side);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    limits
}

/// What a decode may take on: exactly the rule's size, or anything up to a
/// side for auto-fit.
#[derive(Debug, Clone, Copy)]
enum Accept {
    ExactSize,
    UpTo(u32),
}

/// Decodes a PNG or JPEG within bounds, refusing from the header, before a
/// pixel is allocated, an image whose declared size it may not take on.
fn decode(bytes: &[u8], accept: Accept) -> Result<(LogoFormat, DynamicImage), LogoProblem> {
    if bytes.len() > MAX_BYTES {
        return Err(LogoProblem::FileTooLarge { bytes: bytes.len() });
    }
    let format = match image::guess_format(bytes) {
        Ok(ImageFormat::Png) => LogoFormat::Png,
        Ok(ImageFormat::Jpeg) => LogoFormat::Jpeg,
        Ok(other) => {
            return Err(LogoProblem::UnsupportedFormat {
                format: format!("{other:?}").to_uppercase(),
            });
        }
        Err(_) => return Err(LogoProblem::NotAnImage),
    };
    let image_format = match format {
        LogoFormat::Png => ImageFormat::Png,
        LogoFormat::Jpeg => ImageFormat::Jpeg,
    };
    let (width, height) = ImageReader::with_format(Cursor::new(bytes), image_format)
        .into_dimensions()
        .map_err(|_| LogoProblem::Unreadable)?;
    let max_side = match accept {
        // The frame and box are defined on the 240×240 canvas only.
        Accept::ExactSize if (width, height) != (SIZE, SIZE) => {
            return Err(LogoProblem::WrongSize { width, height });
        }
        Accept::ExactSize => SIZE,
        Accept::UpTo(side) if width > side || height > side => {
            return Err(LogoProblem::DimensionsTooLarge { width, height });
        }
        Accept::UpTo(side) => side,
    };
    let mut reader = ImageReader::with_format(Cursor::new(bytes), image_format);
    reader.limits(limits(max_side));
    let image = reader.decode().map_err(|_| LogoProblem::Unreadable)?;
    Ok((format, image))
}

/// How far a pixel is from white: the largest channel deficit.
fn deviation(pixel: &Rgba<u8>) -> u8 {
    let [r, g, b, _] = pixel.0;
    255 - r.min(g).min(b)
}

fn is_ink(pixel: &Rgba<u8>) -> bool {
    pixel.0[3] >= 128 && deviation(pixel) > INK_DEVIATION
}

fn in_frame(x: u32, y: u32) -> bool {
    x < FRAME || y < FRAME || x >= SIZE - FRAME || y >= SIZE - FRAME
}

fn sides_of(x: u32, y: u32, sides: &mut Vec<Side>) {
    for (side, hit) in [
        (Side::Top, y < FRAME),
        (Side::Bottom, y >= SIZE - FRAME),
        (Side::Left, x < FRAME),
        (Side::Right, x >= SIZE - FRAME),
    ] {
        if hit && !sides.contains(&side) {
            sides.push(side);
        }
    }
}

/// The smallest rectangle holding every pixel for which `keep` holds.
fn extent(image: &RgbaImage, keep: impl Fn(&Rgba<u8>) -> bool) -> Option<Rect> {
    let mut found: Option<Rect> = None;
    for (x, y, pixel) in image.enumerate_pixels() {
        if keep(pixel) {
            let rect = found.get_or_insert(Rect {
                left: x,
                top: y,
                right: x,
                bottom: y,
            });
            rect.left = rect.left.min(x);
            rect.top = rect.top.min(y);
            rect.right = rect.right.max(x);
            rect.bottom = rect.bottom.max(y);
        }
    }
    found
}

/// Checks an uploaded logo against the rule. Every broken rule is listed.
pub fn check_logo(bytes: &[u8]) -> Result<AcceptedLogo, Vec<LogoProblem>> {
    let (format, image) = decode(bytes, Accept::ExactSize).map_err(|problem| vec![problem])?;
    let rgba = image.to_rgba8();
    let mut problems = Vec::new();

    let (mut transparent_sides, mut transparent_example) = (Vec::new(), None);
    let (mut tinted_sides, mut tinted_example) = (Vec::new(), None);
    let mut deviation_sum = [0u64; 3];
    let mut frame_pixels = 0u64;
    for (x, y, pixel) in rgba.enumerate_pixels() {
        if !in_frame(x, y) {
            continue;
        }
        frame_pixels += 1;
        for (sum, channel) in deviation_sum.iter_mut().zip(pixel.0) {
            *sum += u64::from(255 - channel);
        }
        if pixel.0[3] < 255 {
            sides_of(x, y, &mut transparent_sides);
            transparent_example.get_or_insert((x, y));
        } else if deviation(pixel) > 0 && !is_ink(pixel) {
            sides_of(x, y, &mut tinted_sides);
            tinted_example.get_or_insert((x, y, [pixel.0[0], pixel.0[1], pixel.0[2]]));
        }
    }
    transparent_sides.sort();
    tinted_sides.sort();
    if let Some(example) = transparent_example {
        problems.push(LogoProblem::FrameTransparent {
            sides: transparent_sides,
            example,
        });
    }
    match format {
        LogoFormat::Png => {
            if let Some((x, y, colour)) = tinted_example {
                problems.push(LogoProblem::FrameNotWhite {
                    sides: tinted_sides,
                    example: (x, y),
                    colour,
                });
            }
        }
        LogoFormat::Jpeg => {
            let mean = deviation_sum.map(|sum| sum as f64 / frame_pixels as f64);
            if mean.iter().any(|m| *m > JPEG_FRAME_MEAN_DEVIATION) {
                problems.push(LogoProblem::FrameTinted {
                    mean_colour: mean.map(|m| 255 - m.round().min(255.0) as u8),
                });
            }
        }
    }

    let logo = extent(&rgba, is_ink);
    match logo {
        None => problems.push(LogoProblem::Empty),
        Some(rect) if in_frame(rect.left, rect.top) || in_frame(rect.right, rect.bottom) => {
            problems.push(LogoProblem::ReachesIntoFrame { extent: rect });
        }
        Some(_) => {}
    }
    match (problems.is_empty(), logo) {
        (true, Some(extent)) => {
            let mut warnings = Vec::new();
            if extent.width().max(extent.height()) < SMALL_LOGO_SIDE {
                warnings.push(LogoWarning::SmallLogo {
                    width: extent.width(),
                    height: extent.height(),
                });
            }
            // The frame was judged white; store it exactly white (JPEG noise gone).
            let mut cleaned = rgba;
            for (x, y, pixel) in cleaned.enumerate_pixels_mut() {
                if in_frame(x, y) {
                    *pixel = Rgba([255, 255, 255, 255]);
                }
            }
            Ok(AcceptedLogo {
                png: encode_png(&flatten(&cleaned))?,
                format,
                extent,
                warnings,
            })
        }
        _ => Err(problems),
    }
}

/// The image composited onto white, without an alpha channel.
fn flatten(image: &RgbaImage) -> DynamicImage {
    let mut white =
        RgbaImage::from_pixel(image.width(), image.height(), Rgba([255, 255, 255, 255]));
    image::imageops::overlay(&mut white, image, 0, 0);
    DynamicImage::ImageRgb8(DynamicImage::ImageRgba8(white).to_rgb8())
}

/// PNG bytes of an image: no metadata is carried over.
fn encode_png(image: &DynamicImage) -> Result<Vec<u8>, Vec<LogoProblem>> {
    let mut out = Cursor::new(Vec::new());
    image
        .write_to(&mut out, ImageFormat::Png)
        .map_err(|_| vec![LogoProblem::Unreadable])?;
    Ok(out.into_inner())
}

/// Makes a compliant logo from any PNG or JPEG: trims the background (the
/// colour of the corners, or transparency), scales the rest into the 168×168
/// box keeping its aspect ratio, and centres it on a white 240×240 canvas.
pub fn autofit(bytes: &[u8]) -> Result<Vec<u8>, LogoProblem> {
    let (_, image) = decode(bytes, Accept::UpTo(MAX_AUTOFIT_SIDE))?;
    // No copy when it decoded as RGBA already.
    let rgba = image.into_rgba8();
    let background = background_colour(&rgba);
    let is_content = |pixel: &Rgba<u8>| {
        if pixel.0[3] < 16 {
            return false;
        }
        let differs = pixel.0[..3]
            .iter()
            .zip(background.0[..3].iter())
            .any(|(a, b)| a.abs_diff(*b) > 24);
        differs || background.0[3] < 16
    };
    let rect = extent(&rgba, is_content).ok_or(LogoProblem::Empty)?;
    let cropped =
        image::imageops::crop_imm(&rgba, rect.left, rect.top, rect.width(), rect.height())
            .to_image();
    // Flatten onto white so transparent edges do not turn black.
    let mut flat = RgbaImage::from_pixel(
        cropped.width(),
        cropped.height(),
        Rgba([255, 255, 255, 255]),
    );
    image::imageops::overlay(&mut flat, &cropped, 0, 0);
    let scale = f64::from(BOX) / f64::from(rect.width().max(rect.height()));
    let new_width = ((f64::from(rect.width()) * scale).round() as u32).clamp(1, BOX);
    let new_height = ((f64::from(rect.height()) * scale).round() as u32).clamp(1, BOX);
    let scaled = image::imageops::resize(
        &flat,
        new_width,
        new_height,
        image::imageops::FilterType::Lanczos3,
    );
    let mut canvas = RgbaImage::from_pixel(SIZE, SIZE, Rgba([255, 255, 255, 255]));
    let left = FRAME + (BOX - new_width) / 2;
    let top = FRAME + (BOX - new_height) / 2;
    image::imageops::overlay(&mut canvas, &scaled, i64::from(left), i64::from(top));
    encode_png(&flatten(&canvas)).map_err(|_| LogoProblem::Unreadable)
}

/// The background: the most common of the four corner pixels.
fn background_colour(image: &RgbaImage) -> Rgba<u8> {
    let (w, h) = (image.width(), image.height());
    let corners = [
        *image.get_pixel(0, 0),
        *image.get_pixel(w - 1, 0),
        *image.get_pixel(0, h - 1),
        *image.get_pixel(w - 1, h - 1),
    ];
    corners
        .iter()
        .max_by_key(|candidate| corners.iter().filter(|c| c == candidate).count())
        .copied()
        .unwrap_or(Rgba([255, 255, 255, 255]))
}

#[cfg(test)]
mod tests;
