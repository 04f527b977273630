//! Product pages: the vendor's list, form and product page; the operator's
//! review queue, review page, product list and delist requests; the storefront.

use crate::views::Flash;
use askama::Template;
use chrono::NaiveDateTime;

use super::PageCtx;
use super::labels::field_problem;
use crate::db::products::{
    DelistQueueEntry, LogoMeta, ProductDetail, ProductSummary, QueueEntry, RevisionWithPlans,
    ShopEntry,
};
use crate::domain::product::{
    Billing, Category, DelistRequestState, FieldErrors, Kind, Listing, PlanInput, ProductInput,
    RevisionState,
};

#[derive(Template)]
#[template(path = "products/vendor_list.html")]
pub struct VendorProductsPage {
    pub page: PageCtx,
    pub rows: Vec<ProductSummary>,
    pub state_filter: String,
    /// The name search as typed.
    pub name: String,
    pub next: Option<i64>,
    pub notice: Option<Flash>,
}

#[derive(Template)]
#[template(path = "products/choose_kind.html")]
pub struct ChooseKindPage {
    pub page: PageCtx,
}

/// The product form, new or edit, with what was typed and each field's message.
#[derive(Template)]
#[template(path = "products/form.html")]
pub struct ProductFormPage {
    pub page: PageCtx,
    pub product_id: Option<i64>,
    pub kind: Kind,
    pub input: ProductInput,
    pub errors: FieldErrors,
    pub logo: Option<LogoMeta>,
    /// Every broken logo rule of the last upload.
    pub logo_errors: Vec<String>,
    /// An auto-fitted logo awaiting the vendor's confirmation, base64 PNG.
    pub autofit_png: Option<String>,
    pub notice: Option<Flash>,
}

/// How many plan rows the form shows at least (empty ones are ignored).
const MIN_PLAN_ROWS: usize = 4;

impl ProductFormPage {
    pub fn error(&self, field: &str) -> Option<String> {
        self.errors
            .get(field)
            .map(|problem| field_problem(self.page.t, *problem))
    }

    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }

    /// The typed plans and blank rows to add more.
    pub fn plan_rows(&self) -> Vec<(usize, PlanInput)> {
        let mut rows = self.input.plans.clone();
        let wanted = (rows.len() + 2).clamp(MIN_PLAN_ROWS, crate::domain::product::MAX_PLANS);
        while rows.len() < wanted {
            rows.push(PlanInput::default());
        }
        rows.into_iter().enumerate().collect()
    }

    /// What a row's price is per: 元/月, 元/小时 or 元/次, by its billing
    /// (a blank row takes the first mode the kind allows).
    pub fn price_unit(&self, plan: &PlanInput) -> &'static str {
        let t = self.page.t;
        let billing = Billing::parse(&plan.billing)
            .or_else(|| Billing::ALL.iter().copied().find(|b| self.kind.allows(*b)));
        match billing {
            Some(Billing::Hourly) => t.unit_per_hour,
            Some(Billing::OneTime) => t.unit_per_time,
            _ => t.unit_per_month,
        }
    }

    /// A yearly price only applies to a prepaid plan.
    pub fn takes_year_price(&self, plan: &PlanInput) -> bool {
        match Billing::parse(&plan.billing) {
            Some(billing) => billing == Billing::Prepaid,
            None => self.kind.allows(Billing::Prepaid),
        }
    }

    /// Whether the form may show one more row.
    pub fn may_add_row(&self) -> bool {
        self.input.plans.len() + 2 < crate::domain::product::MAX_PLANS
    }

    /// The billing modes the product's kind allows, for the plan rows' select.
    pub fn billing_modes(&self) -> Vec<Billing> {
        Billing::ALL
            .iter()
            .copied()
            .filter(|billing| self.kind.allows(*billing))
            .collect()
    }

    pub fn categories(&self) -> Vec<&'static str> {
        Category::ALL.iter().map(|c| c.as_str()).collect()
    }

    pub fn action(&self) -> String {
        match self.product_id {
            Some(id) => format!("/vendor/products/{id}/edit"),
            None => "/vendor/products".into(),
        }
    }
}

/// Who looks at a product page decides its actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Viewer {
    Vendor,
    Operator,
}

#[derive(Template)]
#[template(path = "products/detail.html")]
pub struct ProductPage {
    pub page: PageCtx,
    pub detail: ProductDetail,
    pub viewer: Viewer,
    pub notice: Option<Flash>,
    pub error: Option<String>,
}

impl ProductPage {
    pub fn is_vendor(&self) -> bool {
        self.viewer == Viewer::Vendor
    }

    pub fn title(&self) -> String {
        self.detail
            .open
            .as_ref()
            .or(self.detail.live.as_ref())
            .map(|r| r.revision.name.clone())
            .or_else(|| self.detail.history.first().map(|r| r.name.clone()))
            .unwrap_or_default()
    }

    pub fn is_listed(&self) -> bool {
        self.detail.product.listing == Listing::Listed
    }

    pub fn can_list(&self) -> bool {
        self.detail.product.listing != Listing::Listed && self.detail.live.is_some()
    }

    pub fn open_label(&self, open: &RevisionWithPlans) -> String {
        let template = if open.revision.state == RevisionState::Pending {
            self.page.t.open_revision_pending
        } else {
            self.page.t.open_revision_draft
        };
        crate::i18n::fill(template, &[("number", &open.revision.number.to_string())])
    }

    pub fn delist_request_text(&self, reason: &str) -> String {
        crate::i18n::fill(self.page.t.delist_request_open, &[("reason", reason)])
    }
}

/// One compared field on the review page.
pub struct DiffRow {
    pub label: &'static str,
    pub live: String,
    pub pending: String,
    pub changed: bool,
    /// The values are logo hashes, shown as the images side by side.
    pub is_logo: bool,
}

/// The fields of a revision as (label, shown value), in a fixed order.
fn shown_fields(page: &PageCtx, revision: &RevisionWithPlans) -> Vec<(&'static str, String)> {
    let t = page.t;
    let r = &revision.revision;
    let text = |value: &Option<String>| value.clone().unwrap_or_default();
    vec![
        (t.product_name_label, r.name.clone()),
        (t.summary_label, r.summary.clone()),
        (t.description_label, r.description.clone()),
        (
            t.category_label,
            page.category_label(&r.category).to_string(),
        ),
        (t.image_id_label, text(&r.image_id)),
        (t.os_label, text(&r.os)),
        (t.arch_label, text(&r.arch)),
        (
            t.delivery_days_label,
            r.delivery_days.map(|d| d.to_string()).unwrap_or_default(),
        ),
        (t.license_term_label, text(&r.license_term)),
        (t.delivery_method_label, text(&r.delivery_method)),
        (
            t.plans_label,
            revision
                .plans
                .iter()
                .map(|p| page.plan_line(p))
                .collect::<Vec<_>>()
                .join("\n"),
        ),
        (
            t.logo_label,
            revision
                .logo
                .as_ref()
                .map(|l| l.sha256.clone())
                .unwrap_or_default(),
        ),
    ]
}

/// Compares a pending revision with the live one field by field; fields empty
/// on both sides (another kind's fields) are left out.
pub fn diff_rows(
    page: &PageCtx,
    live: Option<&RevisionWithPlans>,
    pending: &RevisionWithPlans,
) -> Vec<DiffRow> {
    let new = shown_fields(page, pending);
    let old = live.map(|l| shown_fields(page, l));
    new.into_iter()
        .enumerate()
        .filter_map(|(index, (label, pending_value))| {
            let live_value = old.as_ref().map(|o| o[index].1.clone()).unwrap_or_default();
            if live_value.is_empty() && pending_value.is_empty() {
                return None;
            }
            Some(DiffRow {
                label,
                is_logo: label == page.t.logo_label,
                // A first version has nothing to differ from.
                changed: old.is_some() && live_value != pending_value,
                live: live_value,
                pending: pending_value,
            })
        })
        .collect()
}

#[derive(Template)]
#[template(path = "products/review_queue.html")]
pub struct ReviewQueuePage {
    pub page: PageCtx,
    pub entries: Vec<QueueEntry>,
    pub now: NaiveDateTime,
    pub notice: Option<Flash>,
}

#[derive(Template)]
#[template(path = "products/review.html")]
pub struct ReviewPage {
    pub page: PageCtx,
    pub detail: ProductDetail,
    pub pending: RevisionWithPlans,
    pub rows: Vec<DiffRow>,
    pub reason: String,
    pub error: Option<String>,
}

impl ReviewPage {
    pub fn title(&self) -> String {
        crate::i18n::fill(
            self.page.t.review_title,
            &[
                ("name", &self.pending.revision.name),
                ("number", &self.pending.revision.number.to_string()),
            ],
        )
    }

    pub fn is_pending(&self) -> bool {
        self.pending.revision.state == RevisionState::Pending
    }

    /// 通过并上架 is offered while the product is not on sale.
    pub fn offers_approve_and_list(&self) -> bool {
        self.detail.product.listing != Listing::Listed
    }
}

#[derive(Template)]
#[template(path = "products/admin_list.html")]
pub struct AdminProductsPage {
    pub page: PageCtx,
    pub rows: Vec<ProductSummary>,
    pub listing: String,
    pub kind: String,
    pub vendor: String,
    /// The name search as typed.
    pub name: String,
    pub next: Option<i64>,
    pub notice: Option<Flash>,
}

impl AdminProductsPage {
    /// The URL of the next page with the same filters.
    pub fn next_url(&self, before: &i64) -> String {
        let query = serde_urlencoded::to_string([
            ("listing", self.listing.as_str()),
            ("kind", &self.kind),
            ("vendor", &self.vendor),
            ("q", &self.name),
            ("before", &before.to_string()),
        ])
        .unwrap_or_default();
        format!("/admin/products?{query}")
    }
}

#[derive(Template)]
#[template(path = "products/delist_requests.html")]
pub struct DelistRequestsPage {
    pub page: PageCtx,
    pub open: Vec<DelistQueueEntry>,
    pub decided: Vec<DelistQueueEntry>,
    pub now: NaiveDateTime,
    pub notice: Option<Flash>,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "products/shop_list.html")]
pub struct ShopPage {
    pub page: PageCtx,
    pub entries: Vec<ShopEntry>,
    pub kind: String,
    pub category: String,
    /// The name search as typed.
    pub name: String,
}

impl ShopPage {
    pub fn categories(&self) -> Vec<&'static str> {
        Category::ALL.iter().map(|c| c.as_str()).collect()
    }
}
