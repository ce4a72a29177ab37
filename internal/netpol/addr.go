package netpol

import (
	"fmt"
	"net/netip"
	"strings"

	networkingv1 "k8s.io/api/networking/v1"
)

// ipBlock is a parsed NetworkPolicyPeer.ipBlock.
type ipBlock struct {
	cidr   netip.Prefix
	except []netip.Prefix
}

// parseIPBlock parses an ipBlock as the API server validates it: a CIDR
// (host bits are ignored) and except CIDRs of the same family.
func parseIPBlock(b *networkingv1.IPBlock) (ipBlock, error) {
	p, err := netip.ParsePrefix(strings.TrimSpace(b.CIDR))
	if err != nil {
		return ipBlock{}, fmt.Errorf("ipBlock.cidr %q is not a CIDR", b.CIDR)
	}
	out := ipBlock{cidr: p.Masked()}
	for _, e := range b.Except {
		q, err := netip.ParsePrefix(strings.TrimSpace(e))
		if err != nil {
			return ipBlock{}, fmt.Errorf("ipBlock.except %q is not a CIDR", e)
		}
		out.except = append(out.except, q.Masked())
	}
	return out, nil
}

// Contains reports whether the block matches an address: inside cidr and
// inside no except.
func (b ipBlock) Contains(a netip.Addr) bool {
	a = a.Unmap()
	if !b.cidr.Contains(a) {
		return false
	}
	for _, e := range b.except {
		if e.Contains(a) {
			return false
		}
	}
	return true
}

// String is "0.0.0.0/0 except 169.254.169.254/32".
func (b ipBlock) String() string {
	s := b.cidr.String()
	if len(b.except) > 0 {
		ex := make([]string, len(b.except))
		for i, e := range b.except {
			ex[i] = e.String()
		}
		s += " except " + strings.Join(ex, ", ")
	}
	return s
}

// ranges is the block as address ranges.
func (b ipBlock) ranges() []addrRange {
	rs := []addrRange{prefixRange(b.cidr)}
	for _, e := range b.except {
		rs = subtractRange(rs, prefixRange(e))
	}
	return rs
}

// addrRange is an inclusive range of addresses of one family.
type addrRange struct{ lo, hi netip.Addr }

func prefixRange(p netip.Prefix) addrRange {
	p = p.Masked()
	a := p.Addr().AsSlice()
	for i := p.Bits(); i < len(a)*8; i++ {
		a[i/8] |= 1 << (7 - i%8)
	}
	hi, _ := netip.AddrFromSlice(a)
	return addrRange{p.Addr(), hi}
}

// subtractRange removes cut from every range of rs.
func subtractRange(rs []addrRange, cut addrRange) []addrRange {
	var out []addrRange
	for _, r := range rs {
		if r.lo.BitLen() != cut.lo.BitLen() || cut.hi.Less(r.lo) || r.hi.Less(cut.lo) {
			out = append(out, r)
			continue
		}
		if r.lo.Less(cut.lo) {
			out = append(out, addrRange{r.lo, cut.lo.Prev()})
		}
		if cut.hi.Less(r.hi) {
			out = append(out, addrRange{cut.hi.Next(), r.hi})
		}
	}
	return out
}

// intersectRanges keeps the parts of rs inside any of within.
func intersectAddrRanges(rs, within []addrRange) []addrRange {
	var out []addrRange
	for _, r := range rs {
		for _, w := range within {
			if r.lo.BitLen() != w.lo.BitLen() || w.hi.Less(r.lo) || r.hi.Less(w.lo) {
				continue
			}
			lo, hi := r.lo, r.hi
			if lo.Less(w.lo) {
				lo = w.lo
			}
			if w.hi.Less(hi) {
				hi = w.hi
			}
			out = append(out, addrRange{lo, hi})
		}
	}
	return out
}

// notInternet are the address ranges that are not routed on the public
// internet: private, shared, loopback, link-local (the cloud metadata
// endpoint), documentation, benchmarking, multicast and reserved space.
var notInternet = mustPrefixes(
	"0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
	"172.16.0.0/12", "192.0.0.0/24", "192.0.2.0/24", "192.168.0.0/16", "198.18.0.0/15",
	"198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4",
	"2001:db8::/32",
)

// internetRanges are the public unicast addresses: IPv4 but the ranges
// above, and IPv6 global unicast (2000::/3) but documentation space.
var internetRanges = func() []addrRange {
	rs := []addrRange{prefixRange(netip.MustParsePrefix("0.0.0.0/0")), prefixRange(netip.MustParsePrefix("2000::/3"))}
	for _, p := range notInternet {
		rs = subtractRange(rs, prefixRange(p))
	}
	return rs
}()

// internetV4 are the public IPv4 addresses.
var internetV4 = func() []addrRange {
	var out []addrRange
	for _, r := range internetRanges {
		if r.lo.Is4() {
			out = append(out, r)
		}
	}
	return out
}()

func mustPrefixes(ss ...string) []netip.Prefix {
	out := make([]netip.Prefix, len(ss))
	for i, s := range ss {
		out[i] = netip.MustParsePrefix(s)
	}
	return out
}

// admitsInternet reports whether the block holds any public address.
func (b ipBlock) admitsInternet() bool {
	return len(intersectAddrRanges(b.ranges(), internetRanges)) > 0
}

// coversInternetV4 reports whether the block holds every public IPv4
// address.
func (b ipBlock) coversInternetV4() bool {
	rest := internetV4
	for _, r := range b.ranges() {
		rest = subtractRange(rest, r)
	}
	return len(rest) == 0
}

// IsInternet reports whether an address is a public internet address.
func IsInternet(a netip.Addr) bool {
	a = a.Unmap()
	for _, r := range internetRanges {
		if r.lo.BitLen() == a.BitLen() && !a.Less(r.lo) && !r.hi.Less(a) {
			return true
		}
	}
	return false
}
