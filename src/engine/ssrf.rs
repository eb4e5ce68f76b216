//! The SSRF guard: deliveries go only to public unicast addresses unless private destinations are allowed.
//!
//! Two paths lead to an address and both are guarded:
//! - host names are resolved by [`GuardedResolver`], which hands reqwest only vetted addresses, so the address
//!   that was checked is the address connected to (no second resolution an attacker's DNS could answer
//!   differently);
//! - IP-literal hosts never reach a resolver (reqwest connects to them directly), so
//!   [`check_ip_literal_host`] must be called before sending.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// Which destinations deliveries may reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DestinationPolicy {
    /// When true the guard is off: every address is allowed (local demos and tests deliver to 127.0.0.1).
    pub allow_private: bool,
}

impl DestinationPolicy {
    /// Whether a delivery may connect to `ip` under this policy.
    pub fn allows(&self, ip: IpAddr) -> bool {
        self.allow_private || !is_forbidden_ip(ip)
    }
}

/// A destination the guard refused; it names the host and why, never a URL's path, query or credentials.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("refused destination {host}: {reason}")]
pub struct RefusedDestination {
    /// The host as written in the URL (a name or an IP literal).
    pub host: String,
    /// A sentence saying why, e.g. "it resolves to a forbidden address (127.0.0.1 is loopback)".
    pub reason: String,
}

/// A host name that could not be resolved at all (as opposed to one resolving to forbidden addresses).
#[derive(Debug, thiserror::Error)]
#[error("could not resolve {host}: {source}")]
pub struct ResolveError {
    /// The host name that was looked up.
    pub host: String,
    /// What the system resolver said.
    #[source]
    pub source: io::Error,
}

/// True when `ip` must never be a delivery destination (see [`forbidden_reason`] for the ranges).
pub fn is_forbidden_ip(ip: IpAddr) -> bool {
    forbidden_reason(ip).is_some()
}

/// Names the special-purpose range `ip` belongs to, or `None` for an ordinary public unicast address.
///
/// Covers loopback, unspecified, private, link-local (incl. cloud metadata), CGNAT, multicast, broadcast,
/// reserved, documentation and benchmarking ranges, IETF protocol assignments, IPv6 unique-local and
/// site-local, and IPv6 forms that embed an IPv4 address (mapped, compatible, NAT64, 6to4), which are judged
/// by the embedded address.
pub fn forbidden_reason(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => forbidden_v4(v4),
        IpAddr::V6(v6) => forbidden_v6(v6),
    }
}

fn forbidden_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, c, d] = ip.octets();
    Some(match (a, b, c, d) {
        (0, 0, 0, 0) => "unspecified",
        (0, ..) => "in \"this network\" (0.0.0.0/8)",
        (10, ..) => "private (10.0.0.0/8)",
        (100, 64..=127, ..) => "shared address space (CGNAT, 100.64.0.0/10)",
        (127, ..) => "loopback",
        (169, 254, 169, 254) => "cloud metadata (link-local)",
        (169, 254, ..) => "link-local (169.254.0.0/16)",
        (172, 16..=31, ..) => "private (172.16.0.0/12)",
        (192, 0, 0, _) => "reserved for IETF protocol assignments (192.0.0.0/24)",
        (192, 0, 2, _) | (198, 51, 100, _) | (203, 0, 113, _) => "in a documentation range",
        (192, 168, ..) => "private (192.168.0.0/16)",
        (198, 18..=19, ..) => "reserved for benchmarking (198.18.0.0/15)",
        (224..=239, ..) => "multicast",
        (255, 255, 255, 255) => "broadcast",
        (240..=255, ..) => "reserved (240.0.0.0/4)",
        _ => return None,
    })
}

fn forbidden_v6(ip: Ipv6Addr) -> Option<&'static str> {
    let s = ip.segments();
    let embedded = |hi: u16, lo: u16| Ipv4Addr::new((hi >> 8) as u8, hi as u8, (lo >> 8) as u8, lo as u8);
    if ip.is_unspecified() {
        return Some("unspecified");
    }
    if ip.is_loopback() {
        return Some("loopback");
    }
    // Forms embedding an IPv4 address reach that address (directly or through a translator): judge that one.
    if let Some(v4) = ip.to_ipv4_mapped() {
        return forbidden_v4(v4).map(|_| "an IPv4-mapped form of a forbidden IPv4 address");
    }
    if s[..6] == [0; 6] {
        return forbidden_v4(embedded(s[6], s[7])).map(|_| "an IPv4-compatible form of a forbidden IPv4 address");
    }
    if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return forbidden_v4(embedded(s[6], s[7])).map(|_| "a NAT64 form of a forbidden IPv4 address");
    }
    if s[0] == 0x2002 {
        return forbidden_v4(embedded(s[1], s[2])).map(|_| "a 6to4 form of a forbidden IPv4 address");
    }
    Some(match s {
        [0x64, 0xff9b, 1, ..] => "local-use NAT64 (64:ff9b:1::/48)",
        [0x100, 0, 0, 0, ..] => "discard-only (100::/64)",
        [0x2001, 0, ..] => "a Teredo tunnel address (2001::/32)",
        [0x2001, 2, 0, ..] => "reserved for benchmarking (2001:2::/48)",
        [0x2001, 0xdb8, ..] => "in a documentation range (2001:db8::/32)",
        [0x3fff, y, ..] if y & 0xf000 == 0 => "in a documentation range (3fff::/20)",
        [x, ..] if x & 0xfe00 == 0xfc00 => "unique local (fc00::/7)",
        [x, ..] if x & 0xffc0 == 0xfe80 => "link-local (fe80::/10)",
        [x, ..] if x & 0xffc0 == 0xfec0 => "site-local (fec0::/10)",
        [x, ..] if x & 0xff00 == 0xff00 => "multicast (ff00::/8)",
        _ => return None,
    })
}

/// Refuses a URL whose host is an IP literal the policy forbids (reqwest connects to those without asking
/// any resolver). Host names pass here: [`GuardedResolver`] vets them when the request is sent.
///
/// The `url` crate has already normalised other IPv4 spellings (`2130706433`, `0x7f.1`) to dotted form.
pub fn check_ip_literal_host(url: &url::Url, policy: DestinationPolicy) -> Result<(), RefusedDestination> {
    let ip = match url.host() {
        Some(url::Host::Ipv4(v4)) => IpAddr::V4(v4),
        Some(url::Host::Ipv6(v6)) => IpAddr::V6(v6),
        Some(url::Host::Domain(_)) => return Ok(()),
        None => {
            return Err(RefusedDestination { host: String::new(), reason: "the URL has no host".to_owned() });
        }
    };
    if policy.allows(ip) {
        return Ok(());
    }
    let reason = forbidden_reason(ip).unwrap_or("forbidden");
    Err(RefusedDestination { host: ip.to_string(), reason: format!("{ip} is {reason}") })
}

/// A reqwest DNS resolver that returns only the addresses the policy allows.
///
/// A name resolving to any forbidden address fails with [`RefusedDestination`] in the error's source
/// chain; a name that does not resolve fails with [`ResolveError`].
#[derive(Debug, Clone, Copy, Default)]
pub struct GuardedResolver {
    /// What the resolver lets through.
    pub policy: DestinationPolicy,
}

impl GuardedResolver {
    /// A resolver enforcing `policy`.
    pub fn new(policy: DestinationPolicy) -> Self {
        Self { policy }
    }

    /// Resolves `host` with the system resolver; refuses it when any address it resolves to is forbidden
    /// (a name that points anywhere private is not a public destination, whichever of its addresses a
    /// connection would pick). Port 0: reqwest sets it.
    pub async fn resolve_vetted(
        &self,
        host: &str,
    ) -> Result<Vec<SocketAddr>, Box<dyn std::error::Error + Send + Sync>> {
        let found: Vec<SocketAddr> = tokio::net::lookup_host((host, 0))
            .await
            .map_err(|source| ResolveError { host: host.to_owned(), source })?
            .collect();
        if found.is_empty() {
            let source = io::Error::new(io::ErrorKind::NotFound, "no addresses found");
            return Err(Box::new(ResolveError { host: host.to_owned(), source }));
        }
        let policy = self.policy;
        let (allowed, refused): (Vec<SocketAddr>, Vec<SocketAddr>) =
            found.into_iter().partition(|addr| policy.allows(addr.ip()));
        if let Some(addr) = refused.first() {
            let ip = addr.ip();
            let why = forbidden_reason(ip).unwrap_or("forbidden");
            let reason = format!("it resolves to a forbidden address ({ip} is {why})");
            return Err(Box::new(RefusedDestination { host: host.to_owned(), reason }));
        }
        Ok(allowed)
    }
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let this = *self;
        Box::pin(async move {
            let addrs = this.resolve_vetted(name.as_str()).await?;
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn forbidden(s: &str) -> bool {
        is_forbidden_ip(s.parse().expect("test address parses"))
    }

    #[test]
    fn every_special_ipv4_range_is_forbidden() {
        for ip in [
            "0.0.0.0",
            "0.1.2.3",
            "10.0.0.1",
            "10.255.255.255",
            "100.64.0.1",
            "100.127.255.254",
            "100.100.100.200",
            "127.0.0.1",
            "127.255.255.254",
            "169.254.0.1",
            "169.254.169.254",
            "172.16.0.1",
            "172.31.255.255",
            "192.0.0.8",
            "192.0.2.1",
            "192.168.0.1",
            "192.168.255.255",
            "198.18.0.1",
            "198.19.255.255",
            "198.51.100.7",
            "203.0.113.9",
            "224.0.0.1",
            "239.255.255.250",
            "240.0.0.1",
            "255.255.255.255",
        ] {
            assert!(forbidden(ip), "{ip} should be forbidden");
        }
    }

    #[test]
    fn range_edges_next_to_public_space_are_allowed() {
        for ip in [
            "1.1.1.1",
            "8.8.8.8",
            "9.255.255.255",
            "11.0.0.0",
            "100.63.255.255",
            "100.128.0.0",
            "126.255.255.255",
            "128.0.0.0",
            "169.253.255.255",
            "169.255.0.0",
            "172.15.255.255",
            "172.32.0.0",
            "192.0.1.1",
            "192.167.255.255",
            "192.169.0.0",
            "198.17.255.255",
            "198.20.0.0",
            "223.255.255.255",
        ] {
            assert!(!forbidden(ip), "{ip} should be allowed");
        }
    }

    #[test]
    fn every_special_ipv6_range_is_forbidden() {
        for ip in [
            "::",
            "::1",
            "fe80::1",
            "febf::1",
            "fec0::1",
            "fc00::1",
            "fd00:ec2::254",
            "ff02::1",
            "ff0e::1",
            "2001:db8::1",
            "3fff::1",
            "100::1",
            "2001::1",
            "2001:2::1",
            "64:ff9b:1::1",
        ] {
            assert!(forbidden(ip), "{ip} should be forbidden");
        }
    }

    #[test]
    fn ipv6_forms_embedding_a_forbidden_ipv4_are_forbidden() {
        for ip in [
            "::ffff:127.0.0.1",
            "::ffff:7f00:1",
            "::ffff:10.0.0.1",
            "::ffff:169.254.169.254",
            "::ffff:0.0.0.0",
            "::127.0.0.1",
            "::192.168.1.1",
            "64:ff9b::127.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "2002:7f00:1::1",
            "2002:c0a8:101::",
        ] {
            assert!(forbidden(ip), "{ip} should be forbidden");
        }
        for ip in ["::ffff:8.8.8.8", "64:ff9b::8.8.8.8", "2002:808:808::1"] {
            assert!(!forbidden(ip), "{ip} embeds a public address and should be allowed");
        }
    }

    #[test]
    fn public_addresses_are_allowed() {
        for ip in ["8.8.8.8", "1.1.1.1", "93.184.216.34", "2606:4700::1111", "2001:4860:4860::8888", "2a00:1450::1"] {
            assert!(!forbidden(ip), "{ip} should be allowed");
        }
    }

    #[test]
    fn reasons_name_the_range() {
        assert_eq!(forbidden_reason("169.254.169.254".parse().expect("ip")), Some("cloud metadata (link-local)"));
        assert_eq!(forbidden_reason("127.0.0.1".parse().expect("ip")), Some("loopback"));
        assert_eq!(forbidden_reason("8.8.8.8".parse().expect("ip")), None);
    }

    #[test]
    fn ip_literal_hosts_are_checked_in_every_spelling() {
        let strict = DestinationPolicy::default();
        for url in [
            "http://127.0.0.1/",
            "http://127.0.0.1:8080/hook",
            "http://[::1]/",
            "http://[::ffff:127.0.0.1]/",
            "http://2130706433/",
            "http://0x7f.1/",
            "http://0177.0.0.1/",
            "https://169.254.169.254/latest/meta-data",
            "http://[fd00::1]/",
        ] {
            let parsed = url::Url::parse(url).expect("test URL parses");
            let err = check_ip_literal_host(&parsed, strict).expect_err(url);
            assert!(!err.reason.is_empty());
        }
        let refused =
            check_ip_literal_host(&url::Url::parse("http://user:pw@10.1.2.3/x?token=s").expect("url"), strict)
                .expect_err("private");
        assert_eq!(refused.to_string(), "refused destination 10.1.2.3: 10.1.2.3 is private (10.0.0.0/8)");

        for url in ["https://8.8.8.8/", "https://[2606:4700::1111]/", "https://localhost/", "https://example.com/"] {
            let parsed = url::Url::parse(url).expect("test URL parses");
            assert!(check_ip_literal_host(&parsed, strict).is_ok(), "{url} passes the literal check");
        }
        let open = DestinationPolicy { allow_private: true };
        assert!(check_ip_literal_host(&url::Url::parse("http://127.0.0.1/").expect("url"), open).is_ok());
    }

    #[tokio::test]
    async fn resolver_refuses_names_resolving_only_to_forbidden_addresses() {
        let strict = GuardedResolver::new(DestinationPolicy::default());
        let err = strict.resolve_vetted("localhost").await.expect_err("localhost is loopback");
        let refused = err.downcast_ref::<RefusedDestination>().expect("a RefusedDestination");
        assert_eq!(refused.host, "localhost");

        let open = GuardedResolver::new(DestinationPolicy { allow_private: true });
        let addrs = open.resolve_vetted("localhost").await.expect("allowed when private is allowed");
        assert!(addrs.iter().all(|a| a.ip().is_loopback()));
    }

    #[tokio::test]
    async fn resolver_reports_names_that_do_not_resolve_as_resolve_errors() {
        let strict = GuardedResolver::new(DestinationPolicy::default());
        let err = strict.resolve_vetted("no-such-host.invalid").await.expect_err("does not resolve");
        assert!(err.downcast_ref::<ResolveError>().is_some(), "{err}");
    }
}
