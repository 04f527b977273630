//! Role guard by area, before any extractor or handler: `/vendor` is for
//! vendors, `/admin` for operators, `/me` and buying for buyers, notifications
//! for anyone signed in. Handlers still take their role extractor; this makes
//! the refusal come first (403, or sign-in for anonymous visitors) whatever the
//! request's body, and keeps a new route in an area from being left open.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;

use super::identity;
use crate::domain::account::Role;
use crate::error::AppError;

/// Who an area of paths is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    Anyone,
    SignedIn,
    Only(Role),
}

/// The audience of a path, by its area.
pub fn audience(path: &str) -> Audience {
    let under = |area: &str| {
        path == area
            || path.starts_with(&format!("{area}/"))
            || path.starts_with(&format!("{area}."))
    };
    if under("/vendor") {
        Audience::Only(Role::Vendor)
    } else if under("/admin") {
        Audience::Only(Role::Operator)
    } else if under("/me")
        || (path.starts_with("/shop/products/")
            && (path.ends_with("/checkout") || path.ends_with("/orders")))
    {
        Audience::Only(Role::Buyer)
    } else if under("/notifications") || under("/account") {
        Audience::SignedIn
    } else {
        Audience::Anyone
    }
}

pub async fn guard(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let audience = audience(req.path());
    if audience == Audience::Anyone {
        return Ok(next.call(req).await?.map_into_left_body());
    }
    let user = match identity::resolve(req.request()).await {
        Ok(user) => user,
        Err(error) => return Ok(req.error_response(error).map_into_right_body()),
    };
    let refusal = match (&user, audience) {
        (None, _) => Some(AppError::SignInRequired {
            next: req
                .uri()
                .path_and_query()
                .map_or_else(|| req.path().to_string(), |p| p.as_str().to_string()),
        }),
        (Some(user), Audience::Only(role)) if user.role != role => Some(AppError::Forbidden),
        _ => None,
    };
    match refusal {
        Some(error) => Ok(req.error_response(error).map_into_right_body()),
        // The extractors find the account already resolved in the request.
        None => Ok(next.call(req).await?.map_into_left_body()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn areas_have_their_audience() {
        assert_eq!(audience("/vendor"), Audience::Only(Role::Vendor));
        assert_eq!(audience("/vendor/orders.csv"), Audience::Only(Role::Vendor));
        assert_eq!(audience("/vendorx"), Audience::Anyone);
        assert_eq!(
            audience("/admin/accounts/3/disable"),
            Audience::Only(Role::Operator)
        );
        assert_eq!(audience("/me/orders"), Audience::Only(Role::Buyer));
        assert_eq!(
            audience("/shop/products/4/checkout"),
            Audience::Only(Role::Buyer)
        );
        assert_eq!(audience("/shop/products/4"), Audience::Anyone);
        assert_eq!(audience("/notifications/read-all"), Audience::SignedIn);
        assert_eq!(audience("/login"), Audience::Anyone);
    }
}
