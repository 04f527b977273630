//! `bare-page DB VENDOR_ID [BIND]`: serves `GET /` with the vendor's 50
//! newest orders from the benchmark's SQLite database as an HTML table. What
//! the same stack costs with nothing else on the request path; bench/bare.sh
//! compares it with yunshi's own order list in one run.

use actix_web::{App, HttpResponse, HttpServer, web};
use askama::Template;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::r2d2::{ConnectionManager, Pool};

diesel::table! {
    orders (id) {
        id -> BigInt,
        order_no -> Text,
        vendor_id -> BigInt,
        product_name -> Text,
        buyer_uin -> BigInt,
        status -> Text,
        amount_fen -> BigInt,
        created_at -> Timestamp,
    }
}

#[derive(Queryable)]
struct Order {
    order_no: String,
    product_name: String,
    buyer_uin: i64,
    status: String,
    amount_fen: i64,
    created_at: NaiveDateTime,
}

#[derive(Template)]
#[template(path = "orders.html")]
struct OrdersPage {
    orders: Vec<Order>,
}

type Sqlite = Pool<ConnectionManager<SqliteConnection>>;

async fn page(pool: web::Data<Sqlite>, vendor: web::Data<i64>) -> HttpResponse {
    let vendor_id = **vendor;
    let rows = web::block(move || {
        let mut conn = pool.get().map_err(|e| e.to_string())?;
        orders::table
            .filter(orders::vendor_id.eq(vendor_id))
            .order((orders::created_at.desc(), orders::id.desc()))
            .limit(50)
            .select((
                orders::order_no,
                orders::product_name,
                orders::buyer_uin,
                orders::status,
                orders::amount_fen,
                orders::created_at,
            ))
            .load::<Order>(&mut conn)
            .map_err(|e| e.to_string())
    })
    .await;
    match rows {
        Ok(Ok(orders)) => match (OrdersPage { orders }).render() {
            Ok(html) => HttpResponse::Ok()
                .content_type("text/html; charset=utf-8")
                .body(html),
            Err(e) => HttpResponse::InternalServerError().body(e.to_string()),
        },
        Ok(Err(e)) => HttpResponse::InternalServerError().body(e),
        Err(e) => HttpResponse::InternalServerError().body(e.to_string()),
    }
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let (Some(db), Some(vendor)) = (args.next(), args.next()) else {
        eprintln!("usage: bare-page DB VENDOR_ID [BIND]");
        std::process::exit(2);
    };
    let vendor: i64 = vendor.parse().expect("VENDOR_ID is a number");
    let bind = args.next().unwrap_or_else(|| "127.0.0.1:8099".into());
    let pool = Pool::builder()
        .max_size(8)
        .build(ConnectionManager::<SqliteConnection>::new(db))
        .expect("open the database");
    HttpServer::new(move || {
        App::new()
            .app_data(web::Data::new(pool.clone()))
            .app_data(web::Data::new(vendor))
            .route("/", web::get().to(page))
    })
    .bind(bind)?
    .run()
    .await
}
