package config

import (
	"strings"
	"testing"
)

func TestSMTPIsOffByDefault(t *testing.T) {
	c, err := parse(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.SMTPAddr != "" || c.SMTPUser != "" || c.SMTPPassword != "" || c.SMTPFrom != "" {
		t.Errorf("mail settings by default: %+v", c)
	}
}

func TestSMTPSettings(t *testing.T) {
	c, err := parse(t, map[string]string{
		"UPSTAND_SMTP_ADDR":     "smtp.example.org:587",
		"UPSTAND_SMTP_USER":     "upstand",
		"UPSTAND_SMTP_PASSWORD": "from-the-environment",
		"UPSTAND_SMTP_FROM":     "Upstand <upstand@example.org>",
	}, "-smtp-from", "Training <training@example.org>")
	if err != nil {
		t.Fatal(err)
	}
	if c.SMTPAddr != "smtp.example.org:587" || c.SMTPUser != "upstand" || c.SMTPPassword != "from-the-environment" || c.SMTPFrom != "Training <training@example.org>" {
		t.Errorf("got %+v", c)
	}
}

func TestInvalidSMTPSettings(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"UPSTAND_SMTP_FROM": "upstand@example.org"}, "SMTP address is not"},
		{map[string]string{"UPSTAND_SMTP_PASSWORD": "x"}, "SMTP address is not"},
		{map[string]string{"UPSTAND_SMTP_ADDR": "smtp.example.org", "UPSTAND_SMTP_FROM": "upstand@example.org"}, "want host:port"},
		{map[string]string{"UPSTAND_SMTP_ADDR": "smtp.example.org:587"}, "want a sender address"},
		{map[string]string{"UPSTAND_SMTP_ADDR": "smtp.example.org:587", "UPSTAND_SMTP_FROM": "nobody"}, "want a sender address"},
		{map[string]string{"UPSTAND_SMTP_ADDR": "smtp.example.org:587", "UPSTAND_SMTP_FROM": "u@example.org", "UPSTAND_SMTP_USER": "u"}, "both the user and the password"},
		{map[string]string{"UPSTAND_SMTP_ADDR": "smtp.example.org:587", "UPSTAND_SMTP_FROM": "u@example.org", "UPSTAND_SMTP_PASSWORD": "p"}, "both the user and the password"},
	} {
		_, err := parse(t, tc.env)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: error %v, want one saying %q", tc.env, err, tc.want)
		}
	}
}
