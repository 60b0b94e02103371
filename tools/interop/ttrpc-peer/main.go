// Command ttrpc-peer is the Go reference peer for CopyTrade's ttrpc interop
// tests. It serves, checks and benchmarks the ttrpc.interop.v1.Echo service
// using github.com/containerd/ttrpc (the reference implementation).
package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/sirupsen/logrus"
)

const usage = `usage:
  ttrpc-peer serve --socket PATH
  ttrpc-peer check --socket PATH
  ttrpc-peer bench --socket PATH --calls N [--payload BYTES] [--json]
  ttrpc-peer selfbench --calls N [--payload BYTES] [--json]
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	cmd, args := os.Args[1], os.Args[2:]
	var err error
	switch cmd {
	case "serve":
		fs := newFlagSet(cmd)
		socket := fs.String("socket", "", "Unix socket path to listen on")
		parse(fs, args)
		requireSocket(*socket)
		err = runServe(*socket)
	case "check":
		fs := newFlagSet(cmd)
		socket := fs.String("socket", "", "Unix socket path of the server under test")
		parse(fs, args)
		requireSocket(*socket)
		quietLogs()
		os.Exit(runCheck(*socket))
	case "bench", "selfbench":
		fs := newFlagSet(cmd)
		var socket *string
		if cmd == "bench" {
			socket = fs.String("socket", "", "Unix socket path of the server to benchmark")
		}
		calls := fs.Int("calls", 0, "number of measured calls (required, > 0)")
		payload := fs.Int("payload", defaultPayload, "payload size in bytes")
		asJSON := fs.Bool("json", false, "print one JSON object")
		parse(fs, args)
		if *calls <= 0 {
			fail("--calls N (N > 0) is required")
		}
		if *payload < 0 {
			fail("--payload must be >= 0")
		}
		quietLogs()
		opts := benchOpts{calls: *calls, payload: *payload, json: *asJSON}
		if cmd == "bench" {
			requireSocket(*socket)
			err = runBench(*socket, opts)
		} else {
			err = runSelfBench(opts)
		}
	case "-h", "--help", "help":
		fmt.Print(usage)
		return
	default:
		fmt.Fprintf(os.Stderr, "ttrpc-peer: unknown subcommand %q\n%s", cmd, usage)
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "ttrpc-peer %s: %v\n", cmd, err)
		os.Exit(1)
	}
}

func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet("ttrpc-peer "+name, flag.ContinueOnError)
	fs.SetOutput(os.Stderr)
	return fs
}

func parse(fs *flag.FlagSet, args []string) {
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			os.Exit(0)
		}
		os.Exit(2)
	}
	if fs.NArg() != 0 {
		fail(fmt.Sprintf("unexpected arguments: %v", fs.Args()))
	}
}

func requireSocket(s string) {
	if s == "" {
		fail("--socket PATH is required")
	}
}

func fail(msg string) {
	fmt.Fprintf(os.Stderr, "ttrpc-peer: %s\n%s", msg, usage)
	os.Exit(2)
}

// quietLogs silences ttrpc's logrus output on the client side (e.g. the
// "received message for unknown channel" line when a late response arrives
// after a client-side deadline), which would otherwise clutter the report.
func quietLogs() {
	logrus.SetOutput(io.Discard)
}
