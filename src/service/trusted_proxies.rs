//! Trusted proxies: behind a reverse proxy every request comes from the proxy's address, so the
//! sign-in limits would count every user as one. `X-Forwarded-For` names the client, but anyone can
//! send it: it is believed only from a proxy named in `ROOK_NOTIFY_TRUSTED_PROXIES`, and then only up
//! to the first hop that is not itself a trusted proxy.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

/// One trusted address or network (`10.0.0.7`, `10.0.0.0/8`, `::1`, `fd00::/8`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProxyNet {
    address: IpAddr,
    prefix: u8,
}

impl ProxyNet {
    fn contains(&self, ip: IpAddr) -> bool {
        match (self.address, canonical(ip)) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(self.prefix)).unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX.checked_shl(128 - u32::from(self.prefix)).unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// An IPv4 address written as IPv6 (`::ffff:10.0.0.1`) is the IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

impl FromStr for ProxyNet {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let (address, prefix) = match s.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (s, None),
        };
        let address = canonical(
            address.parse::<IpAddr>().map_err(|_| format!("{s:?} is not an IP address or a network (CIDR)"))?,
        );
        let max = if address.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => p.parse::<u8>().ok().filter(|p| *p <= max).ok_or_else(|| format!("{s:?}: bad prefix length"))?,
        };
        Ok(ProxyNet { address, prefix })
    }
}

impl fmt::Display for ProxyNet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.address, self.prefix)
    }
}

/// The trusted proxies (none by default: `X-Forwarded-For` is then never believed).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(pub Vec<ProxyNet>);

impl TrustedProxies {
    fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(ip))
    }

    /// The client of a request from `peer` with these `X-Forwarded-For` values (each a comma-separated
    /// list, the nearest hop last): from a trusted peer, the nearest hop that is not a trusted proxy;
    /// otherwise, or if the header is malformed, the peer itself.
    pub fn client_address<'a>(&self, peer: IpAddr, forwarded_for: impl Iterator<Item = &'a str>) -> IpAddr {
        let peer = canonical(peer);
        if !self.trusts(peer) {
            return peer;
        }
        let hops: Vec<&str> = forwarded_for.flat_map(|v| v.split(',')).map(str::trim).collect();
        let mut client = peer;
        for hop in hops.iter().rev() {
            let Ok(ip) = hop.parse::<IpAddr>() else { return client };
            client = canonical(ip);
            if !self.trusts(client) {
                return client;
            }
        }
        client
    }
}

impl FromStr for TrustedProxies {
    type Err = String;

    /// A comma-separated list; empty means none.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.split(',')
            .filter(|p| !p.trim().is_empty())
            .map(ProxyNet::from_str)
            .collect::<Result<_, _>>()
            .map(TrustedProxies)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn the_header_is_believed_only_from_a_trusted_proxy() {
        let proxies: TrustedProxies = "10.0.0.0/8, 192.168.1.5".parse().unwrap();
        let xff = ["203.0.113.9"];
        assert_eq!(proxies.client_address(ip("10.1.2.3"), xff.into_iter()), ip("203.0.113.9"));
        assert_eq!(proxies.client_address(ip("192.168.1.5"), xff.into_iter()), ip("203.0.113.9"));
        assert_eq!(proxies.client_address(ip("192.168.1.6"), xff.into_iter()), ip("192.168.1.6"));
        assert_eq!(TrustedProxies::default().client_address(ip("10.1.2.3"), xff.into_iter()), ip("10.1.2.3"));
    }

    #[test]
    fn the_nearest_untrusted_hop_is_the_client_and_a_forged_start_is_ignored() {
        let proxies: TrustedProxies = "10.0.0.0/8".parse().unwrap();
        // The client forged "1.1.1.1"; the proxies appended the real address and themselves.
        let xff = ["1.1.1.1, 198.51.100.7", "10.0.0.2"];
        assert_eq!(proxies.client_address(ip("10.0.0.1"), xff.into_iter()), ip("198.51.100.7"));
        assert_eq!(proxies.client_address(ip("10.0.0.1"), ["garbage"].into_iter()), ip("10.0.0.1"));
        assert_eq!(proxies.client_address(ip("::ffff:10.0.0.1"), ["2001:db8::1"].into_iter()), ip("2001:db8::1"));
    }

    #[test]
    fn bad_entries_are_refused() {
        assert!("10.0.0.0/33".parse::<TrustedProxies>().is_err());
        assert!("proxy.example".parse::<TrustedProxies>().is_err());
        assert_eq!("".parse::<TrustedProxies>().unwrap(), TrustedProxies::default());
        assert_eq!("::/0".parse::<TrustedProxies>().unwrap().0.len(), 1);
    }
}
