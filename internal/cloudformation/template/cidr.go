package template

import (
	"fmt"
	"math/big"
	"net/netip"
	"strings"
)

// computeCidr implements Fn::Cidr: count consecutive subnets of size
// 2^cidrBits addresses carved from the start of ipBlock (AWS documents
// cidrBits as host bits: 8 gives /24 subnets for IPv4, /120 for IPv6).
func computeCidr(ipBlock string, count, cidrBits int) ([]any, error) {
	prefix, err := netip.ParsePrefix(strings.TrimSpace(ipBlock))
	if err != nil {
		return nil, fmt.Errorf("Template error: Fn::Cidr ipBlock '%s' is not a valid CIDR block", ipBlock)
	}
	prefix = prefix.Masked()
	total := 128
	if prefix.Addr().Is4() {
		total = 32
	}
	if count < 1 || count > 256 {
		return nil, fmt.Errorf("Template error: Fn::Cidr count must be an integer between 1 and 256")
	}
	if cidrBits < 0 || cidrBits > total {
		return nil, fmt.Errorf("Template error: Fn::Cidr cidrBits must be between 0 and %d", total)
	}
	newLen := total - cidrBits
	if newLen < prefix.Bits() {
		return nil, fmt.Errorf("Template error: Fn::Cidr cidrBits %d is too large for the ipBlock %s", cidrBits, prefix)
	}
	available := new(big.Int).Lsh(big.NewInt(1), uint(newLen-prefix.Bits()))
	if available.Cmp(big.NewInt(int64(count))) < 0 {
		return nil, fmt.Errorf("Template error: Fn::Cidr cannot create %d subnets with %d subnet bits from %s", count, cidrBits, prefix)
	}
	base := new(big.Int).SetBytes(prefix.Addr().AsSlice())
	step := new(big.Int).Lsh(big.NewInt(1), uint(cidrBits))
	size := total / 8
	out := make([]any, 0, count)
	cur := new(big.Int).Set(base)
	for i := 0; i < count; i++ {
		b := cur.Bytes()
		buf := make([]byte, size)
		copy(buf[size-len(b):], b)
		addr, _ := netip.AddrFromSlice(buf)
		out = append(out, netip.PrefixFrom(addr, newLen).String())
		cur.Add(cur, step)
	}
	return out, nil
}
