//! Words for stored codes (kinds, states, billing modes, actions) and for
//! domain refusals, in the page's language.

use chrono::NaiveDateTime;

use super::PageCtx;
use crate::db::products::PlanRow;
use crate::db::settlements::ShownLine;
use crate::domain::logo::{LogoProblem, LogoWarning, Side};
use crate::domain::money::{PriceError, format_money, format_yuan};
use crate::domain::product::{Billing, FieldProblem, Kind, Listing, RevisionState};
use crate::domain::settlement::{LineKind, LineNote};
use crate::domain::ticket::{Template, TicketState};
use crate::i18n::{Catalogue, fill};

impl PageCtx {
    pub fn kind_label(&self, kind: &Kind) -> &'static str {
        let t = self.t;
        match kind {
            Kind::Image => t.kind_image,
            Kind::Service => t.kind_service,
            Kind::License => t.kind_license,
        }
    }

    pub fn billing_label(&self, billing: &Billing) -> &'static str {
        let t = self.t;
        match billing {
            Billing::Prepaid => t.billing_prepaid,
            Billing::Hourly => t.billing_hourly,
            Billing::OneTime => t.billing_onetime,
        }
    }

    pub fn revision_label(&self, state: &RevisionState) -> &'static str {
        let t = self.t;
        match state {
            RevisionState::Draft => t.revision_draft,
            RevisionState::Pending => t.revision_pending,
            RevisionState::Approved => t.revision_approved,
            RevisionState::Rejected => t.revision_rejected,
        }
    }

    pub fn listing_label(&self, listing: &Listing) -> &'static str {
        let t = self.t;
        match listing {
            Listing::Listed => t.listing_listed,
            Listing::Delisted => t.listing_delisted,
            Listing::Unlisted => t.listing_unlisted,
        }
    }

    pub fn category_label(&self, category: &str) -> &'static str {
        let t = self.t;
        match category {
            "os" => t.category_os,
            "database" => t.category_database,
            "devtools" => t.category_devtools,
            "security" => t.category_security,
            "ops" => t.category_ops,
            "website" => t.category_website,
            "ai" => t.category_ai,
            _ => t.category_other,
        }
    }

    /// `¥99/月 · ¥990/年`, `¥1.1/小时`, `¥500`.
    pub fn plan_price(&self, plan: &PlanRow) -> String {
        let t = self.t;
        let unit = self.unit_price(plan);
        match (plan.billing, plan.year_price_fen) {
            (Billing::Prepaid, Some(yearly)) => {
                format!("{unit} · {}{}", format_yuan(yearly), t.per_year)
            }
            _ => unit,
        }
    }

    /// A plan's price per its unit: ¥99/月, ¥1.1/小时, ¥500.
    fn unit_price(&self, plan: &PlanRow) -> String {
        let per = match plan.billing {
            Billing::Prepaid => self.t.per_month,
            Billing::Hourly => self.t.per_hour,
            Billing::OneTime => "",
        };
        format!("{}{per}", format_yuan(plan.price_fen))
    }

    /// The cheapest plan on a shop card: "¥99/月起" in Chinese, "from ¥99/month"
    /// in English (the monthly price only: a card has room for one figure).
    pub fn price_from(&self, plan: &PlanRow) -> String {
        fill(self.t.from_price, &[("price", &self.unit_price(plan))])
    }

    /// Money on statements and overviews, as finance reads it: ¥1,234.50,
    /// -¥50.00 (the order table keeps the seed's ¥99 / ¥54.62).
    pub fn money(&self, fen: &i64) -> String {
        format_money(*fen)
    }

    /// A plan in one line, for comparing revisions.
    pub fn plan_line(&self, plan: &PlanRow) -> String {
        format!(
            "{} · {} · {}",
            plan.name,
            self.billing_label(&plan.billing),
            self.plan_price(plan)
        )
    }

    /// How long ago, roughly: minutes, hours or days.
    pub fn age(&self, since: &Option<NaiveDateTime>, now: &NaiveDateTime) -> String {
        let Some(since) = since else {
            return "-".into();
        };
        self.duration(*now - *since)
    }

    /// A length of time in the largest unit that reads well.
    pub fn duration(&self, length: chrono::Duration) -> String {
        let minutes = length.num_minutes().max(0);
        let (template, n) = match minutes {
            0..=119 => (self.t.age_minutes, minutes),
            120..=2879 => (self.t.age_hours, minutes / 60),
            _ => (self.t.age_days, minutes / 1440),
        };
        fill(template, &[("n", &n.to_string())])
    }

    /// A number of days: "7 天", "1 day", "7 days".
    pub fn days(&self, n: &i32) -> String {
        let template = if *n == 1 {
            self.t.delivery_days_one
        } else {
            self.t.delivery_days_value
        };
        fill(template, &[("n", &n.to_string())])
    }

    pub fn age_since(&self, since: &NaiveDateTime, now: &NaiveDateTime) -> String {
        self.age(&Some(*since), now)
    }

    pub fn event_label<'a>(&self, action: &'a str) -> &'a str {
        let t = self.t;
        match action {
            "created" => t.event_created,
            "edited" => t.event_edited,
            "logo_uploaded" => t.event_logo_uploaded,
            "submitted" => t.event_submitted,
            "withdrawn" => t.event_withdrawn,
            "approved" => t.event_approved,
            "rejected" => t.event_rejected,
            "listed" => t.event_listed,
            "delisted" => t.event_delisted,
            "delist_requested" => t.event_delist_requested,
            "delist_declined" => t.event_delist_declined,
            unknown => unknown,
        }
    }

    /// An audit entry's action.
    pub fn audit_label<'a>(&self, action: &'a str) -> &'a str {
        let t = self.t;
        match action {
            "account.create" => t.action_account_create,
            "account.disable" => t.action_account_disable,
            "account.enable" => t.action_account_enable,
            "account.password_reset" => t.action_account_password_reset,
            "revision.approve" => t.action_revision_approve,
            "revision.reject" => t.action_revision_reject,
            "product.list" => t.action_product_list,
            "product.delist" => t.action_product_delist,
            "delist.carry_out" => t.action_delist_carry_out,
            "delist.decline" => t.action_delist_decline,
            "refund.grant" => t.action_refund_grant,
            "refund.decline" => t.action_refund_decline,
            "settlement.paid" => t.action_settlement_paid,
            "settlement.fee" => t.action_settlement_fee,
            unknown => unknown,
        }
    }

    /// An audit entry's note as shown: a granted refund keeps its amount in
    /// fen and a fee change its rate in basis points, shown here as yuan and
    /// percent (entries written before they were kept raw show as written).
    pub fn audit_note(&self, action: &str, note: &str) -> String {
        match (action, note.parse::<i64>()) {
            ("refund.grant", Ok(fen)) => crate::domain::money::format_yuan(fen),
            ("settlement.fee", Ok(bps)) => i32::try_from(bps).map_or_else(
                |_| note.to_string(),
                crate::domain::settlement::format_fee_percent,
            ),
            _ => note.to_string(),
        }
    }

    pub fn role_name(&self, role: &str) -> &'static str {
        let t = self.t;
        match role {
            "operator" => t.role_operator,
            "vendor" => t.role_vendor,
            "system" => t.role_system,
            _ => t.role_buyer,
        }
    }

    pub fn ticket_state(&self, state: &TicketState) -> &'static str {
        let t = self.t;
        match state {
            TicketState::AwaitingRequirement => t.ts_awaiting_requirement,
            TicketState::AwaitingConfirmation => t.ts_awaiting_confirmation,
            TicketState::Rejected => t.ts_rejected,
            TicketState::InService => t.ts_in_service,
            TicketState::AwaitingDelivery => t.ts_awaiting_delivery,
            TicketState::AwaitingAcceptance => t.ts_awaiting_acceptance,
            TicketState::Completed => t.ts_completed,
            TicketState::Closed => t.ts_closed,
        }
    }

    pub fn template_name(&self, template: &Template) -> &'static str {
        match template {
            Template::License => self.t.tpl_license,
            Template::Generic => self.t.tpl_generic,
        }
    }

    pub fn ticket_action<'a>(&self, action: &'a str) -> &'a str {
        let t = self.t;
        match action {
            "opened" => t.ta_opened,
            "submit_requirement" => t.ta_submit_requirement,
            "confirm" => t.ta_confirm,
            "reject" => t.ta_reject,
            "deliver" => t.ta_deliver,
            "accept" => t.ta_accept,
            "decline" => t.ta_decline,
            "close" => t.ta_close,
            "message" => t.ta_message,
            "overdue" => t.ta_overdue,
            unknown => unknown,
        }
    }

    /// A notification's text in the reader's language.
    pub fn line_kind(&self, kind: &LineKind) -> &'static str {
        let t = self.t;
        match kind {
            LineKind::ImagePurchase => t.line_image_purchase,
            LineKind::Renewal => t.line_renewal,
            LineKind::Hourly => t.line_hourly,
            LineKind::Service => t.line_service,
            LineKind::License => t.line_license,
            LineKind::Deduction => t.line_deduction,
            LineKind::Excluded => t.line_excluded,
            LineKind::Pending => t.line_pending,
        }
    }

    /// What a statement line says beyond its kind: why it is excluded or
    /// pending, which refund a deduction is, what was netted before billing.
    pub fn line_note(&self, shown: &ShownLine) -> String {
        let t = self.t;
        let refund = shown.refund_order_no.as_deref().unwrap_or("-");
        let line = &shown.line;
        // A line not billed (yet) says what went back, next to what was paid.
        let with_refunded = |note: String| {
            if line.refunded_fen > 0 {
                let refunded = fill(
                    t.note_refunded_so_far,
                    &[("amount", &format_yuan(line.refunded_fen))],
                );
                format!("{note} · {refunded}")
            } else {
                note
            }
        };
        match line.note {
            LineNote::FiveDayRefundOrder => with_refunded(t.note_five_day_refund.into()),
            LineNote::RefundedWithinFiveDays => {
                with_refunded(t.note_refunded_within_five_days.into())
            }
            LineNote::Reorder => fill(t.note_reorder, &[("refund", refund)]),
            LineNote::TicketOpen => with_refunded(t.note_ticket_open.into()),
            LineNote::RefundWindowOpen => with_refunded(fill(
                t.note_refund_window_open,
                &[("at", &crate::domain::time::format_china(line.at))],
            )),
            LineNote::None if line.kind == LineKind::Deduction => {
                fill(t.note_deduction, &[("refund", refund)])
            }
            LineNote::None if line.refunded_fen > 0 => fill(
                t.note_refunded_before,
                &[("amount", &format_yuan(line.refunded_fen))],
            ),
            LineNote::None => String::new(),
        }
    }

    /// Said under a group whose other lines only the CSV has.
    pub fn more_in_csv(&self, count: usize) -> String {
        fill(self.t.lines_more_in_csv, &[("count", &count.to_string())])
    }

    pub fn statement_state(&self, state: &str) -> &'static str {
        match state {
            "paid" => self.t.statement_paid,
            "carried" => self.t.statement_carried,
            "nothing" => self.t.statement_nothing_due,
            _ => self.t.statement_ready,
        }
    }

    pub fn fee_percent(&self, bps: &i32) -> String {
        crate::domain::settlement::format_fee_percent(*bps)
    }

    pub fn notice_text(&self, kind: &str, subject: &str) -> String {
        let template = notice_template(self.t, kind).unwrap_or("{subject}");
        fill(template, &[("subject", subject)])
    }
}

/// The message beside a refused product-form field.
pub fn field_problem(t: &Catalogue, problem: FieldProblem) -> String {
    match problem {
        FieldProblem::Required => t.err_required.into(),
        FieldProblem::TooLong(max) => fill(t.err_too_long, &[("max", &max.to_string())]),
        FieldProblem::UnknownKind => t.err_unknown_kind.into(),
        FieldProblem::UnknownCategory => t.err_unknown_category.into(),
        FieldProblem::BadImageId => t.err_bad_image_id.into(),
        FieldProblem::BadDeliveryDays => t.err_bad_delivery_days.into(),
        FieldProblem::NoPlan => t.err_no_plan.into(),
        FieldProblem::TooManyPlans => t.err_too_many_plans.into(),
        FieldProblem::UnknownBilling => t.err_unknown_billing.into(),
        FieldProblem::BillingNotAllowed => t.err_billing_not_allowed.into(),
        FieldProblem::Price(PriceError::Malformed) => t.err_price_malformed.into(),
        FieldProblem::Price(PriceError::NotPositive) => t.err_price_not_positive.into(),
        FieldProblem::Price(PriceError::TooPrecise) => t.err_price_too_precise.into(),
        FieldProblem::Price(PriceError::TooLarge) => t.err_price_too_large.into(),
        FieldProblem::YearPriceOnlyPrepaid => t.err_year_price_only_prepaid.into(),
        FieldProblem::KindChanged => t.err_kind_changed.into(),
    }
}

/// The message for a refused reason field.
pub fn reason_problem(t: &Catalogue, problem: FieldProblem) -> String {
    match problem {
        FieldProblem::TooLong(_) => t.err_reason_too_long.into(),
        _ => t.err_reason_required.into(),
    }
}

fn sides(t: &Catalogue, sides: &[Side]) -> String {
    let names: Vec<&str> = sides
        .iter()
        .map(|side| match side {
            Side::Top => t.side_top,
            Side::Bottom => t.side_bottom,
            Side::Left => t.side_left,
            Side::Right => t.side_right,
        })
        .collect();
    names.join("/")
}

fn hex_colour(colour: &[u8; 3]) -> String {
    format!("#{:02X}{:02X}{:02X}", colour[0], colour[1], colour[2])
}

/// A broken logo rule in the page's language, with what was measured.
pub fn logo_problem(t: &Catalogue, problem: &LogoProblem) -> String {
    let n = |v: u32| v.to_string();
    match problem {
        LogoProblem::FileTooLarge { bytes } => fill(
            t.logo_file_too_large,
            &[
                ("size", &format!("{:.2} MiB", *bytes as f64 / 1_048_576.0)),
                ("bytes", &bytes.to_string()),
            ],
        ),
        LogoProblem::NotAnImage => t.err_logo_not_image.into(),
        LogoProblem::UnsupportedFormat { format } => {
            fill(t.logo_unsupported_format, &[("format", format)])
        }
        LogoProblem::Unreadable => t.err_logo_unreadable.into(),
        LogoProblem::DimensionsTooLarge { width, height } => fill(
            t.logo_dimensions_too_large,
            &[
                ("width", &n(*width)),
                ("height", &n(*height)),
                ("max", &n(crate::domain::logo::MAX_AUTOFIT_SIDE)),
            ],
        ),
        LogoProblem::WrongSize { width, height } => fill(
            t.logo_wrong_size,
            &[("width", &n(*width)), ("height", &n(*height))],
        ),
        LogoProblem::FrameTransparent {
            sides: found,
            example,
        } => fill(
            t.logo_frame_transparent,
            &[
                ("sides", &sides(t, found)),
                ("x", &n(example.0)),
                ("y", &n(example.1)),
            ],
        ),
        LogoProblem::FrameNotWhite {
            sides: found,
            example,
            colour,
        } => fill(
            t.logo_frame_not_white,
            &[
                ("sides", &sides(t, found)),
                ("x", &n(example.0)),
                ("y", &n(example.1)),
                ("colour", &hex_colour(colour)),
            ],
        ),
        LogoProblem::FrameTinted { mean_colour } => {
            fill(t.logo_frame_tinted, &[("colour", &hex_colour(mean_colour))])
        }
        LogoProblem::ReachesIntoFrame { extent } => fill(
            t.logo_reaches_frame,
            &[
                ("left", &n(extent.left)),
                ("right", &n(extent.right)),
                ("top", &n(extent.top)),
                ("bottom", &n(extent.bottom)),
            ],
        ),
        LogoProblem::Empty => t.logo_empty.into(),
    }
}

pub fn logo_warning(t: &Catalogue, warning: &LogoWarning) -> String {
    match warning {
        LogoWarning::SmallLogo { width, height } => fill(
            t.logo_small_warning,
            &[
                ("width", &width.to_string()),
                ("height", &height.to_string()),
            ],
        ),
    }
}

/// One of the seed's seven refund reasons.
pub fn refund_reason(t: &Catalogue, reason: crate::domain::refund::RefundReason) -> &'static str {
    use crate::domain::refund::RefundReason as R;
    match reason {
        R::NotServedOnTime => t.refund_reason_late,
        R::NotAsDescribed => t.refund_reason_not_as_described,
        R::CannotDeliver => t.refund_reason_cannot_deliver,
        R::VendorClosed => t.refund_reason_vendor_closed,
        R::VendorUnreachable => t.refund_reason_vendor_unreachable,
        R::BuyerEndsUnstarted => t.refund_reason_buyer_ends,
        R::Other => t.refund_reason_other,
    }
}

/// The words of a notice kind (`domain::notice` names the kinds).
fn notice_template(t: &Catalogue, kind: &str) -> Option<&'static str> {
    match kind {
        "revision.submitted" => Some(t.notice_revision_submitted),
        "revision.approved" => Some(t.notice_revision_approved),
        "revision.rejected" => Some(t.notice_revision_rejected),
        "product.listed" => Some(t.notice_product_listed),
        "product.delisted" => Some(t.notice_product_delisted),
        "delist.requested" => Some(t.notice_delist_requested),
        "delist.done" => Some(t.notice_delist_done),
        "delist.declined" => Some(t.notice_delist_declined),
        "order.new" => Some(t.notice_order_new),
        "order.new_license" => Some(t.notice_order_new_license),
        "order.renewed" => Some(t.notice_order_renewed),
        "refund.done" => Some(t.notice_refund_done),
        "refund.vendor" => Some(t.notice_refund_vendor),
        "refund.requested" => Some(t.notice_refund_requested),
        "refund.declined" => Some(t.notice_refund_declined),
        "ticket.requirement_needed" => Some(t.notice_ticket_requirement_needed),
        "ticket.submit_requirement" => Some(t.notice_ticket_submit_requirement),
        "ticket.confirm" => Some(t.notice_ticket_confirm),
        "ticket.reject" => Some(t.notice_ticket_reject),
        "ticket.deliver" => Some(t.notice_ticket_deliver),
        "ticket.accept" => Some(t.notice_ticket_accept),
        "ticket.decline" => Some(t.notice_ticket_decline),
        "ticket.close" => Some(t.notice_ticket_close),
        "settlement.ready" => Some(t.notice_settlement_ready),
        "settlement.paid" => Some(t.notice_settlement_paid),
        "order.billing_stopped" => Some(t.notice_order_billing_stopped),
        "refund.requested_vendor" => Some(t.notice_refund_requested_vendor),
        "refund.vendor_position" => Some(t.notice_refund_vendor_position),
        "refund.declined_vendor" => Some(t.notice_refund_declined_vendor),
        "ticket.message" => Some(t.notice_ticket_message),
        "ticket.overdue" => Some(t.notice_ticket_overdue),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::notice::Event;
    use crate::i18n::Lang;

    #[test]
    fn every_notice_of_the_table_has_its_words_in_both_languages() {
        for lang in [Lang::Zh, Lang::En] {
            let t = lang.catalogue();
            for event in Event::ALL {
                for (_, kind) in event.audience() {
                    let words = notice_template(t, kind);
                    assert!(
                        words.is_some_and(|w| w.contains("{subject}")),
                        "{event:?}: {kind} in {lang:?}"
                    );
                }
            }
        }
    }
}
