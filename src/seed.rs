//! `yunshi seed --orders N --seed S`: a deterministic marketplace for
//! benchmarks: vendors with listed products of every kind, buyers, and N
//! orders of every type and billing mode spread over the last 24 months.

use chrono::{Duration, NaiveDateTime};

use crate::auth::password;
use crate::db::bulk::{self, AccountRow, OrderRow, TicketRow};
use crate::db::products::{self as product_store, Actor, NewLogo};
use crate::db::{DbConn, accounts, write_transaction};
use crate::domain::order::{OrderStatus, OrderType, order_number};
use crate::domain::product::{Billing, Category, Kind, Plan, ProductContent};
use crate::domain::refund::{RefundKind, five_day_deadline};
use crate::domain::ticket::{Template, TicketState};
use crate::startup::DEMO_PASSWORD;

/// SplitMix64: tiny, fast and the same on every machine for a given seed.
pub struct SeedRng(u64);

impl SeedRng {
    pub fn new(seed: u64) -> SeedRng {
        SeedRng(seed)
    }

    pub fn draw(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.draw() % n.max(1)
    }
}

pub const VENDORS: usize = 20;
pub const BUYERS: usize = 5000;
const PRODUCTS_PER_VENDOR: usize = 5;
const ORDERS_PER_BATCH: usize = 10_000;

/// What a seeded product sells, for writing its orders.
struct SeededProduct {
    id: i64,
    vendor_id: i64,
    kind: Kind,
    name: String,
    plans: Vec<Plan>,
}

/// What the seeder did.
pub struct SeedReport {
    pub vendors: usize,
    pub buyers: usize,
    pub products: usize,
    pub orders: usize,
}

fn logo_png(shade: u8) -> Vec<u8> {
    let image = image::RgbImage::from_fn(240, 240, |x, y| {
        if (56..184).contains(&x) && (56..184).contains(&y) {
            image::Rgb([shade, 90, 200])
        } else {
            image::Rgb([255, 255, 255])
        }
    });
    let mut out = std::io::Cursor::new(Vec::new());
    // Encoding an in-memory RGB image to PNG cannot fail.
    let _ = image.write_to(&mut out, image::ImageFormat::Png);
    out.into_inner()
}

fn product_content(kind: Kind, vendor: usize, index: usize) -> ProductContent {
    let name = match kind {
        Kind::Image => format!("镜像 {vendor:02}-{index} Linux"),
        Kind::Service => format!("人工服务 {vendor:02}-{index} 网站搭建"),
        Kind::License => format!("License {vendor:02}-{index} 授权"),
    };
    let base = 1000 * (1 + (vendor as i64 * 7 + index as i64 * 13) % 20);
    let plans = match kind {
        Kind::Image => vec![
            Plan {
                billing: Billing::Prepaid,
                name: "标准版".into(),
                price_fen: base * 9 + 900,
                year_price_fen: Some(base * 90),
            },
            Plan {
                billing: Billing::Hourly,
                name: "按量".into(),
                price_fen: 110 + base / 100,
                year_price_fen: None,
            },
        ],
        Kind::Service => vec![Plan {
            billing: Billing::OneTime,
            name: "基础服务".into(),
            price_fen: base * 50,
            year_price_fen: None,
        }],
        Kind::License => vec![
            Plan {
                billing: Billing::OneTime,
                name: "永久授权".into(),
                price_fen: base * 30,
                year_price_fen: None,
            },
            Plan {
                billing: Billing::Prepaid,
                name: "订阅授权".into(),
                price_fen: base * 3,
                year_price_fen: None,
            },
        ],
    };
    ProductContent {
        kind,
        name,
        summary: "基准测试数据".into(),
        description: "由 yunshi seed 生成的商品。".into(),
        category: Category::Other,
        image_id: (kind == Kind::Image).then(|| format!("img-{vendor:04}{index:04}")),
        os: (kind == Kind::Image).then(|| "Linux".into()),
        arch: (kind == Kind::Image).then(|| "x86_64".into()),
        delivery_days: (kind == Kind::Service).then_some(7),
        license_term: (kind == Kind::License).then(|| "1 年".into()),
        delivery_method: (kind == Kind::License).then(|| "邮件".into()),
        plans,
    }
}

type SeedResult<T> = Result<T, String>;

fn text(error: impl std::fmt::Display) -> String {
    error.to_string()
}

/// Fills the database. Refuses one that already has orders, so a benchmark
/// database is exactly what the seed and count say.
/// Orders and their tickets, in one transaction.
fn write_batch(
    conn: &mut DbConn,
    orders: &[OrderRow],
    tickets: &[Option<TicketRow>],
) -> SeedResult<()> {
    let tickets: Vec<TicketRow> = tickets.iter().flatten().cloned().collect();
    write_transaction(conn, |conn| {
        bulk::insert_orders(conn, orders)?;
        bulk::insert_tickets(conn, &tickets)
    })
    .map_err(text)
}

/// A service or license purchase's ticket: most complete 3–10 days after the
/// order (if that is past), 3 % never do and stay pending in every statement.
fn ticket_for(order: &OrderRow, now: NaiveDateTime, rng: &mut SeedRng) -> Option<TicketRow> {
    let kind = order.product_kind;
    let template = Template::for_kind(kind)?;
    if order.order_type != OrderType::Purchase {
        return None;
    }
    let done = order.created_at + Duration::hours(72 + rng.below(7 * 24) as i64);
    let stuck = rng.below(100) < 3;
    let (state, since, completed_at) = if stuck || done > now {
        (template.start(), order.created_at, None)
    } else {
        (TicketState::Completed, done, Some(done))
    };
    Some(TicketRow {
        order_id: order.id,
        template,
        state,
        buyer_id: order.buyer_id,
        vendor_id: order.vendor_id,
        state_since: since,
        completed_at,
        created_at: order.created_at,
    })
}

pub fn seed(
    conn: &mut DbConn,
    order_count: usize,
    seed: u64,
    now: NaiveDateTime,
) -> SeedResult<SeedReport> {
    if bulk::max_order_id(conn).map_err(text)? > 0 {
        return Err("this database already has orders; seed an empty database".into());
    }
    bulk::bulk_load_mode(conn).map_err(text)?;
    let mut rng = SeedRng::new(seed);
    let hash = password::hash(DEMO_PASSWORD)?;
    let operator = match accounts::find_by_login(conn, "operator").map_err(text)? {
        Some(account) => account.id,
        None => {
            return Err(
                "run `yunshi serve` or `yunshi migrate` with demo accounts first (no operator)"
                    .into(),
            );
        }
    };
    // Accounts: user IDs from a range of their own, so they never collide.
    let mut rows = Vec::with_capacity(VENDORS + BUYERS);
    for v in 0..VENDORS {
        rows.push(AccountRow {
            uin: 2_100_000_000 + v as i64,
            login: format!("bulkvendor{v:02}"),
            display_name: format!("服务商 {v:02}"),
            role: "vendor".into(),
            password_hash: hash.clone(),
            created_at: now,
        });
    }
    for b in 0..BUYERS {
        rows.push(AccountRow {
            uin: 2_200_000_000 + b as i64,
            login: format!("bulkbuyer{b:04}"),
            display_name: format!("用户 {b:04}"),
            role: "buyer".into(),
            password_hash: hash.clone(),
            created_at: now,
        });
    }
    write_transaction(conn, |conn| bulk::insert_accounts(conn, &rows)).map_err(text)?;
    let vendor_ids: Vec<i64> = (0..VENDORS)
        .map(|v| {
            accounts::find_by_login(conn, &format!("bulkvendor{v:02}"))
                .map(|a| a.map(|a| a.id).unwrap_or(0))
        })
        .collect::<Result<_, _>>()
        .map_err(text)?;
    let buyers: Vec<(i64, i64)> = {
        let first = accounts::find_by_login(conn, "bulkbuyer0000")
            .map_err(text)?
            .ok_or("buyers missing")?;
        // Inserted in one statement order: consecutive ids.
        (0..BUYERS as i64)
            .map(|b| (first.id + b, 2_200_000_000 + b))
            .collect()
    };

    let mut products = Vec::new();
    let operator = Actor { id: operator };
    for (v, vendor_id) in vendor_ids.iter().enumerate() {
        let vendor = Actor { id: *vendor_id };
        let png = logo_png((v * 11) as u8);
        let sha: String =
            sha2::Digest::finalize(sha2::Digest::chain_update(sha2::Sha256::default(), &png))
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
        for index in 0..PRODUCTS_PER_VENDOR {
            let kind = match index {
                0..=2 => Kind::Image,
                3 => Kind::Service,
                _ => Kind::License,
            };
            let content = product_content(kind, v, index);
            let id = product_store::create(conn, vendor, &content, now).map_err(text)?;
            let logo = NewLogo {
                sha256: &sha,
                content_type: "image/png",
                width: 240,
                height: 240,
                bytes: &png,
            };
            product_store::attach_logo(conn, vendor, id, &logo, now).map_err(text)?;
            product_store::submit(conn, vendor, id, now).map_err(text)?;
            let revision = product_store::open_revision(conn, id)
                .map_err(text)?
                .ok_or("no revision")?;
            product_store::approve(conn, operator, revision.id, now).map_err(text)?;
            product_store::list(conn, operator, id, now).map_err(text)?;
            products.push(SeededProduct {
                id,
                vendor_id: *vendor_id,
                kind,
                name: content.name,
                plans: content.plans,
            });
        }
    }

    // Orders, oldest first, evenly over 24 months with jitter.
    let span_seconds = 730 * 24 * 3600_i64;
    let start = now - Duration::seconds(span_seconds);
    let step = span_seconds as f64 / order_count.max(1) as f64;
    let first_id = bulk::max_order_id(conn).map_err(text)? + 1;
    let mut batch: Vec<OrderRow> = Vec::with_capacity(ORDERS_PER_BATCH);
    // The batch's service and license tickets, by index in the batch.
    let mut tickets: Vec<Option<TicketRow>> = Vec::with_capacity(ORDERS_PER_BATCH);
    // Recent prepaid purchases in this batch: (index in batch), for renewals and refunds.
    let mut prepaid_in_batch: Vec<usize> = Vec::new();
    for i in 0..order_count {
        let next_id = first_id + i as i64;
        let created = start
            + Duration::milliseconds((i as f64 * step * 1000.0) as i64 + rng.below(1000) as i64);
        let roll = rng.below(100);
        let link_to = (!prepaid_in_batch.is_empty())
            .then(|| prepaid_in_batch[rng.below(prepaid_in_batch.len() as u64) as usize]);
        let digits = ((i as u64).wrapping_mul(1_000_003).wrapping_add(seed) % 1_000_000_000) as u32;
        let row = match (roll, link_to) {
            // 12 % renewals of an earlier prepaid purchase.
            (0..=11, Some(at)) => {
                let purchase = batch[at].clone();
                let months = [1, 3, 6, 12][rng.below(4) as usize];
                let kind = purchase.product_kind;
                OrderRow {
                    id: next_id,
                    order_no: order_number(kind, created.and_utc(), digits),
                    order_type: OrderType::Renew,
                    status: OrderStatus::Paid,
                    related_order_id: Some(purchase.id),
                    months: Some(months),
                    amount_fen: purchase.unit_price_fen * i64::from(months),
                    refunded_fen: 0,
                    created_at: created,
                    refund_kind: None,
                    ..purchase
                }
            }
            // 3 % refunds of an earlier prepaid purchase, in full.
            (12..=14, Some(at)) if batch[at].status == OrderStatus::Paid => {
                batch[at].status = OrderStatus::Refunded;
                batch[at].refunded_fen = batch[at].amount_fen;
                // Refunded in full before its service completed: the ticket closes.
                if let Some(ticket) = tickets[at].as_mut()
                    && ticket.completed_at.is_none_or(|done| done > created)
                {
                    ticket.state = TicketState::Closed;
                    ticket.state_since = created;
                    ticket.completed_at = None;
                }
                let purchase = batch[at].clone();
                let kind = purchase.product_kind;
                // An image purchase refunded within five days took the five-day
                // refund; anything else was negotiated.
                let five_day =
                    kind == Kind::Image && created <= five_day_deadline(purchase.created_at);
                let refund_kind = if five_day {
                    RefundKind::FiveDay
                } else {
                    RefundKind::Negotiated
                };
                OrderRow {
                    id: next_id,
                    order_no: order_number(kind, created.and_utc(), digits),
                    order_type: OrderType::Refund,
                    status: OrderStatus::Refunded,
                    related_order_id: Some(purchase.id),
                    months: None,
                    refunded_fen: 0,
                    created_at: created,
                    refund_kind: Some(refund_kind),
                    ..purchase
                }
            }
            _ => {
                // Popular products sell more: square the draw toward the front.
                let pick = rng.below(products.len() as u64);
                let product = &products[(pick * pick / products.len() as u64) as usize];
                let plan = &product.plans[rng.below(product.plans.len() as u64) as usize];
                let (buyer_id, buyer_uin) = buyers[rng.below(buyers.len() as u64) as usize];
                let months = (plan.billing == Billing::Prepaid)
                    .then(|| [1, 1, 1, 3, 6, 12][rng.below(6) as usize]);
                let amount_fen = match (plan.billing, months) {
                    (Billing::Prepaid, Some(12)) => {
                        plan.year_price_fen.unwrap_or(plan.price_fen * 12)
                    }
                    (Billing::Prepaid, Some(m)) => plan.price_fen * i64::from(m),
                    (Billing::Hourly, _) => 0,
                    _ => plan.price_fen,
                };
                if plan.billing == Billing::Prepaid {
                    prepaid_in_batch.push(batch.len());
                }
                OrderRow {
                    id: next_id,
                    order_no: order_number(product.kind, created.and_utc(), digits),
                    order_type: OrderType::Purchase,
                    status: OrderStatus::Paid,
                    product_id: product.id,
                    product_kind: product.kind,
                    product_name: product.name.clone(),
                    vendor_id: product.vendor_id,
                    buyer_id,
                    buyer_uin,
                    related_order_id: None,
                    plan_name: plan.name.clone(),
                    billing: plan.billing,
                    months,
                    unit_price_fen: plan.price_fen,
                    amount_fen,
                    refunded_fen: 0,
                    created_at: created,
                    refund_kind: None,
                }
            }
        };
        tickets.push(ticket_for(&row, now, &mut rng));
        batch.push(row);
        if batch.len() == ORDERS_PER_BATCH {
            write_batch(conn, &batch, &tickets)?;
            batch.clear();
            tickets.clear();
            prepaid_in_batch.clear();
        }
    }
    write_batch(conn, &batch, &tickets)?;
    bulk::resync_order_ids(conn).map_err(text)?;
    // The bulk rows bypass the store's steps: their ledger entries are
    // written here, from their history, as `yunshi ledger rebuild` would.
    crate::db::ledger::rebuild(conn, now).map_err(text)?;
    crate::db::tallies::rebuild(conn).map_err(text)?;
    bulk::analyze(conn).map_err(text)?;
    Ok(SeedReport {
        vendors: VENDORS,
        buyers: BUYERS,
        products: products.len(),
        orders: order_count,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generator_is_deterministic() {
        let mut a = SeedRng::new(7);
        let mut b = SeedRng::new(7);
        let first: Vec<u64> = (0..5).map(|_| a.draw()).collect();
        assert_eq!(first, (0..5).map(|_| b.draw()).collect::<Vec<_>>());
        assert_ne!(SeedRng::new(8).draw(), first[0]);
        assert!((0..1000).all(|_| a.below(10) < 10));
    }
}
