package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/containerd/ttrpc"
	"github.com/gogo/protobuf/types"
	"google.golang.org/grpc/codes"
	health "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
)

const (
	echoService   = "ttrpc.interop.v1.Echo"
	echoMethod    = "Echo"
	healthService = "grpc.health.v1.Health"
	healthMethod  = "Check"
)

// ttrpc.interop.v1.Payload { bytes value = 1; } is wire-identical to
// google.protobuf.BytesValue, so the gogo BytesValue type is used directly.
type payload = types.BytesValue

// echo implements ttrpc.interop.v1.Echo/Echo.
func echo(ctx context.Context, req *payload) (*payload, error) {
	v := req.Value
	switch {
	case bytes.HasPrefix(v, []byte("fail:")):
		// fail:CODE:MESSAGE
		parts := strings.SplitN(string(v[len("fail:"):]), ":", 2)
		n, err := strconv.ParseUint(parts[0], 10, 32)
		if err != nil {
			return nil, status.Errorf(codes.InvalidArgument, "bad fail code %q", parts[0])
		}
		msg := ""
		if len(parts) == 2 {
			msg = parts[1]
		}
		return nil, status.Errorf(codes.Code(n), "%s", msg)
	case bytes.HasPrefix(v, []byte("sleep:")):
		ms, err := strconv.ParseUint(string(v[len("sleep:"):]), 10, 32)
		if err != nil {
			return nil, status.Errorf(codes.InvalidArgument, "bad sleep duration %q", v[len("sleep:"):])
		}
		t := time.NewTimer(time.Duration(ms) * time.Millisecond)
		defer t.Stop()
		select {
		case <-t.C:
			return req, nil
		case <-ctx.Done():
			return nil, contextStatus(ctx.Err())
		}
	case bytes.HasPrefix(v, []byte("metadata:")):
		val, _ := ttrpc.GetMetadataValue(ctx, string(v[len("metadata:"):]))
		return &payload{Value: []byte(val)}, nil
	}
	return req, nil
}

func contextStatus(err error) error {
	code := codes.Canceled
	if errors.Is(err, context.DeadlineExceeded) {
		code = codes.DeadlineExceeded
	}
	return status.Error(code, err.Error())
}

func newServer() (*ttrpc.Server, error) {
	s, err := ttrpc.NewServer()
	if err != nil {
		return nil, err
	}
	s.Register(echoService, map[string]ttrpc.Method{
		echoMethod: func(ctx context.Context, unmarshal func(interface{}) error) (interface{}, error) {
			req := &payload{}
			if err := unmarshal(req); err != nil {
				return nil, err
			}
			return echo(ctx, req)
		},
	})
	s.Register(healthService, map[string]ttrpc.Method{
		healthMethod: func(ctx context.Context, unmarshal func(interface{}) error) (interface{}, error) {
			req := &health.HealthCheckRequest{}
			if err := unmarshal(req); err != nil {
				return nil, err
			}
			return &health.HealthCheckResponse{Status: health.HealthCheckResponse_SERVING}, nil
		},
	})
	return s, nil
}

// listenUnix removes a stale socket file and listens on path.
func listenUnix(path string) (net.Listener, error) {
	if fi, err := os.Lstat(path); err == nil {
		if fi.Mode()&os.ModeSocket == 0 {
			return nil, fmt.Errorf("%s exists and is not a socket", path)
		}
		if err := os.Remove(path); err != nil {
			return nil, err
		}
	}
	return net.Listen("unix", path)
}

// startServer listens on path and serves in the background. The returned stop
// function shuts the server down and removes the socket file.
func startServer(path string) (stop func(), err error) {
	l, err := listenUnix(path)
	if err != nil {
		return nil, err
	}
	s, err := newServer()
	if err != nil {
		l.Close()
		return nil, err
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve(context.Background(), l) }()
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			s.Close()
		}
		<-done
		os.Remove(path)
	}, nil
}

func runServe(path string) error {
	stop, err := startServer(path)
	if err != nil {
		return err
	}
	quit := make(chan struct{}, 1)
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	go func() { <-sigs; quit <- struct{}{} }()
	if stdinIsPipe() {
		// Tie our lifetime to the parent's: exit when it closes our stdin.
		go func() {
			r := bufio.NewReader(os.Stdin)
			buf := make([]byte, 512)
			for {
				if _, err := r.Read(buf); err != nil {
					quit <- struct{}{}
					return
				}
			}
		}()
	}
	w := bufio.NewWriter(os.Stdout)
	fmt.Fprintln(w, "READY")
	if err := w.Flush(); err != nil {
		stop()
		return err
	}
	<-quit
	signal.Stop(sigs)
	stop()
	return nil
}

// stdinIsPipe reports whether stdin is a pipe or socket. Only then is EOF on
// stdin taken as "parent went away"; a terminal or /dev/null (which is what
// a non-interactive shell gives to `cmd &`) is ignored.
func stdinIsPipe() bool {
	fi, err := os.Stdin.Stat()
	if err != nil {
		return false
	}
	return fi.Mode()&(os.ModeNamedPipe|os.ModeSocket) != 0
}
