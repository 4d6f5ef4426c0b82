// Package i18n holds the pages' words in English and Korean and chooses
// between them: from a choice the user made (a cookie, set with ?lang=),
// else from the browser's Accept-Language, matched with
// golang.org/x/text/language, else English. Every key has a text in every
// language (a test fails otherwise).
package i18n

import (
	"fmt"
	"math"
	"time"

	"golang.org/x/text/currency"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"clientele"
)

// Languages are the languages the pages are written in, the default first.
var Languages = []language.Tag{language.English, language.Korean}

var matcher = language.NewMatcher(Languages)

// Match returns the language to show: choice when it names one of
// Languages, else the best match of an Accept-Language header, else
// English.
func Match(choice, acceptLanguage string) language.Tag {
	if choice != "" {
		if t, err := language.Parse(choice); err == nil {
			if _, i, conf := matcher.Match(t); conf >= language.High {
				return Languages[i]
			}
		}
	}
	prefs, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil || len(prefs) == 0 {
		return Languages[0]
	}
	_, i, conf := matcher.Match(prefs...)
	if conf == language.No {
		return Languages[0]
	}
	return Languages[i]
}

// Translator gives the texts of one language.
type Translator struct {
	Tag language.Tag
}

// For returns the translator of tag (one of Languages).
func For(tag language.Tag) Translator { return Translator{Tag: tag} }

// Lang is the language's BCP 47 code, for <html lang>.
func (t Translator) Lang() string { return t.Tag.String() }

// T returns the text of key, formatted with args (fmt verbs); an unknown
// key comes back as itself in brackets, so that a missing text shows on
// the page and the test of the templates catches it.
func (t Translator) T(key string, args ...any) string {
	m, ok := messages[key]
	if !ok {
		return "[" + key + "]"
	}
	s := m[0]
	if t.Tag == language.Korean {
		s = m[1]
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// Keys lists every key, for tests.
func Keys() []string {
	out := make([]string, 0, len(messages))
	for k := range messages {
		out = append(out, k)
	}
	return out
}

// messages holds each key's text in English and in Korean.
var messages = map[string][2]string{
	"app":                {"Clientele", "Clientele"},
	"sign_in":            {"Sign in", "로그인"},
	"sign_in_title":      {"Sign in to Clientele", "Clientele 로그인"},
	"user_name":          {"User name", "사용자 이름"},
	"password":           {"Password", "비밀번호"},
	"sign_out":           {"Sign out", "로그아웃"},
	"signed_in_as":       {"Signed in as %s (%s)", "%s 님(%s)으로 로그인했습니다"},
	"dashboard_building": {"The dashboard is being built; meanwhile the API is described at", "대시보드는 준비 중입니다. 그동안 API 설명은 여기에 있습니다:"},
	"language":           {"Language", "언어"},
	"wrong_password":     {"Wrong user name or password.", "사용자 이름 또는 비밀번호가 올바르지 않습니다."},
	"too_many":           {"Too many failed sign-ins: try again in %d minutes.", "로그인 실패가 너무 많습니다. %d분 후에 다시 시도하세요."},
	"error":              {"Something went wrong", "문제가 발생했습니다"},

	"role.admin":            {"administrator", "관리자"},
	"role.cco":              {"Chief Customer Officer", "최고 고객 책임자"},
	"role.customer_manager": {"customer manager", "고객 관리자"},
	"role.brand_manager":    {"brand manager", "브랜드 관리자"},
	"role.agent":            {"call-centre agent", "상담원"},
	"role.analyst":          {"analyst", "분석가"},
	"role.integrator":       {"integrator", "연동 시스템"},
}

// Money formats an amount in minor units of an ISO 4217 currency for the
// reader: the currency's symbol in the language's usage (₩ 1,765,836;
// US$ 1,234.50 in Korean, $ 1,234.50 in English), digits grouped, as many
// decimals as the currency has (none for KRW and JPY). A code x/text does
// not know is written after the number.
func (t Translator) Money(minor int64, code string) string {
	scale := 2
	if s, err := clientele.Currency(code).Scale(); err == nil {
		scale = s
	}
	v := float64(minor) / math.Pow10(scale)
	p := message.NewPrinter(t.Tag)
	if unit, err := currency.ParseISO(code); err == nil {
		return p.Sprint(currency.Symbol(unit.Amount(v)))
	}
	return p.Sprintf("%.*f %s", scale, v, code)
}

// Number formats v with prec decimals and the language's digit grouping.
func (t Translator) Number(v float64, prec int) string {
	return message.NewPrinter(t.Tag).Sprintf("%.*f", prec, v)
}

// Date formats a day as the language writes it: 2 December 2026, 2026년 12월 2일.
func (t Translator) Date(d time.Time) string {
	if t.Tag == language.Korean {
		return fmt.Sprintf("%d년 %d월 %d일", d.Year(), int(d.Month()), d.Day())
	}
	return d.Format("2 January 2006")
}
