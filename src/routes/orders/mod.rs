//! Orders: buying and renewing (buyers), the order lists with search, filters,
//! keyset pages and CSV (vendors and operators), and the order pages.

mod checkout;
mod csv;
mod detail;
mod list;
mod query;

pub use checkout::{
    CheckoutQuery, PayForm, RenewQuery, checkout, place_order, renew, renew_checkout, shop_product,
};
pub use csv::{admin_orders_csv, vendor_orders_csv};
pub use detail::{
    MyOrdersQuery, OrderView, admin_order, my_order, my_orders, order_page, vendor_order,
};
pub use list::{admin_orders, vendor_orders};
pub use query::OrderQuery;
