//! Products (商品): kinds, billing modes, revisions and listing states, and the
//! checks on what a vendor types into the product form.

use std::collections::BTreeMap;

use super::Transition;
use super::money::{PriceError, parse_yuan};
use super::notice::Event;

/// Declares an enum with its docs and derives, and its stored codes (`codes!`).
macro_rules! str_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($(#[$vdoc])* $variant),+ }

        codes!($name { $($variant = $text),+ });
    };
}

str_enum!(
    /// What is sold.
    Kind {
        /// 镜像: a machine image.
        Image = "image",
        /// 人工服务: a manual service.
        Service = "service",
        /// License.
        License = "license",
    }
);

str_enum!(
    /// How a plan is paid for.
    Billing {
        /// 预付费(包年包月): per month, optionally a price per year.
        Prepaid = "prepaid",
        /// 按小时计费实时付费: per started hour.
        Hourly = "hourly",
        /// 预付费(一次性): once.
        OneTime = "onetime",
    }
);

str_enum!(
    /// Where a revision stands in review.
    RevisionState {
        /// 草稿: the vendor is editing.
        Draft = "draft",
        /// 审核中: submitted, read-only.
        Pending = "pending",
        /// 审核通过.
        Approved = "approved",
        /// 审核未通过, with the operator's reason.
        Rejected = "rejected",
    }
);

str_enum!(
    /// Whether a product can be bought.
    Listing {
        /// 未上架.
        Unlisted = "unlisted",
        /// 已上架.
        Listed = "listed",
        /// 已下架.
        Delisted = "delisted",
    }
);

str_enum!(
    /// A vendor's request to take a product off sale.
    DelistRequestState {
        Open = "open",
        Done = "done",
        Declined = "declined",
    }
);

str_enum!(
    /// The storefront's categories.
    Category {
        OperatingSystem = "os",
        Database = "database",
        DevTools = "devtools",
        Security = "security",
        Operations = "ops",
        Website = "website",
        Ai = "ai",
        Other = "other",
    }
);

impl Kind {
    /// The billing modes a kind may be sold in (docs/states.md, orders).
    pub fn allows(self, billing: Billing) -> bool {
        matches!(
            (self, billing),
            (_, Billing::Prepaid)
                | (Kind::Image, Billing::Hourly)
                | (Kind::Service | Kind::License, Billing::OneTime)
        )
    }

    /// The tag inside order numbers: `MARKET_Mirror2S…`.
    pub fn order_tag(self) -> &'static str {
        match self {
            Kind::Image => "Mirror",
            Kind::Service => "Service",
            Kind::License => "License",
        }
    }
}

impl RevisionState {
    /// Draft and pending revisions are "open": at most one per product.
    pub fn is_open(self) -> bool {
        matches!(self, RevisionState::Draft | RevisionState::Pending)
    }
}

/// The most plans a product may have.
pub const MAX_PLANS: usize = 10;

/// One plan as typed (prices still text), so a refused form shows it again.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlanInput {
    pub billing: String,
    pub name: String,
    pub price: String,
    pub year_price: String,
}

impl PlanInput {
    pub fn is_blank(&self) -> bool {
        self.name.trim().is_empty()
            && self.price.trim().is_empty()
            && self.year_price.trim().is_empty()
    }
}

/// Everything the product form holds, as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProductInput {
    pub kind: String,
    pub name: String,
    pub summary: String,
    pub description: String,
    pub category: String,
    pub image_id: String,
    pub os: String,
    pub arch: String,
    pub delivery_days: String,
    pub license_term: String,
    pub delivery_method: String,
    pub plans: Vec<PlanInput>,
}

/// A checked plan, prices in fen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub billing: Billing,
    pub name: String,
    pub price_fen: i64,
    pub year_price_fen: Option<i64>,
}

/// Checked product content, ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductContent {
    pub kind: Kind,
    pub name: String,
    pub summary: String,
    pub description: String,
    pub category: Category,
    pub image_id: Option<String>,
    pub os: Option<String>,
    pub arch: Option<String>,
    pub delivery_days: Option<i32>,
    pub license_term: Option<String>,
    pub delivery_method: Option<String>,
    pub plans: Vec<Plan>,
}

/// A refused field of the product form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldProblem {
    Required,
    TooLong(usize),
    UnknownKind,
    UnknownCategory,
    BadImageId,
    BadDeliveryDays,
    NoPlan,
    TooManyPlans,
    UnknownBilling,
    BillingNotAllowed,
    Price(PriceError),
    YearPriceOnlyPrepaid,
    KindChanged,
}

/// Which field a problem belongs to: `name`, `plan_price_2`, …
pub type FieldErrors = BTreeMap<String, FieldProblem>;

pub const ARCHES: [&str; 2] = ["x86_64", "arm64"];

fn text(
    errors: &mut FieldErrors,
    field: &str,
    value: &str,
    max_chars: usize,
    required: bool,
) -> String {
    let value = value.trim();
    if required && value.is_empty() {
        errors.insert(field.into(), FieldProblem::Required);
    } else if value.chars().count() > max_chars {
        errors.insert(field.into(), FieldProblem::TooLong(max_chars));
    }
    value.to_string()
}

/// `img-` followed by 8 lowercase letters or digits.
pub fn is_image_id(value: &str) -> bool {
    value.len() == 12
        && value.starts_with("img-")
        && value[4..]
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

/// Checks the form. `fixed_kind` is the product's kind when editing: a
/// product's kind never changes, because its orders and tickets depend on it.
pub fn check_input(
    input: &ProductInput,
    fixed_kind: Option<Kind>,
) -> Result<ProductContent, FieldErrors> {
    let mut errors = FieldErrors::new();
    let kind = Kind::parse(input.kind.trim());
    match (kind, fixed_kind) {
        (None, _) => {
            errors.insert("kind".into(), FieldProblem::UnknownKind);
        }
        (Some(typed), Some(fixed)) if typed != fixed => {
            errors.insert("kind".into(), FieldProblem::KindChanged);
        }
        _ => {}
    }
    let name = text(&mut errors, "name", &input.name, 60, true);
    let summary = text(&mut errors, "summary", &input.summary, 200, true);
    let description = text(&mut errors, "description", &input.description, 20_000, true);
    let category = Category::parse(input.category.trim());
    if category.is_none() {
        errors.insert("category".into(), FieldProblem::UnknownCategory);
    }
    let (mut image_id, mut os, mut arch, mut delivery_days, mut license_term, mut delivery_method) =
        (None, None, None, None, None, None);
    match kind {
        Some(Kind::Image) => {
            let id = input.image_id.trim().to_string();
            if id.is_empty() {
                errors.insert("image_id".into(), FieldProblem::Required);
            } else if !is_image_id(&id) {
                errors.insert("image_id".into(), FieldProblem::BadImageId);
            }
            image_id = Some(id);
            os = Some(text(&mut errors, "os", &input.os, 60, true));
            let typed_arch = input.arch.trim();
            if !ARCHES.contains(&typed_arch) {
                errors.insert("arch".into(), FieldProblem::Required);
            }
            arch = Some(typed_arch.to_string());
        }
        Some(Kind::Service) => match input.delivery_days.trim().parse::<i32>() {
            Ok(days) if (1..=365).contains(&days) => delivery_days = Some(days),
            _ if input.delivery_days.trim().is_empty() => {
                errors.insert("delivery_days".into(), FieldProblem::Required);
            }
            _ => {
                errors.insert("delivery_days".into(), FieldProblem::BadDeliveryDays);
            }
        },
        Some(Kind::License) => {
            license_term = Some(text(
                &mut errors,
                "license_term",
                &input.license_term,
                60,
                true,
            ));
            delivery_method = Some(text(
                &mut errors,
                "delivery_method",
                &input.delivery_method,
                200,
                true,
            ));
        }
        None => {}
    }
    let plans = check_plans(&mut errors, kind, &input.plans);
    match (kind, category) {
        (Some(kind), Some(category)) if errors.is_empty() => Ok(ProductContent {
            kind,
            name,
            summary,
            description,
            category,
            image_id,
            os,
            arch,
            delivery_days,
            license_term,
            delivery_method,
            plans,
        }),
        _ => Err(errors),
    }
}

fn check_plans(errors: &mut FieldErrors, kind: Option<Kind>, rows: &[PlanInput]) -> Vec<Plan> {
    if rows.is_empty() {
        errors.insert("plans".into(), FieldProblem::NoPlan);
        return Vec::new();
    }
    if rows.len() > MAX_PLANS {
        errors.insert("plans".into(), FieldProblem::TooManyPlans);
        return Vec::new();
    }
    let mut plans = Vec::new();
    for (index, row) in rows.iter().enumerate() {
        let name = text(errors, &format!("plan_name_{index}"), &row.name, 40, true);
        let billing = Billing::parse(row.billing.trim());
        match (billing, kind) {
            (None, _) => {
                errors.insert(
                    format!("plan_billing_{index}"),
                    FieldProblem::UnknownBilling,
                );
            }
            (Some(billing), Some(kind)) if !kind.allows(billing) => {
                errors.insert(
                    format!("plan_billing_{index}"),
                    FieldProblem::BillingNotAllowed,
                );
            }
            _ => {}
        }
        let price = parse_yuan(&row.price);
        if let Err(problem) = price {
            errors.insert(format!("plan_price_{index}"), FieldProblem::Price(problem));
        }
        let year_price = if row.year_price.trim().is_empty() {
            Ok(None)
        } else if billing != Some(Billing::Prepaid) {
            errors.insert(
                format!("plan_year_price_{index}"),
                FieldProblem::YearPriceOnlyPrepaid,
            );
            Ok(None)
        } else {
            parse_yuan(&row.year_price).map(Some)
        };
        if let Err(problem) = year_price {
            errors.insert(
                format!("plan_year_price_{index}"),
                FieldProblem::Price(problem),
            );
        }
        if let (Some(billing), Ok(price_fen), Ok(year_price_fen)) = (billing, price, year_price) {
            plans.push(Plan {
                billing,
                name,
                price_fen,
                year_price_fen,
            });
        }
    }
    plans
}

/// Why a product step is refused, whatever the actor's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepRefusal {
    /// Submission needs at least one plan.
    NoPlan,
    /// Submission needs a logo.
    NoLogo,
    /// The product or revision is not in the state the step starts from.
    WrongState,
}

/// Whether a draft may be submitted for review.
pub fn may_submit(plan_count: usize, has_logo: bool) -> Result<(), StepRefusal> {
    if plan_count == 0 {
        Err(StepRefusal::NoPlan)
    } else if !has_logo {
        Err(StepRefusal::NoLogo)
    } else {
        Ok(())
    }
}

/// Whether an operator may list a product now: approved content, not on sale.
pub fn may_list(listing: Listing, has_live_revision: bool) -> Result<(), StepRefusal> {
    match listing {
        Listing::Unlisted | Listing::Delisted if has_live_revision => Ok(()),
        _ => Err(StepRefusal::WrongState),
    }
}

/// 提交审核: a draft with a plan and a logo goes to review.
pub fn submit(
    state: RevisionState,
    plan_count: usize,
    has_logo: bool,
) -> Result<Transition<RevisionState>, StepRefusal> {
    if state != RevisionState::Draft {
        return Err(StepRefusal::WrongState);
    }
    may_submit(plan_count, has_logo)?;
    Ok(Transition::new(
        state,
        RevisionState::Pending,
        Event::RevisionSubmitted,
    ))
}

/// 撤回: a revision under review goes back to draft.
pub fn withdraw(state: RevisionState) -> Result<Transition<RevisionState>, StepRefusal> {
    match state {
        RevisionState::Pending => Ok(Transition::new(
            state,
            RevisionState::Draft,
            Event::RevisionWithdrawn,
        )),
        _ => Err(StepRefusal::WrongState),
    }
}

/// 审核: an operator approves or rejects a revision under review.
pub fn review(
    state: RevisionState,
    approve: bool,
) -> Result<Transition<RevisionState>, StepRefusal> {
    if state != RevisionState::Pending {
        return Err(StepRefusal::WrongState);
    }
    Ok(if approve {
        Transition::new(state, RevisionState::Approved, Event::RevisionApproved)
    } else {
        Transition::new(state, RevisionState::Rejected, Event::RevisionRejected)
    })
}

/// 上架: approved content goes on sale.
pub fn list(listing: Listing, has_live_revision: bool) -> Result<Transition<Listing>, StepRefusal> {
    may_list(listing, has_live_revision)?;
    Ok(Transition::new(
        listing,
        Listing::Listed,
        Event::ProductListed,
    ))
}

/// 下架: a product on sale comes off it, by an operator's decision or by
/// carrying out the vendor's request (which the request's step tells).
pub fn delist(listing: Listing, requested: bool) -> Result<Transition<Listing>, StepRefusal> {
    if listing != Listing::Listed {
        return Err(StepRefusal::WrongState);
    }
    let mut step = Transition::new(listing, Listing::Delisted, Event::ProductDelisted);
    if requested {
        step.events.clear();
    }
    Ok(step)
}

/// An operator carries out or declines an open delist request.
pub fn decide_delist_request(
    state: DelistRequestState,
    carry_out: bool,
) -> Result<Transition<DelistRequestState>, StepRefusal> {
    if state != DelistRequestState::Open {
        return Err(StepRefusal::WrongState);
    }
    Ok(if carry_out {
        Transition::new(state, DelistRequestState::Done, Event::DelistCarriedOut)
    } else {
        Transition::new(state, DelistRequestState::Declined, Event::DelistDeclined)
    })
}

/// The longest reason (rejection, delisting, decline) accepted.
pub const MAX_REASON_CHARS: usize = 500;

/// A reason typed by an operator or vendor: required, trimmed, bounded.
pub fn check_reason(typed: &str) -> Result<String, FieldProblem> {
    let reason = typed.trim();
    if reason.is_empty() {
        Err(FieldProblem::Required)
    } else if reason.chars().count() > MAX_REASON_CHARS {
        Err(FieldProblem::TooLong(MAX_REASON_CHARS))
    } else {
        Ok(reason.to_string())
    }
}

/// The longest product-name search accepted.
pub const NAME_SEARCH_MAX_CHARS: usize = 60;

/// A name search as the store matches it: the text trimmed and lower-cased,
/// found anywhere in the lower-cased name. `Ok(None)` when nothing was
/// typed; `Err` when the text is longer than `NAME_SEARCH_MAX_CHARS`.
pub fn name_search(typed: &str) -> Result<Option<String>, usize> {
    let text = typed.trim();
    if text.is_empty() {
        return Ok(None);
    }
    if text.chars().count() > NAME_SEARCH_MAX_CHARS {
        return Err(NAME_SEARCH_MAX_CHARS);
    }
    Ok(Some(text.to_lowercase()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_allow_their_billing_modes_only() {
        assert!(Kind::Image.allows(Billing::Prepaid));
        assert!(Kind::Image.allows(Billing::Hourly));
        assert!(!Kind::Image.allows(Billing::OneTime));
        assert!(Kind::Service.allows(Billing::OneTime));
        assert!(!Kind::Service.allows(Billing::Hourly));
        assert!(Kind::License.allows(Billing::Prepaid));
        assert!(!Kind::License.allows(Billing::Hourly));
    }

    #[test]
    fn image_ids_have_their_shape() {
        assert!(is_image_id("img-0a1b2c3d"));
        assert!(!is_image_id("img-0a1b2c3"));
        assert!(!is_image_id("img-0a1b2c3d4"));
        assert!(!is_image_id("IMG-0a1b2c3d"));
        assert!(!is_image_id("img-0a1b2c3_"));
        assert!(!is_image_id("img-0a1b2c3é"));
    }

    #[test]
    fn submission_needs_a_plan_and_a_logo() {
        assert_eq!(may_submit(0, true), Err(StepRefusal::NoPlan));
        assert_eq!(may_submit(1, false), Err(StepRefusal::NoLogo));
        assert_eq!(may_submit(2, true), Ok(()));
    }

    #[test]
    fn listing_needs_approved_content_off_sale() {
        assert_eq!(may_list(Listing::Unlisted, true), Ok(()));
        assert_eq!(may_list(Listing::Delisted, true), Ok(()));
        assert_eq!(
            may_list(Listing::Unlisted, false),
            Err(StepRefusal::WrongState)
        );
        assert_eq!(
            may_list(Listing::Listed, true),
            Err(StepRefusal::WrongState)
        );
    }

    #[test]
    fn reasons_are_required_and_bounded() {
        assert_eq!(check_reason("  "), Err(FieldProblem::Required));
        assert_eq!(check_reason(" 图片模糊 ").unwrap(), "图片模糊");
        assert_eq!(
            check_reason(&"长".repeat(501)),
            Err(FieldProblem::TooLong(500))
        );
    }

    #[test]
    fn name_searches_are_trimmed_lower_cased_and_bounded() {
        assert_eq!(name_search("  "), Ok(None));
        assert_eq!(name_search(" CentOS "), Ok(Some("centos".into())));
        assert_eq!(name_search("100%_a\\b"), Ok(Some("100%_a\\b".into())));
        assert_eq!(name_search("云镜像"), Ok(Some("云镜像".into())));
        let long = "名".repeat(NAME_SEARCH_MAX_CHARS);
        assert!(name_search(&long).is_ok());
        assert_eq!(name_search(&format!("{long}x")), Err(NAME_SEARCH_MAX_CHARS));
    }
}
