package ssm

import (
	"fmt"
	"testing"
)

// BenchmarkEngineGetParameter is the hot path: a cached current version.
func BenchmarkEngineGetParameter(b *testing.B) {
	e, _ := newTestEngine(b)
	if _, err := e.PutParameter(ctx, PutParameterInput{Name: "/bench/value", Value: "some-value", Type: TypeString}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := e.GetParameter(ctx, "/bench/value", false); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkEngineGetParameterSecure(b *testing.B) {
	e, _ := newTestEngine(b)
	if _, err := e.PutParameter(ctx, PutParameterInput{Name: "/bench/secret", Value: "some-secret", Type: TypeSecureString}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := e.GetParameter(ctx, "/bench/secret", true); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkEnginePutParameter(b *testing.B) {
	e, _ := newTestEngine(b)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		if _, err := e.PutParameter(ctx, PutParameterInput{Name: fmt.Sprintf("/bench/p%d", i%1000), Value: "v", Type: TypeString, Overwrite: true}); err != nil {
			b.Fatal(err)
		}
	}
}
