package org

import (
	"context"
	"encoding/json"
	"io"
	"net/url"

	"github.com/upstand/upstand/app/store"
	"github.com/upstand/upstand/app/xapi"
)

// The organisation's learning records as xAPI statements (app/xapi): one
// page at a time for a program holding an API key (GET /xapi/statements),
// or all of them as one download for an org admin.

// builder makes statements with this server's base URL as home page.
func (s *Service) builder(ids bool) xapi.Builder {
	b := xapi.NewBuilder(s.cfg.BaseURL)
	b.IDs = ids
	return b
}

// Statements is one page of GET /xapi/statements for cl, from the
// request's query parameters v: at most the page's limit, in the order
// asked for, with a more link when there are more. A mistake in v is a
// fault.Invalid naming the parameter; nothing is read then.
func (s *Service) Statements(ctx context.Context, cl APIClient, v url.Values) (xapi.StatementResult, error) {
	res := xapi.StatementResult{Statements: []xapi.Statement{}}
	p, err := xapi.ParseRequest(v, cl.pagingKey, cl.KeyID)
	if err != nil {
		return res, err
	}
	b := s.builder(p.Format == "ids")
	q, ok := p.Filter(b)
	if !ok {
		return res, nil
	}
	// q lists one more than the page holds, to know whether there is a
	// next page: a page's worth of records, never more.
	var recs []store.Activity
	if err := cl.Org.StreamActivity(ctx, q, func(r store.Activity) error {
		recs = append(recs, r)
		return nil
	}); err != nil {
		return res, err
	}
	if len(recs) > p.Limit {
		recs = recs[:p.Limit]
		res.More = p.More(recs[len(recs)-1], cl.pagingKey, cl.KeyID)
	}
	for _, r := range recs {
		res.Statements = append(res.Statements, b.Statement(r))
	}
	return res, nil
}

// StatementsExport is every statement of the actor's organisation, oldest
// first, as one JSON array (which a learning record store takes as it is
// on POST /statements), for org admins, audited. Everyone else gets
// ErrNotOrgAdmin.
func (s *Service) StatementsExport(ctx context.Context, a Actor) (Stream, error) {
	err := a.Org.InTx(ctx, func(tx *store.Org) error {
		if err := requireOrgAdmin(ctx, tx, a); err != nil {
			return err
		}
		return Record(ctx, tx, a, ExportDownload, nil, map[string]any{"export": "xAPI statements"}, s.now())
	})
	if err != nil {
		return nil, err
	}
	b := s.builder(false)
	return func(ctx context.Context, w io.Writer) error {
		sep := []byte("[\n")
		err := a.Org.StreamActivity(ctx, store.ActivityQuery{}, func(r store.Activity) error {
			line, err := json.Marshal(b.Statement(r))
			if err != nil {
				return err
			}
			if _, err := w.Write(sep); err != nil {
				return err
			}
			sep = []byte(",\n")
			_, err = w.Write(line)
			return err
		})
		if err != nil {
			return err
		}
		if string(sep) == "[\n" { // no statement yet
			_, err = io.WriteString(w, "[]\n")
		} else {
			_, err = io.WriteString(w, "\n]\n")
		}
		return err
	}, nil
}
