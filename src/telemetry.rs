//! What operators see of a running instance: one structured log line per
//! request (tracing) with a request id and the signed-in account, and the
//! request counts and latencies that `/metrics` exposes in Prometheus text.
//!
//! Logs carry the route pattern (`/me/orders/{order_no}`), never the query,
//! a form, a header or a cookie, so passwords, CSRF tokens and session
//! cookies cannot reach them.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, web};
use tracing::Instrument;
use tracing_subscriber::EnvFilter;

use crate::auth::CurrentUser;
use crate::state::AppState;

/// The header that carries a request's id, in and out.
pub const REQUEST_ID: &str = "x-request-id";

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// `key=value` text, one line per event.
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// Installs the global subscriber (also for `log` records). `RUST_LOG`
/// filters; the default is `info`.
pub fn init_logs(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    // Colours only for a terminal; a log file or collector gets plain text.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()));
    let installed = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
    if let Err(error) = installed {
        eprintln!("yunshi: logging was already set up: {error}");
    }
}

/// A request id from the client (a proxy's) when it is short and plain,
/// otherwise a new random one.
fn request_id(req: &ServiceRequest) -> String {
    req.headers()
        .get(REQUEST_ID)
        .and_then(|value| value.to_str().ok())
        .filter(|id| {
            !id.is_empty()
                && id.len() <= 64
                && id
                    .bytes()
                    .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_')
        })
        .map_or_else(|| format!("{:016x}", rand::random::<u64>()), str::to_string)
}

/// Middleware: gives each request an id (echoed in `x-request-id`), runs it
/// inside a span that names it, then logs one line with the status, the
/// latency and the signed-in account, and counts it for `/metrics`.
pub async fn request_log(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let id = request_id(&req);
    let method = req.method().to_string();
    let route = req
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_string());
    let metrics = req
        .app_data::<web::Data<AppState>>()
        .map(|state| state.metrics.clone());
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        method = %method,
        route = %route,
    );
    let outcome = next.call(req).instrument(span.clone()).await;
    let elapsed = started.elapsed();
    let mut response = outcome?;
    let status = response.status().as_u16();
    let account = response
        .request()
        .extensions()
        .get::<CurrentUser>()
        .map(|user| user.id);
    // An anonymous request's line has no `account` (an empty Option is not recorded).
    span.in_scope(|| {
        tracing::info!(
            status,
            latency_ms = elapsed.as_secs_f64() * 1000.0,
            account,
            "answered"
        )
    });
    if let Some(metrics) = metrics {
        metrics.observe(&method, &route, status, elapsed.as_secs_f64());
    }
    if let Ok(value) = HeaderValue::from_str(&id) {
        response
            .headers_mut()
            .insert(HeaderName::from_static(REQUEST_ID), value);
    }
    Ok(response)
}

/// Upper bounds of the latency histogram, in seconds.
const BUCKETS: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

#[derive(Default)]
struct RouteStats {
    by_status: BTreeMap<u16, u64>,
    /// Requests at or under each bucket's bound (cumulative, as Prometheus wants).
    buckets: [u64; BUCKETS.len()],
    count: u64,
    seconds: f64,
}

/// Request counts and latencies by method and route pattern, for this instance.
#[derive(Default)]
pub struct Metrics {
    routes: Mutex<BTreeMap<(String, String), RouteStats>>,
}

impl Metrics {
    pub fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let mut routes = self
            .routes
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let stats = routes
            .entry((method.to_string(), route.to_string()))
            .or_default();
        *stats.by_status.entry(status).or_default() += 1;
        for (bound, count) in BUCKETS.iter().zip(stats.buckets.iter_mut()) {
            if seconds <= *bound {
                *count += 1;
            }
        }
        stats.count += 1;
        stats.seconds += seconds;
    }

    /// The request families in Prometheus text exposition format.
    pub fn render_requests(&self, out: &mut String) {
        let routes = self
            .routes
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        out.push_str(
            "# HELP yunshi_http_requests_total Requests answered, by method, route and status.\n",
        );
        out.push_str("# TYPE yunshi_http_requests_total counter\n");
        for ((method, route), stats) in routes.iter() {
            for (status, count) in &stats.by_status {
                let _ = writeln!(
                    out,
                    "yunshi_http_requests_total{{method=\"{method}\",route=\"{}\",status=\"{status}\"}} {count}",
                    label(route)
                );
            }
        }
        out.push_str(
            "# HELP yunshi_http_request_duration_seconds Time to answer, by method and route.\n",
        );
        out.push_str("# TYPE yunshi_http_request_duration_seconds histogram\n");
        for ((method, route), stats) in routes.iter() {
            let labels = format!("method=\"{method}\",route=\"{}\"", label(route));
            for (bound, count) in BUCKETS.iter().zip(stats.buckets.iter()) {
                let _ = writeln!(
                    out,
                    "yunshi_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {count}"
                );
            }
            let _ = writeln!(
                out,
                "yunshi_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                stats.count
            );
            let _ = writeln!(
                out,
                "yunshi_http_request_duration_seconds_sum{{{labels}}} {}",
                stats.seconds
            );
            let _ = writeln!(
                out,
                "yunshi_http_request_duration_seconds_count{{{labels}}} {}",
                stats.count
            );
        }
    }
}

/// Writes a gauge family: its help and type lines, then one sample for each
/// `(label, value)` (label `""` for none, else `key="value"` pairs).
pub fn write_gauge(out: &mut String, name: &str, help: &str, samples: &[(String, i64)]) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} gauge");
    for (labels, value) in samples {
        if labels.is_empty() {
            let _ = writeln!(out, "{name} {value}");
        } else {
            let _ = writeln!(out, "{name}{{{labels}}} {value}");
        }
    }
}

/// A label value with `\`, `"` and newlines escaped.
fn label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latency_lands_in_every_bucket_at_or_above_it() {
        let metrics = Metrics::default();
        metrics.observe("GET", "/vendor/orders", 200, 0.02);
        metrics.observe("GET", "/vendor/orders", 200, 3.0);
        metrics.observe("GET", "/vendor/orders", 404, 0.001);
        let mut out = String::new();
        metrics.render_requests(&mut out);
        assert!(out.contains(
            "yunshi_http_requests_total{method=\"GET\",route=\"/vendor/orders\",status=\"200\"} 2"
        ));
        assert!(out.contains("status=\"404\"} 1"));
        assert!(out.contains("route=\"/vendor/orders\",le=\"0.005\"} 1"));
        assert!(out.contains("route=\"/vendor/orders\",le=\"0.025\"} 2"));
        assert!(out.contains("route=\"/vendor/orders\",le=\"2.5\"} 2"));
        assert!(out.contains("route=\"/vendor/orders\",le=\"5\"} 3"));
        assert!(out.contains("route=\"/vendor/orders\",le=\"+Inf\"} 3"));
        assert!(out.contains(
            "yunshi_http_request_duration_seconds_count{method=\"GET\",route=\"/vendor/orders\"} 3"
        ));
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(label("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
