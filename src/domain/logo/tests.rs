//! The validator against every fixture in tests/fixtures/logos/expected.tsv,
//! auto-fit, and hostile bytes.

use super::*;
use std::path::PathBuf;

/// The logo fixtures in the repository (made by `tests/common/logo_cases.rs`).
fn fixtures() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/logos"))
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(fixtures().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn every_fixture_gets_its_expected_verdict() {
    let expected = std::fs::read_to_string(fixtures().join("expected.tsv")).unwrap();
    let mut checked = 0;
    for line in expected.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let mut columns = line.split('\t');
        let (name, verdict) = (columns.next().unwrap(), columns.next().unwrap());
        let outcome = check_logo(&fixture(name));
        match verdict {
            "accept" => {
                let accepted = outcome.unwrap_or_else(|p| panic!("{name} refused: {p:?}"));
                assert!(
                    accepted.warnings.is_empty(),
                    "{name}: {:?}",
                    accepted.warnings
                );
            }
            "accept-with-warning" => {
                let accepted = outcome.unwrap_or_else(|p| panic!("{name} refused: {p:?}"));
                assert!(!accepted.warnings.is_empty(), "{name} has no warning");
            }
            "reject" => assert!(outcome.is_err(), "{name} was accepted"),
            other => panic!("unknown verdict {other}"),
        }
        checked += 1;
    }
    assert_eq!(checked, 26);
}

fn problems(name: &str) -> Vec<LogoProblem> {
    check_logo(&fixture(name))
        .err()
        .unwrap_or_else(|| panic!("{name} was accepted"))
}

#[test]
fn each_refusal_names_what_was_measured() {
    assert_eq!(
        problems("wrong_size_300x300.png"),
        vec![LogoProblem::WrongSize {
            width: 300,
            height: 300
        }]
    );
    assert_eq!(
        problems("wrong_size_240x200.png"),
        vec![LogoProblem::WrongSize {
            width: 240,
            height: 200
        }]
    );
    assert!(matches!(
        problems("grey_background.png")[..],
        [LogoProblem::FrameNotWhite { colour: [240, 240, 240], example: (0, 0), ref sides }] if sides.len() == 4
    ));
    assert!(matches!(
        problems("grey_background.jpg")[..],
        [LogoProblem::FrameTinted { mean_colour }] if mean_colour.iter().all(|c| (238..=242).contains(c))
    ));
    assert!(matches!(
        problems("transparent_background.png")[..],
        [LogoProblem::FrameTransparent { .. }]
    ));
    assert!(matches!(
        problems("off_centre.png")[..],
        [LogoProblem::ReachesIntoFrame {
            extent: Rect {
                left: 4,
                top: 4,
                right: 171,
                bottom: 171
            }
        }]
    ));
    assert!(matches!(
        problems("content_too_large.png")[..],
        [LogoProblem::ReachesIntoFrame {
            extent: Rect {
                left: 10,
                top: 10,
                ..
            }
        }]
    ));
    assert_eq!(problems("blank_white.png"), vec![LogoProblem::Empty]);
    assert_eq!(problems("not_an_image.png"), vec![LogoProblem::NotAnImage]);
    assert_eq!(problems("truncated.png"), vec![LogoProblem::Unreadable]);
    // The check takes on 240×240 only: any other declared size is refused
    // from the header, bombs included.
    assert_eq!(
        problems("bomb_50000x50000.png"),
        vec![LogoProblem::WrongSize {
            width: 50000,
            height: 50000
        }]
    );
    assert_eq!(
        autofit(&fixture("bomb_50000x50000.png")).err(),
        Some(LogoProblem::DimensionsTooLarge {
            width: 50000,
            height: 50000
        })
    );
    assert!(matches!(
        problems("oversized_file.png")[..],
        [LogoProblem::FileTooLarge { .. }]
    ));
    assert!(matches!(
        problems("valid_logo.gif")[..],
        [LogoProblem::UnsupportedFormat { .. }]
    ));
}

#[test]
fn several_broken_rules_are_listed_together() {
    // Grey background and a logo reaching into the frame, both reported.
    let mut image = RgbaImage::from_pixel(SIZE, SIZE, Rgba([240, 240, 240, 255]));
    for y in 10..150 {
        for x in 10..150 {
            image.put_pixel(x, y, Rgba([20, 90, 200, 255]));
        }
    }
    let mut png = Cursor::new(Vec::new());
    image.write_to(&mut png, ImageFormat::Png).unwrap();
    let found = check_logo(png.get_ref()).unwrap_err();
    assert!(
        found
            .iter()
            .any(|p| matches!(p, LogoProblem::FrameNotWhite { .. })),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|p| matches!(p, LogoProblem::ReachesIntoFrame { .. })),
        "{found:?}"
    );
}

#[test]
fn the_small_logo_warning_says_how_small() {
    let accepted = check_logo(&fixture("small_content.png")).unwrap();
    assert_eq!(
        accepted.warnings,
        vec![LogoWarning::SmallLogo {
            width: 60,
            height: 60
        }]
    );
}

#[test]
fn accepted_logos_are_re_encoded_as_png() {
    for name in ["valid_logo.png", "valid_logo.jpg", "valid_wide_logo.png"] {
        let accepted = check_logo(&fixture(name)).unwrap();
        assert_eq!(
            image::guess_format(&accepted.png).unwrap(),
            ImageFormat::Png
        );
        // The re-encoded logo passes the rule again, unchanged in verdict.
        assert!(check_logo(&accepted.png).is_ok(), "{name}");
    }
    assert_eq!(
        check_logo(&fixture("valid_logo.jpg")).unwrap().format,
        LogoFormat::Jpeg
    );
}

#[test]
fn the_bomb_is_refused_before_decoding() {
    let bytes = fixture("bomb_50000x50000.png");
    let started = std::time::Instant::now();
    let outcome = check_logo(&bytes);
    assert!(outcome.is_err());
    // Generous bound: refusing reads the header only (microseconds).
    assert!(
        started.elapsed() < std::time::Duration::from_millis(200),
        "{:?}",
        started.elapsed()
    );
    assert!(autofit(&bytes).is_err());
}

#[test]
fn autofit_makes_compliant_logos_from_flawed_ones() {
    for name in [
        "wrong_size_300x300.png",
        "wrong_size_240x200.png",
        "grey_background.png",
        "grey_background.jpg",
        "transparent_background.png",
        "off_centre.png",
        "content_too_large.png",
        "small_content.png",
        "valid_logo.png",
        "valid_wide_logo.png",
    ] {
        let fitted = autofit(&fixture(name)).unwrap_or_else(|p| panic!("{name}: {p:?}"));
        let accepted =
            check_logo(&fitted).unwrap_or_else(|p| panic!("{name} auto-fit refused: {p:?}"));
        assert!(accepted.warnings.is_empty(), "{name}");
        // The longer side fills the box (JPEG sources lose a pixel or two of faint edge).
        let longer = accepted.extent.width().max(accepted.extent.height());
        assert!(
            (BOX - 4..=BOX).contains(&longer),
            "{name}: {:?}",
            accepted.extent
        );
    }
    // The wide logo keeps its aspect ratio (168×80).
    let wide = check_logo(&autofit(&fixture("valid_wide_logo.png")).unwrap()).unwrap();
    assert_eq!((wide.extent.width(), wide.extent.height()), (168, 80));
    assert_eq!(
        autofit(&fixture("blank_white.png")),
        Err(LogoProblem::Empty)
    );
    assert_eq!(
        autofit(&fixture("not_an_image.png")),
        Err(LogoProblem::NotAnImage)
    );
}

/// A small deterministic generator, so failures can be replayed.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn random_and_mutated_bytes_get_an_answer_never_a_panic() {
    let mut rng = XorShift(0x5eed_1234_abcd);
    for length in [0usize, 1, 7, 8, 33, 100, 4096] {
        let bytes: Vec<u8> = (0..length).map(|_| rng.next() as u8).collect();
        assert!(check_logo(&bytes).is_err());
        let _ = autofit(&bytes);
    }
    for name in ["valid_logo.png", "valid_logo.jpg", "bomb_50000x50000.png"] {
        let original = fixture(name);
        for round in 0..60 {
            let mut mutated = original.clone();
            match round % 3 {
                0 => {
                    for _ in 0..1 + rng.next() % 8 {
                        let at = (rng.next() as usize) % mutated.len();
                        mutated[at] = rng.next() as u8;
                    }
                }
                1 => mutated.truncate((rng.next() as usize) % original.len()),
                _ => {
                    let at = (rng.next() as usize) % mutated.len();
                    let junk: Vec<u8> = (0..rng.next() % 64).map(|_| rng.next() as u8).collect();
                    mutated.splice(at..at, junk);
                }
            }
            // Any verdict will do; a panic or a hang will not.
            let _ = check_logo(&mutated);
            let _ = autofit(&mutated);
        }
    }
}

/// The documented margins: JPEG noise in a white frame is far from both the
/// mean threshold and the ink threshold.
#[test]
fn jpeg_noise_stays_well_inside_the_thresholds() {
    let (_, image) = decode(&fixture("valid_logo.jpg"), Accept::ExactSize).unwrap();
    let rgba = image.to_rgba8();
    let (mut sum, mut count, mut worst) = (0u64, 0u64, 0u8);
    for (x, y, pixel) in rgba.enumerate_pixels() {
        if in_frame(x, y) {
            let d = deviation(pixel);
            sum += u64::from(d);
            count += 1;
            worst = worst.max(d);
        }
    }
    let mean = sum as f64 / count as f64;
    println!("valid_logo.jpg frame: mean deviation {mean:.3}, worst {worst}");
    assert!(mean <= JPEG_FRAME_MEAN_DEVIATION / 3.0, "mean {mean}");
    assert!(worst <= 30, "worst {worst}");
}

/// A PNG of `side`×`side` in one colour: tiny to send, big to decode.
fn flat_png(side: u32) -> Vec<u8> {
    let image = RgbaImage::from_pixel(side, side, Rgba([255, 255, 255, 255]));
    let mut out = Cursor::new(Vec::new());
    image.write_to(&mut out, ImageFormat::Png).unwrap();
    out.into_inner()
}

#[test]
fn only_what_the_rule_needs_is_decoded() {
    // 4096×4096 RGBA would be 64 MiB decoded; sent, a few hundred KiB.
    let big = flat_png(4096);
    assert!(big.len() < 512 * 1024, "{}", big.len());
    let started = std::time::Instant::now();
    assert_eq!(
        problems_of(&big),
        vec![LogoProblem::WrongSize {
            width: 4096,
            height: 4096
        }]
    );
    assert_eq!(
        autofit(&big).err(),
        Some(LogoProblem::DimensionsTooLarge {
            width: 4096,
            height: 4096
        })
    );
    // Both from the header alone: far quicker than decoding 16 M pixels.
    assert!(
        started.elapsed() < std::time::Duration::from_millis(50),
        "{:?}",
        started.elapsed()
    );
    // Auto-fit still takes a big source up to its bound.
    assert_eq!(
        autofit(&flat_png(MAX_AUTOFIT_SIDE)),
        Err(LogoProblem::Empty)
    );
}

fn problems_of(bytes: &[u8]) -> Vec<LogoProblem> {
    check_logo(bytes).expect_err("refused")
}
