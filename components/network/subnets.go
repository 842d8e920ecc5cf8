package network

import (
	"fmt"
	"net/netip"
)

// SubnetPlan splits a VPC block for azCount zones: private subnets take
// eighths of the block (room for pod IPs under the VPC CNI), public subnets
// take sixty-fourths out of the last eighth (only load balancers and NAT).
func SubnetPlan(vpc netip.Prefix, azCount int) (private, public []netip.Prefix, err error) {
	if azCount < 1 || azCount > 6 {
		return nil, nil, fmt.Errorf("subnet plan: %d zones; expected 1 to 6", azCount)
	}
	if vpc.Bits() > MaxVpcBits {
		return nil, nil, fmt.Errorf("subnet plan: %s is smaller than a /%d, so its public subnets would be smaller than the /%d an ALB needs", vpc, MaxVpcBits, minPublicBits)
	}
	for i := range azCount {
		private = append(private, nth(vpc, 3, i))
		public = append(public, nth(nth(vpc, 3, 7), 3, i))
	}
	return private, public, nil
}

// An ALB needs each of its subnets to be at least a /27 with 8 free
// addresses (ELB user guide, Application Load Balancers, "Subnets for your
// load balancer"); public subnets are 6 bits smaller than the VPC.
const (
	minPublicBits = 27
	MaxVpcBits    = minPublicBits - 6
)

// nth returns the i-th block of the prefix extended by extraBits.
func nth(p netip.Prefix, extraBits, i int) netip.Prefix {
	bits := p.Bits() + extraBits
	base := p.Masked().Addr().As4()
	n := uint32(base[0])<<24 | uint32(base[1])<<16 | uint32(base[2])<<8 | uint32(base[3])
	n += uint32(i) << (32 - bits)
	addr := netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)})
	return netip.PrefixFrom(addr, bits)
}
