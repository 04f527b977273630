//! Settlement pages: the vendor's statements and chart, one statement, and
//! the operator's month view.

use crate::views::Flash;
use std::fmt::Write;

use askama::Template;

use super::PageCtx;
use crate::db::settlements::{ListedStatement, ShownLine, Statement, VendorRate};
use crate::domain::money::{format_money, format_yuan};
use crate::domain::settlement::{LineKind, Month, Totals};
use crate::i18n::Lang;

/// A group of a statement's lines as the page shows them.
pub type LineGroup = crate::domain::settlement::LineGroup<ShownLine>;

/// Lines per group on a page; the CSV has every line (a big vendor's month
/// has tens of thousands of hourly lines).
pub const LINES_SHOWN: usize = 200;

/// Net payable per month for the `count` months up to `last`; a month without
/// a statement counts 0.
pub fn net_by_month(statements: &[Statement], last: Month, count: usize) -> Vec<(Month, i64)> {
    last.last(count)
        .into_iter()
        .map(|month| {
            let label = month.to_string();
            let net = statements
                .iter()
                .find(|s| s.month == label)
                .map_or(0, |s| s.net_fen);
            (month, net)
        })
        .collect()
}

const CHART_WIDTH: i64 = 720;
const CHART_HEIGHT: i64 = 220;
const LABEL_BAND: i64 = 36;
const TOP_BAND: i64 = 20;

/// An amount short enough to sit above a bar: `¥2972.8万` in Chinese,
/// `¥29.7M` in English; small amounts as they are. The exact figure is in
/// the bar's title and in the table below the chart.
pub fn compact_yuan(fen: i64, lang: Lang) -> String {
    let yuan = fen as f64 / 100.0;
    match lang {
        Lang::Zh if yuan.abs() >= 10_000.0 => format!("¥{:.1}万", yuan / 10_000.0),
        Lang::En if yuan.abs() >= 1_000_000.0 => format!("¥{:.1}M", yuan / 1_000_000.0),
        Lang::En if yuan.abs() >= 1_000.0 => format!("¥{:.1}k", yuan / 1_000.0),
        _ => format_yuan(fen),
    }
}

/// Room on the left for the value axis.
const AXIS_BAND: i64 = 64;

/// A bar chart of net payable per month, as inline SVG: no script, readable
/// without colour (each bar has its amount above and a title), a value axis
/// (the highest month, 0 and the lowest), negative months drawn below the
/// baseline, and the running month so far as a lighter last bar.
pub fn net_chart(
    points: &[(Month, i64)],
    running: Option<(Month, i64)>,
    label: &str,
    lang: Lang,
) -> String {
    let plot = CHART_HEIGHT - LABEL_BAND - TOP_BAND;
    let bars: Vec<(Month, i64, bool)> = points
        .iter()
        .map(|(month, net)| (*month, *net, false))
        .chain(running.map(|(month, net)| (month, net, true)))
        .collect();
    let most = bars
        .iter()
        .map(|(_, net, _)| *net)
        .max()
        .unwrap_or(0)
        .max(0);
    let least = bars
        .iter()
        .map(|(_, net, _)| *net)
        .min()
        .unwrap_or(0)
        .min(0);
    let span = (most - least).max(1);
    // The baseline sits where 0 falls between the largest and smallest month.
    let baseline = TOP_BAND + plot * most / span;
    let slot = (CHART_WIDTH - AXIS_BAND) / bars.len().max(1) as i64;
    let bar = (slot * 3 / 5).max(4);
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="chart" viewBox="0 0 {CHART_WIDTH} {CHART_HEIGHT}" role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg">"#,
        attribute_text(label)
    );
    // The value axis: the highest month, zero and (when below) the lowest.
    let mut ticks = vec![(most, TOP_BAND), (0, baseline)];
    if least < 0 {
        ticks.push((least, TOP_BAND + plot));
    }
    for (value, y) in ticks {
        if value != 0 && y == baseline {
            continue;
        }
        let _ = write!(
            svg,
            r#"<line class="grid" x1="{AXIS_BAND}" y1="{y}" x2="{CHART_WIDTH}" y2="{y}"/><text class="axis-label" x="{}" y="{}" text-anchor="end">{}</text>"#,
            AXIS_BAND - 6,
            y + 4,
            compact_yuan(value, lang)
        );
    }
    let _ = write!(
        svg,
        r#"<line class="axis" x1="{AXIS_BAND}" y1="{baseline}" x2="{CHART_WIDTH}" y2="{baseline}"/>"#
    );
    for (index, (month, net, so_far)) in bars.iter().enumerate() {
        let x = AXIS_BAND + index as i64 * slot + (slot - bar) / 2;
        let height = (plot * net.abs() / span).max(if *net == 0 { 0 } else { 1 });
        let (y, class) = match (*net >= 0, *so_far) {
            (true, false) => (baseline - height, "bar"),
            (true, true) => (baseline - height, "bar running"),
            (false, false) => (baseline, "bar negative"),
            (false, true) => (baseline, "bar negative running"),
        };
        let amount = format_money(*net);
        let short = compact_yuan(*net, lang);
        let centre = x + bar / 2;
        let name = if *so_far {
            format!("{month}…")
        } else {
            month.to_string()
        };
        let _ = write!(
            svg,
            r#"<g><title>{name} {amount}</title><rect class="{class}" x="{x}" y="{y}" width="{bar}" height="{height}"/>"#
        );
        if *net != 0 {
            let text_y = if *net >= 0 { y - 4 } else { y + height + 12 };
            let _ = write!(
                svg,
                r#"<text class="value" x="{centre}" y="{text_y}" text-anchor="middle">{short}</text>"#
            );
        }
        let _ = write!(
            svg,
            r#"<text class="month" x="{centre}" y="{}" text-anchor="middle">{name}</text></g>"#,
            CHART_HEIGHT - 8
        );
    }
    svg.push_str("</svg>");
    svg
}

/// Text safe inside a double-quoted SVG attribute (or as SVG text).
pub(crate) fn attribute_text(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[derive(Template)]
#[template(path = "settlements/vendor.html")]
pub struct VendorSettlementsPage {
    pub page: PageCtx,
    pub statements: Vec<Statement>,
    pub chart: String,
    pub preview_month: String,
    pub groups: Vec<LineGroup>,
    pub preview_totals: Totals,
    /// Deficits of earlier statements this month's will take (zero or less).
    pub preview_carried_in_fen: i64,
    pub fee_bps: i32,
}

#[derive(Template)]
#[template(path = "settlements/statement.html")]
pub struct StatementPage {
    pub page: PageCtx,
    pub statement: Statement,
    pub vendor_name: String,
    pub groups: Vec<LineGroup>,
    /// The operator sees the payment form.
    pub for_operator: bool,
    pub csv_href: String,
    pub back_href: String,
    pub notice: Option<Flash>,
    pub error: Option<String>,
    pub reference: String,
}

impl StatementPage {
    /// Where the line's order numbers link: the viewer's own order pages.
    pub fn order_base(&self) -> &'static str {
        if self.for_operator {
            "/admin/orders"
        } else {
            "/vendor/orders"
        }
    }

    pub fn title(&self) -> String {
        crate::i18n::fill(
            self.page.t.statement_title,
            &[("month", &self.statement.month)],
        )
    }
}

#[derive(Template)]
#[template(path = "settlements/admin.html")]
pub struct AdminSettlementsPage {
    pub page: PageCtx,
    /// The month shown.
    pub month: String,
    pub statements: Vec<ListedStatement>,
    pub months: Vec<String>,
    pub rates: Vec<VendorRate>,
    /// What the generate form holds: the last ended month, or what was typed.
    pub settle_value: String,
    pub notice: Option<Flash>,
    pub error: Option<String>,
    pub totals: Totals,
}

impl AdminSettlementsPage {
    /// A rate as typed in the form: 250 → `2.5`.
    pub fn percent_digits(&self, bps: &i32) -> String {
        crate::domain::settlement::format_fee_percent(*bps)
            .trim_end_matches('%')
            .to_string()
    }

    pub fn no_statements(&self) -> String {
        crate::i18n::fill(self.page.t.settle_no_statements, &[("month", &self.month)])
    }
}

impl VendorSettlementsPage {
    /// What this month's statement would pay so far, deficits included.
    pub fn preview_payable(&self) -> i64 {
        crate::domain::settlement::payable(self.preview_totals, self.preview_carried_in_fen)
    }

    pub fn preview_title(&self) -> String {
        crate::i18n::fill(
            self.page.t.settlement_preview_title,
            &[("month", &self.preview_month)],
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn month(text: &str) -> Month {
        Month::parse(text).unwrap()
    }

    #[test]
    fn the_chart_draws_one_bar_per_month_and_negative_months_below_the_line() {
        let points = vec![
            (month("2026-08"), 10_000),
            (month("2026-09"), 0),
            (month("2026-10"), -2_500),
        ];
        let svg = net_chart(
            &points,
            Some((month("2026-11"), 5_000)),
            "净额 <图>",
            Lang::Zh,
        );
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert_eq!(svg.matches("<rect").count(), 4);
        assert_eq!(svg.matches("class=\"bar negative\"").count(), 1);
        assert_eq!(svg.matches("class=\"bar running\"").count(), 1);
        assert!(svg.contains("2026-11…"), "the running month is named so");
        // The value axis: the highest month, zero and the lowest.
        assert!(svg.contains("text-anchor=\"end\">¥100</text>"));
        assert!(svg.contains("text-anchor=\"end\">¥0</text>"));
        assert!(svg.contains("text-anchor=\"end\">¥-25</text>"));
        assert!(svg.contains("2026-09"));
        assert!(svg.contains("aria-label=\"净额 &lt;图&gt;\""));
        assert!(!svg.contains("<script"));
    }

    #[test]
    fn an_empty_year_draws_a_flat_chart() {
        let points = month("2026-10")
            .last(12)
            .into_iter()
            .map(|m| (m, 0))
            .collect::<Vec<_>>();
        let svg = net_chart(&points, None, "chart", Lang::En);
        assert_eq!(svg.matches("<rect").count(), 12);
        assert!(svg.contains("height=\"0\""));
    }

    #[test]
    fn amounts_above_bars_are_short() {
        assert_eq!(compact_yuan(2_972_794_550, Lang::Zh), "¥2972.8万");
        assert_eq!(compact_yuan(2_972_794_550, Lang::En), "¥29.7M");
        assert_eq!(compact_yuan(1_234_500, Lang::En), "¥12.3k");
        assert_eq!(compact_yuan(-250_000_000, Lang::Zh), "¥-250.0万");
        assert_eq!(compact_yuan(9_900, Lang::Zh), "¥99");
    }

    #[test]
    fn missing_months_count_zero() {
        let statement = |month: &str, net_fen| Statement {
            id: 1,
            vendor_id: 1,
            month: month.into(),
            fee_bps: 0,
            gross_fen: net_fen,
            fee_fen: 0,
            net_fen,
            state: crate::domain::settlement::StatementState::Ready,
            paid_reference: None,
            paid_by: None,
            paid_at: None,
            generated_at: chrono::NaiveDateTime::default(),
            carried_in_fen: 0,
            carried_into: None,
        };
        let points = net_by_month(&[statement("2026-09", 500)], month("2026-10"), 3);
        assert_eq!(
            points,
            vec![
                (month("2026-08"), 0),
                (month("2026-09"), 500),
                (month("2026-10"), 0)
            ]
        );
    }
}
