package reliability_test

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/passthrough-dev/passthrough/adapters/erp/erptest"

	"github.com/stretchr/testify/require"
)

// pgServer is a PostgreSQL server of the test's own, which the test may stop the hard way
// (pg_ctl stop -m immediate, as a crash or a pulled plug would) without disturbing the
// tests that share the throw-away server of PASSTHROUGH_TEST_PG_DSN.
type pgServer struct {
	bin  string // the folder of pg_ctl and initdb
	dir  string // the cluster
	port int
	// runAs is the user the server runs as when the test runs as root, which PostgreSQL
	// refuses.
	runAs string
}

// startPostgres creates a cluster in a temporary folder and starts it on a free loopback
// port. The binaries are those of the shared test server, found through its process, so
// nothing about this machine is written down.
func startPostgres(t testing.TB) *pgServer {
	t.Helper()
	bin := postgresBinaries(t, erptest.PostgresServer(t))
	s := &pgServer{bin: bin}
	dir, err := os.MkdirTemp("", "passthrough-reliability-pg-")
	require.NoError(t, err)
	s.dir = dir
	t.Cleanup(func() {
		_ = s.pgctl("-m", "immediate", "stop")
		_ = os.RemoveAll(dir)
	})
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		require.NoError(t, err, "running as root, the test server needs the postgres user")
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		require.NoError(t, os.Chown(dir, uid, gid))
		s.runAs = "postgres"
	}
	out, err := s.command(filepath.Join(bin, "initdb"), "-D", dir, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8").CombinedOutput()
	require.NoError(t, err, "initdb: %s", out)

	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	s.port = l.Addr().(*net.TCPAddr).Port
	require.NoError(t, l.Close())
	s.start(t)
	return s
}

func (s *pgServer) dsn() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", s.port)
}

func (s *pgServer) command(name string, args ...string) *exec.Cmd {
	if s.runAs != "" {
		return exec.Command("runuser", append([]string{"-u", s.runAs, "--", name}, args...)...)
	}
	return exec.Command(name, args...)
}

func (s *pgServer) pgctl(args ...string) error {
	out, err := s.command(filepath.Join(s.bin, "pg_ctl"), append([]string{"-D", s.dir}, args...)...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("pg_ctl %v: %w: %s", args, err, out)
	}
	return nil
}

// start starts the server and waits until it accepts connections.
func (s *pgServer) start(t testing.TB) {
	t.Helper()
	opts := fmt.Sprintf("-c listen_addresses=127.0.0.1 -c port=%d -c unix_socket_directories=%s -c fsync=off", s.port, s.dir)
	require.NoError(t, s.pgctl("-l", filepath.Join(s.dir, "server.log"), "-w", "-o", opts, "start"))
}

// crash stops the server at once: no checkpoint, every connection cut, as a crash would.
func (s *pgServer) crash(t testing.TB) {
	t.Helper()
	require.NoError(t, s.pgctl("-m", "immediate", "stop"))
}

// postgresBinaries finds the folder of pg_ctl and initdb: beside the executable of the
// shared test server's backend when it runs on this machine, or on PATH.
func postgresBinaries(t testing.TB, dsn string) string {
	t.Helper()
	db, err := sql.Open("pgx", dsn)
	require.NoError(t, err)
	defer db.Close()
	var pid int
	require.NoError(t, db.QueryRowContext(context.Background(), "SELECT pg_backend_pid()").Scan(&pid))
	if exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid)); err == nil {
		if _, err := os.Stat(filepath.Join(filepath.Dir(exe), "pg_ctl")); err == nil {
			return filepath.Dir(exe)
		}
	}
	p, err := exec.LookPath("pg_ctl")
	require.NoError(t, err, "pg_ctl is neither beside the test server's executable nor on PATH")
	return filepath.Dir(p)
}
