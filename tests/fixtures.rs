//! The logo fixtures under tests/fixtures/logos are what the generator in
//! tests/common/logo_cases.rs makes, so they can be read, reviewed and
//! remade from the repository alone:
//! `YUNSHI_WRITE_FIXTURES=1 cargo test --test fixtures` writes them.
//!
//! An independent set of fixtures elsewhere (for this team, ../shared/fixtures)
//! is an extra cross-check, run on request:
//! `YUNSHI_SHARED_FIXTURES=../shared/fixtures cargo test --test fixtures -- --ignored`.

mod common;

use std::path::PathBuf;

use common::logo_cases::{Verdict, cases, expected_tsv};
use yunshi::domain::logo::check_logo;

#[test]
fn committed_fixtures_are_what_the_generator_makes() {
    let dir = common::logo_fixtures();
    let cases = cases();
    let expected = expected_tsv(&cases);
    if std::env::var_os("YUNSHI_WRITE_FIXTURES").is_some() {
        std::fs::create_dir_all(&dir).unwrap();
        for case in &cases {
            std::fs::write(dir.join(case.name), &case.bytes).unwrap();
        }
        std::fs::write(dir.join("expected.tsv"), &expected).unwrap();
    }
    for case in &cases {
        let committed = std::fs::read(dir.join(case.name))
            .unwrap_or_else(|e| panic!("{}: {e} (YUNSHI_WRITE_FIXTURES=1 remakes it)", case.name));
        assert!(
            committed == case.bytes,
            "{} differs from what the generator makes (YUNSHI_WRITE_FIXTURES=1 remakes it)",
            case.name
        );
    }
    assert_eq!(
        std::fs::read_to_string(dir.join("expected.tsv")).unwrap(),
        expected
    );
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    let mut made: Vec<String> = cases.iter().map(|c| c.name.to_string()).collect();
    made.push("expected.tsv".into());
    made.sort();
    assert_eq!(files, made, "no stray file among the fixtures");
}

#[test]
fn every_generated_case_gets_its_verdict() {
    for case in cases() {
        let outcome = check_logo(&case.bytes);
        match (case.verdict, &outcome) {
            (Verdict::Accept, Ok(accepted)) => {
                assert!(
                    accepted.warnings.is_empty(),
                    "{}: {:?}",
                    case.name,
                    accepted.warnings
                )
            }
            (Verdict::AcceptWithWarning, Ok(accepted)) => {
                assert!(
                    !accepted.warnings.is_empty(),
                    "{} has no warning",
                    case.name
                )
            }
            (Verdict::Reject, Err(_)) => {}
            _ => panic!(
                "{}: {:?} expected, got {:?}",
                case.name,
                case.verdict,
                outcome.err()
            ),
        }
    }
}

/// An independent set of fixtures with its own expected.tsv, when one is
/// named; run with `--ignored`.
#[test]
#[ignore = "needs YUNSHI_SHARED_FIXTURES, e.g. ../shared/fixtures"]
fn independent_fixtures_get_their_expected_verdicts() {
    let dir = PathBuf::from(
        std::env::var("YUNSHI_SHARED_FIXTURES")
            .expect("YUNSHI_SHARED_FIXTURES names the folder holding logos/expected.tsv"),
    )
    .join("logos");
    let expected = std::fs::read_to_string(dir.join("expected.tsv")).unwrap();
    let mut checked = 0;
    for line in expected.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let mut columns = line.split('\t');
        let (name, verdict) = (columns.next().unwrap(), columns.next().unwrap());
        let outcome = check_logo(&std::fs::read(dir.join(name)).unwrap());
        match verdict {
            "accept" => assert!(
                outcome.as_ref().is_ok_and(|a| a.warnings.is_empty()),
                "{name}: {:?}",
                outcome.err()
            ),
            "accept-with-warning" => assert!(
                outcome.as_ref().is_ok_and(|a| !a.warnings.is_empty()),
                "{name}"
            ),
            "reject" => assert!(outcome.is_err(), "{name} was accepted"),
            other => panic!("unknown verdict {other}"),
        }
        checked += 1;
    }
    assert!(checked > 0, "no fixture listed");
}
