package d1

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"reflect"
	"unsafe"
)

// D1 answers a value as SQLite stores it: text stays the text that was inserted, whatever the
// column's declared type. modernc.org/sqlite (v1.62.0, rows.go Next) parses the text of a
// column declared DATE, DATETIME or TIMESTAMP into a time.Time, which loses the original
// spelling ('2020-01-01 10:00:00' would come back '2020-01-01T10:00:00Z'), and no connection
// option turns that off (_texttotime and _inttotime only add conversions; _time_format only
// writes). The parse is keyed on the declared types the driver's rows keep in their decltypes
// field, read once per statement; queryStored empties that field before reading any row, so
// the driver delivers each value as SQLite's own type: int64, float64, string, []byte or nil.

// queryStored runs query on conn and reads every row's values as SQLite stores them.
func queryStored(ctx context.Context, conn *sql.Conn, query string, args []any) (cols []string, rows [][]any, err error) {
	named := make([]driver.NamedValue, len(args))
	for i, a := range args {
		named[i] = driver.NamedValue{Ordinal: i + 1, Value: a}
	}
	err = conn.Raw(func(dc any) error {
		q, ok := dc.(driver.QueryerContext)
		if !ok {
			return fmt.Errorf("the SQLite driver's connection (%T) cannot run queries", dc)
		}
		dr, err := q.QueryContext(ctx, query, named)
		if err != nil {
			return err
		}
		cols, rows, err = readStored(dr)
		if cerr := dr.Close(); err == nil {
			err = cerr
		}
		return err
	})
	return cols, rows, err
}

// readStored reads every row of dr, its declared types emptied first.
func readStored(dr driver.Rows) ([]string, [][]any, error) {
	if err := keepStoredText(dr); err != nil {
		return nil, nil, err
	}
	cols := dr.Columns()
	rows := [][]any{}
	for {
		cells := make([]driver.Value, len(cols))
		if err := dr.Next(cells); errors.Is(err, io.EOF) {
			return cols, rows, nil
		} else if err != nil {
			return nil, nil, err
		}
		row := make([]any, len(cells))
		for i, c := range cells {
			row[i] = c
		}
		rows = append(rows, row)
	}
}

// keepStoredText empties the declared types modernc.org/sqlite's rows keep, so that Next does
// not parse date-like text. It fails, rather than answer reformatted text, if the driver's rows
// no longer have that field.
func keepStoredText(dr driver.Rows) error {
	v := reflect.ValueOf(dr)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("D1: the SQLite driver's rows (%T) are not the modernc.org/sqlite rows this code knows", dr)
	}
	f := v.Elem().FieldByName("decltypes")
	if !f.IsValid() || f.Type() != reflect.TypeOf([]string(nil)) {
		return fmt.Errorf("D1: modernc.org/sqlite's rows (%T) have no decltypes field: "+
			"the driver changed, and stored date text would come back reformatted", dr)
	}
	decltypes := *(*[]string)(unsafe.Pointer(f.UnsafeAddr()))
	for i := range decltypes {
		decltypes[i] = ""
	}
	return nil
}
