package seal

import (
	"bytes"
	"errors"
	"sync"
	"testing"
)

func key(b byte) []byte { return bytes.Repeat([]byte{b}, KeySize) }

func TestNewRejectsBadKeys(t *testing.T) {
	for _, n := range []int{0, 16, 31, 33, 64} {
		if _, err := New(make([]byte, n)); err == nil {
			t.Errorf("New accepted a %d-byte key", n)
		}
	}
}

func TestRoundTrip(t *testing.T) {
	s, err := New(key(7))
	if err != nil {
		t.Fatal(err)
	}
	for _, pt := range [][]byte{nil, {}, []byte("x"), bytes.Repeat([]byte("secret "), 10000)} {
		aad := []byte("arn:aws:ssm:us-east-1:123456789012:parameter/db/password#3")
		sealed := s.Seal(pt, aad)
		if len(sealed) != len(pt)+Overhead {
			t.Fatalf("sealed length %d, want %d", len(sealed), len(pt)+Overhead)
		}
		if sealed[0] != version1 {
			t.Fatalf("format byte %d", sealed[0])
		}
		if len(pt) > 4 && bytes.Contains(sealed, pt[:5]) {
			t.Fatal("plaintext visible in sealed value")
		}
		got, err := s.Open(sealed, aad)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, pt) {
			t.Fatalf("round trip mismatch")
		}
	}
}

func TestRandomNonces(t *testing.T) {
	s, _ := New(key(1))
	a := s.Seal([]byte("same"), nil)
	b := s.Seal([]byte("same"), nil)
	if bytes.Equal(a, b) {
		t.Fatal("two seals of the same plaintext are identical: nonce reused")
	}
}

func TestOpenFailures(t *testing.T) {
	s, _ := New(key(1))
	other, _ := New(key(2))
	aad := []byte("record-1")
	sealed := s.Seal([]byte("value"), aad)
	flip := func(i int) []byte {
		c := append([]byte(nil), sealed...)
		c[i] ^= 0x40
		return c
	}
	cases := []struct {
		name   string
		sealed []byte
		aad    []byte
		s      *Sealer
	}{
		{"other aad (record swap)", sealed, []byte("record-2"), s},
		{"no aad", sealed, nil, s},
		{"other key", sealed, aad, other},
		{"truncated", sealed[:Overhead-1], aad, s},
		{"empty", nil, aad, s},
		{"version byte changed", flip(0), aad, s},
		{"nonce tampered", flip(3), aad, s},
		{"ciphertext tampered", flip(1 + nonceSize), aad, s},
		{"tag tampered", flip(len(sealed) - 1), aad, s},
	}
	for _, c := range cases {
		if _, err := c.s.Open(c.sealed, c.aad); !errors.Is(err, ErrOpen) {
			t.Errorf("%s: got %v, want ErrOpen", c.name, err)
		}
	}
}

func TestDerivedKeyIsNotMasterKey(t *testing.T) {
	k := key(9)
	if bytes.Equal(derive(k, "skiff/seal/v1"), k) {
		t.Fatal("sub-key equals master key")
	}
	if bytes.Equal(derive(k, "skiff/seal/v1"), derive(k, "other")) {
		t.Fatal("labels do not separate keys")
	}
}

func TestConcurrentUse(t *testing.T) {
	s, _ := New(key(3))
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			aad := []byte{byte(i)}
			for j := 0; j < 200; j++ {
				pt := []byte{byte(i), byte(j)}
				got, err := s.Open(s.Seal(pt, aad), aad)
				if err != nil || !bytes.Equal(got, pt) {
					t.Errorf("goroutine %d: %v", i, err)
					return
				}
			}
		}(i)
	}
	wg.Wait()
}

func BenchmarkSealOpen(b *testing.B) {
	s, _ := New(key(5))
	pt := []byte("a typical parameter value of modest size")
	aad := []byte("arn:aws:ssm:us-east-1:123456789012:parameter/app/db/password#12")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Open(s.Seal(pt, aad), aad); err != nil {
			b.Fatal(err)
		}
	}
}
