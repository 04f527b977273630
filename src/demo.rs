//! `serve --demo` on an empty database: a living demo marketplace, so that
//! the first ten minutes show what yunshi does. Everything is made through
//! the store functions the pages use (create, submit, approve, list, buy,
//! renew, refund, ticket steps, settle, pay) with `now` set in the past, so it
//! is valid by construction, and the same from one start to the next apart
//! from the random digits of order numbers and the day it starts on.

use chrono::{Duration, NaiveDateTime};

use crate::db::orders::{self, Order, PurchaseRequest};
use crate::db::products::{self, Actor, NewLogo};
use crate::db::refunds::{self, PositionInput};
use crate::db::settlements;
use crate::db::tickets::{self, Payload, TicketUser};
use crate::db::{DbConn, Pool, accounts};
use crate::domain::account::Role;
use crate::domain::logo;
use crate::domain::order::{Term, total_fen};
use crate::domain::product::{Billing, Category, Kind, Plan, ProductContent};
use crate::domain::refund::Decision;
use crate::domain::refund::{RefundReason, VendorPosition};
use crate::domain::settlement::Month;
use crate::domain::ticket::TicketAction;

type DemoResult<T> = Result<T, String>;

fn text(error: impl std::fmt::Debug) -> String {
    format!("{error:?}")
}

/// A logo that passes the rule: a rounded square in `colour` filling the
/// 168 × 168 box on white, with a white ring inside so that it reads as a mark.
pub fn logo_png(colour: [u8; 3]) -> Vec<u8> {
    let box_start = 36.0_f32;
    let box_end = 204.0_f32;
    let image = image::RgbImage::from_fn(240, 240, |x, y| {
        let (x, y) = (x as f32 + 0.5, y as f32 + 0.5);
        let inside = |radius: f32| {
            let cx = x.clamp(box_start + radius, box_end - radius);
            let cy = y.clamp(box_start + radius, box_end - radius);
            (x - cx).powi(2) + (y - cy).powi(2) <= radius * radius
        };
        let in_square = (box_start..box_end).contains(&x) && (box_start..box_end).contains(&y);
        let from_centre = ((x - 120.0).powi(2) + (y - 120.0).powi(2)).sqrt();
        let ring = (34.0..48.0).contains(&from_centre);
        if in_square && inside(28.0) && !ring {
            image::Rgb(colour)
        } else {
            image::Rgb([255, 255, 255])
        }
    });
    let mut out = std::io::Cursor::new(Vec::new());
    // Encoding an in-memory RGB image to PNG cannot fail.
    let _ = image.write_to(&mut out, image::ImageFormat::Png);
    out.into_inner()
}

/// Who is who in the demo.
struct Cast {
    operator: Actor,
    vendor1: Actor,
    vendor2: Actor,
    buyer1: (i64, i64),
    buyer2: (i64, i64),
}

fn account(conn: &mut DbConn, login: &str) -> DemoResult<(i64, i64)> {
    let found = accounts::find_by_login(conn, login).map_err(text)?;
    let account = found.ok_or_else(|| format!("demo account {login} is missing"))?;
    Ok((account.id, account.uin))
}

/// What one demo product sells.
struct Listing<'a> {
    kind: Kind,
    name: &'a str,
    summary: &'a str,
    description: &'a str,
    category: Category,
    plans: Vec<Plan>,
    colour: [u8; 3],
}

fn plan(billing: Billing, name: &str, price_fen: i64, year_price_fen: Option<i64>) -> Plan {
    Plan {
        billing,
        name: name.into(),
        price_fen,
        year_price_fen,
    }
}

fn content(listing: &Listing) -> ProductContent {
    let kind = listing.kind;
    ProductContent {
        kind,
        name: listing.name.into(),
        summary: listing.summary.into(),
        description: listing.description.into(),
        category: listing.category,
        image_id: (kind == Kind::Image).then(|| format!("img-{:08x}", listing.name.len() * 7919)),
        os: (kind == Kind::Image).then(|| "Linux".into()),
        arch: (kind == Kind::Image).then(|| "x86_64".into()),
        delivery_days: (kind == Kind::Service).then_some(7),
        license_term: (kind == Kind::License).then(|| "1 年".into()),
        delivery_method: (kind == Kind::License).then(|| "邮件发送授权文件".into()),
        plans: listing.plans.clone(),
    }
}

/// A product with its logo, made and (unless `stop_at` says otherwise)
/// submitted, approved and listed: its id and its live plan ids.
fn product(
    conn: &mut DbConn,
    cast: &Cast,
    vendor: Actor,
    listing: &Listing,
    stop_at: Stage,
    at: NaiveDateTime,
) -> DemoResult<(i64, Vec<i64>)> {
    let id = products::create(conn, vendor, &content(listing), at).map_err(text)?;
    let png = logo_png(listing.colour);
    // The logo is checked like an upload: the demo is valid by construction.
    logo::check_logo(&png).map_err(|problems| format!("demo logo refused: {problems:?}"))?;
    let sha = products::sha256_hex(&png);
    let logo = NewLogo::checked_png(&sha, &png);
    products::attach_logo(conn, vendor, id, &logo, at).map_err(text)?;
    if stop_at == Stage::Draft {
        return Ok((id, Vec::new()));
    }
    products::submit(conn, vendor, id, at + Duration::minutes(5)).map_err(text)?;
    if stop_at == Stage::InReview {
        return Ok((id, Vec::new()));
    }
    let revision = products::open_revision(conn, id)
        .map_err(text)?
        .ok_or("no revision to approve")?;
    products::approve(conn, cast.operator, revision.id, at + Duration::hours(2)).map_err(text)?;
    products::list(conn, cast.operator, id, at + Duration::hours(2)).map_err(text)?;
    let plans = products::plans_of(conn, revision.id).map_err(text)?;
    Ok((id, plans.iter().map(|p| p.id).collect()))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Draft,
    InReview,
    Listed,
}

/// A purchase through the checkout's own store call.
fn buy(
    conn: &mut DbConn,
    buyer: (i64, i64),
    product_id: i64,
    plan_id: i64,
    term: Option<Term>,
    at: NaiveDateTime,
) -> DemoResult<Order> {
    let (_, _, plan) = orders::buyable_plan(conn, product_id, plan_id).map_err(text)?;
    let total = total_fen(plan.billing, plan.price_fen, plan.year_price_fen, term).map_err(text)?;
    let request = PurchaseRequest {
        checkout_key: orders::new_checkout_key(),
        buyer_id: buyer.0,
        buyer_uin: buyer.1,
        product_id,
        plan_id,
        term,
        seen_total_fen: total,
        now: at,
    };
    orders::purchase(conn, &request).map_err(text)
}

/// Moves an order's ticket by the given steps, each a day apart from `at`.
fn ticket_steps(
    conn: &mut DbConn,
    order: &Order,
    steps: &[TicketAction],
    at: NaiveDateTime,
) -> DemoResult<()> {
    let ticket = tickets::for_order(conn, order.id)
        .map_err(text)?
        .ok_or("a demo service order without its ticket")?;
    for (day, action) in steps.iter().enumerate() {
        let when = at + Duration::days(day as i64) + Duration::hours(3);
        let (id, role) = match action {
            TicketAction::SubmitRequirement | TicketAction::Accept | TicketAction::Decline => {
                (order.buyer_id, Role::Buyer)
            }
            _ => (order.vendor_id, Role::Vendor),
        };
        let payload = match action {
            TicketAction::SubmitRequirement => Payload {
                requirement: Some(
                    "企业官网：首页、产品介绍、新闻、联系我们四个栏目，需适配手机。".into(),
                ),
                contact: Some("张经理 13800000000".into()),
                ..Payload::default()
            },
            TicketAction::Deliver => Payload {
                delivery: Some("已交付：访问地址与管理后台账号已发至联系人邮箱。".into()),
                ..Payload::default()
            },
            TicketAction::Reject => Payload {
                note: "请补充各栏目的文字与图片素材。".into(),
                ..Payload::default()
            },
            TicketAction::Decline => Payload {
                note: "联系我们页面缺少地图。".into(),
                ..Payload::default()
            },
            _ => Payload::default(),
        };
        tickets::apply(
            conn,
            ticket.id,
            TicketUser { id, role },
            *action,
            &payload,
            when,
        )
        .map_err(text)?;
    }
    Ok(())
}

/// Fills an empty database (the demo accounts just made) with the demo
/// marketplace as of `now`. Refuses a database that already has products.
pub fn seed_marketplace(pool: &Pool, now: NaiveDateTime) -> DemoResult<()> {
    let mut conn = pool.get().map_err(text)?;
    let conn = &mut conn;
    if products::count_products(conn, &Default::default()).map_err(text)? > 0 {
        return Ok(());
    }
    let day = |days: i64| now - Duration::days(days);
    let cast = Cast {
        operator: Actor {
            id: account(conn, "operator")?.0,
        },
        vendor1: Actor {
            id: account(conn, "vendor1")?.0,
        },
        vendor2: Actor {
            id: account(conn, "vendor2")?.0,
        },
        buyer1: account(conn, "buyer1")?,
        buyer2: account(conn, "buyer2")?,
    };
    use TicketAction::*;
    // The platform's fee: 5 % of 青云科技's sales, 3 % of 蓝鲸软件's.
    settlements::set_fee(conn, cast.operator.id, cast.vendor1.id, 500, day(121)).map_err(text)?;
    settlements::set_fee(conn, cast.operator.id, cast.vendor2.id, 300, day(121)).map_err(text)?;

    // 青云科技's shelf: every kind and every billing mode.
    let (centos, centos_plans) = product(
        conn,
        &cast,
        cast.vendor1,
        &Listing {
            kind: Kind::Image,
            name: "CentOS 7.9 云镜像",
            summary: "预装常用运维工具，已做安全加固的 CentOS 7.9",
            description: "基于官方 CentOS 7.9 构建，预装 Docker、监控代理与常用运维工具，\n关闭不必要的服务，开箱即用。",
            category: Category::OperatingSystem,
            plans: vec![
                plan(Billing::Prepaid, "标准版", 9900, Some(99000)),
                plan(Billing::Hourly, "按量", 110, None),
            ],
            colour: [22, 100, 255],
        },
        Stage::Listed,
        day(120),
    )?;
    let (ubuntu, ubuntu_plans) = product(
        conn,
        &cast,
        cast.vendor1,
        &Listing {
            kind: Kind::Image,
            name: "Ubuntu 22.04 LTS",
            summary: "长期支持版 Ubuntu，适合开发与生产",
            description: "Ubuntu 22.04 LTS 官方镜像，含安全更新源配置。",
            category: Category::OperatingSystem,
            plans: vec![plan(Billing::Prepaid, "标准版", 5462, None)],
            colour: [233, 84, 32],
        },
        Stage::Listed,
        day(118),
    )?;
    let (website, website_plans) = product(
        conn,
        &cast,
        cast.vendor1,
        &Listing {
            kind: Kind::Service,
            name: "企业官网搭建",
            summary: "七天交付的响应式企业官网",
            description: "按你的需求搭建企业官网：栏目规划、页面设计、内容录入与上线部署。",
            category: Category::Website,
            plans: vec![plan(Billing::OneTime, "基础版", 500_000, None)],
            colour: [46, 161, 33],
        },
        Stage::Listed,
        day(115),
    )?;
    let (waf, waf_plans) = product(
        conn,
        &cast,
        cast.vendor1,
        &Listing {
            kind: Kind::License,
            name: "Web 应用防火墙 License",
            summary: "拦截常见 Web 攻击的防火墙授权",
            description: "购买后服务商线下发送授权文件，导入即可启用全部防护规则。",
            category: Category::Security,
            plans: vec![plan(Billing::OneTime, "永久授权", 199_900, None)],
            colour: [114, 46, 209],
        },
        Stage::Listed,
        day(110),
    )?;
    product(
        conn,
        &cast,
        cast.vendor1,
        &Listing {
            kind: Kind::Image,
            name: "Nginx 负载均衡镜像",
            summary: "草稿：尚未提交审核",
            description: "预置 Nginx 负载均衡配置模板。",
            category: Category::Other,
            plans: vec![plan(Billing::Hourly, "按量", 90, None)],
            colour: [0, 150, 136],
        },
        Stage::Draft,
        day(2),
    )?;

    // 蓝鲸软件's shelf, with a first version waiting for review and a delist request.
    let (mysql, mysql_plans) = product(
        conn,
        &cast,
        cast.vendor2,
        &Listing {
            kind: Kind::Image,
            name: "MySQL 8.0 数据库镜像",
            summary: "调优过的 MySQL 8.0，含自动备份脚本",
            description: "MySQL 8.0 社区版，按内存大小调优参数，附每日备份脚本。",
            category: Category::Database,
            plans: vec![
                plan(Billing::Hourly, "按量", 250, None),
                plan(Billing::Prepaid, "包月", 19900, Some(199_000)),
            ],
            colour: [0, 117, 143],
        },
        Stage::Listed,
        day(100),
    )?;
    let (migration, migration_plans) = product(
        conn,
        &cast,
        cast.vendor2,
        &Listing {
            kind: Kind::Service,
            name: "数据库迁移服务",
            summary: "不停机迁移到云数据库",
            description: "评估、演练、割接三步完成数据库迁移，提供回退方案。",
            category: Category::Database,
            plans: vec![plan(Billing::OneTime, "标准迁移", 300_000, None)],
            colour: [250, 140, 22],
        },
        Stage::Listed,
        day(95),
    )?;
    let (bastion, bastion_plans) = product(
        conn,
        &cast,
        cast.vendor2,
        &Listing {
            kind: Kind::License,
            name: "堡垒机 License",
            summary: "运维审计堡垒机，按月订阅授权",
            description: "集中管理运维账号与操作审计。",
            category: Category::Security,
            plans: vec![plan(Billing::Prepaid, "订阅授权", 30000, None)],
            colour: [82, 82, 82],
        },
        Stage::Listed,
        day(90),
    )?;
    product(
        conn,
        &cast,
        cast.vendor2,
        &Listing {
            kind: Kind::Image,
            name: "Redis 7 缓存镜像",
            summary: "Redis 7，含持久化与哨兵配置",
            description: "Redis 7.2，预置 AOF 持久化与哨兵模式配置。",
            category: Category::Database,
            plans: vec![plan(Billing::Hourly, "按量", 80, None)],
            colour: [220, 56, 45],
        },
        Stage::InReview,
        day(1),
    )?;
    products::request_delist(
        conn,
        cast.vendor2,
        bastion,
        "产品线调整，该授权停止销售。",
        day(1),
    )
    .map_err(text)?;
    // An update of a listed product waiting for review: the price goes up.
    let mut edit = content(&Listing {
        kind: Kind::Image,
        name: "CentOS 7.9 云镜像",
        summary: "预装常用运维工具，已做安全加固的 CentOS 7.9",
        description: "基于官方 CentOS 7.9 构建，预装 Docker、监控代理与常用运维工具，\n关闭不必要的服务，开箱即用。新增漏洞自动修复。",
        category: Category::OperatingSystem,
        plans: vec![
            plan(Billing::Prepaid, "标准版", 10900, Some(109_000)),
            plan(Billing::Hourly, "按量", 120, None),
        ],
        colour: [22, 100, 255],
    });
    edit.image_id = Some("img-7f3a9c21".into());
    products::save_draft(
        conn,
        cast.vendor1,
        centos,
        &edit,
        day(0) - Duration::hours(5),
    )
    .map_err(text)?;
    products::submit(conn, cast.vendor1, centos, day(0) - Duration::hours(4)).map_err(text)?;

    // The seed's sample rows: a prepaid purchase (renewed), an hourly one
    // (stopped), and a five-day refund.
    let prepaid = buy(
        conn,
        cast.buyer1,
        centos,
        centos_plans[0],
        Some(Term::Months(3)),
        day(85),
    )?;
    let subscription = prepaid
        .subscription_id
        .ok_or("a prepaid order without subscription")?;
    orders::renew(
        conn,
        &orders::new_checkout_key(),
        cast.buyer1.0,
        subscription,
        Term::Months(1),
        9900,
        day(20),
    )
    .map_err(text)?;
    let hourly = buy(conn, cast.buyer1, centos, centos_plans[1], None, day(70))?;
    refunds::stop(conn, cast.buyer1.0, &hourly.order_no, day(40)).map_err(text)?;
    let refunded = buy(
        conn,
        cast.buyer1,
        ubuntu,
        ubuntu_plans[0],
        Some(Term::Months(1)),
        day(45),
    )?;
    refunds::five_day(conn, cast.buyer1.0, &refunded.order_no, day(44)).map_err(text)?;
    // Still inside its five days: the buyer can try the refund.
    buy(
        conn,
        cast.buyer2,
        ubuntu,
        ubuntu_plans[0],
        Some(Term::Months(1)),
        day(2),
    )?;
    // Running by the hour, and a year bought at once.
    buy(conn, cast.buyer2, mysql, mysql_plans[0], None, day(50))?;
    buy(
        conn,
        cast.buyer1,
        mysql,
        mysql_plans[1],
        Some(Term::Years(1)),
        day(75),
    )?;
    buy(
        conn,
        cast.buyer2,
        bastion,
        bastion_plans[0],
        Some(Term::Months(2)),
        day(60),
    )?;

    // Service tickets in each state.
    let done = buy(conn, cast.buyer1, website, website_plans[0], None, day(60))?;
    ticket_steps(
        conn,
        &done,
        &[
            SubmitRequirement,
            Confirm,
            Deliver,
            Decline,
            Deliver,
            Accept,
        ],
        day(59),
    )?;
    let late = buy(conn, cast.buyer2, website, website_plans[0], None, day(35))?;
    ticket_steps(conn, &late, &[SubmitRequirement, Confirm], day(34))?;
    let rejected = buy(
        conn,
        cast.buyer1,
        migration,
        migration_plans[0],
        None,
        day(12),
    )?;
    ticket_steps(conn, &rejected, &[SubmitRequirement, Reject], day(11))?;
    let to_confirm = buy(conn, cast.buyer2, website, website_plans[0], None, day(6))?;
    ticket_steps(conn, &to_confirm, &[SubmitRequirement], day(5))?;
    let to_accept = buy(
        conn,
        cast.buyer2,
        migration,
        migration_plans[0],
        None,
        day(40),
    )?;
    ticket_steps(
        conn,
        &to_accept,
        &[SubmitRequirement, Confirm, Deliver],
        day(39),
    )?;
    buy(conn, cast.buyer1, website, website_plans[0], None, day(1))?;
    // License tickets: to deliver, to accept, completed.
    buy(conn, cast.buyer2, waf, waf_plans[0], None, day(3))?;
    let delivered = buy(conn, cast.buyer1, waf, waf_plans[0], None, day(25))?;
    ticket_steps(conn, &delivered, &[Deliver], day(24))?;
    let licensed = buy(conn, cast.buyer2, waf, waf_plans[0], None, day(65))?;
    ticket_steps(conn, &licensed, &[Deliver, Accept], day(64))?;

    // Negotiated refunds: one waiting for the vendor, one the vendor answered,
    // one granted in part, one granted in full (its ticket closes).
    let unhappy = buy(
        conn,
        cast.buyer1,
        mysql,
        mysql_plans[1],
        Some(Term::Months(1)),
        day(20),
    )?;
    refunds::request(
        conn,
        cast.buyer1.0,
        &unhappy.order_no,
        RefundReason::CannotDeliver,
        "镜像启动后数据库无法连接，服务商未能解决。",
        day(8),
    )
    .map_err(text)?;
    let answered = buy(
        conn,
        cast.buyer2,
        migration,
        migration_plans[0],
        None,
        day(30),
    )?;
    ticket_steps(conn, &answered, &[SubmitRequirement, Confirm], day(29))?;
    refunds::request(
        conn,
        cast.buyer2.0,
        &answered.order_no,
        RefundReason::Other,
        "业务调整，迁移计划取消。",
        day(6),
    )
    .map_err(text)?;
    let request = refunds::requests_for(conn, answered.id)
        .map_err(text)?
        .first()
        .map(|r| r.id)
        .ok_or("the demo refund request is missing")?;
    refunds::record_position(
        conn,
        cast.vendor2.id,
        request,
        &PositionInput {
            position: VendorPosition::Agrees,
            note: "尚未开始割接，同意退还八成费用。",
            contact: "蓝鲸软件 王经理 13900000000",
        },
        day(5),
    )
    .map_err(text)?;
    let partial = buy(
        conn,
        cast.buyer2,
        centos,
        centos_plans[0],
        Some(Term::Months(1)),
        day(50),
    )?;
    refunds::request(
        conn,
        cast.buyer2.0,
        &partial.order_no,
        RefundReason::CannotDeliver,
        "镜像缺少所需的内核模块。",
        day(42),
    )
    .map_err(text)?;
    decide_first(
        conn,
        &cast,
        partial.id,
        Decision::Refund { amount_fen: 5000 },
        day(41),
    )?;
    let cancelled = buy(conn, cast.buyer1, website, website_plans[0], None, day(33))?;
    ticket_steps(conn, &cancelled, &[SubmitRequirement], day(32))?;
    refunds::request(
        conn,
        cast.buyer1.0,
        &cancelled.order_no,
        RefundReason::VendorUnreachable,
        "提交需求后一直联系不上服务商。",
        day(28),
    )
    .map_err(text)?;
    decide_first(
        conn,
        &cast,
        cancelled.id,
        Decision::Refund {
            amount_fen: 500_000,
        },
        day(27),
    )?;

    // The overdue ticket has had its reminder.
    tickets::remind_overdue(conn, now).map_err(text)?;

    // Past months settled; one statement paid.
    let mut month = Month::of(now).previous();
    let first = Month::of(day(120));
    let mut settled = Vec::new();
    while month >= first {
        settlements::settle_month_on(pool, month, now, 1).map_err(text)?;
        settled.push(month);
        month = month.previous();
    }
    if let Some(paid_month) = settled.get(1).or(settled.first()) {
        let statements = settlements::for_vendor(conn, cast.vendor1.id).map_err(text)?;
        if let Some(statement) = statements
            .iter()
            .find(|s| s.month == paid_month.to_string() && s.net_fen > 0)
        {
            settlements::mark_paid(conn, cast.operator.id, statement.id, "DEMO-BANK-0001", now)
                .map_err(text)?;
        }
    }
    Ok(())
}

/// The operator decides the order's first refund request.
fn decide_first(
    conn: &mut DbConn,
    cast: &Cast,
    order_id: i64,
    decision: Decision,
    at: NaiveDateTime,
) -> DemoResult<()> {
    let request = refunds::requests_for(conn, order_id)
        .map_err(text)?
        .first()
        .map(|r| r.id)
        .ok_or("the demo refund request is missing")?;
    refunds::decide(conn, cast.operator.id, request, decision, at).map_err(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_logos_pass_the_rule_without_a_warning() {
        for colour in [[22, 100, 255], [233, 84, 32], [46, 161, 33], [82, 82, 82]] {
            let accepted = logo::check_logo(&logo_png(colour)).expect("a valid logo");
            assert!(accepted.warnings.is_empty(), "{:?}", accepted.warnings);
        }
    }
}
