//! Where a notification leads: the one place that turns what a notice is
//! about into a page address, when it is opened, for the reader's role.

use crate::domain::account::Role;
use crate::domain::notice::Subject;

/// The page a notice about `subject` opens for a reader of `role`.
pub fn notice_link(role: Role, subject: &Subject) -> String {
    use Role::*;
    match (subject, role) {
        (Subject::Revision { revision_id, .. }, Operator) => {
            format!("/admin/reviews/{revision_id}")
        }
        (Subject::DelistRequest { .. }, Operator) => "/admin/delist-requests".to_string(),
        (Subject::Product { product_id }, Operator) => format!("/admin/products/{product_id}"),
        (
            Subject::Revision { product_id, .. }
            | Subject::Product { product_id }
            | Subject::DelistRequest { product_id },
            _,
        ) => format!("/vendor/products/{product_id}"),
        (Subject::Order { order_no }, Buyer) => format!("/me/orders/{order_no}"),
        (Subject::Order { order_no }, Operator) => format!("/admin/orders/{order_no}"),
        (Subject::Order { order_no }, Vendor) => format!("/vendor/orders/{order_no}"),
        (Subject::Refund { order_no, .. }, Buyer) => format!("/me/orders/{order_no}"),
        (Subject::Refund { request_id, .. }, Operator) => {
            format!("/admin/refunds#request-{request_id}")
        }
        (Subject::Refund { request_id, .. }, Vendor) => {
            format!("/vendor/refunds#request-{request_id}")
        }
        (Subject::Ticket { ticket_id }, Buyer) => format!("/me/services/{ticket_id}"),
        (Subject::Ticket { ticket_id }, Operator) => format!("/admin/supervision/{ticket_id}"),
        (Subject::Ticket { ticket_id }, Vendor) => format!("/vendor/supervision/{ticket_id}"),
        (Subject::Statement { month }, Operator) => format!("/admin/settlements?month={month}"),
        (Subject::Statement { month }, _) => format!("/vendor/settlements/{month}"),
        (Subject::Account { .. }, Operator) => "/admin/accounts".to_string(),
        (Subject::Account { .. }, _) => "/".to_string(),
    }
}

/// Where opening a stored notice goes. Notices written before subjects
/// were kept hold their address as `page:/…` (see the migration
/// `notification_subjects`); anything unreadable opens the list.
pub fn notice_target(role: Role, about: &str) -> String {
    if let Some(address) = about.strip_prefix("page:") {
        return address.to_string();
    }
    Subject::parse(about).map_or_else(
        || "/notifications".to_string(),
        |subject| notice_link(role, &subject),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::notice::every_subject;

    #[test]
    fn each_reader_is_sent_to_a_page_of_its_own_role() {
        for subject in every_subject() {
            let buyer_sees = matches!(
                subject,
                Subject::Order { .. } | Subject::Refund { .. } | Subject::Ticket { .. }
            );
            if buyer_sees {
                assert!(notice_link(Role::Buyer, &subject).starts_with("/me/"));
            }
            if !matches!(subject, Subject::Account { .. }) {
                assert!(notice_link(Role::Vendor, &subject).starts_with("/vendor/"));
            }
            assert!(notice_link(Role::Operator, &subject).starts_with("/admin/"));
        }
    }

    #[test]
    fn stored_notices_open_their_page() {
        assert_eq!(notice_target(Role::Buyer, "ticket:4"), "/me/services/4");
        assert_eq!(notice_target(Role::Vendor, "page:/vendor"), "/vendor");
        assert_eq!(notice_target(Role::Vendor, "nonsense"), "/notifications");
    }
}
