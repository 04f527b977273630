//! Settlement (结算): in which month each order is billed, what a monthly
//! statement's lines are, and its totals. Pure functions over an order's
//! history; the month and the horizon (`until`) are parameters.
//!
//! The rules (docs/settlement.md, and the seed's 注意事项 and 五天无理由):
//! - a prepaid image purchase is billed when its five-day window closes;
//! - a renewal is billed when paid;
//! - an hourly subscription bills each started hour in the month it starts;
//! - a service or license order is billed when its ticket completes; until
//!   then it is listed as pending;
//! - a negotiated refund before billing is netted into the billed line, one
//!   after billing is a deduction in the month refunded;
//! - a five-day refund, the purchase it refunded and the buyer's re-order
//!   (重新订购单) are excluded, with the reason.

use std::fmt;

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};

use super::Transition;
use super::notice::Event;
use super::order::{OrderType, started_hours};
use super::product::{Billing, Kind};
use super::refund::{RefundKind, five_day_deadline};
use super::refusal::Refusal;
use super::time::china;

/// A calendar month in China time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    year: i32,
    month: u32,
}

impl Month {
    /// Reads `2026-10`. Years outside 2000–2999 are not a settlement month.
    pub fn parse(text: &str) -> Option<Month> {
        let (year, month) = text.trim().split_once('-')?;
        if year.len() != 4 || month.len() != 2 {
            return None;
        }
        let year: i32 = year.parse().ok()?;
        let month: u32 = month.parse().ok()?;
        ((2000..=2999).contains(&year) && (1..=12).contains(&month))
            .then_some(Month { year, month })
    }

    /// The month (China time) an instant stored as naive UTC falls in.
    pub fn of(at: NaiveDateTime) -> Month {
        let local = at.and_utc().with_timezone(&china());
        Month {
            year: local.year(),
            month: local.month(),
        }
    }

    /// When the month starts, as naive UTC (midnight of the 1st in China).
    pub fn start(self) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(self.year, self.month, 1)
            .and_then(|day| day.and_hms_opt(0, 0, 0))
            .map(|local| local - Duration::hours(8))
            .unwrap_or_default()
    }

    /// When the next month starts: the end of this one, exclusive.
    pub fn end(self) -> NaiveDateTime {
        self.next().start()
    }

    /// The month's hours: what an hourly subscription running through it bills.
    pub fn hours(self) -> i64 {
        (self.end() - self.start()).num_hours()
    }

    pub fn next(self) -> Month {
        if self.month == 12 {
            Month {
                year: self.year + 1,
                month: 1,
            }
        } else {
            Month {
                year: self.year,
                month: self.month + 1,
            }
        }
    }

    pub fn previous(self) -> Month {
        if self.month == 1 {
            Month {
                year: self.year - 1,
                month: 12,
            }
        } else {
            Month {
                year: self.year,
                month: self.month - 1,
            }
        }
    }

    /// `yyyymm`, as a number: 202610.
    pub fn number(self) -> i64 {
        i64::from(self.year) * 100 + i64::from(self.month)
    }

    /// A statement may be made once the month is over.
    pub fn has_ended(self, now: NaiveDateTime) -> bool {
        self.end() <= now
    }

    /// Whether an instant falls in `[start, until)`.
    fn holds(self, at: NaiveDateTime, until: NaiveDateTime) -> bool {
        at >= self.start() && at < until
    }

    /// This month and the `count - 1` before it, oldest first.
    pub fn last(self, count: usize) -> Vec<Month> {
        let mut months = Vec::with_capacity(count);
        let mut month = self;
        for _ in 0..count {
            months.push(month);
            month = month.previous();
        }
        months.reverse();
        months
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// What became of a service or license order's ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TicketOutcome {
    Open,
    Completed(NaiveDateTime),
    /// Closed because the order was refunded in full.
    Closed(NaiveDateTime),
}

/// A refund order against a billable order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refund {
    pub order_id: i64,
    pub kind: RefundKind,
    pub amount_fen: i64,
    pub at: NaiveDateTime,
}

/// A purchase or renewal with everything that happened to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Billable {
    pub order_id: i64,
    pub order_type: OrderType,
    pub kind: Kind,
    pub billing: Billing,
    pub paid_at: NaiveDateTime,
    pub amount_fen: i64,
    pub unit_price_fen: i64,
    /// Hourly: hours count from here.
    pub started_at: NaiveDateTime,
    /// Hourly: billing stopped here, if it did.
    pub stopped_at: Option<NaiveDateTime>,
    /// Service and license purchases: their ticket, if they have one.
    pub ticket: Option<TicketOutcome>,
    pub refunds: Vec<Refund>,
    /// The five-day refund order this purchase re-orders after (重新订购单).
    pub reorder_of: Option<i64>,
}

/// How a statement groups its lines, in the order it shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LineKind {
    ImagePurchase,
    Renewal,
    Hourly,
    Service,
    License,
    Deduction,
    Excluded,
    Pending,
}

/// Where a statement stands: made and waiting for payment, or paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatementState {
    Ready,
    Paid,
}

codes!(StatementState {
    Ready = "ready",
    Paid = "paid",
});

codes!(LineKind {
    ImagePurchase = "image_purchase",
    Renewal = "renewal",
    Hourly = "hourly",
    Service = "service",
    License = "license",
    Deduction = "deduction",
    Excluded = "excluded",
    Pending = "pending",
});

impl LineKind {
    /// Whether the line's amount counts in the statement's gross.
    pub fn is_billed(self) -> bool {
        !matches!(self, LineKind::Excluded | LineKind::Pending)
    }
}

/// Why a line is what it is, beyond its kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LineNote {
    None,
    /// Excluded: the five-day refund order itself.
    FiveDayRefundOrder,
    /// Excluded: the purchase a five-day refund refunded.
    RefundedWithinFiveDays,
    /// Excluded: the re-order after a five-day refund.
    Reorder,
    /// Pending: the ticket is not completed.
    TicketOpen,
    /// Pending: the five-day window is still open (`at` is its deadline).
    RefundWindowOpen,
}

codes!(LineNote {
    None = "",
    FiveDayRefundOrder = "five_day_refund",
    RefundedWithinFiveDays = "refunded_within_five_days",
    Reorder = "reorder",
    TicketOpen = "ticket_open",
    RefundWindowOpen = "refund_window_open",
});

/// One line of a statement.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Line {
    pub kind: LineKind,
    /// The order billed, deducted from, excluded or pending.
    pub order_id: i64,
    /// The refund order behind a deduction or a five-day exclusion.
    pub refund_order_id: Option<i64>,
    /// Hourly lines: the hours started in the month.
    pub hours: i64,
    /// What the order brought (for hourly lines, hours × unit price).
    pub paid_fen: i64,
    /// Refunded before billing (netted), or the deduction's refund.
    pub refunded_fen: i64,
    /// What the line adds to the gross: negative for deductions, 0 when not billed.
    pub amount_fen: i64,
    pub note: LineNote,
    /// When it became billable, was refunded, or (pending) may become billable.
    pub at: NaiveDateTime,
}

impl Line {
    /// Which part of its order this line bills, once across all statements
    /// (the store keeps `(part, order_id)` unique): 0 the order's one billing,
    /// 1 its exclusion, `yyyymm` its hours in that month, minus the refund
    /// order's id a deduction. `None` for pending lines, which repeat until
    /// they are billed.
    pub fn bill_part(&self, month: Month) -> Option<i64> {
        match self.kind {
            LineKind::Pending => None,
            LineKind::Hourly => Some(month.number()),
            LineKind::Deduction => Some(-self.refund_order_id.unwrap_or(self.order_id)),
            LineKind::Excluded => Some(1),
            _ => Some(0),
        }
    }

    /// A line of `kind` for `order_id` at `at`, with nothing in it yet.
    pub fn new(kind: LineKind, order_id: i64, at: NaiveDateTime) -> Line {
        Line {
            kind,
            order_id,
            refund_order_id: None,
            hours: 0,
            paid_fen: 0,
            refunded_fen: 0,
            amount_fen: 0,
            note: LineNote::None,
            at,
        }
    }
}

/// Hours that start in `[from, to)` for a subscription that started at `start`.
pub fn hours_starting_between(start: NaiveDateTime, from: NaiveDateTime, to: NaiveDateTime) -> i64 {
    let from = from.max(start);
    if to <= from {
        return 0;
    }
    started_hours(start, to) - started_hours(start, from)
}

/// The start of the first hour billed at or after `from`, for a subscription
/// whose hours start at `start`: `from` itself only when an hour starts then.
/// The time is the hour's start as billing counts it, at the next whole
/// second (`start_phase`): an hour starting 0.3 s before a month does not
/// count in the one that ends, so its line in the next shows the month's
/// first second, not the last second of the month before. It is also the
/// month's start plus `start_phase`, which lets the store write the lines
/// of the subscriptions running all month without reading them.
pub fn first_hour_from(start: NaiveDateTime, from: NaiveDateTime) -> NaiveDateTime {
    let first = if start >= from {
        start
    } else {
        start + Duration::hours(started_hours(start, from))
    };
    as_counted(first)
}

/// A moment rounded up to a whole second, as hours are counted.
pub fn as_counted(at: NaiveDateTime) -> NaiveDateTime {
    use chrono::SubsecRound;
    let whole = at.trunc_subsecs(0);
    if whole < at {
        whole + Duration::seconds(1)
    } else {
        whole
    }
}

/// Where in its hour a subscription's hours start: the second of the hour
/// (0–3599, UTC) of `start` rounded up to a whole second, as
/// `started_hours` counts. Running subscriptions of a vendor are kept
/// summed by it (`hours_in_month_so_far`).
pub fn start_phase(start: NaiveDateTime) -> i64 {
    as_counted(start).and_utc().timestamp().rem_euclid(3600)
}

/// The hours a subscription that started before `month` and still runs
/// bills in it up to `until` (a whole second), told by its start's phase
/// alone: months start on the hour, so every such subscription bills the
/// same whole hours, and one more when an hour of its own starts in the
/// part-hour that is left.
pub fn hours_in_month_so_far(phase: i64, month: Month, until: NaiveDateTime) -> i64 {
    let so_far = MonthSoFar::of(month, until);
    so_far.whole_hours + i64::from(phase < so_far.part_seconds)
}

/// The month up to `until` (a whole second) in whole hours and the seconds
/// of the hour after them. A subscription that started before the month
/// and still runs bills each whole hour, and one hour more when its phase
/// falls in the part-hour (`phase < part_seconds`): so the running ones are
/// summed from two sums over their phases, without reading each one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MonthSoFar {
    pub whole_hours: i64,
    pub part_seconds: i64,
}

impl MonthSoFar {
    pub fn of(month: Month, until: NaiveDateTime) -> MonthSoFar {
        let elapsed = (until.min(month.end()) - month.start())
            .num_seconds()
            .max(0);
        MonthSoFar {
            whole_hours: elapsed / 3600,
            part_seconds: elapsed % 3600,
        }
    }
}

/// When a non-hourly order may be billed, if it may yet: a prepaid image
/// purchase when its five-day window closes, a renewal when paid, a service
/// or license purchase when its ticket completed.
pub fn bill_moment(order: &Billable) -> Option<NaiveDateTime> {
    match (order.order_type, order.kind, order.ticket) {
        (OrderType::Renew, _, _) => Some(order.paid_at),
        (_, Kind::Image, _) => Some(five_day_deadline(order.paid_at)),
        (_, _, Some(TicketOutcome::Completed(at))) => Some(at),
        _ => None,
    }
}

fn billed_kind(order: &Billable) -> LineKind {
    match (order.order_type, order.kind) {
        (OrderType::Renew, _) => LineKind::Renewal,
        (_, Kind::Image) => LineKind::ImagePurchase,
        (_, Kind::Service) => LineKind::Service,
        (_, Kind::License) => LineKind::License,
    }
}

/// The lines one order contributes to `month`, seeing only what happened
/// before `until` (the month's end for a statement, now for a preview).
pub fn order_lines(order: &Billable, month: Month, until: NaiveDateTime) -> Vec<Line> {
    let until = until.min(month.end());
    let mut lines = Vec::new();
    let seen: Vec<&Refund> = order.refunds.iter().filter(|r| r.at < until).collect();

    if let Some(refund_order) = order.reorder_of {
        if month.holds(order.paid_at, until) {
            let mut line = Line::new(LineKind::Excluded, order.order_id, order.paid_at);
            line.refund_order_id = Some(refund_order);
            line.paid_fen = order.amount_fen;
            line.note = LineNote::Reorder;
            lines.push(line);
        }
        lines.extend(five_day_refund_lines(order, &seen, month, until));
        return lines;
    }
    if let Some(five_day) = seen.iter().find(|r| r.kind == RefundKind::FiveDay) {
        if month.holds(five_day.at, until) {
            let mut line = Line::new(LineKind::Excluded, order.order_id, five_day.at);
            line.refund_order_id = Some(five_day.order_id);
            line.paid_fen = order.amount_fen;
            line.refunded_fen = five_day.amount_fen;
            line.note = LineNote::RefundedWithinFiveDays;
            lines.push(line);
        }
        lines.extend(five_day_refund_lines(order, &seen, month, until));
        return lines;
    }

    if order.billing == Billing::Hourly {
        let stop = order.stopped_at.map_or(until, |stop| stop.min(until));
        let hours = hours_starting_between(order.started_at, month.start(), stop);
        if hours > 0 {
            let mut line = Line::new(
                LineKind::Hourly,
                order.order_id,
                first_hour_from(order.started_at, month.start()),
            );
            line.hours = hours;
            line.paid_fen = hours * order.unit_price_fen;
            line.amount_fen = line.paid_fen;
            lines.push(line);
        }
        return lines;
    }

    let negotiated = seen.iter().filter(|r| r.kind == RefundKind::Negotiated);
    match bill_moment(order).filter(|at| *at < until) {
        Some(billed_at) => {
            if month.holds(billed_at, until) {
                let before: i64 = negotiated
                    .clone()
                    .filter(|r| r.at < billed_at)
                    .map(|r| r.amount_fen)
                    .sum();
                let mut line = Line::new(billed_kind(order), order.order_id, billed_at);
                line.paid_fen = order.amount_fen;
                line.refunded_fen = before;
                line.amount_fen = order.amount_fen - before;
                lines.push(line);
            }
            for refund in negotiated.filter(|r| r.at >= billed_at && month.holds(r.at, until)) {
                let mut line = Line::new(LineKind::Deduction, order.order_id, refund.at);
                line.refund_order_id = Some(refund.order_id);
                line.refunded_fen = refund.amount_fen;
                line.amount_fen = -refund.amount_fen;
                lines.push(line);
            }
        }
        None if order.paid_at < until => {
            let refunded: i64 = negotiated.map(|r| r.amount_fen).sum();
            let pending = |note, at| {
                let mut line = Line::new(LineKind::Pending, order.order_id, at);
                line.paid_fen = order.amount_fen;
                line.refunded_fen = refunded;
                line.note = note;
                line
            };
            match (order.kind, order.ticket) {
                (Kind::Image, _) => lines.push(pending(
                    LineNote::RefundWindowOpen,
                    five_day_deadline(order.paid_at),
                )),
                (_, Some(TicketOutcome::Closed(at))) if at < until => {}
                (_, Some(_)) => lines.push(pending(LineNote::TicketOpen, order.paid_at)),
                // Bulk-seeded orders have no ticket: nothing to bill or wait for.
                (_, None) => {}
            }
        }
        None => {}
    }
    lines
}

/// The five-day refund order's own exclusion line, in the month it happened:
/// what the purchase paid and what went back.
fn five_day_refund_lines(
    order: &Billable,
    seen: &[&Refund],
    month: Month,
    until: NaiveDateTime,
) -> Vec<Line> {
    seen.iter()
        .filter(|r| r.kind == RefundKind::FiveDay && month.holds(r.at, until))
        .map(|refund| {
            let mut line = Line::new(LineKind::Excluded, refund.order_id, refund.at);
            line.paid_fen = order.amount_fen;
            line.refunded_fen = refund.amount_fen;
            line.note = LineNote::FiveDayRefundOrder;
            line
        })
        .collect()
}

/// The lines an order's history has decided for good, with their months:
/// every line but the pending ones, in every month the order can have one
/// in, except the hours of a running hourly subscription, whose span is
/// still open (`open_span_lines`). The ledger keeps these; with the open
/// spans and the pending lines they make up `order_lines` of every month.
pub fn decided_lines(order: &Billable) -> Vec<(Month, Line)> {
    let mut months: Vec<Month> = vec![Month::of(order.paid_at)];
    if order.kind == Kind::Image && order.billing == Billing::Prepaid {
        months.push(Month::of(five_day_deadline(order.paid_at)));
    }
    if let Some(TicketOutcome::Completed(at) | TicketOutcome::Closed(at)) = order.ticket {
        months.push(Month::of(at));
    }
    months.extend(order.refunds.iter().map(|refund| Month::of(refund.at)));
    let running = order.billing == Billing::Hourly && order.stopped_at.is_none();
    if let (Billing::Hourly, Some(stop)) = (order.billing, order.stopped_at) {
        let mut month = Month::of(order.started_at);
        while month <= Month::of(stop) {
            months.push(month);
            month = month.next();
        }
    }
    months.sort();
    months.dedup();
    months
        .into_iter()
        .flat_map(|month| {
            order_lines(order, month, month.end())
                .into_iter()
                .filter(|line| line.kind != LineKind::Pending)
                .filter(|line| !(running && line.kind == LineKind::Hourly))
                .map(move |line| (month, line))
        })
        .collect()
}

/// A running hourly subscription's hours in `month` up to `until`: the part
/// of its lines the ledger leaves open until billing stops.
pub fn open_span_lines(order: &Billable, month: Month, until: NaiveDateTime) -> Vec<Line> {
    if order.billing != Billing::Hourly || order.stopped_at.is_some() {
        return Vec::new();
    }
    order_lines(order, month, until)
        .into_iter()
        .filter(|line| line.kind == LineKind::Hourly)
        .collect()
}

/// The lines of `month` still waiting, as of `until`: a ticket not yet
/// completed, a five-day window still open.
pub fn pending_lines(order: &Billable, month: Month, until: NaiveDateTime) -> Vec<Line> {
    order_lines(order, month, until)
        .into_iter()
        .filter(|line| line.kind == LineKind::Pending)
        .collect()
}

/// Sorts lines as a statement shows them: by kind, then in time order.
pub fn sort_lines(lines: &mut [Line]) {
    lines.sort_by_key(|line| (line.kind, line.at, line.order_id, line.refund_order_id));
}

/// Every line of a vendor's month, grouped by kind, each group in time order.
pub fn month_lines(orders: &[Billable], month: Month, until: NaiveDateTime) -> Vec<Line> {
    let mut lines: Vec<Line> = orders
        .iter()
        .flat_map(|order| order_lines(order, month, until))
        .collect();
    sort_lines(&mut lines);
    lines
}

/// The lines of one kind as a page shows them: the first `shown` lines, with
/// the count and subtotal of all of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineGroup<L> {
    pub kind: LineKind,
    pub count: usize,
    pub subtotal_fen: i64,
    pub lines: Vec<L>,
}

impl<L> LineGroup<L> {
    pub fn is_billed(&self) -> bool {
        self.kind.is_billed()
    }

    /// How many lines the page leaves to the CSV.
    pub fn hidden(&self) -> usize {
        self.count - self.lines.len()
    }

    /// The same group with each shown line turned into something else.
    pub fn map<M>(self, each: impl FnMut(L) -> M) -> LineGroup<M> {
        LineGroup {
            kind: self.kind,
            count: self.count,
            subtotal_fen: self.subtotal_fen,
            lines: self.lines.into_iter().map(each).collect(),
        }
    }
}

/// Groups lines (sorted by kind, as `month_lines` returns them), keeping the
/// first `shown` of each group.
pub fn group_lines(lines: Vec<Line>, shown: usize) -> Vec<LineGroup<Line>> {
    let mut groups: Vec<LineGroup<Line>> = Vec::new();
    for line in lines {
        let same = groups.last().is_some_and(|group| group.kind == line.kind);
        if !same {
            groups.push(LineGroup {
                kind: line.kind,
                count: 0,
                subtotal_fen: 0,
                lines: Vec::new(),
            });
        }
        if let Some(group) = groups.last_mut() {
            group.count += 1;
            group.subtotal_fen += line.amount_fen;
            if group.lines.len() < shown {
                group.lines.push(line);
            }
        }
    }
    groups
}

/// A statement's sums, in fen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Totals {
    pub gross_fen: i64,
    pub fee_fen: i64,
    pub net_fen: i64,
}

/// The most a fee rate may be: 100 %.
pub const MAX_FEE_BPS: i32 = 10_000;

/// Gross is what the billed lines add up to (deductions included); the fee
/// is `fee_bps` basis points of it, rounded half away from zero to the fen.
pub fn totals(lines: &[Line], fee_bps: i32) -> Totals {
    totals_of(gross_of(lines), fee_bps)
}

/// What the billed lines among `lines` add up to.
pub fn gross_of(lines: &[Line]) -> i64 {
    lines
        .iter()
        .filter(|line| line.kind.is_billed())
        .map(|line| line.amount_fen)
        .sum()
}

/// The fee and net of a gross, as `totals` makes them.
pub fn totals_of(gross_fen: i64, fee_bps: i32) -> Totals {
    let scaled = i128::from(gross_fen) * i128::from(fee_bps);
    let half = i128::from(MAX_FEE_BPS / 2);
    let fee = if scaled >= 0 {
        (scaled + half) / i128::from(MAX_FEE_BPS)
    } else {
        (scaled - half) / i128::from(MAX_FEE_BPS)
    };
    let fee_fen = i64::try_from(fee).unwrap_or(0);
    Totals {
        gross_fen,
        fee_fen,
        net_fen: gross_fen - fee_fen,
    }
}

/// What a statement pays: its own net plus the deficits carried in from
/// earlier statements (zero or less).
pub fn payable(totals: Totals, carried_in_fen: i64) -> i64 {
    totals.net_fen + carried_in_fen
}

/// Whether a statement's payable amount is a deficit: nothing is paid, and
/// it is carried into the vendor's next statement.
pub fn is_deficit(net_fen: i64) -> bool {
    net_fen < 0
}

/// Marking a statement paid, as a command: a statement waiting for payment
/// becomes paid; one of ¥0 or a deficit carried into the next statement has
/// nothing to pay, and a paid one is paid already.
pub fn pay(state: StatementState, net_fen: i64) -> Result<Transition<StatementState>, Refusal> {
    match state {
        StatementState::Paid => Err(Refusal::StatementPaid),
        // A deficit is carried into the next statement; ¥0 is 无需结算.
        StatementState::Ready if net_fen <= 0 => Err(Refusal::NothingToPay),
        StatementState::Ready => Ok(Transition::new(
            state,
            StatementState::Paid,
            Event::StatementPaid,
        )),
    }
}

/// Reads a fee rate typed as a percentage with up to two decimals (`2.5` →
/// 250 basis points), between 0 and 100.
pub fn parse_fee_percent(text: &str) -> Option<i32> {
    let text = text.trim().trim_end_matches('%').trim();
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if whole.is_empty()
        || whole.len() > 3
        || fraction.len() > 2
        || !whole
            .bytes()
            .chain(fraction.bytes())
            .all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let whole: i32 = whole.parse().ok()?;
    let fraction: i32 = format!("{fraction:0<2}").parse().ok()?;
    let bps = whole * 100 + fraction;
    (bps <= MAX_FEE_BPS).then_some(bps)
}

/// A basis-point rate as a percentage: 250 → `2.5%`.
pub fn format_fee_percent(bps: i32) -> String {
    let whole = bps / 100;
    let fraction = bps % 100;
    match fraction {
        0 => format!("{whole}%"),
        f if f % 10 == 0 => format!("{whole}.{}%", f / 10),
        f => format!("{whole}.{f:02}%"),
    }
}

#[cfg(test)]
mod tests;
