//! The product's rows as read: the product, its revisions and plans, logos,
//! activity log, and the product page's whole picture.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::delist::open_delist_request;
use crate::db::DbConn;
use crate::db::schema::{
    accounts, delist_requests, logos, plans, product_events, products, revisions,
};
use crate::domain::product::{Billing, DelistRequestState, Kind, Listing, RevisionState};

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
