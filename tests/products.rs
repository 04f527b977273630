//! 商品管理 through HTTP: the vendor's products, review, listing, delisting and
//! the storefront, on SQLite or PostgreSQL.

mod common;

use common::shop::account_uin;
use common::{TestApp, Visitor, spawn_app};
use reqwest::StatusCode;

/// A 240×240 PNG: white with a dark square in the middle.
fn logo_png() -> Vec<u8> {
    let image = image::RgbImage::from_fn(240, 240, |x, y| {
        if (60..180).contains(&x) && (60..180).contains(&y) {
            image::Rgb([20, 90, 200])
        } else {
            image::Rgb([255, 255, 255])
        }
    });
    let mut bytes = std::io::Cursor::new(Vec::new());
    image.write_to(&mut bytes, image::ImageFormat::Png).unwrap();
    bytes.into_inner()
}

const IMAGE_FORM: &[(&str, &str)] = &[
    ("kind", "image"),
    ("name", "CentOS 7.9 LAMP"),
    ("summary", "一键部署 LAMP"),
    ("description", "Apache 2.4, MySQL 5.7, PHP 7.4"),
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
];

fn with(
    form: &[(&'static str, &'static str)],
    changes: &[(&'static str, &'static str)],
) -> Vec<(&'static str, &'static str)> {
    form.iter()
        .map(|(name, value)| {
            let changed = changes.iter().find(|(n, _)| n == name).map(|(_, v)| *v);
            (*name, changed.unwrap_or(value))
        })
        .collect()
}

/// Creates a product and returns its id.
async fn create_product(vendor: &Visitor, form: &[(&str, &str)]) -> i64 {
    let page = vendor.post("/vendor/products", form).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let location = page.location().unwrap().to_string();
    location
        .trim_start_matches("/vendor/products/")
        .trim_end_matches("/edit")
        .parse()
        .unwrap()
}

/// Creates, gives a logo, submits and has the operator approve and list it.
async fn listed_product(app: &TestApp, vendor: &Visitor) -> i64 {
    let id = create_product(vendor, IMAGE_FORM).await;
    vendor
        .post_file(
            &format!("/vendor/products/{id}/logo"),
            "logo",
            "logo.png",
            &logo_png(),
        )
        .await;
    vendor
        .post(&format!("/vendor/products/{id}/submit"), &[])
        .await
        .assert_redirect_to(&format!("/vendor/products/{id}"));
    let operator = app.signed_in("operator").await;
    let revision = pending_revision(app, id);
    operator
        .post(&format!("/admin/reviews/{revision}/approve"), &[])
        .await
        .assert_redirect_to("/admin/reviews");
    operator
        .post(&format!("/admin/products/{id}/list"), &[])
        .await
        .assert_redirect_to(&format!("/admin/products/{id}"));
    id
}

fn pending_revision(app: &TestApp, product_id: i64) -> i64 {
    let mut conn = app.conn();
    yunshi::db::products::open_revision(&mut conn, product_id)
        .unwrap()
        .expect("an open revision")
        .id
}

#[actix_web::test]
async fn the_product_form_refuses_bad_input_beside_each_field_and_keeps_it() {
    let app = spawn_app().await;
    let vendor = app.signed_in("vendor1").await;
    assert_eq!(
        vendor.get("/vendor/products/new").await.status,
        StatusCode::OK
    );
    vendor
        .get("/vendor/products/new?kind=image")
        .await
        .assert_contains("name=\"image_id\"");
    let refused = vendor
        .post(
            "/vendor/products",
            &with(
                IMAGE_FORM,
                &[
                    ("plan_price_0", "-5"),
                    ("plan_price_1", "1.234"),
                    ("image_id", "IMG-12"),
                    ("name", ""),
                ],
            ),
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    refused.assert_contains("价格须大于 0。");
    refused.assert_contains("价格最多两位小数。");
    refused.assert_contains("镜像ID须为 img- 加 8 位小写字母或数字。");
    refused.assert_contains("此项必填。");
    // What was typed stays.
    refused.assert_contains("value=\"-5\"");
    refused.assert_contains("value=\"IMG-12\"");
    refused.assert_contains("value=\"一键部署 LAMP\"");

    let hourly_service = vendor
        .post(
            "/vendor/products",
            &[
                ("kind", "service"),
                ("name", "网站搭建"),
                ("summary", "s"),
                ("description", "d"),
                ("category", "website"),
                ("delivery_days", "7"),
                ("plan_billing_0", "hourly"),
                ("plan_name_0", "按小时"),
                ("plan_price_0", "10"),
            ],
        )
        .await;
    assert_eq!(hourly_service.status, StatusCode::BAD_REQUEST);
    hourly_service.assert_contains("该商品类型不支持此计费方式。");

    let unknown_kind = vendor
        .post("/vendor/products", &with(IMAGE_FORM, &[("kind", "vm")]))
        .await;
    assert_eq!(unknown_kind.status, StatusCode::BAD_REQUEST);
    unknown_kind.assert_contains("请选择有效的商品类型。");
    vendor
        .get("/vendor/products")
        .await
        .assert_contains("还没有商品。");
}

#[actix_web::test]
async fn a_product_goes_from_draft_through_review_to_the_storefront() {
    let app = spawn_app().await;
    let vendor = app.signed_in("vendor1").await;
    let id = create_product(&vendor, IMAGE_FORM).await;
    let list = vendor.get("/vendor/products").await;
    list.assert_contains("CentOS 7.9 LAMP");
    list.assert_contains("草稿");
    list.assert_contains("未上架");

    // Submission needs a logo.
    let no_logo = vendor
        .post(&format!("/vendor/products/{id}/submit"), &[])
        .await;
    assert_eq!(no_logo.status, StatusCode::BAD_REQUEST);
    no_logo.assert_contains("提交审核前请先上传商品主图。");

    // A file that is not an image is refused by its bytes, whatever its name.
    let fake = vendor
        .post_file(
            &format!("/vendor/products/{id}/logo"),
            "logo",
            "logo.png",
            b"GIF89a not really",
        )
        .await;
    assert_eq!(fake.status, StatusCode::BAD_REQUEST);
    fake.assert_contains("仅支持 PNG 或 JPEG，此文件是 GIF。");
    let cut = &logo_png()[..30];
    let truncated = vendor
        .post_file(
            &format!("/vendor/products/{id}/logo"),
            "logo",
            "logo.png",
            cut,
        )
        .await;
    assert_eq!(truncated.status, StatusCode::BAD_REQUEST);
    truncated.assert_contains("无法读取图片");
    vendor
        .post_file(
            &format!("/vendor/products/{id}/logo"),
            "logo",
            "any-name.bin",
            &logo_png(),
        )
        .await
        .assert_redirect_to(&format!("/vendor/products/{id}/edit"));
    vendor
        .get(&format!("/vendor/products/{id}/edit"))
        .await
        .assert_contains("主图已上传。");

    vendor
        .post(&format!("/vendor/products/{id}/submit"), &[])
        .await
        .assert_redirect_to(&format!("/vendor/products/{id}"));
    let page = vendor.get(&format!("/vendor/products/{id}")).await;
    page.assert_contains("已提交审核。");
    page.assert_contains("审核中的版本 #1");
    // Pending is read-only; it can be withdrawn and submitted again.
    vendor
        .get(&format!("/vendor/products/{id}/edit"))
        .await
        .assert_redirect_to(&format!("/vendor/products/{id}"));
    let locked = vendor
        .post(&format!("/vendor/products/{id}/edit"), IMAGE_FORM)
        .await;
    assert_eq!(locked.status, StatusCode::CONFLICT);
    vendor
        .confirm(&format!("/vendor/products/{id}/withdraw"), &[])
        .await;
    vendor
        .get(&format!("/vendor/products/{id}"))
        .await
        .assert_contains("草稿 #1");
    vendor
        .post(&format!("/vendor/products/{id}/submit"), &[])
        .await;

    // The operator's queue and review page.
    let operator = app.signed_in("operator").await;
    let queue = operator.get("/admin/reviews").await;
    queue.assert_contains("CentOS 7.9 LAMP");
    queue.assert_contains("首次提交");
    let revision = pending_revision(&app, id);
    let review = operator.get(&format!("/admin/reviews/{revision}")).await;
    review.assert_contains("标准版 · 预付费(包年包月) · ¥99/月 · ¥990/年");
    review.assert_contains("按量 · 按小时计费实时付费 · ¥1.1/小时");
    review.assert_contains("img-ab12cd34");
    operator
        .post(&format!("/admin/reviews/{revision}/approve"), &[])
        .await
        .assert_redirect_to("/admin/reviews");
    operator
        .get("/admin/reviews")
        .await
        .assert_contains("没有待审核的版本。");

    // Approved is not yet on sale.
    assert_eq!(
        app.visitor()
            .get(&format!("/shop/products/{id}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    app.visitor()
        .get("/shop")
        .await
        .assert_lacks("CentOS 7.9 LAMP");
    operator
        .post(&format!("/admin/products/{id}/list"), &[])
        .await
        .assert_redirect_to(&format!("/admin/products/{id}"));
    let again = operator
        .post(&format!("/admin/products/{id}/list"), &[])
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    let shop = app.visitor().get("/shop").await;
    shop.assert_contains("CentOS 7.9 LAMP");
    shop.assert_contains("¥1.1/小时起");
    // With one plan there is no choice to start "from".
    let (_, _) = common::shop::listed_product(
        &app,
        "vendor2",
        yunshi::domain::product::Kind::Service,
        "单一规格服务",
        vec![common::shop::plan(
            yunshi::domain::product::Billing::OneTime,
            "基础",
            300_000,
            None,
        )],
    );
    let shop = app.visitor().get("/shop").await;
    shop.assert_contains("<p class=\"price\">¥3000</p>");
    let product = app.visitor().get(&format!("/shop/products/{id}")).await;
    assert_eq!(product.status, StatusCode::OK);
    product.assert_contains("¥99/月 · ¥990/年");

    // The vendor heard of each step; the operator of the submission.
    let notices = vendor.get("/notifications").await;
    notices.assert_contains("审核通过：CentOS 7.9 LAMP");
    notices.assert_contains("已上架：CentOS 7.9 LAMP");
    operator
        .get("/notifications")
        .await
        .assert_contains("新的审核请求：CentOS 7.9 LAMP");
    let audit = operator.get("/admin/audit").await;
    audit.assert_contains("审核通过");
    audit.assert_contains("上架商品");
    let activity = vendor.get(&format!("/vendor/products/{id}")).await;
    for step in [
        "创建商品",
        "上传主图",
        "提交审核",
        "撤回审核",
        "审核通过",
        "上架",
    ] {
        activity.assert_contains(step);
    }
}

#[actix_web::test]
async fn a_listed_product_keeps_its_live_content_while_a_new_draft_is_reviewed() {
    let app = spawn_app().await;
    let vendor = app.signed_in("vendor1").await;
    let id = listed_product(&app, &vendor).await;
    vendor
        .post(
            &format!("/vendor/products/{id}/edit"),
            &with(
                IMAGE_FORM,
                &[("name", "CentOS 7.9 LAMP 新版"), ("plan_price_0", "109")],
            ),
        )
        .await
        .assert_redirect_to(&format!("/vendor/products/{id}"));
    let page = vendor.get(&format!("/vendor/products/{id}")).await;
    page.assert_contains("草稿 #2");
    page.assert_contains("已上架");
    // The storefront still shows the approved content.
    let shop = app.visitor().get(&format!("/shop/products/{id}")).await;
    shop.assert_contains("¥99/月");
    shop.assert_lacks("新版");
    vendor
        .post(&format!("/vendor/products/{id}/submit"), &[])
        .await;

    let operator = app.signed_in("operator").await;
    let revision = pending_revision(&app, id);
    let review = operator.get(&format!("/admin/reviews/{revision}")).await;
    review.assert_contains("更新");
    // Field by field: the changed name and plan are marked, the live values shown beside.
    review.assert_contains("<td class=\"pre\">CentOS 7.9 LAMP</td>");
    review.assert_contains("<td class=\"pre\">CentOS 7.9 LAMP 新版</td>");
    assert_eq!(
        review.body.matches("class=\"changed\"").count(),
        2,
        "{}",
        review.body
    );
    review.assert_contains("¥109/月");

    // A rejection needs a reason.
    let no_reason = operator
        .post(
            &format!("/admin/reviews/{revision}/reject"),
            &[("reason", "  ")],
        )
        .await;
    assert_eq!(no_reason.status, StatusCode::BAD_REQUEST);
    no_reason.assert_contains("请填写原因。");
    operator
        .post(
            &format!("/admin/reviews/{revision}/reject"),
            &[("reason", "价格调整需说明")],
        )
        .await
        .assert_redirect_to("/admin/reviews");
    let rejected = vendor.get(&format!("/vendor/products/{id}")).await;
    rejected.assert_contains("价格调整需说明");
    rejected.assert_contains("审核未通过");
    vendor
        .get("/notifications")
        .await
        .assert_contains("审核未通过：CentOS 7.9 LAMP 新版");
    app.visitor()
        .get(&format!("/shop/products/{id}"))
        .await
        .assert_lacks("新版");

    // Editing after a rejection opens draft #3 from the rejected content.
    let form = vendor.get(&format!("/vendor/products/{id}/edit")).await;
    form.assert_contains("value=\"CentOS 7.9 LAMP 新版\"");
    vendor
        .post(
            &format!("/vendor/products/{id}/edit"),
            &with(IMAGE_FORM, &[("name", "CentOS 7.9 LAMP 2")]),
        )
        .await;
    vendor
        .post(&format!("/vendor/products/{id}/submit"), &[])
        .await;
    let revision = pending_revision(&app, id);
    operator
        .post(&format!("/admin/reviews/{revision}/approve"), &[])
        .await;
    // Approval replaces the live content at once, still listed.
    let shop = app.visitor().get(&format!("/shop/products/{id}")).await;
    assert_eq!(shop.status, StatusCode::OK);
    shop.assert_contains("CentOS 7.9 LAMP 2");
}

#[actix_web::test]
async fn delisting_goes_through_a_request_or_the_operator() {
    let app = spawn_app().await;
    let vendor = app.signed_in("vendor1").await;
    let id = listed_product(&app, &vendor).await;
    let empty = vendor
        .post(
            &format!("/vendor/products/{id}/delist-request"),
            &[("reason", "")],
        )
        .await;
    assert_eq!(empty.status, StatusCode::BAD_REQUEST);
    empty.assert_contains("请填写原因。");
    vendor
        .post(
            &format!("/vendor/products/{id}/delist-request"),
            &[("reason", "版本停止维护")],
        )
        .await
        .assert_redirect_to(&format!("/vendor/products/{id}"));
    let twice = vendor
        .post(
            &format!("/vendor/products/{id}/delist-request"),
            &[("reason", "again")],
        )
        .await;
    assert_eq!(twice.status, StatusCode::CONFLICT);

    let operator = app.signed_in("operator").await;
    operator
        .get("/notifications")
        .await
        .assert_contains("下架申请：CentOS 7.9 LAMP");
    let queue = operator.get("/admin/delist-requests").await;
    queue.assert_contains("版本停止维护");
    let request_id: i64 = {
        let mut conn = app.conn();
        yunshi::db::products::open_delist_request(&mut conn, id)
            .unwrap()
            .unwrap()
            .id
    };
    let no_reason = operator
        .post(
            &format!("/admin/delist-requests/{request_id}/decline"),
            &[("reason", "")],
        )
        .await;
    assert_eq!(no_reason.status, StatusCode::BAD_REQUEST);
    operator
        .post(
            &format!("/admin/delist-requests/{request_id}/decline"),
            &[("reason", "仍有用户在购买")],
        )
        .await
        .assert_redirect_to("/admin/delist-requests");
    vendor
        .get("/notifications")
        .await
        .assert_contains("下架申请被拒绝：CentOS 7.9 LAMP");
    assert_eq!(
        app.visitor()
            .get(&format!("/shop/products/{id}"))
            .await
            .status,
        StatusCode::OK
    );
    let again = operator
        .confirm(
            &format!("/admin/delist-requests/{request_id}/carry-out"),
            &[],
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);

    vendor
        .post(
            &format!("/vendor/products/{id}/delist-request"),
            &[("reason", "确认下架")],
        )
        .await;
    let request_id: i64 = {
        let mut conn = app.conn();
        yunshi::db::products::open_delist_request(&mut conn, id)
            .unwrap()
            .unwrap()
            .id
    };
    operator
        .confirm(
            &format!("/admin/delist-requests/{request_id}/carry-out"),
            &[],
        )
        .await
        .assert_redirect_to("/admin/delist-requests");
    assert_eq!(
        app.visitor()
            .get(&format!("/shop/products/{id}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    vendor
        .get(&format!("/vendor/products/{id}"))
        .await
        .assert_contains("已下架");
    vendor
        .get("/notifications")
        .await
        .assert_contains("下架申请已执行：CentOS 7.9 LAMP");

    // Relisted by the operator, then delisted directly with a reason.
    operator
        .post(&format!("/admin/products/{id}/list"), &[])
        .await
        .assert_redirect_to(&format!("/admin/products/{id}"));
    let no_reason = operator
        .confirm(&format!("/admin/products/{id}/delist"), &[("reason", "")])
        .await;
    assert_eq!(no_reason.status, StatusCode::BAD_REQUEST);
    operator
        .confirm(
            &format!("/admin/products/{id}/delist"),
            &[("reason", "违反规范")],
        )
        .await
        .assert_redirect_to(&format!("/admin/products/{id}"));
    let audit = operator.get("/admin/audit").await;
    audit.assert_contains("拒绝下架申请");
    audit.assert_contains("执行下架申请");
    audit.assert_contains("违反规范");
}

#[actix_web::test]
async fn another_vendors_product_is_not_found() {
    let app = spawn_app().await;
    let owner = app.signed_in("vendor1").await;
    let id = listed_product(&app, &owner).await;
    let other = app.signed_in("vendor2").await;
    for path in [
        format!("/vendor/products/{id}"),
        format!("/vendor/products/{id}/edit"),
    ] {
        assert_eq!(
            other.get(&path).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    for path in ["edit", "submit", "withdraw", "delist-request"] {
        let page = other
            .post(
                &format!("/vendor/products/{id}/{path}"),
                &with(IMAGE_FORM, &[])
                    .into_iter()
                    .chain([("reason", "x")])
                    .collect::<Vec<_>>(),
            )
            .await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{path}");
    }
    let logo = other
        .post_file(
            &format!("/vendor/products/{id}/logo"),
            "logo",
            "l.png",
            &logo_png(),
        )
        .await;
    assert_eq!(logo.status, StatusCode::NOT_FOUND);
    other.get("/vendor/products").await.assert_lacks("CentOS");
    // Nothing changed for the owner.
    owner
        .get(&format!("/vendor/products/{id}"))
        .await
        .assert_lacks("草稿 #2");
}

#[actix_web::test]
async fn only_operators_review_list_and_delist() {
    let app = spawn_app().await;
    let vendor = app.signed_in("vendor1").await;
    let id = create_product(&vendor, IMAGE_FORM).await;
    vendor
        .post_file(
            &format!("/vendor/products/{id}/logo"),
            "logo",
            "l.png",
            &logo_png(),
        )
        .await;
    vendor
        .post(&format!("/vendor/products/{id}/submit"), &[])
        .await;
    let revision = pending_revision(&app, id);
    let buyer = app.signed_in("buyer1").await;
    for visitor in [&vendor, &buyer] {
        for path in [
            "/admin/reviews",
            "/admin/products",
            "/admin/delist-requests",
        ] {
            assert_eq!(
                visitor.get(path).await.status,
                StatusCode::FORBIDDEN,
                "{path}"
            );
        }
        let approve = visitor
            .post(&format!("/admin/reviews/{revision}/approve"), &[])
            .await;
        assert_eq!(approve.status, StatusCode::FORBIDDEN);
        let list = visitor
            .post(&format!("/admin/products/{id}/list"), &[])
            .await;
        assert_eq!(list.status, StatusCode::FORBIDDEN);
    }
    assert_eq!(
        buyer.get("/vendor/products").await.status,
        StatusCode::FORBIDDEN
    );
    let operator = app.signed_in("operator").await;
    assert_eq!(
        operator.get("/vendor/products").await.status,
        StatusCode::FORBIDDEN
    );
    // Still pending: nothing was applied.
    operator
        .get("/admin/reviews")
        .await
        .assert_contains("CentOS 7.9 LAMP");
}

#[actix_web::test]
async fn approving_and_rejecting_at_once_applies_one() {
    let app = spawn_app().await;
    let vendor = app.signed_in("vendor1").await;
    let id = create_product(&vendor, IMAGE_FORM).await;
    vendor
        .post_file(
            &format!("/vendor/products/{id}/logo"),
            "logo",
            "l.png",
            &logo_png(),
        )
        .await;
    vendor
        .post(&format!("/vendor/products/{id}/submit"), &[])
        .await;
    let revision = pending_revision(&app, id);
    let first = app.signed_in("operator").await;
    let second = app.signed_in("operator").await;
    let (t1, t2) = (first.csrf_token().await, second.csrf_token().await);
    let approve_path = format!("/admin/reviews/{revision}/approve");
    let reject_path = format!("/admin/reviews/{revision}/reject");
    let approve_fields = [("csrf_token", t1.as_str())];
    let reject_fields = [("csrf_token", t2.as_str()), ("reason", "重复")];
    let (approved, rejected, approved_again) = futures_util::join!(
        first.post_raw(&approve_path, &approve_fields),
        second.post_raw(&reject_path, &reject_fields),
        first.post_raw(&approve_path, &approve_fields),
    );
    let statuses = [approved.status, rejected.status, approved_again.status];
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::SEE_OTHER)
            .count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::CONFLICT)
            .count(),
        2,
        "{statuses:?}"
    );
    let history = vendor.get(&format!("/vendor/products/{id}")).await;
    let decided =
        history.body.matches("审核通过").count() + history.body.matches("审核未通过").count();
    assert!(decided >= 1);
    let audit = first.get("/admin/audit").await;
    let entries = audit.body.matches("<td>审核通过</td>").count()
        + audit.body.matches("<td>驳回审核</td>").count();
    assert_eq!(entries, 1, "exactly one decision was recorded");
}

#[actix_web::test]
async fn logos_are_served_with_an_etag_and_lists_filter_by_state() {
    let app = spawn_app().await;
    let vendor = app.signed_in("vendor1").await;
    let id = listed_product(&app, &vendor).await;
    let draft = create_product(&vendor, &with(IMAGE_FORM, &[("name", "Ubuntu 22.04")])).await;
    let list = vendor.get("/vendor/products?state=listed").await;
    list.assert_contains("CentOS 7.9 LAMP");
    list.assert_lacks("Ubuntu 22.04");
    let drafts = vendor.get("/vendor/products?state=draft").await;
    drafts.assert_contains("Ubuntu 22.04");
    drafts.assert_lacks("CentOS 7.9 LAMP");
    assert!(draft > id);
    // Unknown filters are ignored, not errors.
    assert_eq!(
        vendor.get("/vendor/products?state=bogus").await.status,
        StatusCode::OK
    );

    let shop = app.visitor().get("/shop").await;
    let start = shop.body.find("/logos/").unwrap();
    let url = shop.body[start..start + 7 + 64].to_string();
    let logo = app.visitor().get(&url).await;
    assert_eq!(logo.status, StatusCode::OK);
    assert_eq!(logo.headers["content-type"], "image/png");
    let etag = logo.headers["etag"].to_str().unwrap().to_string();
    let cached = app
        .visitor()
        .get_with(&url, &[("if-none-match", &etag)])
        .await;
    assert_eq!(cached.status, StatusCode::NOT_MODIFIED);
    assert_eq!(
        app.visitor().get("/logos/not-a-hash").await.status,
        StatusCode::NOT_FOUND
    );

    let operator = app.signed_in("operator").await;
    let admin = operator.get("/admin/products?listing=draft").await;
    admin.assert_contains("Ubuntu 22.04");
    admin.assert_lacks("CentOS 7.9 LAMP");
    let bad_vendor = operator.get("/admin/products?vendor=abc").await;
    assert_eq!(bad_vendor.status, StatusCode::BAD_REQUEST);
    bad_vendor.assert_contains("用户ID须为 10 位数字。");
}

#[actix_web::test]
async fn product_lists_and_the_shop_search_by_any_part_of_the_name() {
    let app = spawn_app().await;
    let vendor = app.signed_in("vendor1").await;
    listed_product(&app, &vendor).await;
    create_product(&vendor, &with(IMAGE_FORM, &[("name", "Ubuntu 22.04")])).await;
    create_product(&vendor, &with(IMAGE_FORM, &[("name", "100%_Safe 云盾")])).await;
    let other = app.signed_in("vendor2").await;
    create_product(&other, &with(IMAGE_FORM, &[("name", "CentOS Stream 9")])).await;

    let names = [
        "CentOS 7.9 LAMP",
        "Ubuntu 22.04",
        "100%_Safe 云盾",
        "CentOS Stream 9",
    ];
    let finds = |page: &common::Page, expected: &[&str]| {
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        for name in names {
            if expected.contains(&name) {
                page.assert_contains(name);
            } else {
                page.assert_lacks(name);
            }
        }
    };
    // A vendor searches their own products, case aside.
    let centos = vendor.get("/vendor/products?q=+centos+").await;
    finds(&centos, &["CentOS 7.9 LAMP"]);
    centos.assert_contains("name=\"q\" value=\"centos\"");
    // % and _ are letters here, not wildcards.
    finds(
        &vendor.get("/vendor/products?q=%25").await,
        &["100%_Safe 云盾"],
    );
    finds(
        &vendor.get("/vendor/products?q=_").await,
        &["100%_Safe 云盾"],
    );
    finds(
        &vendor.get("/vendor/products?q=云盾").await,
        &["100%_Safe 云盾"],
    );
    finds(
        &vendor.get("/vendor/products?q=centos&state=draft").await,
        &[],
    );

    // Operators search everyone's, with the other filters.
    let operator = app.signed_in("operator").await;
    finds(
        &operator.get("/admin/products?q=CENTOS").await,
        &["CentOS 7.9 LAMP", "CentOS Stream 9"],
    );
    let vendor2_uin = account_uin(&app, "vendor2");
    finds(
        &operator
            .get(&format!("/admin/products?q=centos&vendor={vendor2_uin}"))
            .await,
        &["CentOS Stream 9"],
    );

    // Buyers search what is listed.
    let visitor = app.visitor();
    finds(&visitor.get("/shop?q=lamp").await, &["CentOS 7.9 LAMP"]);
    let none = visitor.get("/shop?q=ubuntu").await;
    finds(&none, &[]);
    none.assert_contains("name=\"q\" value=\"ubuntu\"");

    // Too long a search is a message, wherever it is typed.
    let long = format!("q={}", "x".repeat(61));
    for (who, path) in [
        (&vendor, "/vendor/products"),
        (&operator, "/admin/products"),
        (&visitor, "/shop"),
    ] {
        let refused = who.get(&format!("{path}?{long}")).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{path}");
        refused.assert_contains("搜索词最多 60 个字。");
    }
    let fits = format!("q={}", "x".repeat(60));
    assert_eq!(
        visitor.get(&format!("/shop?{fits}")).await.status,
        StatusCode::OK
    );
}

#[actix_web::test]
async fn product_pages_speak_english_too() {
    let app = spawn_app().await;
    let vendor = app.signed_in("vendor1").await;
    let id = listed_product(&app, &vendor).await;
    vendor.switch_language("en").await;
    let page = vendor.get(&format!("/vendor/products/{id}")).await;
    page.assert_contains("Live content");
    page.assert_contains("Listed");
    page.assert_contains("¥99/month · ¥990/year");
    page.assert_contains("Activity log");
    let refused = vendor
        .post(
            &format!("/vendor/products/{id}/edit"),
            &with(IMAGE_FORM, &[("plan_price_0", "abc")]),
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    refused
        .assert_contains("An amount may hold only digits and one decimal point, e.g. 99 or 54.62.");
}

#[actix_web::test]
async fn steps_from_the_wrong_state_are_refused() {
    let app = spawn_app().await;
    let vendor = app.signed_in("vendor1").await;
    let operator = app.signed_in("operator").await;
    let id = create_product(&vendor, IMAGE_FORM).await;
    // A draft cannot be withdrawn, an unapproved product cannot be listed,
    // an unlisted one cannot be delisted or asked to be.
    let withdraw = vendor
        .confirm(&format!("/vendor/products/{id}/withdraw"), &[])
        .await;
    assert_eq!(withdraw.status, StatusCode::CONFLICT);
    withdraw.assert_contains("该记录的状态已被他人改变");
    assert_eq!(
        operator
            .post(&format!("/admin/products/{id}/list"), &[])
            .await
            .status,
        StatusCode::CONFLICT
    );
    assert_eq!(
        operator
            .confirm(&format!("/admin/products/{id}/delist"), &[("reason", "x")])
            .await
            .status,
        StatusCode::CONFLICT
    );
    assert_eq!(
        vendor
            .post(
                &format!("/vendor/products/{id}/delist-request"),
                &[("reason", "x")]
            )
            .await
            .status,
        StatusCode::CONFLICT
    );
    vendor
        .post_file(
            &format!("/vendor/products/{id}/logo"),
            "logo",
            "l.png",
            &logo_png(),
        )
        .await;
    vendor
        .post(&format!("/vendor/products/{id}/submit"), &[])
        .await;
    // Submitted twice: the second finds no draft.
    assert_eq!(
        vendor
            .post(&format!("/vendor/products/{id}/submit"), &[])
            .await
            .status,
        StatusCode::CONFLICT
    );
    // A logo cannot be changed while in review.
    vendor
        .post_file(
            &format!("/vendor/products/{id}/logo"),
            "logo",
            "l.png",
            &logo_png(),
        )
        .await
        .assert_redirect_to(&format!("/vendor/products/{id}"));
    vendor
        .get(&format!("/vendor/products/{id}"))
        .await
        .assert_contains("审核中的版本为只读");
    let revision = pending_revision(&app, id);
    operator
        .post(&format!("/admin/reviews/{revision}/approve"), &[])
        .await;
    assert_eq!(
        operator
            .post(
                &format!("/admin/reviews/{revision}/reject"),
                &[("reason", "late")]
            )
            .await
            .status,
        StatusCode::CONFLICT
    );
    assert_eq!(
        operator.get("/admin/reviews/999999").await.status,
        StatusCode::NOT_FOUND
    );
}

#[actix_web::test]
async fn dashboards_show_what_is_waiting() {
    let app = spawn_app().await;
    let vendor = app.signed_in("vendor1").await;
    let operator = app.signed_in("operator").await;
    vendor
        .get("/vendor")
        .await
        .assert_contains("目前没有需要您处理的事项。");
    operator
        .get("/admin")
        .await
        .assert_contains("目前没有需要您处理的事项。");
    let id = create_product(&vendor, IMAGE_FORM).await;
    vendor
        .get("/vendor")
        .await
        .assert_contains("<strong>1</strong> 草稿（尚未提交审核）");
    vendor
        .post_file(
            &format!("/vendor/products/{id}/logo"),
            "logo",
            "l.png",
            &logo_png(),
        )
        .await;
    vendor
        .post(&format!("/vendor/products/{id}/submit"), &[])
        .await;
    let admin = operator.get("/admin").await;
    admin.assert_contains("<strong>1</strong> 待审核的版本");
    admin.assert_contains("最早已等待 0 分钟");
    let revision = pending_revision(&app, id);
    operator
        .post(
            &format!("/admin/reviews/{revision}/reject"),
            &[("reason", "请补充说明")],
        )
        .await;
    let home = vendor.get("/vendor").await;
    home.assert_contains("<strong>1</strong> 审核未通过的商品");
    home.assert_contains("href=\"/vendor/products?state=rejected\"");
    operator
        .get("/admin")
        .await
        .assert_contains("目前没有需要您处理的事项。");
}

#[actix_web::test]
async fn the_plan_editor_adds_and_removes_rows_and_says_what_a_price_is_per() {
    let app = spawn_app().await;
    let vendor = app.signed_in("vendor1").await;
    let mut typed = common::shop::image_form("规格编辑", "99").to_vec();
    typed.extend([
        ("plan_billing_1", "hourly"),
        ("plan_name_1", "按量"),
        ("plan_price_1", "1.1"),
    ]);
    // 添加规格 shows the form again as typed, nothing saved.
    let mut adding = typed.clone();
    adding.push(("step", "add_row"));
    let added = vendor.post("/vendor/products", &adding).await;
    assert_eq!(added.status, StatusCode::OK);
    added.assert_contains("value=\"按量\"");
    added.assert_contains("name=\"plan_name_3\"");
    added.assert_contains("元/月");
    added.assert_contains("元/小时");
    // The hourly row has no yearly price field; the prepaid one has.
    added.assert_contains("name=\"plan_year_price_0\"");
    added.assert_lacks("name=\"plan_year_price_1\"");
    // 删除 takes that row out, the others stay as typed.
    let mut removing = typed.clone();
    removing.push(("remove_plan", "1"));
    let removed = vendor.post("/vendor/products", &removing).await;
    assert_eq!(removed.status, StatusCode::OK);
    removed.assert_lacks("value=\"按量\"");
    removed.assert_contains("value=\"标准版\"");
    removed.assert_contains("value=\"规格编辑\"");
    let made: i64 = {
        use diesel::prelude::*;
        yunshi::db::schema::products::table
            .count()
            .get_result(&mut app.conn())
            .unwrap()
    };
    assert_eq!(made, 0, "neither button saves");
}
