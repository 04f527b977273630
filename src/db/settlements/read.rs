//! Statements and their lines as pages show them.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::history::IDS_PER_QUERY;
use crate::db::DbConn;
use crate::db::schema::{accounts, orders, statement_lines, statements};
use crate::domain::order::OrderType;
use crate::domain::settlement::{
    Line, LineGroup, LineKind, LineNote, Month, StatementState, is_deficit,
};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = statements)]
pub struct Statement {
    pub id: i64,
    pub vendor_id: i64,
    pub month: String,
    pub fee_bps: i32,
    pub gross_fen: i64,
    pub fee_fen: i64,
    pub net_fen: i64,
    pub state: StatementState,
    pub paid_reference: Option<String>,
    pub paid_by: Option<i64>,
    pub paid_at: Option<NaiveDateTime>,
    pub generated_at: NaiveDateTime,
    /// Deficits of earlier statements taken into this one (zero or less);
    /// `net_fen` includes it.
    pub carried_in_fen: i64,
    /// The statement that took over this one's deficit, once there is one.
    pub carried_into: Option<i64>,
}

impl Statement {
    pub fn is_paid(&self) -> bool {
        self.state == StatementState::Paid
    }

    /// Nothing to pay: the deficit goes into the vendor's next statement.
    /// (Its stored state stays `ready`; it is never paid.)
    pub fn is_carried(&self) -> bool {
        !self.is_paid() && is_deficit(self.net_fen)
    }

    /// Waiting for a payment: not paid, and more than nothing to pay.
    pub fn is_payable(&self) -> bool {
        !self.is_paid() && self.net_fen > 0
    }

    /// `paid`, `carried`, `nothing` (a ¥0 statement: 无需结算) or `ready`,
    /// for labels.
    pub fn shown_state(&self) -> &'static str {
        if self.is_paid() {
            "paid"
        } else if self.is_carried() {
            "carried"
        } else if !self.is_payable() {
            "nothing"
        } else {
            "ready"
        }
    }
}

/// How many statements there are in each state (`ready`, `paid`); both
/// states are always listed.
pub fn count_by_state(conn: &mut DbConn) -> QueryResult<Vec<(String, i64)>> {
    let counted: HashMap<String, i64> = statements::table
        .group_by(statements::state)
        .select((statements::state, diesel::dsl::count_star()))
        .load::<(String, i64)>(conn)?
        .into_iter()
        .collect();
    Ok(["ready", "paid"]
        .into_iter()
        .map(|state| (state.to_string(), counted.get(state).copied().unwrap_or(0)))
        .collect())
}

/// A vendor's statements, newest month first.
pub fn for_vendor(conn: &mut DbConn, vendor_id: i64) -> QueryResult<Vec<Statement>> {
    statements::table
        .filter(statements::vendor_id.eq(vendor_id))
        .order(statements::month.desc())
        .select(Statement::as_select())
        .load(conn)
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<Statement>> {
    statements::table
        .find(id)
        .select(Statement::as_select())
        .first(conn)
        .optional()
}

pub fn find_for_vendor(
    conn: &mut DbConn,
    vendor_id: i64,
    month: Month,
) -> QueryResult<Option<Statement>> {
    statements::table
        .filter(statements::vendor_id.eq(vendor_id))
        .filter(statements::month.eq(month.to_string()))
        .select(Statement::as_select())
        .first(conn)
        .optional()
}

/// A statement with its vendor, for the operator's list.
#[derive(Debug, Clone)]
pub struct ListedStatement {
    pub statement: Statement,
    pub vendor_name: String,
    pub vendor_login: String,
}

/// The statements of a month, by vendor.
pub fn for_month(conn: &mut DbConn, month: Month) -> QueryResult<Vec<ListedStatement>> {
    Ok(statements::table
        .inner_join(accounts::table)
        .filter(statements::month.eq(month.to_string()))
        .order(accounts::login.asc())
        .select((
            Statement::as_select(),
            accounts::display_name,
            accounts::login,
        ))
        .load::<(Statement, String, String)>(conn)?
        .into_iter()
        .map(|(statement, vendor_name, vendor_login)| ListedStatement {
            statement,
            vendor_name,
            vendor_login,
        })
        .collect())
}

/// Months that have statements, newest first.
pub fn months(conn: &mut DbConn) -> QueryResult<Vec<String>> {
    statements::table
        .select(statements::month)
        .distinct()
        .order(statements::month.desc())
        .load(conn)
}

/// A stored line with the orders it names, for pages and CSV.
#[derive(Debug, Clone)]
pub struct ShownLine {
    pub line: Line,
    pub order_no: String,
    pub product_name: String,
    pub buyer_uin: i64,
    pub refund_order_no: Option<String>,
}

/// What a line shows of its order: number, product name, buyer's user ID.
pub(super) type OrderNames = (String, String, i64);

type StoredLine = (
    LineKind,
    i64,
    Option<i64>,
    i64,
    i64,
    i64,
    i64,
    LineNote,
    NaiveDateTime,
);

/// Which stored lines to read.
enum LinesOf<'a> {
    Statement(i64),
    /// The first lines of one kind of a statement.
    Kind(i64, LineKind, i64),
    /// Lines of these orders billing one of these parts.
    Orders(&'a [i64], &'a [i64]),
}

/// Stored lines with their statement (id, month) and the order each names.
fn stored_lines(conn: &mut DbConn, which: LinesOf) -> QueryResult<Vec<(i64, String, ShownLine)>> {
    let mut query = statement_lines::table
        .inner_join(orders::table)
        .inner_join(statements::table)
        .order(statement_lines::id)
        .select((
            (statement_lines::statement_id, statements::month),
            (
                statement_lines::kind,
                statement_lines::order_id,
                statement_lines::refund_order_id,
                statement_lines::hours,
                statement_lines::paid_fen,
                statement_lines::refunded_fen,
                statement_lines::amount_fen,
                statement_lines::note,
                statement_lines::happened_at,
            ),
            (orders::order_no, orders::product_name, orders::buyer_uin),
        ))
        .into_boxed();
    query = match which {
        LinesOf::Statement(id) => query.filter(statement_lines::statement_id.eq(id)),
        LinesOf::Kind(id, kind, limit) => query
            .filter(statement_lines::statement_id.eq(id))
            .filter(statement_lines::kind.eq(kind.as_str()))
            .limit(limit),
        LinesOf::Orders(ids, parts) => query
            .filter(statement_lines::bill_part.eq_any(parts.to_vec()))
            .filter(statement_lines::order_id.eq_any(ids.to_vec())),
    };
    let stored: Vec<((i64, String), StoredLine, OrderNames)> = query.load(conn)?;
    let mut statements_of = Vec::with_capacity(stored.len());
    let lines: Vec<(Line, OrderNames)> = stored
        .into_iter()
        .map(|(statement, row, order)| {
            statements_of.push(statement);
            let (kind, order_id, refund_order_id, hours, paid, refunded, amount, note, at) = row;
            let line = Line {
                kind,
                order_id,
                refund_order_id,
                hours,
                paid_fen: paid,
                refunded_fen: refunded,
                amount_fen: amount,
                note,
                at,
            };
            (line, order)
        })
        .collect();
    Ok(statements_of
        .into_iter()
        .zip(with_refund_numbers(conn, lines)?)
        .map(|((id, month), line)| (id, month, line))
        .collect())
}

/// A statement's lines in the order it shows them.
pub fn lines(conn: &mut DbConn, statement_id: i64) -> QueryResult<Vec<ShownLine>> {
    Ok(stored_lines(conn, LinesOf::Statement(statement_id))?
        .into_iter()
        .map(|(_, _, line)| line)
        .collect())
}

/// A statement's lines grouped by kind: every group's count and subtotal, and
/// its first `shown` lines.
pub fn groups(conn: &mut DbConn, statement_id: i64, shown: usize) -> QueryResult<Vec<ShownGroup>> {
    let amounts: Vec<(LineKind, i64)> = statement_lines::table
        .filter(statement_lines::statement_id.eq(statement_id))
        .select((statement_lines::kind, statement_lines::amount_fen))
        .load(conn)?;
    let mut sums: BTreeMap<LineKind, (usize, i64)> = BTreeMap::new();
    for (kind, amount_fen) in amounts {
        let sum = sums.entry(kind).or_default();
        sum.0 += 1;
        sum.1 += amount_fen;
    }
    let mut groups = Vec::with_capacity(sums.len());
    for (kind, (count, subtotal_fen)) in sums {
        let limit = i64::try_from(shown).unwrap_or(i64::MAX);
        let lines = stored_lines(conn, LinesOf::Kind(statement_id, kind, limit))?
            .into_iter()
            .map(|(_, _, line)| line)
            .collect();
        groups.push(LineGroup {
            kind,
            count,
            subtotal_fen,
            lines,
        });
    }
    Ok(groups)
}

/// A group of stored lines with the orders they name.
pub type ShownGroup = LineGroup<ShownLine>;

/// Where an order stands in settlement: a line of a statement.
#[derive(Debug, Clone)]
pub struct OrderSettlement {
    pub statement_id: i64,
    pub month: String,
    pub shown: ShownLine,
}

/// The statement lines billing, deducting or excluding an order page's chain
/// (its purchase, renewals and refunds), oldest first; pending lines are not
/// among them. The unique index leads with the billed part, so the lookup
/// names every part the chain can have: 0 and 1, each month from the chain's
/// first to `now`'s, and minus each refund's id.
pub fn lines_of_orders(
    conn: &mut DbConn,
    chain: &[crate::db::orders::Order],
    now: NaiveDateTime,
) -> QueryResult<Vec<OrderSettlement>> {
    let Some(first) = chain.iter().map(|o| o.created_at).min() else {
        return Ok(Vec::new());
    };
    let ids: Vec<i64> = chain.iter().map(|o| o.id).collect();
    let mut parts = vec![0, 1];
    let mut month = Month::of(first);
    while month <= Month::of(now) {
        parts.push(month.number());
        month = month.next();
    }
    parts.extend(
        chain
            .iter()
            .filter(|o| o.order_type == OrderType::Refund)
            .map(|o| -o.id),
    );
    Ok(stored_lines(conn, LinesOf::Orders(&ids, &parts))?
        .into_iter()
        .map(|(statement_id, month, shown)| OrderSettlement {
            statement_id,
            month,
            shown,
        })
        .collect())
}

/// Adds the refund orders' numbers to lines.
pub(super) fn with_refund_numbers(
    conn: &mut DbConn,
    lines: Vec<(Line, OrderNames)>,
) -> QueryResult<Vec<ShownLine>> {
    let refund_ids: Vec<i64> = lines
        .iter()
        .filter_map(|(line, _)| line.refund_order_id)
        .collect();
    let mut numbers: HashMap<i64, String> = HashMap::new();
    for chunk in refund_ids.chunks(IDS_PER_QUERY) {
        let found: Vec<(i64, String)> = orders::table
            .filter(orders::id.eq_any(chunk))
            .select((orders::id, orders::order_no))
            .load(conn)?;
        numbers.extend(found);
    }
    Ok(lines
        .into_iter()
        .map(|(line, (order_no, product_name, buyer_uin))| ShownLine {
            refund_order_no: line
                .refund_order_id
                .and_then(|id| numbers.get(&id).cloned()),
            line,
            order_no,
            product_name,
            buyer_uin,
        })
        .collect())
}
