package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/containerd/ttrpc"
)

const defaultPayload = 64

type benchOpts struct {
	calls   int
	payload int
	json    bool
}

type benchResult struct {
	Impl        string  `json:"impl"`
	Calls       int     `json:"calls"`
	P50us       float64 `json:"p50_us"`
	P99us       float64 `json:"p99_us"`
	CallsPerSec float64 `json:"calls_per_sec"`
}

func runBench(socket string, o benchOpts) error {
	conn, err := net.DialTimeout("unix", socket, 5*time.Second)
	if err != nil {
		return err
	}
	client := ttrpc.NewClient(conn)
	defer client.Close()

	value := bytes.Repeat([]byte{'b'}, o.payload)
	req := &payload{Value: value}
	ctx := context.Background()
	call := func() error {
		resp := &payload{}
		if err := client.Call(ctx, echoService, echoMethod, req, resp); err != nil {
			return err
		}
		if len(resp.Value) != len(value) {
			return fmt.Errorf("echo returned %d bytes, want %d", len(resp.Value), len(value))
		}
		return nil
	}

	warmup := o.calls / 10
	if warmup > 1000 {
		warmup = 1000
	}
	for i := 0; i < warmup; i++ {
		if err := call(); err != nil {
			return fmt.Errorf("warm-up call %d: %w", i, err)
		}
	}

	lat := make([]time.Duration, o.calls)
	start := time.Now()
	for i := range lat {
		t0 := time.Now()
		if err := call(); err != nil {
			return fmt.Errorf("call %d: %w", i, err)
		}
		lat[i] = time.Since(t0)
	}
	total := time.Since(start)

	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	r := benchResult{
		Impl:        "go",
		Calls:       o.calls,
		P50us:       us(percentile(lat, 50)),
		P99us:       us(percentile(lat, 99)),
		CallsPerSec: math.Round(float64(o.calls)/total.Seconds()*10) / 10,
	}
	if o.json {
		return json.NewEncoder(os.Stdout).Encode(r)
	}
	fmt.Printf("impl=go calls=%d payload=%dB p50=%.1fus p99=%.1fus calls/s=%.0f\n",
		r.Calls, o.payload, r.P50us, r.P99us, r.CallsPerSec)
	return nil
}

// percentile uses the nearest-rank method on sorted samples.
func percentile(sorted []time.Duration, p float64) time.Duration {
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	if rank < 1 {
		rank = 1
	}
	return sorted[rank-1]
}

func us(d time.Duration) float64 {
	return math.Round(float64(d.Nanoseconds())/100) / 10
}

// runSelfBench benchmarks the Go client against an in-process Go server on a
// temporary Unix socket: the reference figure for the Swift implementation.
func runSelfBench(o benchOpts) error {
	dir, err := os.MkdirTemp("", "ttrpc-peer-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	socket := filepath.Join(dir, "s.sock")
	stop, err := startServer(socket)
	if err != nil {
		return err
	}
	defer stop()
	return runBench(socket, o)
}
