//! A revision's way through review: submitted, withdrawn, approved or
//! rejected, each step the domain's transition applied in one conditional
//! update with its events.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::drafts::on_product;
use super::rows::{Actor, find, find_owned, open_revision, plans_of, revision};
use crate::db::effects::{self, Happened};
use crate::db::notify::Parties;
use crate::db::schema::{products, revisions};
use crate::db::{DbConn, StoreError, StoreResult, write_transaction};
use crate::domain::notice::Subject;
use crate::domain::product::{self as product, StepRefusal};

/// 提交审核: the draft becomes pending; operators are told.
pub fn submit(
    conn: &mut DbConn,
    vendor: Actor,
    product_id: i64,
    now: NaiveDateTime,
) -> StoreResult<()> {
    write_transaction(conn, |conn| {
        find_owned(conn, product_id, vendor.id)?.ok_or(StoreError::NotFound)?;
        let draft = open_revision(conn, product_id)?.ok_or(StepRefusal::WrongState)?;
        let plan_count = plans_of(conn, draft.id)?.len();
        let step = product::submit(draft.state, plan_count, draft.logo_id.is_some())?;
        let subject = Subject::Revision {
            product_id,
            revision_id: draft.id,
        };
        effects::apply(
            conn,
            &step,
            |conn| {
                diesel::update(revisions::table.filter(revisions::id.eq(draft.id)))
                    .filter(revisions::state.eq(step.from))
                    .set((
                        revisions::state.eq(step.to),
                        revisions::submitted_at.eq(Some(now)),
                        revisions::updated_at.eq(now),
                    ))
                    .execute(conn)
            },
            |event| {
                Happened::new(
                    event,
                    Some(vendor.id),
                    subject.clone(),
                    Parties::vendor(vendor.id),
                    now,
                )
                .about(&draft.name)
                .of_revision(draft.number)
            },
        )
    })
}

/// Withdraws a pending revision back to draft.
pub fn withdraw(
    conn: &mut DbConn,
    vendor: Actor,
    product_id: i64,
    now: NaiveDateTime,
) -> StoreResult<()> {
    write_transaction(conn, |conn| {
        find_owned(conn, product_id, vendor.id)?.ok_or(StoreError::NotFound)?;
        let pending = open_revision(conn, product_id)?.ok_or(StepRefusal::WrongState)?;
        let step = product::withdraw(pending.state)?;
        effects::apply(
            conn,
            &step,
            |conn| {
                diesel::update(revisions::table.filter(revisions::id.eq(pending.id)))
                    .filter(revisions::state.eq(step.from))
                    .set((
                        revisions::state.eq(step.to),
                        revisions::submitted_at.eq(None::<NaiveDateTime>),
                        revisions::updated_at.eq(now),
                    ))
                    .execute(conn)
            },
            |event| {
                on_product(event, vendor, product_id, vendor.id, now)
                    .about(&pending.name)
                    .of_revision(pending.number)
            },
        )
    })
}

/// Approves or rejects a pending revision in one conditional update; an
/// approved revision's content goes live at once. Returns the product's id.
fn review(
    conn: &mut DbConn,
    operator: Actor,
    revision_id: i64,
    approve: bool,
    reason: &str,
    now: NaiveDateTime,
) -> StoreResult<i64> {
    write_transaction(conn, |conn| {
        let pending = revision(conn, revision_id)?.ok_or(StoreError::NotFound)?;
        let product = find(conn, pending.product_id)?.ok_or(StoreError::NotFound)?;
        let step = product::review(pending.state, approve)?;
        effects::apply(
            conn,
            &step,
            |conn| {
                diesel::update(revisions::table.filter(revisions::id.eq(revision_id)))
                    .filter(revisions::state.eq(step.from))
                    .set((
                        revisions::state.eq(step.to),
                        revisions::review_reason.eq(Some(reason).filter(|r| !r.is_empty())),
                        revisions::reviewed_at.eq(Some(now)),
                        revisions::reviewed_by.eq(Some(operator.id)),
                        revisions::updated_at.eq(now),
                    ))
                    .execute(conn)
            },
            |event| {
                on_product(event, operator, product.id, product.vendor_id, now)
                    .about(&pending.name)
                    .noted(reason)
                    .of_revision(pending.number)
            },
        )?;
        if approve {
            diesel::update(products::table.find(product.id))
                .set(products::live_revision_id.eq(Some(revision_id)))
                .execute(conn)?;
        }
        Ok(product.id)
    })
}

/// Approves a pending revision; its content goes live at once.
pub fn approve(
    conn: &mut DbConn,
    operator: Actor,
    revision_id: i64,
    now: NaiveDateTime,
) -> StoreResult<i64> {
    review(conn, operator, revision_id, true, "", now)
}

/// Rejects a pending revision with the operator's reason.
pub fn reject(
    conn: &mut DbConn,
    operator: Actor,
    revision_id: i64,
    reason: &str,
    now: NaiveDateTime,
) -> StoreResult<i64> {
    review(conn, operator, revision_id, false, reason, now)
}
