package store

import (
	"reflect"
	"strings"
	"testing"
)

// TestSessionStatementHasEveryPersonColumn: the session lookup names the
// person's columns one by one, so a column added to Person must be added
// to it too (a person would come back without it).
func TestSessionStatementHasEveryPersonColumn(t *testing.T) {
	sql := sessionStmt.SQL()
	ty := reflect.TypeFor[Person]()
	for i := range ty.NumField() {
		tag := ty.Field(i).Tag.Get("bun")
		if tag == "" || strings.HasPrefix(tag, "table:") || strings.Contains(tag, "scanonly") {
			continue
		}
		col := strings.Split(tag, ",")[0]
		if !strings.Contains(sql, "(r.person)."+col+",") {
			t.Errorf("the session lookup does not read the person's %s", col)
		}
	}
}
