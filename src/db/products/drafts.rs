//! Writing a product's content: creating it, saving its draft, uploading its
//! logo. Every step is one write transaction whose updates name the state
//! they expect, so a double click or a race applies once and the loser is told.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::rows::{
    Actor, Revision, find_owned, latest_revision, open_revision, plans_of, revision,
};
use crate::db::effects::{self, Happened};
use crate::db::notify::Parties;
use crate::db::schema::{logos, plans, products, revisions};
use crate::db::{DbConn, StoreError, StoreResult, changed_once, write_transaction};
use crate::domain::notice::{Event, Subject};
use crate::domain::product::{Listing, ProductContent, RevisionState, StepRefusal};

/// What a step on a product causes: its event, by `actor`, about the
/// product, told to its vendor (the event table says who hears of it).
pub(super) fn on_product<'a>(
    event: Event,
    actor: Actor,
    product_id: i64,
    vendor_id: i64,
    now: NaiveDateTime,
) -> Happened<'a> {
    Happened::new(
        event,
        Some(actor.id),
        Subject::Product { product_id },
        Parties::vendor(vendor_id),
        now,
    )
}

fn insert_plans(
    conn: &mut DbConn,
    revision_id: i64,
    content_plans: &[crate::domain::product::Plan],
) -> QueryResult<()> {
    for (position, plan) in content_plans.iter().enumerate() {
        diesel::insert_into(plans::table)
            .values((
                plans::revision_id.eq(revision_id),
                plans::position.eq(position as i32),
                plans::billing.eq(plan.billing.as_str()),
                plans::name.eq(&plan.name),
                plans::price_fen.eq(plan.price_fen),
                plans::year_price_fen.eq(plan.year_price_fen),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Creates a product with its first revision, a draft.
pub fn create(
    conn: &mut DbConn,
    vendor: Actor,
    content: &ProductContent,
    now: NaiveDateTime,
) -> StoreResult<i64> {
    write_transaction(conn, |conn| {
        let product_id: i64 = diesel::insert_into(products::table)
            .values((
                products::vendor_id.eq(vendor.id),
                products::kind.eq(content.kind.as_str()),
                products::listing.eq(Listing::Unlisted.as_str()),
                products::created_at.eq(now),
                products::updated_at.eq(now),
            ))
            .returning(products::id)
            .get_result(conn)?;
        insert_revision(conn, product_id, 1, content, None, now)?;
        let created = on_product(Event::ProductCreated, vendor, product_id, vendor.id, now);
        effects::record(conn, &created)?;
        Ok(product_id)
    })
}

fn insert_revision(
    conn: &mut DbConn,
    product_id: i64,
    number: i32,
    content: &ProductContent,
    logo_id: Option<i64>,
    now: NaiveDateTime,
) -> QueryResult<i64> {
    let revision_id: i64 = diesel::insert_into(revisions::table)
        .values((
            revisions::product_id.eq(product_id),
            revisions::number.eq(number),
            revisions::state.eq(RevisionState::Draft.as_str()),
            revisions::name.eq(&content.name),
            revisions::summary.eq(&content.summary),
            revisions::description.eq(&content.description),
            revisions::category.eq(content.category.as_str()),
            revisions::image_id.eq(&content.image_id),
            revisions::os.eq(&content.os),
            revisions::arch.eq(&content.arch),
            revisions::delivery_days.eq(content.delivery_days),
            revisions::license_term.eq(&content.license_term),
            revisions::delivery_method.eq(&content.delivery_method),
            revisions::logo_id.eq(logo_id),
            revisions::created_at.eq(now),
            revisions::updated_at.eq(now),
        ))
        .returning(revisions::id)
        .get_result(conn)?;
    insert_plans(conn, revision_id, &content.plans)?;
    Ok(revision_id)
}

/// Opens a draft copied from the latest revision (content, logo and plans), or
/// returns the draft already open. A pending revision is read-only: refused.
fn open_draft(conn: &mut DbConn, product_id: i64, now: NaiveDateTime) -> StoreResult<Revision> {
    if let Some(open) = open_revision(conn, product_id)? {
        return match open.state {
            RevisionState::Draft => Ok(open),
            _ => Err(StepRefusal::WrongState.into()),
        };
    }
    let latest = latest_revision(conn, product_id)?;
    let copied_plans = plans_of(conn, latest.id)?;
    let new_id: i64 = diesel::insert_into(revisions::table)
        .values((
            revisions::product_id.eq(product_id),
            revisions::number.eq(latest.number + 1),
            revisions::state.eq(RevisionState::Draft.as_str()),
            revisions::name.eq(&latest.name),
            revisions::summary.eq(&latest.summary),
            revisions::description.eq(&latest.description),
            revisions::category.eq(&latest.category),
            revisions::image_id.eq(&latest.image_id),
            revisions::os.eq(&latest.os),
            revisions::arch.eq(&latest.arch),
            revisions::delivery_days.eq(latest.delivery_days),
            revisions::license_term.eq(&latest.license_term),
            revisions::delivery_method.eq(&latest.delivery_method),
            revisions::logo_id.eq(latest.logo_id),
            revisions::created_at.eq(now),
            revisions::updated_at.eq(now),
        ))
        .returning(revisions::id)
        .get_result(conn)?;
    for plan in copied_plans {
        diesel::insert_into(plans::table)
            .values((
                plans::revision_id.eq(new_id),
                plans::position.eq(plan.position),
                plans::billing.eq(plan.billing),
                plans::name.eq(plan.name),
                plans::price_fen.eq(plan.price_fen),
                plans::year_price_fen.eq(plan.year_price_fen),
            ))
            .execute(conn)?;
    }
    revision(conn, new_id)?.ok_or(StoreError::NotFound)
}

/// Saves the vendor's edit into the product's one draft, opening it if needed.
/// The live revision is untouched: a listed product stays on sale as it was.
pub fn save_draft(
    conn: &mut DbConn,
    vendor: Actor,
    product_id: i64,
    content: &ProductContent,
    now: NaiveDateTime,
) -> StoreResult<i64> {
    write_transaction(conn, |conn| {
        save_into_draft(conn, vendor, product_id, content, now)
    })
}

/// Saves the edit and stores its logo on the same draft, in one transaction:
/// both are kept, or neither.
pub fn save_draft_with_logo(
    conn: &mut DbConn,
    vendor: Actor,
    product_id: i64,
    content: &ProductContent,
    logo: &NewLogo,
    now: NaiveDateTime,
) -> StoreResult<i64> {
    write_transaction(conn, |conn| {
        let draft = save_into_draft(conn, vendor, product_id, content, now)?;
        put_logo_on_draft(conn, vendor, product_id, logo, now)?;
        Ok(draft)
    })
}

/// The steps of `save_draft`, inside the caller's transaction.
fn save_into_draft(
    conn: &mut DbConn,
    vendor: Actor,
    product_id: i64,
    content: &ProductContent,
    now: NaiveDateTime,
) -> StoreResult<i64> {
    find_owned(conn, product_id, vendor.id)?.ok_or(StoreError::NotFound)?;
    let draft = open_draft(conn, product_id, now)?;
    let changed = diesel::update(
        revisions::table
            .filter(revisions::id.eq(draft.id))
            .filter(revisions::state.eq(RevisionState::Draft.as_str())),
    )
    .set((
        revisions::name.eq(&content.name),
        revisions::summary.eq(&content.summary),
        revisions::description.eq(&content.description),
        revisions::category.eq(content.category.as_str()),
        revisions::image_id.eq(&content.image_id),
        revisions::os.eq(&content.os),
        revisions::arch.eq(&content.arch),
        revisions::delivery_days.eq(content.delivery_days),
        revisions::license_term.eq(&content.license_term),
        revisions::delivery_method.eq(&content.delivery_method),
        revisions::updated_at.eq(now),
    ))
    .execute(conn)?;
    changed_once(changed)?;
    diesel::delete(plans::table.filter(plans::revision_id.eq(draft.id))).execute(conn)?;
    insert_plans(conn, draft.id, &content.plans)?;
    let edited = on_product(Event::DraftEdited, vendor, product_id, vendor.id, now);
    effects::record(conn, &edited.of_revision(draft.number))?;
    Ok(draft.id)
}

/// A logo to attach to the draft.
pub struct NewLogo<'a> {
    pub sha256: &'a str,
    pub content_type: &'a str,
    pub width: i32,
    pub height: i32,
    pub bytes: &'a [u8],
}

impl<'a> NewLogo<'a> {
    /// A logo that passed the rule, as the check re-encodes it: a 240×240
    /// PNG; `sha256` is `sha256_hex(png)`.
    pub fn checked_png(sha256: &'a str, png: &'a [u8]) -> NewLogo<'a> {
        NewLogo {
            sha256,
            content_type: "image/png",
            width: crate::domain::logo::SIZE as i32,
            height: crate::domain::logo::SIZE as i32,
            bytes: png,
        }
    }
}

/// A logo's address on `/logos/{sha256}`: its bytes' SHA-256 in hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Stores a logo and puts it on the product's draft (opening one if needed).
pub fn attach_logo(
    conn: &mut DbConn,
    vendor: Actor,
    product_id: i64,
    logo: &NewLogo,
    now: NaiveDateTime,
) -> StoreResult<()> {
    write_transaction(conn, |conn| {
        put_logo_on_draft(conn, vendor, product_id, logo, now)
    })
}

/// The steps of `attach_logo`, inside the caller's transaction.
fn put_logo_on_draft(
    conn: &mut DbConn,
    vendor: Actor,
    product_id: i64,
    logo: &NewLogo,
    now: NaiveDateTime,
) -> StoreResult<()> {
    find_owned(conn, product_id, vendor.id)?.ok_or(StoreError::NotFound)?;
    let draft = open_draft(conn, product_id, now)?;
    let logo_id: i64 = diesel::insert_into(logos::table)
        .values((
            logos::vendor_id.eq(vendor.id),
            logos::sha256.eq(logo.sha256),
            logos::content_type.eq(logo.content_type),
            logos::width.eq(logo.width),
            logos::height.eq(logo.height),
            logos::bytes.eq(logo.bytes),
            logos::created_at.eq(now),
        ))
        .returning(logos::id)
        .get_result(conn)?;
    let changed = diesel::update(
        revisions::table
            .filter(revisions::id.eq(draft.id))
            .filter(revisions::state.eq(RevisionState::Draft.as_str())),
    )
    .set((
        revisions::logo_id.eq(Some(logo_id)),
        revisions::updated_at.eq(now),
    ))
    .execute(conn)?;
    changed_once(changed)?;
    let uploaded = on_product(Event::LogoUploaded, vendor, product_id, vendor.id, now);
    Ok(effects::record(conn, &uploaded.of_revision(draft.number))?)
}
