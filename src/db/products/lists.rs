//! The product lists: the vendor's and the operator's with filters and name
//! search, the review queue and the storefront.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::rows::{PlanRow, Product, Revision};
use crate::db::DbConn;
use crate::db::schema::{accounts, delist_requests, logos, plans, products, revisions};
use crate::domain::product::{DelistRequestState, Kind, Listing, RevisionState};

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
    /// Lower-cased text found in the name of any of the product's versions
    /// (`domain::product::name_search`).
    pub name_contains: Option<String>,
    pub before: Option<i64>,
}

diesel::define_sql_function! {
    /// SQL `lower`: Unicode on PostgreSQL, ASCII letters on SQLite.
    fn lower(text: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

/// A revision's lower-cased name holds `text` anywhere, its `%`, `_` and
/// `\` taken literally.
fn name_matches(
    text: &str,
) -> diesel::dsl::Escape<diesel::dsl::Like<lower<revisions::name>, String>> {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
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
    if let Some(text) = &filter.name_contains {
        query = query.filter(diesel::dsl::exists(
            revisions::table
                .filter(revisions::product_id.eq(products::id))
                .filter(name_matches(text)),
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
    name_contains: Option<&str>,
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
    if let Some(text) = name_contains {
        query = query.filter(name_matches(text));
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
