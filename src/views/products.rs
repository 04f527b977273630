//! Product pages: the vendor's list, form and product page; the operator's
//! review queue, review page, product list and delist requests; the storefront.

use std::collections::BTreeMap;

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
    Billing, Category, DelistRequestState, FieldErrors, Kind, Listing, MAX_PLANS, PlanInput,
    ProductInput, RevisionState,
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

/// Reads the product form's fields into what the domain checks; plan rows are `plan_billing_N`, `plan_name_N`,
/// `plan_price_N`, `plan_year_price_N`.
pub fn read_product_form(fields: &[(String, String)]) -> ProductInput {
    let mut input = ProductInput::default();
    let mut rows: BTreeMap<usize, PlanInput> = BTreeMap::new();
    for (name, value) in fields {
        let value = value.clone();
        match name.as_str() {
            "kind" => input.kind = value,
            "name" => input.name = value,
            "summary" => input.summary = value,
            "description" => input.description = value,
            "category" => input.category = value,
            "image_id" => input.image_id = value,
            "os" => input.os = value,
            "arch" => input.arch = value,
            "delivery_days" => input.delivery_days = value,
            "license_term" => input.license_term = value,
            "delivery_method" => input.delivery_method = value,
            other => {
                let Some((field, index)) = other.rsplit_once('_') else {
                    continue;
                };
                let Ok(index) = index.parse::<usize>() else {
                    continue;
                };
                if index >= MAX_PLANS * 2 {
                    continue;
                }
                let row = rows.entry(index).or_default();
                match field {
                    "plan_billing" => row.billing = value,
                    "plan_name" => row.name = value,
                    "plan_price" => row.price = value,
                    "plan_year_price" => row.year_price = value,
                    _ => {}
                }
            }
        }
    }
    input.plans = rows.into_values().filter(|row| !row.is_blank()).collect();
    input
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::money::PriceError;
    use crate::domain::product::{FieldProblem, Plan, check_input};

    fn fields(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn image_form() -> Vec<(String, String)> {
        fields(&[
            ("kind", "image"),
            ("name", "CentOS 7.9 LAMP"),
            ("summary", "一键部署"),
            ("description", "Apache, MySQL, PHP"),
            ("category", "website"),
            ("image_id", "img-ab12cd34"),
            ("os", "CentOS 7.9"),
            ("arch", "x86_64"),
            ("plan_billing_0", "prepaid"),
            ("plan_name_0", "标准版"),
            ("plan_price_0", "99"),
            ("plan_year_price_0", "990"),
            ("plan_billing_1", "hourly"),
            ("plan_name_1", "按量"),
            ("plan_price_1", "1.1"),
            ("plan_billing_2", "prepaid"),
            ("plan_name_2", ""),
            ("plan_price_2", ""),
        ])
    }

    #[test]
    fn a_complete_image_form_is_accepted() {
        let content = check_input(&read_product_form(&image_form()), None).unwrap();
        assert_eq!(content.kind, Kind::Image);
        assert_eq!(content.image_id.as_deref(), Some("img-ab12cd34"));
        assert_eq!(
            content.plans,
            vec![
                Plan {
                    billing: Billing::Prepaid,
                    name: "标准版".into(),
                    price_fen: 9900,
                    year_price_fen: Some(99_000)
                },
                Plan {
                    billing: Billing::Hourly,
                    name: "按量".into(),
                    price_fen: 110,
                    year_price_fen: None
                },
            ]
        );
    }

    #[test]
    fn each_bad_field_is_named() {
        let mut form = image_form();
        for (name, value) in form.iter_mut() {
            match name.as_str() {
                "image_id" => *value = "img-AB12cd34".into(),
                "plan_price_0" => *value = "-5".into(),
                "plan_billing_1" => *value = "onetime".into(),
                "category" => *value = "games".into(),
                "name" => *value = "  ".into(),
                _ => {}
            }
        }
        let errors = check_input(&read_product_form(&form), None).unwrap_err();
        assert_eq!(errors.get("image_id"), Some(&FieldProblem::BadImageId));
        assert_eq!(
            errors.get("plan_price_0"),
            Some(&FieldProblem::Price(PriceError::NotPositive))
        );
        assert_eq!(
            errors.get("plan_billing_1"),
            Some(&FieldProblem::BillingNotAllowed)
        );
        assert_eq!(errors.get("category"), Some(&FieldProblem::UnknownCategory));
        assert_eq!(errors.get("name"), Some(&FieldProblem::Required));
    }

    #[test]
    fn unknown_kinds_and_kind_changes_are_refused() {
        let form = fields(&[
            ("kind", "vm"),
            ("plan_name_0", "x"),
            ("plan_price_0", "1"),
            ("plan_billing_0", "prepaid"),
        ]);
        let errors = check_input(&read_product_form(&form), None).unwrap_err();
        assert_eq!(errors.get("kind"), Some(&FieldProblem::UnknownKind));
        let errors =
            check_input(&read_product_form(&image_form()), Some(Kind::Service)).unwrap_err();
        assert_eq!(errors.get("kind"), Some(&FieldProblem::KindChanged));
    }

    #[test]
    fn a_year_price_belongs_to_prepaid_plans_only() {
        let mut form = image_form();
        form.push(("plan_year_price_1".into(), "10".into()));
        let errors = check_input(&read_product_form(&form), None).unwrap_err();
        assert_eq!(
            errors.get("plan_year_price_1"),
            Some(&FieldProblem::YearPriceOnlyPrepaid)
        );
    }

    #[test]
    fn services_need_delivery_days_and_licenses_their_terms() {
        let service = fields(&[
            ("kind", "service"),
            ("name", "网站搭建"),
            ("summary", "s"),
            ("description", "d"),
            ("category", "website"),
            ("delivery_days", "0"),
            ("plan_billing_0", "onetime"),
            ("plan_name_0", "基础"),
            ("plan_price_0", "500"),
        ]);
        let errors = check_input(&read_product_form(&service), None).unwrap_err();
        assert_eq!(
            errors.get("delivery_days"),
            Some(&FieldProblem::BadDeliveryDays)
        );
        let license = fields(&[
            ("kind", "license"),
            ("name", "Office"),
            ("summary", "s"),
            ("description", "d"),
            ("category", "other"),
            ("plan_billing_0", "onetime"),
            ("plan_name_0", "一年"),
            ("plan_price_0", "300"),
        ]);
        let errors = check_input(&read_product_form(&license), None).unwrap_err();
        assert_eq!(errors.get("license_term"), Some(&FieldProblem::Required));
        assert_eq!(errors.get("delivery_method"), Some(&FieldProblem::Required));
    }

    #[test]
    fn a_product_needs_a_plan() {
        let form: Vec<_> = image_form()
            .into_iter()
            .filter(|(k, _)| !k.starts_with("plan_"))
            .collect();
        let errors = check_input(&read_product_form(&form), None).unwrap_err();
        assert_eq!(errors.get("plans"), Some(&FieldProblem::NoPlan));
    }
}
