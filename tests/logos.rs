//! 商品主图规范 through the upload form: every fixture gets its verdict, the
//! messages name what was measured, and auto-fit needs the vendor's consent.

mod common;

use common::{Visitor, logo_fixtures, spawn_app};
use reqwest::StatusCode;

async fn new_product(vendor: &Visitor) -> i64 {
    let page = vendor
        .post(
            "/vendor/products",
            &[
                ("kind", "license"),
                ("name", "Office 2021"),
                ("summary", "正版授权"),
                ("description", "电子授权码"),
                ("category", "other"),
                ("license_term", "永久"),
                ("delivery_method", "邮件发送授权码"),
                ("plan_billing_0", "onetime"),
                ("plan_name_0", "单用户"),
                ("plan_price_0", "300"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    page.location()
        .unwrap()
        .split('/')
        .nth(3)
        .unwrap()
        .parse()
        .unwrap()
}

/// The message each rejected fixture must show (in Chinese, the default).
fn expected_message(name: &str) -> &'static str {
    match name {
        "wrong_size_300x300.png" => "图片尺寸为 300×300，须为 240×240。",
        "wrong_size_240x200.png" => "图片尺寸为 240×200，须为 240×240。",
        "grey_background.png" => "边框不是纯白（上/下/左/右，例如 (0, 0) 处为 #F0F0F0）",
        "grey_background.jpg" => "边框的平均颜色为 #F",
        "transparent_background.png" => "边框含透明像素",
        "off_centre.png" => "内容范围为 x 4–171、y 4–171",
        "content_too_large.png" => "logo 超出了居中的 168×168 区域",
        "blank_white.png" => "图片中没有 logo",
        "not_an_image.png" => "文件不是 PNG 或 JPEG 图片",
        "truncated.png" => "无法读取图片",
        "bomb_50000x50000.png" => "图片尺寸为 50000×50000，须为 240×240。",
        "bomb_4096x4096.png" => "图片尺寸为 4096×4096，须为 240×240。",
        "off_white_frame.png" => "边框不是纯白（上/下/左/右，例如 (0, 0) 处为 #FEFEFE）",
        "one_pixel_out_top.png" => "内容范围为 x 36–203、y 35–203",
        "one_pixel_out_bottom.png" => "内容范围为 x 36–203、y 36–204",
        "one_pixel_out_left.png" => "内容范围为 x 35–203、y 36–203",
        "one_pixel_out_right.png" => "内容范围为 x 36–204、y 36–203",
        "valid_logo.gif" => "此文件是 GIF",
        "oversized_file.png" => "上传文件最大 2 MiB",
        other => panic!("no expected message for {other}"),
    }
}

#[actix_web::test]
async fn every_fixture_gets_its_verdict_through_the_form() {
    let app = spawn_app().await;
    let vendor = app.signed_in("vendor1").await;
    let id = new_product(&vendor).await;
    let path = format!("/vendor/products/{id}/logo");
    let dir = logo_fixtures();
    let expected = std::fs::read_to_string(dir.join("expected.tsv")).unwrap();
    for line in expected.lines().skip(1).filter(|l| !l.is_empty()) {
        let mut columns = line.split('\t');
        let (name, verdict) = (columns.next().unwrap(), columns.next().unwrap());
        let bytes = std::fs::read(dir.join(name)).unwrap();
        // The file name and type the browser claims do not matter.
        let page = vendor
            .post_file_with(&path, &[("action", "upload")], "logo", "upload.png", &bytes)
            .await;
        match verdict {
            "accept" | "accept-with-warning" => {
                page.assert_redirect_to(&format!("/vendor/products/{id}/edit"));
                let form = vendor.get(&format!("/vendor/products/{id}/edit")).await;
                form.assert_contains("主图已上传。");
                if verdict == "accept-with-warning" {
                    form.assert_contains("远小于 168×168");
                } else {
                    form.assert_lacks("远小于 168×168");
                }
            }
            _ => {
                let status = if name == "oversized_file.png" {
                    StatusCode::PAYLOAD_TOO_LARGE
                } else {
                    StatusCode::BAD_REQUEST
                };
                assert_eq!(page.status, status, "{name}");
                page.assert_contains(expected_message(name));
            }
        }
    }
    // Accepted logos are stored as PNG whatever they came as.
    let product = vendor.get(&format!("/vendor/products/{id}/edit")).await;
    let start = product.body.find("/logos/").unwrap();
    let logo = vendor.get(&product.body[start..start + 7 + 64]).await;
    assert_eq!(logo.headers["content-type"], "image/png");
    assert!(
        logo.headers["cache-control"]
            .to_str()
            .unwrap()
            .contains("immutable")
    );
}

#[actix_web::test]
async fn several_failures_are_listed_at_once_in_english_too() {
    let app = spawn_app().await;
    let vendor = app.signed_in("vendor1").await;
    let id = new_product(&vendor).await;
    vendor.switch_language("en").await;
    let bytes = std::fs::read(logo_fixtures().join("grey_background.png")).unwrap();
    let page = vendor
        .post_file(
            &format!("/vendor/products/{id}/logo"),
            "logo",
            "x.jpg",
            &bytes,
        )
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    page.assert_contains(
        "The 36 px frame is not pure white (top/bottom/left/right, e.g. #F0F0F0 at (0, 0)).",
    );
    // A fitted preview is offered beside the refusal.
    page.assert_contains("Preview of the fitted logo");
}

#[actix_web::test]
async fn auto_fit_is_previewed_and_used_only_when_confirmed() {
    let app = spawn_app().await;
    let vendor = app.signed_in("vendor1").await;
    let id = new_product(&vendor).await;
    let bytes = std::fs::read(logo_fixtures().join("off_centre.png")).unwrap();
    let preview = vendor
        .post_file_with(
            &format!("/vendor/products/{id}/logo"),
            &[("action", "autofit")],
            "logo",
            "x.png",
            &bytes,
        )
        .await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
    preview.assert_contains("自动调整后的主图预览");
    preview.assert_contains("src=\"data:image/png;base64,");
    // Nothing is stored yet.
    preview.assert_contains("尚未上传主图");
    let marker = "name=\"png\" value=\"";
    let start = preview.body.find(marker).unwrap() + marker.len();
    let end = preview.body[start..].find('"').unwrap() + start;
    let png = preview.body[start..end].to_string();
    vendor
        .post(
            &format!("/vendor/products/{id}/logo/autofit"),
            &[("png", &png)],
        )
        .await
        .assert_redirect_to(&format!("/vendor/products/{id}/edit"));
    let form = vendor.get(&format!("/vendor/products/{id}/edit")).await;
    form.assert_contains("主图已上传。");
    form.assert_lacks("尚未上传主图");

    // What comes back from the page is checked again: a tampered image is refused.
    use base64::Engine;
    let grey = std::fs::read(logo_fixtures().join("grey_background.png")).unwrap();
    let tampered = base64::engine::general_purpose::STANDARD.encode(grey);
    let refused = vendor
        .post(
            &format!("/vendor/products/{id}/logo/autofit"),
            &[("png", &tampered)],
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    refused.assert_contains("边框不是纯白");
    let garbage = vendor
        .post(
            &format!("/vendor/products/{id}/logo/autofit"),
            &[("png", "%%%")],
        )
        .await;
    assert_eq!(garbage.status, StatusCode::BAD_REQUEST);
    // Auto-fit of an empty image says why it cannot.
    let blank = std::fs::read(logo_fixtures().join("blank_white.png")).unwrap();
    let page = vendor
        .post_file_with(
            &format!("/vendor/products/{id}/logo"),
            &[("action", "autofit")],
            "logo",
            "x.png",
            &blank,
        )
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    page.assert_contains("无法自动调整：图片中没有 logo");
}

#[actix_web::test]
async fn another_vendor_cannot_upload_or_fit() {
    let app = spawn_app().await;
    let owner = app.signed_in("vendor1").await;
    let id = new_product(&owner).await;
    let other = app.signed_in("vendor2").await;
    let bytes = std::fs::read(logo_fixtures().join("valid_logo.png")).unwrap();
    let upload = other
        .post_file(
            &format!("/vendor/products/{id}/logo"),
            "logo",
            "x.png",
            &bytes,
        )
        .await;
    assert_eq!(upload.status, StatusCode::NOT_FOUND);
    let confirm = other
        .post(
            &format!("/vendor/products/{id}/logo/autofit"),
            &[("png", "AAAA")],
        )
        .await;
    assert_eq!(confirm.status, StatusCode::NOT_FOUND);
    owner
        .get(&format!("/vendor/products/{id}/edit"))
        .await
        .assert_contains("尚未上传主图");
}
