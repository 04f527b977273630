//! Queries on products, their revisions, plans, logos, activity log and delist
//! requests. Every step is one write transaction whose updates name the state
//! they expect, so a double click or a race applies once and the loser is told.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};

use super::effects::{self, Happened};
use super::notify::Parties;
use super::schema::{accounts, delist_requests, logos, plans, product_events, products, revisions};
use super::{DbConn, StoreError, StoreResult, changed_once, write_transaction};
use crate::domain::Transition;
use crate::domain::notice::{Event, Subject};
use crate::domain::product::{
    self as product, Billing, DelistRequestState, Kind, Listing, ProductContent, RevisionState,
    StepRefusal,
};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = products)]
pub struct Product {
    pub id: i64,
    pub vendor_id: i64,
    pub kind: Kind,
    pub listing: Listing,
    pub live_revision_id: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = revisions)]
pub struct Revision {
    pub id: i64,
    pub product_id: i64,
    pub number: i32,
    pub state: RevisionState,
    pub name: String,
    pub summary: String,
    pub description: String,
    pub category: String,
    pub image_id: Option<String>,
    pub os: Option<String>,
    pub arch: Option<String>,
    pub delivery_days: Option<i32>,
    pub license_term: Option<String>,
    pub delivery_method: Option<String>,
    pub logo_id: Option<i64>,
    pub review_reason: Option<String>,
    pub submitted_at: Option<NaiveDateTime>,
    pub reviewed_at: Option<NaiveDateTime>,
    pub reviewed_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = plans)]
pub struct PlanRow {
    pub id: i64,
    pub revision_id: i64,
    pub position: i32,
    pub billing: Billing,
    pub name: String,
    pub price_fen: i64,
    pub year_price_fen: Option<i64>,
}

/// A logo without its bytes.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = logos)]
pub struct LogoMeta {
    pub id: i64,
    pub sha256: String,
    pub content_type: String,
    pub width: i32,
    pub height: i32,
}

#[derive(Debug, Clone, Queryable)]
pub struct ProductEvent {
    pub id: i64,
    pub actor_login: String,
    pub actor_role: String,
    pub action: String,
    pub note: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = delist_requests)]
pub struct DelistRequest {
    pub id: i64,
    pub product_id: i64,
    pub vendor_id: i64,
    pub reason: String,
    pub state: DelistRequestState,
    pub decided_by: Option<i64>,
    pub decision_note: Option<String>,
    pub created_at: NaiveDateTime,
    pub decided_at: Option<NaiveDateTime>,
}

/// Who acts: their account id, for the logs.
#[derive(Debug, Clone, Copy)]
pub struct Actor {
    pub id: i64,
}

/// What a step on a product causes: its event, by `actor`, about the
/// product, told to its vendor (the event table says who hears of it).
fn on_product<'a>(
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

pub fn find(conn: &mut DbConn, product_id: i64) -> QueryResult<Option<Product>> {
    products::table
        .find(product_id)
        .select(Product::as_select())
        .first(conn)
        .optional()
}

/// The product if it belongs to the vendor; another vendor's product is "not found".
pub fn find_owned(
    conn: &mut DbConn,
    product_id: i64,
    vendor_id: i64,
) -> QueryResult<Option<Product>> {
    products::table
        .filter(products::id.eq(product_id))
        .filter(products::vendor_id.eq(vendor_id))
        .select(Product::as_select())
        .first(conn)
        .optional()
}

pub fn revision(conn: &mut DbConn, revision_id: i64) -> QueryResult<Option<Revision>> {
    revisions::table
        .find(revision_id)
        .select(Revision::as_select())
        .first(conn)
        .optional()
}

/// The draft or pending revision, if any.
pub fn open_revision(conn: &mut DbConn, product_id: i64) -> QueryResult<Option<Revision>> {
    revisions::table
        .filter(revisions::product_id.eq(product_id))
        .filter(revisions::state.eq_any([
            RevisionState::Draft.as_str(),
            RevisionState::Pending.as_str(),
        ]))
        .select(Revision::as_select())
        .first(conn)
        .optional()
}

/// Every revision, newest first: the review history.
pub fn revisions_of(conn: &mut DbConn, product_id: i64) -> QueryResult<Vec<Revision>> {
    revisions::table
        .filter(revisions::product_id.eq(product_id))
        .order(revisions::number.desc())
        .select(Revision::as_select())
        .load(conn)
}

pub fn plans_of(conn: &mut DbConn, revision_id: i64) -> QueryResult<Vec<PlanRow>> {
    plans::table
        .filter(plans::revision_id.eq(revision_id))
        .order(plans::position.asc())
        .select(PlanRow::as_select())
        .load(conn)
}

/// The product's operation log in the order things happened, as every
/// operation log of the console reads (tickets too: a log is a story).
pub fn events_of(conn: &mut DbConn, product_id: i64) -> QueryResult<Vec<ProductEvent>> {
    product_events::table
        .inner_join(accounts::table)
        .filter(product_events::product_id.eq(product_id))
        .order(product_events::id.asc())
        .select((
            product_events::id,
            accounts::login,
            accounts::role,
            product_events::action,
            product_events::note,
            product_events::created_at,
        ))
        .load(conn)
}

pub fn logo_meta(conn: &mut DbConn, logo_id: i64) -> QueryResult<Option<LogoMeta>> {
    logos::table
        .find(logo_id)
        .select(LogoMeta::as_select())
        .first(conn)
        .optional()
}

/// A logo's bytes and content type by its hash (the public URL's key).
pub fn logo_by_hash(conn: &mut DbConn, sha256: &str) -> QueryResult<Option<(String, Vec<u8>)>> {
    logos::table
        .filter(logos::sha256.eq(sha256))
        .select((logos::content_type, logos::bytes))
        .first(conn)
        .optional()
}

/// The latest revision's content as a starting point for a new draft.
pub fn latest_revision(conn: &mut DbConn, product_id: i64) -> QueryResult<Revision> {
    revisions::table
        .filter(revisions::product_id.eq(product_id))
        .order(revisions::number.desc())
        .select(Revision::as_select())
        .first(conn)
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

/// The live revision's name (`#id` before one was approved), for logs,
/// notifications and confirmations.
pub fn live_name(conn: &mut DbConn, product: &Product) -> QueryResult<String> {
    match product.live_revision_id {
        Some(id) => revisions::table
            .find(id)
            .select(revisions::name)
            .first(conn),
        None => Ok(format!("#{}", product.id)),
    }
}

/// Moves a product's listing by a transition (the update names the listing
/// read, so a race applies once), then records its events.
fn move_listing(
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

/// A product as lists show it: its current name, review state and logo.
#[derive(Debug, Clone)]
pub struct ProductSummary {
    pub product: Product,
    /// The newest revision's name (what the vendor last wrote).
    pub name: String,
    pub review_state: RevisionState,
    pub logo_sha256: Option<String>,
    pub vendor_name: String,
    pub vendor_uin: i64,
    pub open_delist_request: bool,
}

/// Adds names, review states, logos and vendors to a page of products.
fn summarize(conn: &mut DbConn, page: Vec<Product>) -> QueryResult<Vec<ProductSummary>> {
    let ids: Vec<i64> = page.iter().map(|p| p.id).collect();
    let mut latest: std::collections::HashMap<i64, Revision> = std::collections::HashMap::new();
    let all: Vec<Revision> = revisions::table
        .filter(revisions::product_id.eq_any(&ids))
        .order((revisions::product_id.asc(), revisions::number.desc()))
        .select(Revision::as_select())
        .load(conn)?;
    for revision in all {
        latest.entry(revision.product_id).or_insert(revision);
    }
    let logo_ids: Vec<i64> = latest.values().filter_map(|r| r.logo_id).collect();
    let hashes: std::collections::HashMap<i64, String> = logos::table
        .filter(logos::id.eq_any(&logo_ids))
        .select((logos::id, logos::sha256))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .collect();
    let vendor_ids: Vec<i64> = page.iter().map(|p| p.vendor_id).collect();
    let vendors: std::collections::HashMap<i64, (String, i64)> = accounts::table
        .filter(accounts::id.eq_any(&vendor_ids))
        .select((accounts::id, accounts::display_name, accounts::uin))
        .load::<(i64, String, i64)>(conn)?
        .into_iter()
        .map(|(id, name, uin)| (id, (name, uin)))
        .collect();
    let open_requests: std::collections::HashSet<i64> = delist_requests::table
        .filter(delist_requests::product_id.eq_any(&ids))
        .filter(delist_requests::state.eq(DelistRequestState::Open.as_str()))
        .select(delist_requests::product_id)
        .load::<i64>(conn)?
        .into_iter()
        .collect();
    Ok(page
        .into_iter()
        .filter_map(|product| {
            let revision = latest.remove(&product.id)?;
            let (vendor_name, vendor_uin) =
                vendors.get(&product.vendor_id).cloned().unwrap_or_default();
            Some(ProductSummary {
                name: revision.name.clone(),
                review_state: revision.state,
                logo_sha256: revision.logo_id.and_then(|id| hashes.get(&id).cloned()),
                vendor_name,
                vendor_uin,
                open_delist_request: open_requests.contains(&product.id),
                product,
            })
        })
        .collect())
}

/// How many products a list page shows.
pub const PRODUCT_PAGE_SIZE: i64 = 50;

/// Filters of the product lists; `before` is the keyset cursor (an id).
#[derive(Debug, Default, Clone)]
pub struct ProductFilter {
    pub vendor_id: Option<i64>,
    pub listing: Option<Listing>,
    pub kind: Option<Kind>,
    pub review_state: Option<RevisionState>,
    /// A `LIKE` pattern on the lower-cased name of any of the product's
    /// versions (`domain::product::name_search_pattern`).
    pub name_pattern: Option<String>,
    pub before: Option<i64>,
}

diesel::define_sql_function! {
    /// SQL `lower`: Unicode on PostgreSQL, ASCII letters on SQLite.
    fn lower(text: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

/// A revision's name matches a name search's pattern.
fn name_matches(
    pattern: String,
) -> diesel::dsl::Escape<diesel::dsl::Like<lower<revisions::name>, String>> {
    lower(revisions::name).like(pattern).escape('\\')
}

type Backend = <DbConn as diesel::Connection>::Backend;

/// The products matching a filter (without the page cursor).
fn filtered(filter: &ProductFilter) -> products::BoxedQuery<'static, Backend> {
    let mut query = products::table.into_boxed();
    if let Some(vendor_id) = filter.vendor_id {
        query = query.filter(products::vendor_id.eq(vendor_id));
    }
    if let Some(listing) = filter.listing {
        query = query.filter(products::listing.eq(listing.as_str()));
    }
    if let Some(kind) = filter.kind {
        query = query.filter(products::kind.eq(kind.as_str()));
    }
    if let Some(pattern) = &filter.name_pattern {
        query = query.filter(diesel::dsl::exists(
            revisions::table
                .filter(revisions::product_id.eq(products::id))
                .filter(name_matches(pattern.clone())),
        ));
    }
    if let Some(state) = filter.review_state {
        // The newest revision decides a product's review state.
        let newest_in_state = revisions::table
            .filter(revisions::state.eq(state.as_str()))
            .filter(revisions::product_id.eq(products::id))
            .select(revisions::number);
        let newest = diesel::dsl::sql::<diesel::sql_types::Integer>(
            "(SELECT MAX(r2.number) FROM revisions r2 WHERE r2.product_id = products.id)",
        );
        query = query.filter(diesel::dsl::exists(
            newest_in_state.filter(revisions::number.eq(newest)),
        ));
    }
    query
}

/// How many products match a filter (for the dashboards).
pub fn count_products(conn: &mut DbConn, filter: &ProductFilter) -> QueryResult<i64> {
    filtered(filter).count().get_result(conn)
}

/// A page of products, newest first, and the cursor of the next page.
pub fn list_products(
    conn: &mut DbConn,
    filter: &ProductFilter,
) -> QueryResult<(Vec<ProductSummary>, Option<i64>)> {
    let mut query = filtered(filter).select(Product::as_select());
    if let Some(before) = filter.before {
        query = query.filter(products::id.lt(before));
    }
    let mut page: Vec<Product> = query
        .order(products::id.desc())
        .limit(PRODUCT_PAGE_SIZE + 1)
        .load(conn)?;
    let next = if page.len() as i64 > PRODUCT_PAGE_SIZE {
        page.truncate(PRODUCT_PAGE_SIZE as usize);
        page.last().map(|p| p.id)
    } else {
        None
    };
    Ok((summarize(conn, page)?, next))
}

/// A pending revision waiting in the operator's queue.
#[derive(Debug, Clone, Queryable)]
pub struct QueueEntry {
    pub revision_id: i64,
    pub number: i32,
    pub name: String,
    pub product_id: i64,
    pub kind: Kind,
    pub vendor_name: String,
    pub submitted_at: Option<NaiveDateTime>,
    pub live_revision_id: Option<i64>,
}

impl QueueEntry {
    /// A product's first review, as opposed to an update of live content.
    pub fn is_first_version(&self) -> bool {
        self.live_revision_id.is_none()
    }
}

/// Pending revisions, oldest submission first.
pub fn review_queue(conn: &mut DbConn) -> QueryResult<Vec<QueueEntry>> {
    revisions::table
        .inner_join(products::table.inner_join(accounts::table))
        .filter(revisions::state.eq(RevisionState::Pending.as_str()))
        .order((revisions::submitted_at.asc(), revisions::id.asc()))
        .select((
            revisions::id,
            revisions::number,
            revisions::name,
            products::id,
            products::kind,
            accounts::display_name,
            revisions::submitted_at,
            products::live_revision_id,
        ))
        .load(conn)
}

/// An open delist request with its product's name and vendor.
#[derive(Debug, Clone)]
pub struct DelistQueueEntry {
    pub request: DelistRequest,
    pub product_name: String,
    pub vendor_name: String,
}

/// The vendor's products that were ever on sale (only they have orders), by
/// name, for the order filter.
pub fn sold_names(conn: &mut DbConn, vendor_id: i64) -> QueryResult<Vec<(i64, String)>> {
    products::table
        .inner_join(revisions::table.on(products::live_revision_id.eq(revisions::id.nullable())))
        .filter(products::vendor_id.eq(vendor_id))
        .order((revisions::name.asc(), products::id.asc()))
        .select((products::id, revisions::name))
        .limit(1000)
        .load(conn)
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

/// A product in the storefront: live content, logo and its cheapest plan.
#[derive(Debug, Clone)]
pub struct ShopEntry {
    pub product_id: i64,
    pub kind: Kind,
    pub name: String,
    pub summary: String,
    pub category: String,
    pub logo_sha256: Option<String>,
    pub vendor_name: String,
    pub cheapest: Option<PlanRow>,
    /// How many plans it has ("起" only when there is a choice).
    pub plan_count: usize,
}

/// Listed products, newest first, optionally of one kind or category.
pub fn shop_entries(
    conn: &mut DbConn,
    kind: Option<Kind>,
    category: Option<&str>,
    name_pattern: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<ShopEntry>> {
    let mut query = products::table
        .inner_join(revisions::table.on(products::live_revision_id.eq(revisions::id.nullable())))
        .inner_join(accounts::table.on(accounts::id.eq(products::vendor_id)))
        .left_join(logos::table.on(revisions::logo_id.eq(logos::id.nullable())))
        .filter(products::listing.eq(Listing::Listed.as_str()))
        .select((
            products::id,
            products::kind,
            revisions::id,
            revisions::name,
            revisions::summary,
            revisions::category,
            logos::sha256.nullable(),
            accounts::display_name,
        ))
        .order(products::id.desc())
        .limit(limit)
        .into_boxed();
    if let Some(kind) = kind {
        query = query.filter(products::kind.eq(kind.as_str()));
    }
    if let Some(category) = category {
        query = query.filter(revisions::category.eq(category.to_string()));
    }
    if let Some(pattern) = name_pattern {
        query = query.filter(name_matches(pattern.to_string()));
    }
    type Row = (
        i64,
        Kind,
        i64,
        String,
        String,
        String,
        Option<String>,
        String,
    );
    let rows: Vec<Row> = query.load(conn)?;
    let revision_ids: Vec<i64> = rows.iter().map(|row| row.2).collect();
    let mut cheapest: std::collections::HashMap<i64, PlanRow> = std::collections::HashMap::new();
    let mut counts: std::collections::HashMap<i64, usize> = std::collections::HashMap::new();
    for plan in plans::table
        .filter(plans::revision_id.eq_any(&revision_ids))
        .select(PlanRow::as_select())
        .load::<PlanRow>(conn)?
    {
        *counts.entry(plan.revision_id).or_default() += 1;
        let keep = cheapest
            .get(&plan.revision_id)
            .is_none_or(|best| plan.price_fen < best.price_fen);
        if keep {
            cheapest.insert(plan.revision_id, plan);
        }
    }
    Ok(rows
        .into_iter()
        .map(
            |(product_id, kind, revision_id, name, summary, category, logo_sha256, vendor_name)| {
                ShopEntry {
                    product_id,
                    kind,
                    name,
                    summary,
                    category,
                    logo_sha256,
                    vendor_name,
                    cheapest: cheapest.remove(&revision_id),
                    plan_count: counts.get(&revision_id).copied().unwrap_or(0),
                }
            },
        )
        .collect())
}

/// A revision with its plans and logo.
#[derive(Debug, Clone)]
pub struct RevisionWithPlans {
    pub revision: Revision,
    pub plans: Vec<PlanRow>,
    pub logo: Option<LogoMeta>,
}

pub fn with_plans(conn: &mut DbConn, revision: Revision) -> QueryResult<RevisionWithPlans> {
    let plans = plans_of(conn, revision.id)?;
    let logo = match revision.logo_id {
        Some(id) => logo_meta(conn, id)?,
        None => None,
    };
    Ok(RevisionWithPlans {
        revision,
        plans,
        logo,
    })
}

/// Everything the product page shows.
#[derive(Debug, Clone)]
pub struct ProductDetail {
    pub product: Product,
    pub vendor_name: String,
    pub vendor_uin: i64,
    pub live: Option<RevisionWithPlans>,
    pub open: Option<RevisionWithPlans>,
    pub history: Vec<Revision>,
    pub events: Vec<ProductEvent>,
    pub delist_request: Option<DelistRequest>,
}

pub fn detail(conn: &mut DbConn, product: Product) -> QueryResult<ProductDetail> {
    let (vendor_name, vendor_uin): (String, i64) = accounts::table
        .find(product.vendor_id)
        .select((accounts::display_name, accounts::uin))
        .first(conn)?;
    let live = match product.live_revision_id {
        Some(id) => match revision(conn, id)? {
            Some(found) => Some(with_plans(conn, found)?),
            None => None,
        },
        None => None,
    };
    let open = match open_revision(conn, product.id)? {
        Some(found) => Some(with_plans(conn, found)?),
        None => None,
    };
    Ok(ProductDetail {
        vendor_name,
        vendor_uin,
        live,
        open,
        history: revisions_of(conn, product.id)?,
        events: events_of(conn, product.id)?,
        delist_request: open_delist_request(conn, product.id)?,
        product,
    })
}
