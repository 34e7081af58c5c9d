package erpmssql_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	mssql "github.com/microsoft/go-mssqldb"
	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/adapters/erp/erpmssql"
	"github.com/passthrough-dev/passthrough/adapters/erp/erptest"
	"github.com/passthrough-dev/passthrough/adapters/erp/internal/sqlstore"
)

// The tests here need a real SQL Server (PASSTHROUGH_TEST_MSSQL_DSN): each checks against
// the server what the mock tests can only take from its documentation.

// number is the SQL Server error number of err, or 0.
func number(err error) int32 {
	var me mssql.Error
	if errors.As(err, &me) {
		return me.Number
	}
	return 0
}

// TestSQLServerErrorsAreTranslatedByNumberAndMeaning makes the server raise each error the
// dialect translates and checks the number it really sends and the sentinel it becomes.
func TestSQLServerErrorsAreTranslatedByNumberAndMeaning(t *testing.T) {
	t.Parallel()
	dsn := serverDSN(t)
	schema := testSchema(t, dsn)
	db, err := sql.Open("sqlserver", dsn)
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	ctx := t.Context()
	tbl := func(name string) string { return "[" + schema + "]." + name }
	for _, q := range []string{
		"CREATE TABLE " + tbl("errs_pk") + " (id int NOT NULL PRIMARY KEY, code varchar(2) NULL, n tinyint NULL)",
		"CREATE TABLE " + tbl("errs_unique") + " (id int NOT NULL, sku varchar(30) NOT NULL)",
		"CREATE UNIQUE INDEX errs_unique_sku ON " + tbl("errs_unique") + " (sku)",
		"INSERT INTO " + tbl("errs_pk") + " (id) VALUES (1), (2)",
		"INSERT INTO " + tbl("errs_unique") + " (id, sku) VALUES (1, 'TS-001')",
	} {
		_, err := db.ExecContext(ctx, q)
		require.NoError(t, err, q)
	}

	for _, tc := range []struct {
		name    string
		query   string
		arg     any
		numbers []int32
		want    error
	}{
		{"a number too big for decimal(p,s) is an invalid value", "SELECT CAST(@p1 AS decimal(18,4))",
			mssql.VarChar("123456789012345678901234567890"), []int32{8115}, erp.ErrInvalidValue},
		{"a number beyond a tinyint is an invalid value", "UPDATE " + tbl("errs_pk") + " SET n = @p1 WHERE id = 1",
			int64(256), []int32{220}, erp.ErrInvalidValue},
		{"text too long for its column is an invalid value", "UPDATE " + tbl("errs_pk") + " SET code = @p1 WHERE id = 1",
			mssql.VarChar("ABC"), []int32{2628, 8152}, erp.ErrInvalidValue},
		{"a second row with a primary key is a duplicate", "INSERT INTO " + tbl("errs_pk") + " (id) VALUES (@p1)",
			int64(1), []int32{2627}, erp.ErrDuplicate},
		{"a second row with a unique index's key is a duplicate", "INSERT INTO " + tbl("errs_unique") + " (id, sku) VALUES (2, @p1)",
			mssql.VarChar("TS-001"), []int32{2601}, erp.ErrDuplicate},
	} {
		_, err := db.ExecContext(ctx, tc.query, tc.arg)
		require.Error(t, err, tc.name)
		require.Contains(t, tc.numbers, number(err), "%s: %v", tc.name, err)
		require.ErrorIs(t, erpmssql.Dialect{}.Classify(err), tc.want, tc.name)
	}

	t.Run("a lock held past the session's lock timeout is retryable (1222)", func(t *testing.T) {
		holder, err := db.Conn(ctx)
		require.NoError(t, err)
		defer holder.Close()
		waiter, err := db.Conn(ctx)
		require.NoError(t, err)
		defer waiter.Close()
		tx, err := holder.BeginTx(ctx, nil)
		require.NoError(t, err)
		defer tx.Rollback()
		_, err = tx.ExecContext(ctx, "UPDATE "+tbl("errs_pk")+" SET code = 'x' WHERE id = 1")
		require.NoError(t, err)
		_, err = waiter.ExecContext(ctx, "SET LOCK_TIMEOUT 0")
		require.NoError(t, err)
		_, err = waiter.ExecContext(ctx, "UPDATE "+tbl("errs_pk")+" SET code = 'y' WHERE id = 1")
		require.Equal(t, int32(1222), number(err), "%v", err)
		require.ErrorIs(t, erpmssql.Dialect{}.Classify(err), erp.ErrRetryable)
	})

	t.Run("the victim of a deadlock is retryable (1205)", func(t *testing.T) {
		// Two transactions take rows 1 and 2 in opposite orders; the one that says it
		// matters less is chosen as the victim.
		errs := make([]error, 2)
		var first, second sync.WaitGroup
		first.Add(2)
		second.Add(2)
		for i, order := range [][2]int{{1, 2}, {2, 1}} {
			go func() {
				defer second.Done()
				conn, err := db.Conn(ctx)
				if err != nil {
					errs[i] = err
					first.Done()
					return
				}
				defer conn.Close()
				if i == 1 {
					if _, err := conn.ExecContext(ctx, "SET DEADLOCK_PRIORITY LOW"); err != nil {
						errs[i] = err
						first.Done()
						return
					}
				}
				tx, err := conn.BeginTx(ctx, nil)
				if err != nil {
					errs[i] = err
					first.Done()
					return
				}
				defer tx.Rollback()
				_, err = tx.ExecContext(ctx, "UPDATE "+tbl("errs_pk")+" SET code = 'a' WHERE id = @p1", order[0])
				first.Done()
				if err != nil {
					errs[i] = err
					return
				}
				first.Wait() // both hold their first row
				if _, err := tx.ExecContext(ctx, "UPDATE "+tbl("errs_pk")+" SET code = 'b' WHERE id = @p1", order[1]); err != nil {
					errs[i] = err
					return
				}
				errs[i] = tx.Commit()
			}()
		}
		second.Wait()
		require.NoError(t, errs[0], "the transaction that matters more goes through")
		require.Equal(t, int32(1205), number(errs[1]), "%v", errs[1])
		require.ErrorIs(t, erpmssql.Dialect{}.Classify(errs[1]), erp.ErrRetryable)
	})

	t.Run("a login the server refuses is access denied (18456)", func(t *testing.T) {
		_, err := erpmssql.Open(ctx, wrongPassword(t, dsn))
		require.Error(t, err)
		require.Equal(t, int32(18456), number(err), "%v", err)
		require.ErrorIs(t, err, erp.ErrDenied)
	})
}

// wrongPassword is dsn with its password changed, in URL or key=value form.
func wrongPassword(t *testing.T, dsn string) string {
	t.Helper()
	if strings.HasPrefix(dsn, "sqlserver://") {
		u, err := url.Parse(dsn)
		require.NoError(t, err)
		pw, _ := u.User.Password()
		u.User = url.UserPassword(u.User.Username(), pw+"-not-it")
		return u.String()
	}
	re := regexp.MustCompile(`(?i)(password|pwd)=([^;]*)`)
	require.Regexp(t, re, dsn, "the DSN has a password to change")
	return re.ReplaceAllString(dsn, "${1}=${2}-not-it")
}

// TestVarcharParametersSeekAVarcharIndexWhereNvarcharOnesScanIt reads the plans SQL Server
// makes for the store's lookup of orders by key in a table whose key is varchar under a SQL
// collation, as many ERPs have them: with the varchar parameter the dialect binds, an index
// seek; with the nvarchar parameter a Go string would be, the column converted row by row
// and the index scanned. SET STATISTICS XML needs only the database's SHOWPLAN permission.
func TestVarcharParametersSeekAVarcharIndexWhereNvarcharOnesScanIt(t *testing.T) {
	t.Parallel()
	s := open(t)
	ctx := t.Context()
	db := s.DB()
	table := "[" + s.Schema() + "].web_headers"
	for _, q := range []string{
		"CREATE TABLE " + table + ` (shop varchar(20) COLLATE SQL_Latin1_General_CP1_CI_AS NOT NULL, web_order_id bigint NOT NULL,
			import_status varchar(1) NULL, import_error varchar(255) NULL, erp_order_no varchar(20) NULL,
			CONSTRAINT pk_web_headers PRIMARY KEY (shop, web_order_id))`,
		`WITH n AS (SELECT TOP (20000) ROW_NUMBER() OVER (ORDER BY (SELECT NULL)) AS i FROM sys.all_columns a CROSS JOIN sys.all_columns b)
			INSERT INTO ` + table + ` (shop, web_order_id) SELECT CONCAT('shop', i % 50), i FROM n`,
		"UPDATE STATISTICS " + table,
	} {
		_, err := db.ExecContext(ctx, q)
		require.NoError(t, err, q)
	}
	cols, err := s.TableColumns(ctx, "web_headers")
	require.NoError(t, err)
	st, err := sqlstore.NewStatements(erpmssql.Dialect{}).InSchema(s.Schema()).
		ImportStatusList(sqlstore.NewTable("web_headers", cols), "shop7", []int64{107, 157})
	require.NoError(t, err)
	require.IsType(t, mssql.VarChar(""), st.Args[0], "the shop goes as varchar, as the column is")

	plan := func(args []any) string {
		conn, err := db.Conn(ctx)
		require.NoError(t, err)
		defer conn.Close()
		_, err = conn.ExecContext(ctx, "SET STATISTICS XML ON")
		require.NoError(t, err)
		defer func() {
			_, err := conn.ExecContext(context.Background(), "SET STATISTICS XML OFF")
			require.NoError(t, err)
		}()
		rows, err := conn.QueryContext(ctx, st.SQL, args...)
		require.NoError(t, err)
		defer rows.Close()
		for {
			cols, err := rows.Columns()
			require.NoError(t, err)
			for rows.Next() {
				vals := make([]any, len(cols))
				ptrs := make([]any, len(cols))
				for i := range vals {
					ptrs[i] = &vals[i]
				}
				require.NoError(t, rows.Scan(ptrs...))
				if x := fmt.Sprintf("%s", vals[0]); strings.Contains(x, "<ShowPlanXML") {
					return x
				}
			}
			if !rows.NextResultSet() {
				break
			}
		}
		require.NoError(t, rows.Err())
		t.Fatal("SQL Server returned no plan")
		return ""
	}
	op := regexp.MustCompile(`PhysicalOp="([^"]+)"`)
	ops := func(xml string) string {
		var out []string
		for _, m := range op.FindAllStringSubmatch(xml, -1) {
			out = append(out, m[1])
		}
		return strings.Join(out, ", ")
	}

	typed := plan(st.Args)
	require.Contains(t, ops(typed), "Index Seek", "varchar parameter: %s", ops(typed))
	require.NotContains(t, ops(typed), "Index Scan", "varchar parameter: %s", ops(typed))

	untyped := append([]any{string(st.Args[0].(mssql.VarChar))}, st.Args[1:]...)
	scanned := plan(untyped)
	require.Contains(t, ops(scanned), "Index Scan", "an nvarchar parameter scans the varchar index: %s", ops(scanned))
	t.Logf("plan with varchar: %s; with nvarchar: %s", ops(typed), ops(scanned))
}

// TestMigrateRunsInTheStoresSchemaAndTwoSchemasMigrateApart migrates two stores of one
// database, each in its own schema, at once: each gets its tables, and neither waits for
// the other's lock.
func TestMigrateRunsInTheStoresSchemaAndTwoSchemasMigrateApart(t *testing.T) {
	t.Parallel()
	a, b := open(t), open(t)
	errs := make(chan error, 2)
	for _, s := range []erptest.Store{a, b} {
		go func() {
			_, err := s.Migrate(t.Context())
			errs <- err
		}()
	}
	for range 2 {
		select {
		case err := <-errs:
			require.NoError(t, err)
		case <-time.After(2 * time.Minute):
			t.Fatal("the migrations did not finish")
		}
	}
	for _, s := range []erptest.Store{a, b} {
		var n int
		require.NoError(t, s.DB().QueryRowContext(t.Context(),
			"SELECT COUNT(*) FROM sys.tables t JOIN sys.schemas s ON s.schema_id = t.schema_id WHERE s.name = @p1", s.Schema()).Scan(&n))
		require.GreaterOrEqual(t, n, 14, fmt.Sprintf("the tables are in %s", s.Schema()))
	}
}
