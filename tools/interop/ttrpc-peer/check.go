package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/containerd/ttrpc"
	"google.golang.org/grpc/codes"
	health "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
)

// callWatchdog bounds how long check waits for any single response, so a
// hung server fails the case instead of hanging the suite. It only affects
// the local wait: it is applied inside a client interceptor, after the
// request's timeout_nano has been computed, so it never appears on the wire.
const callWatchdog = 10 * time.Second

type wireTimeoutKey struct{}

// withWireTimeout asks the interceptor to send timeout_nano = d while
// waiting locally (up to callWatchdog) for the server's own answer.
func withWireTimeout(ctx context.Context, d time.Duration) context.Context {
	return context.WithValue(ctx, wireTimeoutKey{}, d)
}

func checkInterceptor(ctx context.Context, req *ttrpc.Request, resp *ttrpc.Response, info *ttrpc.UnaryClientInfo, invoke ttrpc.Invoker) error {
	if d, ok := ctx.Value(wireTimeoutKey{}).(time.Duration); ok {
		req.TimeoutNano = d.Nanoseconds()
	}
	ctx, cancel := context.WithTimeout(ctx, callWatchdog)
	defer cancel()
	return invoke(ctx, req, resp)
}

// codeOf maps a client error to a gRPC code; a local context error (the Go
// client gave up before the server answered) maps like grpc does.
func codeOf(err error) (codes.Code, string) {
	if err == nil {
		return codes.OK, ""
	}
	if st, ok := status.FromError(err); ok {
		return st.Code(), st.Message()
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return codes.DeadlineExceeded, err.Error()
	case errors.Is(err, context.Canceled):
		return codes.Canceled, err.Error()
	}
	return codes.Unknown, err.Error()
}

func describe(err error) string {
	c, m := codeOf(err)
	return fmt.Sprintf("code %d %s: %q (%v)", uint32(c), c, m, err)
}

type checker struct {
	client *ttrpc.Client
}

func (c *checker) echo(ctx context.Context, v []byte) ([]byte, error) {
	resp := &payload{}
	err := c.client.Call(ctx, echoService, echoMethod, &payload{Value: v}, resp)
	return resp.Value, err
}

func (c *checker) expectEcho(ctx context.Context, v []byte) error {
	got, err := c.echo(ctx, v)
	if err != nil {
		return fmt.Errorf("call failed: %s", describe(err))
	}
	if !bytes.Equal(got, v) {
		return fmt.Errorf("got %s, want %s", summarize(got), summarize(v))
	}
	return nil
}

func (c *checker) expectCode(err error, want codes.Code, wantMsg *string) error {
	if err == nil {
		return fmt.Errorf("call succeeded, want code %d %s", uint32(want), want)
	}
	got, msg := codeOf(err)
	if got != want {
		return fmt.Errorf("got %s, want code %d %s", describe(err), uint32(want), want)
	}
	if wantMsg != nil && msg != *wantMsg {
		return fmt.Errorf("got message %q, want %q", msg, *wantMsg)
	}
	return nil
}

func summarize(b []byte) string {
	if len(b) <= 40 {
		return fmt.Sprintf("%q (%d bytes)", b, len(b))
	}
	return fmt.Sprintf("%q... (%d bytes)", b[:40], len(b))
}

func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i/251)
	}
	return b
}

type checkCase struct {
	name string
	run  func(ctx context.Context, c *checker) error
}

func checkCases() []checkCase {
	strp := func(s string) *string { return &s }
	return []checkCase{
		{"echo-small", func(ctx context.Context, c *checker) error {
			return c.expectEcho(ctx, []byte("hello, ttrpc"))
		}},
		{"echo-empty", func(ctx context.Context, c *checker) error {
			return c.expectEcho(ctx, []byte{})
		}},
		{"echo-1mib", func(ctx context.Context, c *checker) error {
			return c.expectEcho(ctx, pattern(1<<20))
		}},
		{"concurrent-100", func(ctx context.Context, c *checker) error {
			const n = 100
			var wg sync.WaitGroup
			errs := make([]error, n)
			for i := 0; i < n; i++ {
				wg.Add(1)
				go func(i int) {
					defer wg.Done()
					// distinct contents and sizes (13..~6 KiB)
					v := append([]byte(fmt.Sprintf("concurrent-%03d:", i)), bytes.Repeat([]byte{byte(i)}, i*i%6000)...)
					errs[i] = c.expectEcho(ctx, v)
				}(i)
			}
			wg.Wait()
			bad := 0
			var first error
			for i, err := range errs {
				if err != nil {
					if first == nil {
						first = fmt.Errorf("call %d: %w", i, err)
					}
					bad++
				}
			}
			if bad > 0 {
				return fmt.Errorf("%d/%d calls wrong; first: %v", bad, n, first)
			}
			return nil
		}},
		{"health-check", func(ctx context.Context, c *checker) error {
			resp := &health.HealthCheckResponse{}
			err := c.client.Call(ctx, healthService, healthMethod, &health.HealthCheckRequest{Service: echoService}, resp)
			if err != nil {
				return fmt.Errorf("call failed: %s", describe(err))
			}
			if resp.Status != health.HealthCheckResponse_SERVING {
				return fmt.Errorf("status %d %s, want 1 SERVING", resp.Status, resp.Status)
			}
			return nil
		}},
		{"unknown-method", func(ctx context.Context, c *checker) error {
			err := c.client.Call(ctx, echoService, "NoSuchMethod", &payload{Value: []byte("x")}, &payload{})
			return c.expectCode(err, codes.Unimplemented, nil)
		}},
		{"unknown-service", func(ctx context.Context, c *checker) error {
			err := c.client.Call(ctx, "ttrpc.interop.v1.NoSuchService", echoMethod, &payload{Value: []byte("x")}, &payload{})
			return c.expectCode(err, codes.Unimplemented, nil)
		}},
		{"error-status", func(ctx context.Context, c *checker) error {
			_, err := c.echo(ctx, []byte("fail:3:bad thing"))
			return c.expectCode(err, codes.InvalidArgument, strp("bad thing"))
		}},
		{"deadline", func(ctx context.Context, c *checker) error {
			// Plain client-side context timeout, as a ttrpc user would write it.
			// The Go client may give up locally; either way the caller sees 4.
			ctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
			defer cancel()
			start := time.Now()
			_, err := c.echo(ctx, []byte("sleep:2000"))
			if err := c.expectCode(err, codes.DeadlineExceeded, nil); err != nil {
				return err
			}
			if el := time.Since(start); el > 1500*time.Millisecond {
				return fmt.Errorf("took %v", el)
			}
			return nil
		}},
		{"deadline-server-status", func(ctx context.Context, c *checker) error {
			// Sends timeout_nano = 200ms but waits for the server's own answer:
			// the server must enforce the deadline and reply with status 4.
			start := time.Now()
			_, err := c.echo(withWireTimeout(ctx, 200*time.Millisecond), []byte("sleep:2000"))
			el := time.Since(start)
			if err := c.expectCode(err, codes.DeadlineExceeded, nil); err != nil {
				return fmt.Errorf("%v after %v", err, el.Round(time.Millisecond))
			}
			if _, ok := status.FromError(err); !ok {
				return fmt.Errorf("no status from server: %v", err)
			}
			if el > 1500*time.Millisecond {
				return fmt.Errorf("server answered after %v, want about 200ms", el.Round(time.Millisecond))
			}
			return nil
		}},
		{"after-deadline", func(ctx context.Context, c *checker) error {
			return c.expectEcho(ctx, []byte("still alive"))
		}},
		{"metadata", func(ctx context.Context, c *checker) error {
			ctx = ttrpc.WithMetadata(ctx, ttrpc.MD{"x-trace": []string{"abc"}})
			got, err := c.echo(ctx, []byte("metadata:x-trace"))
			if err != nil {
				return fmt.Errorf("call failed: %s", describe(err))
			}
			if string(got) != "abc" {
				return fmt.Errorf("got %q, want \"abc\"", got)
			}
			return nil
		}},
		{"metadata-absent", func(ctx context.Context, c *checker) error {
			got, err := c.echo(ctx, []byte("metadata:x-absent"))
			if err != nil {
				return fmt.Errorf("call failed: %s", describe(err))
			}
			if len(got) != 0 {
				return fmt.Errorf("got %q, want empty", got)
			}
			return nil
		}},
	}
}

func runCheck(socket string) int {
	conn, err := net.DialTimeout("unix", socket, 5*time.Second)
	if err != nil {
		fmt.Printf("FAIL connect: %v\n", err)
		fmt.Println("0 passed, 1 failed")
		return 1
	}
	client := ttrpc.NewClient(conn, ttrpc.WithUnaryClientInterceptor(checkInterceptor))
	defer client.Close()
	c := &checker{client: client}
	passed, failed := 0, 0
	for _, tc := range checkCases() {
		if err := tc.run(context.Background(), c); err != nil {
			fmt.Printf("FAIL %s: %v\n", tc.name, err)
			failed++
		} else {
			fmt.Printf("PASS %s\n", tc.name)
			passed++
		}
	}
	fmt.Printf("%d passed, %d failed\n", passed, failed)
	if failed > 0 {
		return 1
	}
	return 0
}
