//! The logo fixtures, made here: every case of the rule 商品主图规范 as bytes,
//! with the verdict a checker must reach and the rule it exercises. The
//! files under `tests/fixtures/logos/` are this generator's output
//! (`YUNSHI_WRITE_FIXTURES=1 cargo test --test fixtures` writes them;
//! `tests/fixtures.rs` checks that they are still what it makes), so the
//! tests need nothing outside the repository.
//!
//! The canvas is 240×240; the logo must stay inside the centred 168×168 box,
//! x and y from 36 to 203, on pure white.

use image::codecs::jpeg::JpegEncoder;
use image::{GrayImage, ImageEncoder, Luma, Rgb, RgbImage, Rgba, RgbaImage};

/// What a checker must say of a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Accept,
    AcceptWithWarning,
    Reject,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Accept => "accept",
            Verdict::AcceptWithWarning => "accept-with-warning",
            Verdict::Reject => "reject",
        }
    }
}

/// One fixture: its file name, bytes, verdict and the rule it exercises.
pub struct Case {
    pub name: &'static str,
    pub bytes: Vec<u8>,
    pub verdict: Verdict,
    pub rule: &'static str,
}

const WHITE: Rgb<u8> = Rgb([255, 255, 255]);
const BLUE: Rgb<u8> = Rgb([22, 119, 255]);
const ORANGE: Rgb<u8> = Rgb([250, 140, 22]);

/// A rectangle, both corners included.
#[derive(Clone, Copy)]
struct Area {
    left: u32,
    top: u32,
    right: u32,
    bottom: u32,
}

/// The box a compliant logo fills: 168×168, centred on 240×240.
const BOX: Area = Area {
    left: 36,
    top: 36,
    right: 203,
    bottom: 203,
};

fn centred(side: u32, canvas: u32) -> Area {
    let start = (canvas - side) / 2;
    Area {
        left: start,
        top: start,
        right: start + side - 1,
        bottom: start + side - 1,
    }
}

/// The logo: a square with rounded corners filling `area`, a white disc in
/// its middle. Every edge of `area` holds ink, so the logo's extent is
/// exactly `area`.
fn draw_logo<P: image::Pixel>(
    image: &mut image::ImageBuffer<P, Vec<P::Subpixel>>,
    area: Area,
    ink: P,
    paper: P,
) {
    let (width, height) = (area.right - area.left + 1, area.bottom - area.top + 1);
    let radius = (width.min(height) / 8).max(2) as i64;
    let inside_rounded = |x: u32, y: u32| {
        let (x, y) = (i64::from(x - area.left), i64::from(y - area.top));
        let (w, h) = (i64::from(width), i64::from(height));
        let corner_x = if x < radius {
            radius
        } else if x >= w - radius {
            w - radius - 1
        } else {
            x
        };
        let corner_y = if y < radius {
            radius
        } else if y >= h - radius {
            h - radius - 1
        } else {
            y
        };
        (x - corner_x).pow(2) + (y - corner_y).pow(2) <= radius * radius
    };
    let (centre_x, centre_y) = (
        f64::from(area.left + area.right) / 2.0,
        f64::from(area.top + area.bottom) / 2.0,
    );
    let disc = f64::from(width.min(height)) / 4.0;
    for y in area.top..=area.bottom {
        for x in area.left..=area.right {
            if !inside_rounded(x, y) {
                continue;
            }
            let in_disc = (f64::from(x) - centre_x).powi(2) + (f64::from(y) - centre_y).powi(2)
                <= disc * disc;
            image.put_pixel(x, y, if in_disc { paper } else { ink });
        }
    }
    // The rounded corners leave the edges' middles inked, so the extent
    // is the whole area.
}

fn canvas(width: u32, height: u32, background: Rgb<u8>) -> RgbImage {
    RgbImage::from_pixel(width, height, background)
}

fn logo_on(width: u32, height: u32, background: Rgb<u8>, area: Area) -> RgbImage {
    let mut image = canvas(width, height, background);
    draw_logo(&mut image, area, BLUE, WHITE);
    image
}

fn png(data: &[u8], width: u32, height: u32, colour: image::ExtendedColorType) -> Vec<u8> {
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new(&mut out)
        .write_image(data, width, height, colour)
        .expect("encode a PNG");
    out
}

fn rgb_png(image: &RgbImage) -> Vec<u8> {
    png(
        image.as_raw(),
        image.width(),
        image.height(),
        image::ExtendedColorType::Rgb8,
    )
}

fn jpeg(image: &RgbImage) -> Vec<u8> {
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, 90)
        .write_image(
            image.as_raw(),
            image.width(),
            image.height(),
            image::ExtendedColorType::Rgb8,
        )
        .expect("encode a JPEG");
    out
}

/// An indexed-colour PNG of `image`, whose colours must be few.
fn palette_png(image: &RgbImage) -> Vec<u8> {
    let mut colours: Vec<[u8; 3]> = Vec::new();
    let indices: Vec<u8> = image
        .pixels()
        .map(|pixel| {
            let index = colours
                .iter()
                .position(|c| *c == pixel.0)
                .unwrap_or_else(|| {
                    colours.push(pixel.0);
                    colours.len() - 1
                });
            u8::try_from(index).expect("at most 256 colours")
        })
        .collect();
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, image.width(), image.height());
    encoder.set_color(png::ColorType::Indexed);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_palette(colours.concat());
    let mut writer = encoder.write_header().expect("a PNG header");
    writer.write_image_data(&indices).expect("PNG data");
    writer.finish().expect("a whole PNG");
    out
}

/// CRC-32 as PNG chunks carry it (polynomial 0xEDB88320).
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for byte in bytes {
        crc ^= u32::from(*byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut out = (data.len() as u32).to_be_bytes().to_vec();
    let mut body = kind.to_vec();
    body.extend_from_slice(data);
    out.extend_from_slice(&body);
    out.extend_from_slice(&crc32(&body).to_be_bytes());
    out
}

/// A PNG whose header declares `side`×`side` RGB with almost no data
/// behind it: a checker that believed the header and allocated would need
/// side² × 3 bytes.
fn declared_size_bomb(side: u32) -> Vec<u8> {
    let mut header = side.to_be_bytes().to_vec();
    header.extend_from_slice(&side.to_be_bytes());
    header.extend_from_slice(&[8, 2, 0, 0, 0]);
    // A stored (uncompressed) deflate block of one filter byte and a few
    // black pixels, in a zlib stream: valid, and nowhere near the size.
    let row: Vec<u8> = vec![0; 1 + 3 * 16];
    let mut zlib = vec![0x78, 0x01, 0x01];
    zlib.extend_from_slice(&(row.len() as u16).to_le_bytes());
    zlib.extend_from_slice(&(!(row.len() as u16)).to_le_bytes());
    zlib.extend_from_slice(&row);
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    out.extend(chunk(b"IHDR", &header));
    out.extend(chunk(b"IDAT", &zlib));
    out.extend(chunk(b"IEND", &[]));
    out
}

/// A real 4096×4096 RGBA PNG, a dot in its middle: small to send, 64 MiB
/// decoded. Written a row at a time.
pub fn real_size_bomb() -> Vec<u8> {
    const SIDE: u32 = 4096;
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, SIDE, SIDE);
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::High);
    let mut writer = encoder.write_header().expect("a PNG header");
    let mut stream = writer.stream_writer().expect("a PNG stream");
    let white = vec![255u8; SIDE as usize * 4];
    for y in 0..SIDE {
        let mut row = white.clone();
        if y == SIDE / 2 {
            row[(SIDE as usize / 2) * 4 + 1] = 0;
        }
        std::io::Write::write_all(&mut stream, &row).expect("a PNG row");
    }
    stream.finish().expect("the PNG data");
    writer.finish().expect("a whole PNG");
    out
}

/// The smallest GIF there is: one white pixel.
fn gif() -> Vec<u8> {
    let mut out = b"GIF89a".to_vec();
    out.extend_from_slice(&[1, 0, 1, 0, 0x80, 0, 0]);
    out.extend_from_slice(&[255, 255, 255, 0, 0, 0]);
    out.extend_from_slice(&[0x2C, 0, 0, 0, 0, 1, 0, 1, 0, 0]);
    out.extend_from_slice(&[0x02, 0x02, 0x44, 0x01, 0x00, 0x3B]);
    out
}

/// A valid logo padded with zeros to `len` bytes: only its size is wrong
/// (decoders stop at the image's end), and the zeros cost the repository
/// next to nothing.
fn oversized(valid: &[u8], len: usize) -> Vec<u8> {
    let mut bytes = valid.to_vec();
    bytes.resize(len, 0);
    bytes
}

/// The box grown by one pixel on one side.
fn one_pixel_out(side: &str) -> Area {
    let mut area = BOX;
    match side {
        "top" => area.top -= 1,
        "bottom" => area.bottom += 1,
        "left" => area.left -= 1,
        _ => area.right += 1,
    }
    area
}

/// Every case, in the order `expected.tsv` lists them.
pub fn cases() -> Vec<Case> {
    use Verdict::*;
    let valid = logo_on(240, 240, WHITE, BOX);
    let case = |name, bytes, verdict, rule| Case {
        name,
        bytes,
        verdict,
        rule,
    };
    let mut wide = canvas(240, 240, WHITE);
    for y in 80..=159 {
        for x in 36..=203 {
            wide.put_pixel(x, y, ORANGE);
        }
    }
    // The logo in RGBA on white of the given opacity.
    let rgba_logo = |background_alpha: u8| {
        let mut image = RgbaImage::from_pixel(240, 240, Rgba([255, 255, 255, background_alpha]));
        let [r, g, b] = BLUE.0;
        draw_logo(
            &mut image,
            BOX,
            Rgba([r, g, b, 255]),
            Rgba([255, 255, 255, 255]),
        );
        image
    };
    let (transparent, opaque) = (rgba_logo(0), rgba_logo(255));
    let mut grey = GrayImage::from_pixel(240, 240, Luma([255]));
    draw_logo(&mut grey, BOX, Luma([60]), Luma([255]));
    let valid_png = rgb_png(&valid);
    let mut cases = vec![
        case(
            "valid_logo.png",
            valid_png.clone(),
            Accept,
            "exact box: the logo fills the centred 168x168 box on white",
        ),
        case(
            "valid_logo.jpg",
            jpeg(&valid),
            Accept,
            "JPEG: compression noise in the white frame is tolerated",
        ),
        case(
            "valid_wide_logo.png",
            rgb_png(&wide),
            Accept,
            "a 168x80 logo, centred: only the longer side must reach 168",
        ),
        case(
            "small_content.png",
            rgb_png(&logo_on(240, 240, WHITE, centred(60, 240))),
            AcceptWithWarning,
            "a centred logo far smaller than the box: accepted with a warning",
        ),
        case(
            "greyscale.png",
            png(grey.as_raw(), 240, 240, image::ExtendedColorType::L8),
            Accept,
            "an 8-bit greyscale PNG is judged like colour",
        ),
        case(
            "palette.png",
            palette_png(&valid),
            Accept,
            "an indexed-colour (palette) PNG is judged like colour",
        ),
        case(
            "opaque_rgba.png",
            png(opaque.as_raw(), 240, 240, image::ExtendedColorType::Rgba8),
            Accept,
            "an RGBA PNG whose every pixel is opaque",
        ),
    ];
    for (name, side) in [
        ("one_pixel_out_top.png", "top"),
        ("one_pixel_out_bottom.png", "bottom"),
        ("one_pixel_out_left.png", "left"),
        ("one_pixel_out_right.png", "right"),
    ] {
        cases.push(case(
            name,
            rgb_png(&logo_on(240, 240, WHITE, one_pixel_out(side))),
            Reject,
            "one pixel outside the box on one side reaches into the frame",
        ));
    }
    cases.extend([
        case(
            "off_centre.png",
            rgb_png(&logo_on(
                240,
                240,
                WHITE,
                Area {
                    left: 4,
                    top: 4,
                    right: 171,
                    bottom: 171,
                },
            )),
            Reject,
            "a 168x168 logo not centred reaches into the frame",
        ),
        case(
            "content_too_large.png",
            rgb_png(&logo_on(240, 240, WHITE, centred(220, 240))),
            Reject,
            "a logo larger than the box reaches into the frame",
        ),
        case(
            "grey_background.png",
            rgb_png(&logo_on(240, 240, Rgb([240, 240, 240]), BOX)),
            Reject,
            "a light grey (#F0F0F0) background is not white",
        ),
        case(
            "off_white_frame.png",
            rgb_png(&logo_on(240, 240, Rgb([254, 254, 254]), BOX)),
            Reject,
            "a PNG frame must be exactly white: #FEFEFE is not",
        ),
        case(
            "grey_background.jpg",
            jpeg(&logo_on(240, 240, Rgb([240, 240, 240]), BOX)),
            Reject,
            "JPEG noise tolerance does not let a light grey background pass",
        ),
        case(
            "transparent_background.png",
            png(
                transparent.as_raw(),
                240,
                240,
                image::ExtendedColorType::Rgba8,
            ),
            Reject,
            "a transparent frame is not white",
        ),
        case(
            "wrong_size_300x300.png",
            rgb_png(&logo_on(300, 300, WHITE, centred(168, 300))),
            Reject,
            "the size must be exactly 240x240",
        ),
        case(
            "wrong_size_240x200.png",
            rgb_png(&logo_on(
                240,
                200,
                WHITE,
                Area {
                    left: 36,
                    top: 16,
                    right: 203,
                    bottom: 183,
                },
            )),
            Reject,
            "the size must be exactly 240x240",
        ),
        case(
            "blank_white.png",
            rgb_png(&canvas(240, 240, WHITE)),
            Reject,
            "no logo at all",
        ),
        case(
            "not_an_image.png",
            b"this is a text file with a .png name\n".to_vec(),
            Reject,
            "wrong format by content: text named .png",
        ),
        case(
            "valid_logo.gif",
            gif(),
            Reject,
            "wrong format by content: only PNG and JPEG are accepted",
        ),
        case(
            "truncated.png",
            valid_png[..valid_png.len() / 2].to_vec(),
            Reject,
            "a PNG cut short",
        ),
        case(
            "bomb_50000x50000.png",
            declared_size_bomb(50_000),
            Reject,
            "a header declaring 50000x50000: refused from the header, nothing decoded",
        ),
        case(
            "bomb_4096x4096.png",
            real_size_bomb(),
            Reject,
            "a real 4096x4096 image, 64 MiB decoded: refused from the header",
        ),
        case(
            "oversized_file.png",
            oversized(&valid_png, 3 * 1024 * 1024),
            Reject,
            "a file over the 2 MiB upload limit (and over the whole body's)",
        ),
    ]);
    cases
}

/// `expected.tsv`: every case's file, verdict and rule.
pub fn expected_tsv(cases: &[Case]) -> String {
    let mut out = String::from("file\tverdict\trule\n");
    for case in cases {
        out.push_str(&format!(
            "{}\t{}\t{}\n",
            case.name,
            case.verdict.as_str(),
            case.rule
        ));
    }
    out
}
