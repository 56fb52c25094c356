package db

import (
	"database/sql/driver"
	"encoding/binary"
	"fmt"
	"math"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
)

// A prepared statement's values and its known columns go in PostgreSQL's
// binary format, encoded and decoded here for the types the hot paths use
// (pgx's general Map.Encode and scan plans look up a plan by reflection at
// every value); anything else goes through pgx as before.

// y2k is PostgreSQL's timestamp epoch in Unix microseconds.
const y2k = 946684800 * 1_000_000

// encodeArg is a statement's value of type oid in binary.
func encodeArg(m *pgtype.Map, oid uint32, a any) ([]byte, error) {
	switch v := a.(type) {
	case nil:
		return nil, nil
	case uuid.UUID:
		if oid == pgtype.UUIDOID {
			return append([]byte(nil), v[:]...), nil
		}
	case string:
		if oid == pgtype.TextOID {
			return []byte(v), nil
		}
	case *string:
		if oid == pgtype.TextOID {
			if v == nil {
				return nil, nil
			}
			return []byte(*v), nil
		}
	case []byte:
		switch oid {
		case pgtype.ByteaOID:
			if v == nil {
				return nil, nil
			}
			return v, nil
		case pgtype.JSONBOID:
			if v == nil {
				return nil, nil
			}
			return append([]byte{1}, v...), nil
		}
	case time.Time:
		if oid == pgtype.TimestamptzOID {
			us := v.Unix()*1_000_000 + int64(v.Nanosecond())/1000
			return binary.BigEndian.AppendUint64(nil, uint64(us-y2k)), nil
		}
	case int:
		switch {
		case oid == pgtype.Int4OID && v >= math.MinInt32 && v <= math.MaxInt32:
			return binary.BigEndian.AppendUint32(nil, uint32(int32(v))), nil
		case oid == pgtype.Int8OID:
			return binary.BigEndian.AppendUint64(nil, uint64(v)), nil
		}
	}
	return m.Encode(oid, pgtype.BinaryFormatCode, a, nil)
}

// columns are how a prepared statement's result columns are asked for and
// read: binary where decodeBinary knows the type, text otherwise.
type columns struct {
	formats []int16
	convert []valueFunc
}

func columnsOf(m *pgtype.Map, fields []pgconn.FieldDescription) columns {
	c := columns{formats: make([]int16, len(fields)), convert: make([]valueFunc, len(fields))}
	for i, fd := range fields {
		if f := decodeBinary(fd.DataTypeOID); f != nil {
			c.formats[i], c.convert[i] = pgtype.BinaryFormatCode, f
		} else {
			c.formats[i], c.convert[i] = pgtype.TextFormatCode, newValueFunc(m, fd.DataTypeOID, pgtype.TextFormatCode)
		}
	}
	return c
}

// decodeBinary reads a binary value of type oid as pgx's database/sql
// driver gives it (valueFunc), or is nil for a type it leaves to pgx.
func decodeBinary(oid uint32) valueFunc {
	switch oid {
	case pgtype.TextOID, pgtype.VarcharOID:
		return func(src []byte) (driver.Value, error) { return string(src), nil }
	case pgtype.UUIDOID:
		return func(src []byte) (driver.Value, error) {
			if len(src) != 16 {
				return nil, fmt.Errorf("uuid of %d bytes", len(src))
			}
			return uuid.UUID(src).String(), nil
		}
	case pgtype.BoolOID:
		return func(src []byte) (driver.Value, error) {
			if len(src) != 1 {
				return nil, fmt.Errorf("bool of %d bytes", len(src))
			}
			return src[0] == 1, nil
		}
	case pgtype.Int2OID:
		return func(src []byte) (driver.Value, error) {
			if len(src) != 2 {
				return nil, fmt.Errorf("int2 of %d bytes", len(src))
			}
			return int64(int16(binary.BigEndian.Uint16(src))), nil
		}
	case pgtype.Int4OID:
		return func(src []byte) (driver.Value, error) {
			if len(src) != 4 {
				return nil, fmt.Errorf("int4 of %d bytes", len(src))
			}
			return int64(int32(binary.BigEndian.Uint32(src))), nil
		}
	case pgtype.Int8OID:
		return func(src []byte) (driver.Value, error) {
			if len(src) != 8 {
				return nil, fmt.Errorf("int8 of %d bytes", len(src))
			}
			return int64(binary.BigEndian.Uint64(src)), nil
		}
	case pgtype.ByteaOID:
		return func(src []byte) (driver.Value, error) { return append([]byte{}, src...), nil }
	case pgtype.JSONBOID:
		return func(src []byte) (driver.Value, error) {
			if len(src) == 0 || src[0] != 1 {
				return nil, fmt.Errorf("jsonb of an unknown version")
			}
			return append([]byte{}, src[1:]...), nil
		}
	case pgtype.TimestamptzOID:
		return func(src []byte) (driver.Value, error) {
			if len(src) != 8 {
				return nil, fmt.Errorf("timestamptz of %d bytes", len(src))
			}
			us := int64(binary.BigEndian.Uint64(src))
			switch us {
			case math.MaxInt64:
				return "infinity", nil
			case math.MinInt64:
				return "-infinity", nil
			}
			us += y2k
			return time.Unix(us/1_000_000, (us%1_000_000)*1000), nil
		}
	}
	return nil
}
