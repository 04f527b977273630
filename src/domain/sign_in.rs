//! Throttles by address: too many sign-in failures, or too many new accounts,
//! from one address in a short window refuse further attempts until the
//! oldest leaves the window. And which address a request comes from.

use std::net::IpAddr;

use chrono::{Duration, NaiveDateTime};

/// At most `max` events of a kind from one address within `window`.
#[derive(Debug, Clone, Copy)]
pub struct Throttle {
    /// The events' stored kind.
    pub kind: &'static str,
    pub window: Duration,
    pub max: usize,
}

/// Failed sign-ins: 10 in 15 minutes.
pub const SIGN_IN_FAILURES: Throttle = Throttle {
    kind: "sign_in_failure",
    window: Duration::minutes(15),
    max: 10,
};

/// New buyer accounts: 5 an hour, enough for a family or an office behind
/// one address, too few to fill the database with accounts.
pub const SIGN_UPS: Throttle = Throttle {
    kind: "sign_up",
    window: Duration::hours(1),
    max: 5,
};

impl Throttle {
    /// Whether an address may go on now, given the times of its events
    /// inside the window (any order). `Err` carries the whole minutes to wait.
    pub fn check(&self, recent: &[NaiveDateTime], now: NaiveDateTime) -> Result<(), i64> {
        let window_start = now - self.window;
        let mut inside: Vec<NaiveDateTime> = recent
            .iter()
            .copied()
            .filter(|at| *at > window_start)
            .collect();
        if inside.len() < self.max {
            return Ok(());
        }
        inside.sort_unstable();
        // Attempts resume when enough events have aged out of the window.
        let frees_at = inside[inside.len() - self.max] + self.window;
        let seconds = (frees_at - now).num_seconds().max(1);
        Err((seconds + 59) / 60)
    }
}

/// The address a client is counted under, by the throttles and the
/// connection limit: IPv4 (also when written as an IPv6-mapped address) as
/// it is; IPv6 by its /64, the least one host is given, so a host cannot
/// take a fresh address for each attempt.
pub fn client_key(address: IpAddr) -> IpAddr {
    match address.to_canonical() {
        IpAddr::V6(v6) => {
            let network = u128::from(v6) & !((1u128 << 64) - 1);
            IpAddr::V6(std::net::Ipv6Addr::from(network))
        }
        v4 => v4,
    }
}

/// The address a throttle counts a request under: the connection's peer,
/// or, when the peer is one of the `trusted` proxies, the nearest address in
/// its `X-Forwarded-For` that is not one (entries further left were written
/// by the client and could be anything).
pub fn client_address(
    peer: Option<IpAddr>,
    forwarded_for: Option<&str>,
    trusted: &[IpAddr],
) -> String {
    let Some(peer) = peer.map(|peer| peer.to_canonical()) else {
        return "unknown".into();
    };
    if !trusted.contains(&peer) {
        return client_key(peer).to_string();
    }
    let mut nearest = peer;
    for hop in forwarded_for.unwrap_or("").rsplit(',') {
        match hop.trim().parse::<IpAddr>().map(|a| a.to_canonical()) {
            Ok(address) if trusted.contains(&address) => nearest = address,
            Ok(address) => return client_key(address).to_string(),
            // Garbage from further left: the proxy's own peer is the last we know.
            Err(_) => break,
        }
    }
    client_key(nearest).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn at(minute: u32, second: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 11, 30)
            .unwrap()
            .and_hms_opt(10, minute, second)
            .unwrap()
    }

    #[test]
    fn nine_failures_still_allow_an_attempt() {
        let failures: Vec<_> = (0..9).map(|i| at(20, i)).collect();
        assert_eq!(SIGN_IN_FAILURES.check(&failures, at(21, 0)), Ok(()));
    }

    #[test]
    fn ten_failures_refuse_until_the_first_ages_out() {
        let failures: Vec<_> = (0..10).map(|i| at(20, i)).collect();
        assert_eq!(SIGN_IN_FAILURES.check(&failures, at(21, 0)), Err(14));
        // 10:35:00 is exactly 15 minutes after the first failure: it has left the window.
        assert_eq!(SIGN_IN_FAILURES.check(&failures, at(35, 0)), Ok(()));
        assert_eq!(SIGN_IN_FAILURES.check(&failures, at(34, 59)), Err(1));
    }

    #[test]
    fn failures_outside_the_window_do_not_count() {
        let failures: Vec<_> = (0..20).map(|i| at(0, i)).collect();
        assert_eq!(SIGN_IN_FAILURES.check(&failures, at(30, 0)), Ok(()));
    }

    #[test]
    fn the_sixth_account_in_an_hour_waits() {
        let sign_ups: Vec<_> = (0..5).map(|i| at(0, i)).collect();
        assert_eq!(SIGN_UPS.check(&sign_ups[..4], at(1, 0)), Ok(()));
        assert_eq!(SIGN_UPS.check(&sign_ups, at(1, 0)), Err(59));
        assert_eq!(
            SIGN_UPS.check(&sign_ups, at(0, 0) + Duration::hours(1)),
            Ok(())
        );
    }

    #[test]
    fn clients_are_counted_by_ipv4_address_or_ipv6_network() {
        let mapped: IpAddr = "::ffff:10.0.0.5".parse().unwrap();
        assert_eq!(client_key(mapped), "10.0.0.5".parse::<IpAddr>().unwrap());
        let one: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let same_host: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
        let other: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(client_key(one), client_key(same_host));
        assert_ne!(client_key(one), client_key(other));
        // A proxy seen as an IPv6-mapped address is still the trusted one.
        let proxy: IpAddr = "10.0.0.2".parse().unwrap();
        assert_eq!(
            client_address(Some(mapped_of(proxy)), Some("203.0.113.7"), &[proxy]),
            "203.0.113.7"
        );
        assert_eq!(client_address(Some(one), None, &[]), "2001:db8:1:2::");
    }

    fn mapped_of(address: IpAddr) -> IpAddr {
        match address {
            IpAddr::V4(v4) => IpAddr::V6(v4.to_ipv6_mapped()),
            v6 => v6,
        }
    }

    #[test]
    fn only_a_trusted_proxy_names_the_client() {
        let proxy: IpAddr = "10.0.0.2".parse().unwrap();
        let balancer: IpAddr = "10.0.0.1".parse().unwrap();
        let trusted = [proxy, balancer];
        let client = "203.0.113.7";
        // Not through a proxy: the peer, whatever the header says.
        let stranger: IpAddr = "198.51.100.9".parse().unwrap();
        assert_eq!(
            client_address(Some(stranger), Some(client), &trusted),
            "198.51.100.9"
        );
        assert_eq!(client_address(Some(proxy), Some(client), &trusted), client);
        // Two proxies deep, and a forged entry to the left is ignored.
        assert_eq!(
            client_address(
                Some(proxy),
                Some("1.2.3.4, 203.0.113.7, 10.0.0.1"),
                &trusted
            ),
            client
        );
        // A proxy that forwarded nothing usable: the last proxy known.
        assert_eq!(client_address(Some(proxy), None, &trusted), "10.0.0.2");
        assert_eq!(
            client_address(Some(proxy), Some("junk, 10.0.0.1"), &trusted),
            "10.0.0.1"
        );
        assert_eq!(client_address(None, Some(client), &trusted), "unknown");
        assert_eq!(client_address(Some(proxy), Some(client), &[]), "10.0.0.2");
    }
}
