//! CSV exports: one field and one line, as spreadsheets read them.

/// A CSV field, quoted when needed; a leading formula character is defused so
/// a spreadsheet never runs a product name.
pub fn csv_field(value: &str) -> String {
    // A negative amount (`-20.5`) is data, not a formula.
    let number = value.strip_prefix('-').is_some_and(|digits| {
        !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit() || b == b'.')
    });
    let risky = value.starts_with(['=', '+', '@'])
        || (value.starts_with('-') && value.len() > 1 && !number);
    let defused = if risky {
        format!("'{value}")
    } else {
        value.to_string()
    };
    if defused.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", defused.replace('"', "\"\""))
    } else {
        defused
    }
}

pub fn csv_line(fields: &[&str]) -> String {
    let mut line = fields
        .iter()
        .map(|f| csv_field(f))
        .collect::<Vec<_>>()
        .join(",");
    line.push_str("\r\n");
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_and_defused() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(csv_field("@cmd"), "'@cmd");
        assert_eq!(csv_field("-"), "-");
        assert_eq!(csv_field("-1+1"), "'-1+1");
        assert_eq!(csv_field("-20.5"), "-20.5");
        assert_eq!(csv_field("-"), "-");
    }
}
