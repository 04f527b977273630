//! Putting a product on sale and taking it off, by an operator.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::drafts::on_product;
use super::rows::{Actor, Product, find, live_name};
use crate::db::effects::{self};
use crate::db::schema::{delist_requests, products};
use crate::db::{DbConn, StoreError, StoreResult, write_transaction};
use crate::domain::Transition;
use crate::domain::product::{self as product, DelistRequestState, Listing};

/// Moves a product's listing by a transition (the update names the listing
/// read, so a race applies once), then records its events.
pub(super) fn move_listing(
    conn: &mut DbConn,
    operator: Actor,
    product: &Product,
    step: &Transition<Listing>,
    reason: &str,
    now: NaiveDateTime,
) -> StoreResult<()> {
    let name = live_name(conn, product)?;
    effects::apply(
        conn,
        step,
        |conn| {
            diesel::update(products::table.filter(products::id.eq(product.id)))
                .filter(products::listing.eq(step.from))
                .filter(products::live_revision_id.is_not_null())
                .set((products::listing.eq(step.to), products::updated_at.eq(now)))
                .execute(conn)
        },
        |event| {
            on_product(event, operator, product.id, product.vendor_id, now)
                .about(&name)
                .noted(reason)
        },
    )
}

/// 上架: an operator puts an approved product on sale.
pub fn list(
    conn: &mut DbConn,
    operator: Actor,
    product_id: i64,
    now: NaiveDateTime,
) -> StoreResult<()> {
    write_transaction(conn, |conn| {
        let product = find(conn, product_id)?.ok_or(StoreError::NotFound)?;
        let step = product::list(product.listing, product.live_revision_id.is_some())?;
        move_listing(conn, operator, &product, &step, "", now)
    })
}

/// 下架: an operator takes a listed product off sale with a reason; an open
/// delist request for it is thereby carried out.
pub fn delist(
    conn: &mut DbConn,
    operator: Actor,
    product_id: i64,
    reason: &str,
    now: NaiveDateTime,
) -> StoreResult<()> {
    write_transaction(conn, |conn| {
        let product = find(conn, product_id)?.ok_or(StoreError::NotFound)?;
        let step = product::delist(product.listing, false)?;
        move_listing(conn, operator, &product, &step, reason, now)?;
        diesel::update(
            delist_requests::table
                .filter(delist_requests::product_id.eq(product_id))
                .filter(delist_requests::state.eq(DelistRequestState::Open)),
        )
        .set((
            delist_requests::state.eq(DelistRequestState::Done),
            delist_requests::decided_by.eq(Some(operator.id)),
            delist_requests::decision_note.eq(Some(reason)),
            delist_requests::decided_at.eq(Some(now)),
        ))
        .execute(conn)?;
        Ok(())
    })
}
