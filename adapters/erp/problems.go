package erp

import (
	"time"

	"github.com/passthrough-dev/passthrough"
)

// A record's problem is open until it is resolved: by a person (ProblemResolved, with a
// reason) or because the record later went through (ProblemSucceeded).
const (
	ProblemOpen      = "open"
	ProblemResolved  = "resolved"
	ProblemSucceeded = "succeeded"
)

// ProblemClass is a class of record problems (package errclass): the problems of one feed of
// a shop with the same severity and message template, counted, with when the class was first
// and last seen.
type ProblemClass struct {
	ID          int64
	Shop        string
	Feed        string
	Severity    passthrough.Severity
	Template    string
	FirstSeenAt time.Time
	LastSeenAt  time.Time
	// Occurrences counts the problems recorded in the class, every run's.
	Occurrences int
	// Open counts the records whose problem is of this class and open (none for info: a
	// business rule's no is nothing to resolve).
	Open int
}

// ProblemClassListParams selects a shop's classes, the most recently seen first.
type ProblemClassListParams struct {
	Shop     string // required
	Feed     string // empty for every feed
	Severity passthrough.Severity
	// Since keeps the classes first seen at or after it: the new ones.
	Since time.Time
	// OpenOnly keeps the classes with open records.
	OpenOnly bool
	Limit    int // 0 means 100; at most 1000
}

// ProblemRecord is the problem one record has, or had: the last one recorded for it, of
// severity retry or error (info is nothing to resolve), open until resolved.
type ProblemRecord struct {
	Shop      string
	Feed      string
	RecordKey string // order id, shipment id, SKU@location
	ClassID   int64
	Severity  passthrough.Severity
	Message   string
	Status    string // ProblemOpen, ProblemResolved or ProblemSucceeded
	// FirstSeenAt is when the record first had a problem; LastSeenAt when a problem was
	// last recorded for it, by the run ExecutionID (0 when no run found it).
	FirstSeenAt time.Time
	LastSeenAt  time.Time
	Occurrences int
	ExecutionID int64
	// ResolvedAt, ResolvedBy (the user; empty when the record went through) and Resolution
	// (the reason given, for people) say how the problem ended.
	ResolvedAt time.Time
	ResolvedBy string
	Resolution string
}

// ProblemRecordListParams selects records' problems, the most recently seen first. Shop and
// at least one of ClassID and Feed are required.
type ProblemRecordListParams struct {
	Shop      string
	Feed      string
	ClassID   int64
	RecordKey string
	Status    string // empty for every status
	// After pages: the records seen before it (by LastSeenAt, then record key).
	After *ProblemRecord
	Limit int // 0 means 100; at most 1000
}

// ProblemResolveParams ends the open problems of some records: one record (RecordKey), every
// record of a class (ClassID), or, with SeenBefore, those a pass over every record did not
// find again. Feed is required.
type ProblemResolveParams struct {
	Shop       string
	Feed       string
	RecordKey  string
	ClassID    int64
	SeenBefore time.Time
	// Status is ProblemResolved (a person says it is dealt with) or ProblemSucceeded (the
	// record went through).
	Status string
	By     string // the user who resolved it; empty for the feed
	Reason string // for people
	At     time.Time
}
