//! `yunshi seed`: deterministic bulk data of every order type and billing mode.

mod common;

use common::spawn_app;
use diesel::prelude::*;
use yunshi::db::schema::orders;

fn fixed_now() -> chrono::NaiveDateTime {
    chrono::NaiveDate::from_ymd_opt(2026, 11, 30)
        .unwrap()
        .and_hms_opt(4, 0, 0)
        .unwrap()
}

#[actix_web::test]
async fn seeding_is_deterministic_and_covers_every_type_and_mode() {
    let first = spawn_app().await;
    let second = spawn_app().await;
    let report = yunshi::seed::seed(&mut first.conn(), 3000, 7, fixed_now()).unwrap();
    assert_eq!(
        (report.vendors, report.products, report.orders),
        (20, 100, 3000)
    );
    yunshi::seed::seed(&mut second.conn(), 3000, 7, fixed_now()).unwrap();
    let numbers = |app: &common::TestApp| -> Vec<String> {
        orders::table
            .order(orders::id.asc())
            .select(orders::order_no)
            .load(&mut app.conn())
            .unwrap()
    };
    let (a, b) = (numbers(&first), numbers(&second));
    assert_eq!(a.len(), 3000);
    assert_eq!(a, b, "the same seed gives the same orders");
    for (column, values) in [
        ("order_type", vec!["purchase", "renew", "refund"]),
        ("billing", vec!["prepaid", "hourly", "onetime"]),
        ("status", vec!["paid", "refunded"]),
    ] {
        for value in values {
            let count: i64 = match column {
                "order_type" => orders::table
                    .filter(orders::order_type.eq(value))
                    .count()
                    .get_result(&mut first.conn()),
                "billing" => orders::table
                    .filter(orders::billing.eq(value))
                    .count()
                    .get_result(&mut first.conn()),
                _ => orders::table
                    .filter(orders::status.eq(value))
                    .count()
                    .get_result(&mut first.conn()),
            }
            .unwrap();
            assert!(count > 0, "no {column} = {value}");
        }
    }
    // A second seed into the same database is refused rather than doubling it.
    assert!(yunshi::seed::seed(&mut first.conn(), 10, 7, fixed_now()).is_err());
    // The seeded vendor can sign in and see its orders.
    let vendor = first.signed_in("bulkvendor00").await;
    let list = vendor.get("/vendor/orders").await;
    list.assert_contains("MARKET_");
    // The seed's rows bypass the store: the tallies it writes for them
    // agree with the orders counted one by one (a filter that matches
    // every order is counted, not read from the tallies).
    let counted = vendor.get("/vendor/orders?from=2000-01-01").await;
    assert_eq!(list.list_summary(), counted.list_summary());
    let operator = first.signed_in("operator").await;
    let market = operator.get("/admin/orders").await;
    let market_counted = operator.get("/admin/orders?from=2000-01-01").await;
    assert_eq!(market.list_summary(), market_counted.list_summary());
    assert!(market.list_summary().contains("共 3000 笔订单"));
}
