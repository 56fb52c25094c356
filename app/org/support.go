package org

import (
	"context"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/upstand/upstand/app/store"
)

// DefaultSupport is shown on every course page after the organisation's own
// resources: free, confidential UK services open to anyone.
var DefaultSupport = []store.SupportResource{
	{Name: "Samaritans", Description: "Someone to talk to, day or night, about anything that is troubling you. Free from any phone.", Phone: "116 123", Link: "https://www.samaritans.org/"},
	{Name: "Shout", Description: "A free, confidential text service for anyone struggling to cope. Text SHOUT to 85258.", Link: "https://giveusashout.org/"},
	{Name: "NHS 111", Description: "Urgent medical help or advice when it is not an emergency. In an emergency, call 999.", Phone: "111", Link: "https://111.nhs.uk/"},
}

// SupportResources lists the organisation's support resources.
func (s *Service) SupportResources(ctx context.Context, a Actor) ([]store.SupportResource, error) {
	return a.Org.SupportResources(ctx)
}

// SupportResource loads one of the organisation's resources.
func (s *Service) SupportResource(ctx context.Context, a Actor, id uuid.UUID) (store.SupportResource, error) {
	r, err := a.Org.SupportResource(ctx, id)
	return r, err
}

// SupportInput is an admin's entry for a support resource.
type SupportInput struct {
	Name, Description, Link, Phone string
}

// clean trims the input and checks it: a name, and a web link (https or
// http) or a phone number (digits, spaces, +, -, brackets), or both.
func (in SupportInput) clean() (SupportInput, error) {
	in.Name = strings.TrimSpace(in.Name)
	in.Description = strings.TrimSpace(in.Description)
	in.Link = strings.TrimSpace(in.Link)
	in.Phone = strings.TrimSpace(in.Phone)
	switch {
	case in.Name == "":
		return in, invalid("name", "Give the resource a name.")
	case utf8.RuneCountInString(in.Name) > 200:
		return in, invalid("name", "The name is longer than 200 characters.")
	case utf8.RuneCountInString(in.Description) > 1000:
		return in, invalid("description", "The description is longer than 1,000 characters.")
	case in.Link == "" && in.Phone == "":
		return in, invalid("link", "Give a web link, a phone number, or both, so people can reach the resource.")
	}
	if in.Link != "" {
		u, err := url.Parse(in.Link)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(in.Link) > 500 {
			return in, invalid("link", "The link must be a full web address starting with https://")
		}
	}
	if in.Phone != "" {
		if len(in.Phone) > 50 || strings.Trim(in.Phone, "0123456789 +-()") != "" || strings.Trim(in.Phone, " +-()") == "" {
			return in, invalid("phone", "The phone number may contain only digits, spaces, +, - and brackets.")
		}
	}
	return in, nil
}

// edit runs an admin's change and its audit entry in one transaction: if
// the entry cannot be written, the change is rolled back.
func (s *Service) edit(ctx context.Context, by Actor, action Action, change func(tx *store.Org) (store.SupportResource, error)) (store.SupportResource, error) {
	var r store.SupportResource
	err := by.Org.InTx(ctx, func(tx *store.Org) error {
		var err error
		if r, err = change(tx); err != nil {
			return err
		}
		return Record(ctx, tx, by, action, nil, map[string]any{"resource": r.ID.String(), "name": r.Name}, s.now())
	})
	return r, err
}

// AddSupportResource adds a resource to the organisation's list.
func (s *Service) AddSupportResource(ctx context.Context, by Actor, in SupportInput) (store.SupportResource, error) {
	in, err := in.clean()
	if err != nil {
		return store.SupportResource{}, err
	}
	return s.edit(ctx, by, SupportAdded, func(tx *store.Org) (store.SupportResource, error) {
		return tx.CreateSupportResource(ctx, store.SupportResource{Name: in.Name, Description: in.Description,
			Link: in.Link, Phone: in.Phone, CreatedAt: s.now()})
	})
}

// UpdateSupportResource changes one of the organisation's resources.
func (s *Service) UpdateSupportResource(ctx context.Context, by Actor, id uuid.UUID, in SupportInput) error {
	in, err := in.clean()
	if err != nil {
		return err
	}
	_, err = s.edit(ctx, by, SupportChanged, func(tx *store.Org) (store.SupportResource, error) {
		r := store.SupportResource{ID: id, Name: in.Name, Description: in.Description, Link: in.Link, Phone: in.Phone, UpdatedAt: s.now()}
		return r, tx.UpdateSupportResource(ctx, r)
	})
	return err
}

// DeleteSupportResource removes one of the organisation's resources.
func (s *Service) DeleteSupportResource(ctx context.Context, by Actor, id uuid.UUID) error {
	_, err := s.edit(ctx, by, SupportRemoved, func(tx *store.Org) (store.SupportResource, error) {
		r, err := tx.SupportResource(ctx, id)
		if err != nil {
			return r, err
		}
		return r, tx.DeleteSupportResource(ctx, id)
	})
	return err
}
