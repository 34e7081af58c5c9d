package erpmssql

import (
	"database/sql"
	"database/sql/driver"
	"fmt"
	"reflect"
	"regexp"
	"testing"
	"time"

	"github.com/DATA-DOG/go-sqlmock"
	"github.com/golang-sql/civil"
	mssql "github.com/microsoft/go-mssqldb"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough"
	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/adapters/erp/erptest"
	"github.com/passthrough-dev/passthrough/adapters/erp/internal/sqlstore"
)

// driverConversion hands parameters to the mock as go-mssqldb's own check of a parameter
// (Conn.CheckNamedValue) leaves them for its encoder, so the tests see what the driver
// encodes (civil.DateTime, mssql.VarChar, sql.NullString…). A value it leaves nil is sent
// as an untyped NULL (TDS type 0x1F), which other TDS servers than SQL Server refuse.
type driverConversion struct{}

func (driverConversion) ConvertValue(v any) (driver.Value, error) {
	nv := driver.NamedValue{Ordinal: 1, Value: v}
	if err := new(mssql.Conn).CheckNamedValue(&nv); err != nil {
		return nil, err
	}
	return nv.Value, nil
}

// is matches a parameter of exactly this type and value.
type is struct{ want any }

func (m is) Match(v driver.Value) bool {
	return reflect.TypeOf(v) == reflect.TypeOf(m.want) && reflect.DeepEqual(v, m.want)
}

func (m is) String() string { return fmt.Sprintf("%T %v", m.want, m.want) }

var now = time.Date(2026, 11, 22, 10, 30, 0, 123456789, time.UTC)

// mockStore is a store on go-sqlmock, on a fixed clock.
func mockStore(t *testing.T) (*Store, sqlmock.Sqlmock) {
	t.Helper()
	db, mock, err := sqlmock.New(sqlmock.ValueConverterOption(driverConversion{}))
	require.NoError(t, err)
	t.Cleanup(func() {
		require.NoError(t, mock.ExpectationsWereMet())
		db.Close()
	})
	return newStore(db, erp.WithClock(func() time.Time { return now })), mock
}

// expectColumns answers the introspection of a default table from the migrations' DDL.
func expectColumns(t *testing.T, mock sqlmock.Sqlmock, table string) {
	t.Helper()
	expectTable(t, mock, migratedTables(t)[table])
}

// expectTable answers the introspection of a table as SQL Server would describe it.
func expectTable(t *testing.T, mock sqlmock.Sqlmock, tbl *sqlstore.Table) {
	t.Helper()
	rows := sqlmock.NewRows([]string{"COLUMN_NAME", "DATA_TYPE", "CHARACTER_MAXIMUM_LENGTH", "NUMERIC_PRECISION", "NUMERIC_SCALE",
		"IS_NULLABLE", "COLLATION_NAME", "ignore_case", "generated", "code_page"})
	for _, c := range tbl.Columns {
		var max, precision, scale, collation, codePage any
		switch c.Kind {
		case passthrough.KindText:
			max = int64(c.MaxLength)
			if c.MaxLength == 0 {
				max = int64(-1)
			}
			if c.Collation != "" {
				collation = c.Collation
			}
			if c.CodePage != 0 {
				codePage = int64(c.CodePage)
			}
		case passthrough.KindDecimal:
			precision, scale = int64(c.Precision), int64(c.Scale)
		}
		nullable := "NO"
		if c.Nullable {
			nullable = "YES"
		}
		rows.AddRow(c.Name, c.DataType, max, precision, scale, nullable, collation, boolInt(c.IgnoreCase), boolInt(c.Generated), codePage)
	}
	q, _ := Dialect{}.ColumnsQuery("", tbl.Name)
	mock.ExpectQuery(regexp.QuoteMeta(q)).WithArgs(is{tbl.Name}).WillReturnRows(rows)
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// headerArgs are the parameters of the header statement for erptest.Order: the mapping's
// values in its order, then updated_at and created_at from the store's clock.
func headerArgs(p erp.OrderStageParams) []driver.Value {
	stamp := civil.DateTimeOf(now.Truncate(time.Millisecond))
	var out []driver.Value
	for _, v := range p.HeaderRow.Values {
		switch x := v.(type) {
		case time.Time:
			out = append(out, is{civil.DateTimeOf(x)})
		case decimal.Decimal:
			out = append(out, is{mssql.VarChar(x.String())})
		default:
			out = append(out, is{v})
		}
	}
	return append(out, is{stamp}, is{stamp})
}

const (
	headerStage   = `IF NOT EXISTS (SELECT 1 FROM [s_orders] WITH (UPDLOCK, HOLDLOCK) WHERE [shop] = @p1 AND [web_order_id] = @p2 AND LTRIM(RTRIM(COALESCE([import_status], N''))) <> N'')`
	ledgerVersion = `SELECT shopify_updated_at FROM pt_order_ledger WITH (UPDLOCK, HOLDLOCK) WHERE shop = @p1 AND order_id = @p2`
	linesDelete   = `DELETE FROM [s_order_details] WHERE [shop] = @p1 AND [web_order_id] = @p2`
	linesInsert   = `INSERT INTO [s_order_details] ([shop], [web_order_id], [line_no]`
	ledgerWrite   = `UPDATE pt_order_ledger WITH (UPDLOCK, SERIALIZABLE) SET`
)

func deadlock() error {
	return mssql.Error{Number: 1205, Class: 13, Message: "Transaction (Process ID 61) was deadlocked on lock resources with another process and has been chosen as the deadlock victim. Rerun the transaction."}
}

// expectStaged expects one attempt at staging p that gets as far as the ledger.
func expectStaged(mock sqlmock.Sqlmock, p erp.OrderStageParams) {
	mock.ExpectBegin()
	mock.ExpectQuery(regexp.QuoteMeta(headerStage)).WithArgs(headerArgs(p)...).WillReturnRows(sqlmock.NewRows([]string{""}).AddRow(int64(1)))
	mock.ExpectQuery(regexp.QuoteMeta(ledgerVersion)).WithArgs(is{"acme"}, is{int64(1001)}).WillReturnRows(sqlmock.NewRows([]string{"shopify_updated_at"}))
	mock.ExpectExec(regexp.QuoteMeta(linesDelete)).WithArgs(is{"acme"}, is{int64(1001)}).WillReturnResult(sqlmock.NewResult(0, 2))
	mock.ExpectExec(regexp.QuoteMeta(linesInsert)).WillReturnResult(sqlmock.NewResult(0, 3))
}

func TestOrderStageSendsItsStatementsInOrderInOneTransaction(t *testing.T) {
	t.Parallel()
	s, mock := mockStore(t)
	p := erptest.Order("acme", 1001, 3)
	expectColumns(t, mock, "s_orders")
	expectColumns(t, mock, "s_order_details")
	expectStaged(mock, p)
	mock.ExpectExec(regexp.QuoteMeta(ledgerWrite)+`(.|\n)*INSERT INTO pt_ledger_events`).
		WithArgs(is{"acme"}, is{int64(1001)}, is{"#1001"}, is{civil.DateTimeOf(p.Ledger.OrderDate)}, is{"Bob Norman"},
			is{"Buyer1001@Example.com"}, is{"buyer1001@example.com"}, is{mssql.VarChar("254.98")}, is{"USD"}, is{"staged"}, is{""}, is{""},
			is{int64(0)}, is{p.Ledger.PayloadHash}, is{civil.DateTimeOf(p.Ledger.ShopifyUpdatedAt)}, is{sql.NullInt64{}}, is{""},
			is{civil.DateTimeOf(now.Truncate(time.Millisecond))}, is{civil.DateTimeOf(now.Truncate(time.Millisecond))}, is{string(p.Ledger.Payload)},
			is{"acme"}, is{int64(1001)}, is{civil.DateTimeOf(now.Truncate(time.Millisecond))}, is{"staged"}, is{""},
			is{"staged with 3 lines"}, is{sql.NullInt64{}}, is{""}).
		WillReturnResult(sqlmock.NewResult(0, 2))
	mock.ExpectCommit()
	require.NoError(t, s.OrderStage(t.Context(), p))
}

func TestOrderStageRetriesADeadlockVictimWholeAndSucceeds(t *testing.T) {
	t.Parallel()
	s, mock := mockStore(t)
	p := erptest.Order("acme", 1001, 3)
	expectColumns(t, mock, "s_orders")
	expectColumns(t, mock, "s_order_details")
	mock.ExpectBegin()
	mock.ExpectQuery(regexp.QuoteMeta(headerStage)).WillReturnError(deadlock())
	mock.ExpectRollback()
	expectStaged(mock, p)
	mock.ExpectExec(regexp.QuoteMeta(ledgerWrite)).WillReturnError(deadlock())
	mock.ExpectRollback()
	expectStaged(mock, p)
	mock.ExpectExec(regexp.QuoteMeta(ledgerWrite)).WillReturnResult(sqlmock.NewResult(0, 2))
	mock.ExpectCommit()
	require.NoError(t, s.OrderStage(t.Context(), p))
}

func TestOrderStageGivesUpAfterThreeDeadlocksWithErrRetryable(t *testing.T) {
	t.Parallel()
	s, mock := mockStore(t)
	expectColumns(t, mock, "s_orders")
	expectColumns(t, mock, "s_order_details")
	for range 3 {
		mock.ExpectBegin()
		mock.ExpectQuery(regexp.QuoteMeta(headerStage)).WillReturnError(deadlock())
		mock.ExpectRollback()
	}
	err := s.OrderStage(t.Context(), erptest.Order("acme", 1001, 3))
	require.ErrorIs(t, err, erp.ErrRetryable)
	require.ErrorContains(t, err, "deadlock victim")
}

func TestOrderStageOfAnImportedOrderRollsBackWithErrImported(t *testing.T) {
	t.Parallel()
	s, mock := mockStore(t)
	expectColumns(t, mock, "s_orders")
	expectColumns(t, mock, "s_order_details")
	mock.ExpectBegin()
	mock.ExpectQuery(regexp.QuoteMeta(headerStage)).WillReturnRows(sqlmock.NewRows([]string{""}))
	mock.ExpectRollback()
	require.ErrorIs(t, s.OrderStage(t.Context(), erptest.Order("acme", 1001, 3)), erp.ErrImported)
}

func TestOrderStageRollsBackWhenALineFails(t *testing.T) {
	t.Parallel()
	s, mock := mockStore(t)
	p := erptest.Order("acme", 1001, 3)
	expectColumns(t, mock, "s_orders")
	expectColumns(t, mock, "s_order_details")
	mock.ExpectBegin()
	mock.ExpectQuery(regexp.QuoteMeta(headerStage)).WillReturnRows(sqlmock.NewRows([]string{""}).AddRow(int64(1)))
	mock.ExpectQuery(regexp.QuoteMeta(ledgerVersion)).WithArgs(is{"acme"}, is{int64(1001)}).WillReturnRows(sqlmock.NewRows([]string{"shopify_updated_at"}))
	mock.ExpectExec(regexp.QuoteMeta(linesDelete)).WillReturnResult(sqlmock.NewResult(0, 0))
	mock.ExpectExec(regexp.QuoteMeta(linesInsert)).WillReturnError(mssql.Error{Number: 515, Message: "Cannot insert the value NULL into column 'item_code', table 'erp.dbo.s_order_details'; column does not allow nulls. INSERT fails."})
	mock.ExpectRollback()
	err := s.OrderStage(t.Context(), p)
	require.ErrorIs(t, err, erp.ErrInvalidValue)
	require.ErrorContains(t, err, "item_code")
}

func TestACommitWhoseConnectionBrokeIsNotRunAgain(t *testing.T) {
	t.Parallel()
	s, mock := mockStore(t)
	mock.ExpectBegin()
	mock.ExpectExec(regexp.QuoteMeta("UPDATE pt_settings WITH (UPDLOCK, SERIALIZABLE) SET value = @p2 WHERE name = @p1;\nIF @@ROWCOUNT = 0\n    INSERT INTO pt_settings (name, value) VALUES (@p1, @p2);")).
		WithArgs(is{"mode"}, is{"live"}).WillReturnResult(sqlmock.NewResult(0, 1))
	mock.ExpectCommit().WillReturnError(driver.ErrBadConn)
	err := s.SettingSet(t.Context(), "mode", "live")
	require.ErrorIs(t, err, erp.ErrRetryable)
	require.ErrorContains(t, err, "commit outcome unknown")
}

func TestShipmentMarkCountsTheRowsItUpdatedAndReportsAMissingShipment(t *testing.T) {
	t.Parallel()
	s, mock := mockStore(t)
	q := regexp.QuoteMeta("DECLARE @n TABLE (x int);\nUPDATE external_order_shipments SET sync_status = @p1, sync_error = @p2, synced_at = @p3 OUTPUT 1 INTO @n WHERE shipment_id = @p4;\nSELECT COUNT(*) FROM @n;")
	at := time.Date(2026, 11, 22, 12, 0, 0, 42000000, time.UTC)
	expectColumns(t, mock, "external_order_shipments")
	mock.ExpectQuery(q).WithArgs(is{"sent"}, is{sql.NullString{}}, is{civil.DateTimeOf(at)}, is{"SH-1"}).
		WillReturnRows(sqlmock.NewRows([]string{""}).AddRow(int64(3)))
	mock.ExpectQuery(q).WithArgs(is{"error"}, is{"422 already fulfilled"}, is{civil.DateTimeOf(at)}, is{"SH-404"}).
		WillReturnRows(sqlmock.NewRows([]string{""}).AddRow(int64(0)))
	require.NoError(t, s.ShipmentMark(t.Context(), erp.ShipmentMarkParams{ShipmentID: "SH-1", Status: "sent", At: at}))
	require.ErrorIs(t, s.ShipmentMark(t.Context(), erp.ShipmentMarkParams{ShipmentID: "SH-404", Status: "error", Error: "422 already fulfilled", At: at}), erp.ErrNotFound)
}

func TestExecutionStartReadsTheIDFromOutputInserted(t *testing.T) {
	t.Parallel()
	s, mock := mockStore(t)
	mock.ExpectQuery(regexp.QuoteMeta("INSERT INTO pt_feed_executions (feed, shop, run_trigger, started_at, outcome, owner, lock_token) OUTPUT INSERTED.id VALUES (@p1, @p2, @p3, @p4, @p5, @p6, @p7)")).
		WithArgs(is{"orders"}, is{"acme"}, is{"schedule"}, is{civil.DateTimeOf(now.Truncate(time.Millisecond))}, is{erp.OutcomeRunning},
			is{"web-2 pid 4711 (instance 1f3a9c02)"}, is{"6c1e0d8a"}).
		WillReturnRows(sqlmock.NewRows([]string{"id"}).AddRow(int64(41)))
	mock.ExpectExec(regexp.QuoteMeta("UPDATE pt_feed_executions SET heartbeat_at = SYSUTCDATETIME() WHERE id = @p1")).
		WithArgs(is{int64(41)}).WillReturnResult(sqlmock.NewResult(0, 1))
	e, err := s.ExecutionStart(t.Context(), erp.ExecutionStartParams{Feed: "orders", Shop: "acme", Trigger: "schedule",
		Owner: "web-2 pid 4711 (instance 1f3a9c02)", LockToken: "6c1e0d8a"})
	require.NoError(t, err)
	require.EqualValues(t, 41, e.ID)
	require.Equal(t, "web-2 pid 4711 (instance 1f3a9c02)", e.Owner)
}

func TestWritesMapSQLServerErrorsOntoTheStoreSentinels(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		number int32
		want   error
	}{
		{2627, erp.ErrDuplicate},
		{2601, erp.ErrDuplicate},
		{1205, erp.ErrRetryable},
		{1222, erp.ErrRetryable},
		{515, erp.ErrInvalidValue},
		{2628, erp.ErrInvalidValue},
		{8152, erp.ErrInvalidValue},
		{8115, erp.ErrInvalidValue},
		{220, erp.ErrInvalidValue},
		{18456, erp.ErrDenied},
		{4060, erp.ErrDenied},
		{229, erp.ErrDenied},
		{262, erp.ErrDenied},
	} {
		t.Run(fmt.Sprintf("error %d is %v", tc.number, tc.want), func(t *testing.T) {
			t.Parallel()
			s, mock := mockStore(t)
			sqlErr := mssql.Error{Number: tc.number, Message: fmt.Sprintf("server error %d", tc.number)}
			// AuditAdd is one statement and never retried: one expectation is enough.
			mock.ExpectExec(regexp.QuoteMeta("INSERT INTO pt_audit")).WillReturnError(sqlErr)
			err := s.AuditAdd(t.Context(), erp.AuditEntry{Actor: "otto", Action: "order.retry", Target: "order 1001"})
			require.ErrorIs(t, err, tc.want)
			var got mssql.Error
			require.ErrorAs(t, err, &got, "the driver's error stays in the chain for its message")
			require.Equal(t, tc.number, got.Number)
		})
	}
	require.NoError(t, Dialect{}.Classify(mssql.Error{Number: 208}), "an unknown object is no sentinel")
	require.NoError(t, Dialect{}.Classify(sql.ErrNoRows))
}

func TestALockTimeoutIsRetriedInsideTheTransaction(t *testing.T) {
	t.Parallel()
	s, mock := mockStore(t)
	q := regexp.QuoteMeta("UPDATE pt_watermarks WITH (UPDLOCK, SERIALIZABLE) SET mark_at = @p3 WHERE shop = @p1 AND feed = @p2;")
	mock.ExpectBegin()
	mock.ExpectExec(q).WillReturnError(mssql.Error{Number: 1222, Message: "Lock request time out period exceeded."})
	mock.ExpectRollback()
	mock.ExpectBegin()
	mock.ExpectExec(q).WithArgs(is{"acme"}, is{"orders"}, is{civil.DateTimeOf(now.Truncate(time.Millisecond))}).WillReturnResult(sqlmock.NewResult(0, 1))
	mock.ExpectCommit()
	require.NoError(t, s.WatermarkSet(t.Context(), "acme", "orders", now))
}

func TestInventoryCheckPutReplacesTheDriftReportInOneTransaction(t *testing.T) {
	t.Parallel()
	s, mock := mockStore(t)
	check := erp.InventoryCheck{Shop: "acme", CheckedAt: now, Levels: 30000}
	for i := range 250 {
		check.Drift = append(check.Drift, erp.InventoryDrift{SKU: fmt.Sprintf("SKU-%03d", i), InventoryItemID: int64(i + 1), LocationID: 7, ERP: 1, Shopify: 2})
	}
	upsert := regexp.QuoteMeta("UPDATE pt_inventory_checks WITH (UPDLOCK, SERIALIZABLE) SET checked_at = @p2, levels = @p3, drifted = @p4 WHERE shop = @p1;")
	del := regexp.QuoteMeta("DELETE FROM pt_inventory_drift WHERE shop = @p1")
	insert := regexp.QuoteMeta("INSERT INTO pt_inventory_drift (shop, inventory_item_id, location_id, sku, erp_available, shopify_available, last_sent) VALUES ")
	stamp := civil.DateTimeOf(now.Truncate(time.Millisecond))

	// A deadlock on the second batch of rows rolls everything back; the retry writes it all.
	mock.ExpectBegin()
	mock.ExpectExec(upsert).WithArgs(is{"acme"}, is{stamp}, is{int64(30000)}, is{int64(250)}).WillReturnResult(sqlmock.NewResult(0, 1))
	mock.ExpectExec(del).WithArgs(is{"acme"}).WillReturnResult(sqlmock.NewResult(0, 240))
	mock.ExpectExec(insert).WillReturnResult(sqlmock.NewResult(0, 200))
	mock.ExpectExec(insert).WillReturnError(deadlock())
	mock.ExpectRollback()
	mock.ExpectBegin()
	mock.ExpectExec(upsert).WillReturnResult(sqlmock.NewResult(0, 1))
	mock.ExpectExec(del).WillReturnResult(sqlmock.NewResult(0, 0))
	mock.ExpectExec(insert).WillReturnResult(sqlmock.NewResult(0, 200))
	mock.ExpectExec(insert).WillReturnResult(sqlmock.NewResult(0, 50))
	mock.ExpectCommit()
	require.NoError(t, s.InventoryCheckPut(t.Context(), check))
}

func TestALockIsTakenInOneTransactionThatReadsTheRowUnderUpdateLocks(t *testing.T) {
	t.Parallel()
	owner := erp.Owner{ID: "0b7f6a3e-1111", Host: "web-1", PID: 101}
	p := erp.LockParams{Shop: "acme", Name: "orders", Owner: owner, Token: "t1", TTL: 30 * time.Second}
	read := regexp.QuoteMeta("SELECT owner, host, pid, token, acquired_at, expires_at, CASE WHEN expires_at < SYSUTCDATETIME() THEN 1 ELSE 0 END FROM pt_locks WITH (UPDLOCK, HOLDLOCK) WHERE shop = @p1 AND feed = @p2")
	cols := []string{"owner", "host", "pid", "token", "acquired_at", "expires_at", "expired"}

	t.Run("a free lock is inserted", func(t *testing.T) {
		t.Parallel()
		s, mock := mockStore(t)
		mock.ExpectBegin()
		mock.ExpectQuery(read).WithArgs(is{"acme"}, is{"orders"}).WillReturnRows(sqlmock.NewRows(cols))
		mock.ExpectExec(regexp.QuoteMeta("INSERT INTO pt_locks (shop, feed, owner, host, pid, token, acquired_at, renewed_at, expires_at) VALUES (@p1, @p2, @p3, @p4, @p5, @p6, SYSUTCDATETIME(), SYSUTCDATETIME(), DATEADD(millisecond, CAST(@p7 AS int), SYSUTCDATETIME()))")).
			WithArgs(is{"acme"}, is{"orders"}, is{"0b7f6a3e-1111"}, is{"web-1"}, is{int64(101)}, is{"t1"}, is{int64(30000)}).
			WillReturnResult(sqlmock.NewResult(0, 1))
		mock.ExpectCommit()
		got, err := s.LockAcquire(t.Context(), p)
		require.NoError(t, err)
		require.False(t, got.TookOver)
	})

	t.Run("a lock another process holds is refused, naming it, and nothing is written", func(t *testing.T) {
		t.Parallel()
		s, mock := mockStore(t)
		since := time.Date(2026, 11, 22, 10, 29, 0, 0, time.UTC)
		mock.ExpectBegin()
		mock.ExpectQuery(read).WithArgs(is{"acme"}, is{"orders"}).
			WillReturnRows(sqlmock.NewRows(cols).AddRow("0b7f6a3e-2222", "web-2", int64(202), "t9", since, since.Add(30*time.Second), int64(0)))
		mock.ExpectCommit()
		_, err := s.LockAcquire(t.Context(), p)
		require.EqualError(t, err, "orders of acme is held by web-2 pid 202 (instance 0b7f6a3e) since 2026-11-22 10:29:00 UTC")
	})

	t.Run("a lock whose lease ran out is taken over", func(t *testing.T) {
		t.Parallel()
		s, mock := mockStore(t)
		since := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
		mock.ExpectBegin()
		mock.ExpectQuery(read).WithArgs(is{"acme"}, is{"orders"}).
			WillReturnRows(sqlmock.NewRows(cols).AddRow("0b7f6a3e-2222", "web-2", int64(202), "t9", since, since.Add(30*time.Second), int64(1)))
		mock.ExpectExec(regexp.QuoteMeta("UPDATE pt_locks SET owner = @p1, host = @p2, pid = @p3, token = @p4, acquired_at = SYSUTCDATETIME(), renewed_at = SYSUTCDATETIME(), expires_at = DATEADD(millisecond, CAST(@p5 AS int), SYSUTCDATETIME()) WHERE shop = @p6 AND feed = @p7")).
			WithArgs(is{"0b7f6a3e-1111"}, is{"web-1"}, is{int64(101)}, is{"t1"}, is{int64(30000)}, is{"acme"}, is{"orders"}).
			WillReturnResult(sqlmock.NewResult(0, 1))
		mock.ExpectCommit()
		got, err := s.LockAcquire(t.Context(), p)
		require.NoError(t, err)
		require.True(t, got.TookOver)
	})
}

// notNil matches a parameter the driver sends with a type: anything but nil, which it would
// send as an untyped NULL (0x1F).
type notNil struct{}

func (notNil) Match(v driver.Value) bool { return v != nil }

func TestOrderStageSendsEveryNullWithItsColumnsType(t *testing.T) {
	t.Parallel()
	s, mock := mockStore(t)
	p := erptest.Order("acme", 1001, 1)
	for _, c := range []string{"order_date", "order_total", "comment", "hold_code"} {
		p.HeaderRow.Set(c, nil)
	}
	p.LineRows[0].Set("line_item_id", nil)
	p.LineRows[0].Set("unit_price", nil)
	p.LineRows[0].Set("quantity", int64(2))
	expectColumns(t, mock, "s_orders")
	expectColumns(t, mock, "s_order_details")

	header := make([]driver.Value, 0, 37)
	for i, c := range p.HeaderRow.Columns {
		switch c {
		case "order_date":
			header = append(header, is{mssql.NullDateTime{}})
		case "order_total":
			header = append(header, is{decimal.NullDecimal{}})
		case "comment", "hold_code":
			header = append(header, is{sql.NullString{}})
		default:
			header = append(header, headerArgs(p)[i])
		}
	}
	header = append(header, notNil{}, notNil{})
	mock.ExpectBegin()
	mock.ExpectQuery(regexp.QuoteMeta(headerStage)).WithArgs(header...).WillReturnRows(sqlmock.NewRows([]string{""}).AddRow(int64(1)))
	mock.ExpectQuery(regexp.QuoteMeta(ledgerVersion)).WithArgs(is{"acme"}, is{int64(1001)}).WillReturnRows(sqlmock.NewRows([]string{"shopify_updated_at"}))
	mock.ExpectExec(regexp.QuoteMeta(linesDelete)).WithArgs(is{"acme"}, is{int64(1001)}).WillReturnResult(sqlmock.NewResult(0, 0))
	mock.ExpectExec(regexp.QuoteMeta(linesInsert)).WithArgs(is{"acme"}, is{int64(1001)}, is{int32(1)}, is{sql.NullInt64{}},
		is{"SKU-001"}, is{"Item number 1"}, is{int32(2)}, is{decimal.NullDecimal{}}, notNil{}, notNil{}, notNil{}, is{"000"}).
		WillReturnResult(sqlmock.NewResult(0, 1))
	args := make([]driver.Value, 28)
	for i := range args {
		args[i] = notNil{}
	}
	mock.ExpectExec(regexp.QuoteMeta(ledgerWrite)).WithArgs(args...).WillReturnResult(sqlmock.NewResult(0, 2))
	mock.ExpectCommit()
	require.NoError(t, s.OrderStage(t.Context(), p))
}

func TestAStoreInASchemaReadsAndWritesItsTablesThere(t *testing.T) {
	t.Parallel()
	db, mock, err := sqlmock.New(sqlmock.ValueConverterOption(driverConversion{}))
	require.NoError(t, err)
	t.Cleanup(func() {
		require.NoError(t, mock.ExpectationsWereMet())
		db.Close()
	})
	s := newStore(db, erp.WithSchema("erp"), erp.WithClock(func() time.Time { return now }))
	q, _ := Dialect{}.ColumnsQuery("erp", "s_orders")
	require.Contains(t, q, "c.TABLE_SCHEMA = @p1 AND c.TABLE_NAME = @p2")
	rows := sqlmock.NewRows([]string{"COLUMN_NAME", "DATA_TYPE", "CHARACTER_MAXIMUM_LENGTH", "NUMERIC_PRECISION", "NUMERIC_SCALE",
		"IS_NULLABLE", "COLLATION_NAME", "ignore_case", "generated", "code_page"}).
		AddRow("shop", "varchar", int64(20), nil, nil, "NO", "Latin1_General_100_CI_AS", int64(1), int64(0), int64(1252)).
		AddRow("web_order_id", "bigint", nil, int64(19), int64(0), "NO", nil, int64(0), int64(0), nil).
		AddRow("import_status", "char", int64(1), nil, nil, "YES", "Latin1_General_100_CI_AS", int64(1), int64(0), int64(1252)).
		AddRow("import_error", "varchar", int64(255), nil, nil, "YES", "Latin1_General_100_CI_AS", int64(1), int64(0), int64(1252)).
		AddRow("erp_order_no", "varchar", int64(20), nil, nil, "YES", "Latin1_General_100_CI_AS", int64(1), int64(0), int64(1252))
	mock.ExpectQuery(regexp.QuoteMeta(q)).WithArgs(is{"erp"}, is{"s_orders"}).WillReturnRows(rows)
	mock.ExpectQuery(regexp.QuoteMeta("SELECT [web_order_id], [import_status], [import_error], [erp_order_no] FROM [erp].[s_orders] WHERE [shop] = @p1 AND [web_order_id] IN (@p2)")).
		WithArgs(is{mssql.VarChar("acme")}, is{int64(1001)}).
		WillReturnRows(sqlmock.NewRows([]string{"web_order_id", "import_status", "import_error", "erp_order_no"}).AddRow(int64(1001), "Y", nil, "SO-7"))
	got, err := s.OrderImportStatusList(t.Context(), erp.OrderImportStatusListParams{Shop: "acme", OrderIDs: []int64{1001}})
	require.NoError(t, err)
	require.Equal(t, []erp.OrderImportStatus{{OrderID: 1001, ImportStatus: "Y", ERPOrderNo: "SO-7"}}, got)

	// A problem goes in its class and on its record's open problem, in one transaction,
	// every table in the schema.
	mock.ExpectBegin()
	mock.ExpectQuery(regexp.QuoteMeta("SELECT id FROM [erp].pt_problem_classes WITH (UPDLOCK, HOLDLOCK) WHERE shop = @p1 AND class_key = @p2")).
		WithArgs(is{"acme"}, notNil{}).WillReturnRows(sqlmock.NewRows([]string{"id"}))
	mock.ExpectQuery(regexp.QuoteMeta("INSERT INTO [erp].pt_problem_classes (shop, feed, class_key, severity, template, first_seen_at, last_seen_at, occurrences) OUTPUT INSERTED.id")).
		WillReturnRows(sqlmock.NewRows([]string{"id"}).AddRow(int64(5)))
	mock.ExpectExec(regexp.QuoteMeta("INSERT INTO [erp].pt_problems (execution_id, feed, shop, record_key, severity, message, found_at, class_id) VALUES (@p1, @p2, @p3, @p4, @p5, @p6, @p7, @p8)")).
		WithArgs(is{sql.NullInt64{}}, is{"orders"}, is{"acme"}, is{"1001"}, is{"error"}, is{"unknown SKU"}, is{civil.DateTimeOf(now.Truncate(time.Millisecond))}, is{int64(5)}).
		WillReturnResult(sqlmock.NewResult(0, 1))
	mock.ExpectQuery(regexp.QuoteMeta("SELECT status FROM [erp].pt_problem_records WITH (UPDLOCK, HOLDLOCK) WHERE shop = @p1 AND feed = @p2 AND record_key = @p3")).
		WithArgs(is{"acme"}, is{"orders"}, is{"1001"}).WillReturnRows(sqlmock.NewRows([]string{"status"}))
	mock.ExpectExec(regexp.QuoteMeta("INSERT INTO [erp].pt_problem_records (")).WillReturnResult(sqlmock.NewResult(0, 1))
	mock.ExpectCommit()
	require.NoError(t, s.ProblemAdd(t.Context(), erp.Problem{Feed: "orders", Shop: "acme", RecordKey: "1001",
		Severity: passthrough.SeverityError, Message: "unknown SKU"}))
}
