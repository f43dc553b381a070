package sqlite

import (
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"time"
	"unsafe"

	"github.com/ncruces/go-sqlite3"

	"github.com/rowhouse/rowhouse/store"
)

// bind binds a statement's '?' parameters to args, converting them as
// database/sql would: Go's integer, float, bool, string and []byte types
// (named ones too), pointers to them (nil is NULL) and driver.Valuer.
func bind(s *sqlite3.Stmt, args []any) error {
	if n := s.BindCount(); n != len(args) {
		return fmt.Errorf("sqlite: %d arguments for %d parameters", len(args), n)
	}
	for i, a := range args {
		if err := bindOne(s, i+1, a); err != nil {
			return fmt.Errorf("sqlite: argument %d: %w", i+1, err)
		}
	}
	return nil
}

func bindOne(s *sqlite3.Stmt, p int, a any) error {
	switch v := a.(type) {
	case nil:
		return s.BindNull(p)
	case int64:
		return s.BindInt64(p, v)
	case int:
		return s.BindInt64(p, int64(v))
	case int32:
		return s.BindInt64(p, int64(v))
	case float64:
		return s.BindFloat(p, v)
	case bool:
		return s.BindBool(p, v)
	case string:
		return s.BindText(p, v)
	case []byte:
		return s.BindBlob(p, v) // nil binds NULL
	case time.Time:
		return s.BindText(p, v.Format(timeFormat))
	case driver.Valuer:
		if rv := reflect.ValueOf(v); rv.Kind() == reflect.Pointer && rv.IsNil() {
			return s.BindNull(p)
		}
		dv, err := v.Value()
		if err != nil {
			return err
		}
		if _, again := dv.(driver.Valuer); again {
			return fmt.Errorf("%T's Value is a driver.Valuer", v)
		}
		return bindOne(s, p, dv)
	}
	rv := reflect.ValueOf(a)
	switch rv.Kind() {
	case reflect.Pointer:
		if rv.IsNil() {
			return s.BindNull(p)
		}
		return bindOne(s, p, rv.Elem().Interface())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return s.BindInt64(p, rv.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		u := rv.Uint()
		if u > math.MaxInt64 {
			return fmt.Errorf("uint64 %d is too large for SQLite", u)
		}
		return s.BindInt64(p, int64(u))
	case reflect.Float32, reflect.Float64:
		return s.BindFloat(p, rv.Float())
	case reflect.Bool:
		return s.BindBool(p, rv.Bool())
	case reflect.String:
		return s.BindText(p, rv.String())
	case reflect.Slice:
		if rv.Type().Elem().Kind() == reflect.Uint8 {
			return s.BindBlob(p, rv.Bytes())
		}
	}
	return fmt.Errorf("unsupported type %T", a)
}

// timeFormat is how a time.Time argument is stored (Rowhouse itself
// stores times as Unix milliseconds).
const timeFormat = "2006-01-02 15:04:05.999999999-07:00"

// errNull is the error of a NULL read into a destination that cannot
// hold it.
func errNull(dest any) error { return fmt.Errorf("converting NULL to %T is unsupported", dest) }

// scanColumn reads column i of the current row into dest, converting as
// database/sql's Scan does: *any gets int64, float64, string, []byte or
// nil; *string, *[]byte, the integer and float types, *bool, a pointer to
// a pointer (NULL is nil), named types of those kinds and sql.Scanner take
// what converts to them.
func scanColumn(s *sqlite3.Stmt, i int, dest any) error {
	t := s.ColumnType(i)
	switch d := dest.(type) {
	case *any:
		*d = columnValue(s, i, t)
		return nil
	case *int64:
		v, err := columnInt(s, i, t, dest)
		if err == nil {
			*d = v
		}
		return err
	case *string:
		switch t {
		case sqlite3.NULL:
			return errNull(dest)
		case sqlite3.INTEGER:
			*d = strconv.FormatInt(s.ColumnInt64(i), 10)
		case sqlite3.FLOAT:
			*d = strconv.FormatFloat(s.ColumnFloat(i), 'g', -1, 64)
		default:
			*d = s.ColumnText(i)
		}
		return nil
	case *[]byte:
		switch t {
		case sqlite3.NULL:
			*d = nil
		case sqlite3.INTEGER:
			*d = strconv.AppendInt(nil, s.ColumnInt64(i), 10)
		case sqlite3.FLOAT:
			*d = strconv.AppendFloat(nil, s.ColumnFloat(i), 'g', -1, 64)
		case sqlite3.TEXT:
			*d = append([]byte{}, s.ColumnRawText(i)...)
		default:
			*d = append([]byte{}, s.ColumnRawBlob(i)...)
		}
		return nil
	case *int:
		v, err := columnInt(s, i, t, dest)
		if err == nil {
			*d = int(v)
		}
		return err
	case *float64:
		switch t {
		case sqlite3.NULL:
			return errNull(dest)
		case sqlite3.INTEGER, sqlite3.FLOAT:
			*d = s.ColumnFloat(i)
			return nil
		}
		v, err := strconv.ParseFloat(s.ColumnText(i), 64)
		if err != nil {
			return fmt.Errorf("converting %q to float64: %w", s.ColumnText(i), err)
		}
		*d = v
		return nil
	case *bool:
		switch t {
		case sqlite3.NULL:
			return errNull(dest)
		case sqlite3.INTEGER:
			switch s.ColumnInt64(i) {
			case 0:
				*d = false
				return nil
			case 1:
				*d = true
				return nil
			}
			return fmt.Errorf("converting %d to bool: only 0 and 1 are", s.ColumnInt64(i))
		case sqlite3.FLOAT:
			return fmt.Errorf("converting a float to bool is unsupported")
		}
		v, err := strconv.ParseBool(s.ColumnText(i))
		if err != nil {
			return fmt.Errorf("converting %q to bool: %w", s.ColumnText(i), err)
		}
		*d = v
		return nil
	case sql.Scanner:
		return d.Scan(columnValue(s, i, t))
	}
	return scanReflect(s, i, t, dest)
}

// columnValue is column i's value as database/sql's drivers give it.
func columnValue(s *sqlite3.Stmt, i int, t sqlite3.Datatype) any {
	switch t {
	case sqlite3.INTEGER:
		return s.ColumnInt64(i)
	case sqlite3.FLOAT:
		return s.ColumnFloat(i)
	case sqlite3.TEXT:
		return s.ColumnText(i)
	case sqlite3.BLOB:
		return s.ColumnBlob(i, []byte{})
	}
	return nil
}

// scanCell reads column i into c, unboxed, its text into texts. (Rows.Scan
// takes *store.Cell destinations here, before scanColumn's conversions.)
func scanCell(s *sqlite3.Stmt, i int, c *store.Cell, texts *textArena) {
	*c = store.Cell{}
	switch s.ColumnType(i) {
	case sqlite3.INTEGER:
		c.Kind, c.Int = store.CellInt, s.ColumnInt64(i)
	case sqlite3.FLOAT:
		c.Kind, c.Float = store.CellFloat, s.ColumnFloat(i)
	case sqlite3.TEXT:
		c.Kind, c.Text = store.CellText, texts.string(s.ColumnRawText(i))
	case sqlite3.BLOB:
		c.Kind, c.Text = store.CellBlob, string(s.ColumnRawBlob(i))
	}
}

// textArena makes strings of short texts by copying them into chunks, one
// allocation per chunk instead of one per text: a page's or a tree's
// cells are mostly short texts. A chunk's bytes are never written again
// once a string holds them (a full chunk is left to the strings that
// hold it, and a new one begun), which is what makes the strings, made
// over the chunk's memory, immutable as strings must be.
type textArena struct {
	chunk []byte
}

// Texts longer than arenaText get strings of their own. Chunks start at
// arenaFirst bytes and double up to arenaChunk, so that a point read's
// few texts cost little, and one long-lived string keeps at most
// arenaChunk bytes alive.
const (
	arenaText  = 256
	arenaFirst = 256
	arenaChunk = 4096
)

// string returns b as a string, b being valid only until the next step.
func (a *textArena) string(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if len(b) > arenaText {
		return string(b)
	}
	if cap(a.chunk)-len(a.chunk) < len(b) {
		a.chunk = make([]byte, 0, min(max(2*cap(a.chunk), arenaFirst), arenaChunk))
	}
	off := len(a.chunk)
	a.chunk = append(a.chunk, b...)
	return unsafe.String(&a.chunk[off], len(b))
}

// columnInt reads column i as an integer: a float must be whole, a text
// must parse.
func columnInt(s *sqlite3.Stmt, i int, t sqlite3.Datatype, dest any) (int64, error) {
	switch t {
	case sqlite3.NULL:
		return 0, errNull(dest)
	case sqlite3.INTEGER:
		return s.ColumnInt64(i), nil
	case sqlite3.FLOAT:
		f := s.ColumnFloat(i)
		if f != math.Trunc(f) || f < math.MinInt64 || f >= math.MaxInt64 {
			return 0, fmt.Errorf("converting %v to an integer loses its value", f)
		}
		return int64(f), nil
	}
	text := s.ColumnText(i)
	v, err := strconv.ParseInt(text, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("converting %q to an integer: %w", text, err)
	}
	return v, nil
}

// scanReflect handles the destinations scanColumn does not name: pointers
// to pointers and named types of the basic kinds.
func scanReflect(s *sqlite3.Stmt, i int, t sqlite3.Datatype, dest any) error {
	dv := reflect.ValueOf(dest)
	if dv.Kind() != reflect.Pointer || dv.IsNil() {
		return fmt.Errorf("destination %T is not a non-nil pointer", dest)
	}
	ev := dv.Elem()
	var base any
	switch ev.Kind() {
	case reflect.Pointer:
		if t == sqlite3.NULL {
			ev.SetZero()
			return nil
		}
		nv := reflect.New(ev.Type().Elem())
		if err := scanColumn(s, i, nv.Interface()); err != nil {
			return err
		}
		ev.Set(nv)
		return nil
	case reflect.String:
		base = new(string)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		base = new(int64)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		base = new(int64)
	case reflect.Float32, reflect.Float64:
		base = new(float64)
	case reflect.Bool:
		base = new(bool)
	case reflect.Slice:
		if ev.Type().Elem().Kind() == reflect.Uint8 {
			base = new([]byte)
		}
	}
	if base == nil {
		return fmt.Errorf("unsupported destination %T", dest)
	}
	if err := scanColumn(s, i, base); err != nil {
		return err
	}
	bv := reflect.ValueOf(base).Elem()
	switch ev.Kind() {
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n := bv.Int()
		if n < 0 || ev.OverflowUint(uint64(n)) {
			return fmt.Errorf("converting %d to %s overflows", n, ev.Type())
		}
		ev.SetUint(uint64(n))
		return nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if ev.OverflowInt(bv.Int()) {
			return fmt.Errorf("converting %d to %s overflows", bv.Int(), ev.Type())
		}
	}
	ev.Set(bv.Convert(ev.Type()))
	return nil
}

// isConstraint reports whether err is one of SQLite's constraint errors
// with the extended code c.
func isConstraint(err error, c sqlite3.ExtendedErrorCode) bool {
	return errors.Is(err, c)
}
