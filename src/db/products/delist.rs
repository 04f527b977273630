//! A vendor's request to take a product off sale, and the operator's answer.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};

use super::drafts::on_product;
use super::listing::move_listing;
use super::rows::{Actor, DelistRequest, find, find_owned, live_name};
use crate::db::effects::{self, Happened};
use crate::db::notify::Parties;
use crate::db::schema::{accounts, delist_requests, products, revisions};
use crate::db::{DbConn, StoreError, StoreResult, write_transaction};
use crate::domain::notice::{Event, Subject};
use crate::domain::product::{self as product, DelistRequestState, Listing, StepRefusal};

/// 申请下架: the vendor asks for a listed product to be taken off sale.
pub fn request_delist(
    conn: &mut DbConn,
    vendor: Actor,
    product_id: i64,
    reason: &str,
    now: NaiveDateTime,
) -> StoreResult<()> {
    write_transaction(conn, |conn| {
        let product = find_owned(conn, product_id, vendor.id)?.ok_or(StoreError::NotFound)?;
        if product.listing != Listing::Listed {
            return Err(StepRefusal::WrongState.into());
        }
        let inserted = diesel::insert_into(delist_requests::table)
            .values((
                delist_requests::product_id.eq(product_id),
                delist_requests::vendor_id.eq(vendor.id),
                delist_requests::reason.eq(reason),
                delist_requests::state.eq(DelistRequestState::Open),
                delist_requests::created_at.eq(now),
            ))
            .execute(conn);
        match inserted {
            Ok(_) => {}
            // The partial unique index allows one open request per product.
            Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => {
                return Err(StepRefusal::WrongState.into());
            }
            Err(other) => return Err(other.into()),
        }
        let name = live_name(conn, &product)?;
        let requested = Happened::new(
            Event::DelistRequested,
            Some(vendor.id),
            Subject::DelistRequest { product_id },
            Parties::vendor(vendor.id),
            now,
        );
        Ok(effects::record(
            conn,
            &requested.about(&name).noted(reason),
        )?)
    })
}

pub fn open_delist_request(
    conn: &mut DbConn,
    product_id: i64,
) -> QueryResult<Option<DelistRequest>> {
    delist_requests::table
        .filter(delist_requests::product_id.eq(product_id))
        .filter(delist_requests::state.eq(DelistRequestState::Open))
        .select(DelistRequest::as_select())
        .first(conn)
        .optional()
}

/// Closes an open delist request: carried out (the product goes off sale) or declined.
pub fn decide_delist_request(
    conn: &mut DbConn,
    operator: Actor,
    request_id: i64,
    carry_out: bool,
    note: &str,
    now: NaiveDateTime,
) -> StoreResult<()> {
    write_transaction(conn, |conn| {
        let request: DelistRequest = delist_requests::table
            .find(request_id)
            .select(DelistRequest::as_select())
            .first(conn)
            .optional()?
            .ok_or(StoreError::NotFound)?;
        let product = find(conn, request.product_id)?.ok_or(StoreError::NotFound)?;
        let step = product::decide_delist_request(request.state, carry_out)?;
        if carry_out {
            // Off sale first: told once, by the request's event.
            let off_sale = product::delist(product.listing, true)?;
            move_listing(conn, operator, &product, &off_sale, "", now)?;
        }
        let name = live_name(conn, &product)?;
        // Carried out, the log keeps the vendor's reason; declined, the operator's note.
        let logged = if carry_out {
            request.reason.as_str()
        } else {
            note
        };
        effects::apply(
            conn,
            &step,
            |conn| {
                diesel::update(delist_requests::table.filter(delist_requests::id.eq(request_id)))
                    .filter(delist_requests::state.eq(step.from))
                    .set((
                        delist_requests::state.eq(step.to),
                        delist_requests::decided_by.eq(Some(operator.id)),
                        delist_requests::decision_note.eq(Some(note).filter(|n| !n.is_empty())),
                        delist_requests::decided_at.eq(Some(now)),
                    ))
                    .execute(conn)
            },
            |event| {
                on_product(event, operator, product.id, product.vendor_id, now)
                    .about(&name)
                    .noted(logged)
            },
        )
    })
}

/// An open delist request with its product's name and vendor.
#[derive(Debug, Clone)]
pub struct DelistQueueEntry {
    pub request: DelistRequest,
    pub product_name: String,
    pub vendor_name: String,
}

/// One delist request with its product's name, for the confirmation.
pub fn delist_request(
    conn: &mut DbConn,
    request_id: i64,
) -> QueryResult<Option<(DelistRequest, String)>> {
    let Some(request) = delist_requests::table
        .find(request_id)
        .select(DelistRequest::as_select())
        .first(conn)
        .optional()?
    else {
        return Ok(None);
    };
    let Some(product) = find(conn, request.product_id)? else {
        return Ok(None);
    };
    let name = live_name(conn, &product)?;
    Ok(Some((request, name)))
}

/// Delist requests: open ones oldest first, then the latest decided ones.
pub fn delist_queue(conn: &mut DbConn, open: bool) -> QueryResult<Vec<DelistQueueEntry>> {
    let mut query = delist_requests::table
        .inner_join(products::table.inner_join(accounts::table))
        .select((
            DelistRequest::as_select(),
            products::live_revision_id,
            accounts::display_name,
        ))
        .into_boxed();
    query = if open {
        query
            .filter(delist_requests::state.eq(DelistRequestState::Open.as_str()))
            .order(delist_requests::created_at.asc())
    } else {
        query
            .filter(delist_requests::state.ne(DelistRequestState::Open.as_str()))
            .order(delist_requests::decided_at.desc())
            .limit(50)
    };
    let rows: Vec<(DelistRequest, Option<i64>, String)> = query.load(conn)?;
    let mut entries = Vec::with_capacity(rows.len());
    for (request, live, vendor_name) in rows {
        let product_name = match live {
            Some(id) => revisions::table
                .find(id)
                .select(revisions::name)
                .first(conn)?,
            None => format!("#{}", request.product_id),
        };
        entries.push(DelistQueueEntry {
            request,
            product_name,
            vendor_name,
        });
    }
    Ok(entries)
}
