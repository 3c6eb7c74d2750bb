package main

import (
	"encoding/csv"
	"fmt"
	"os"
)

// message is one row of messages-with-replies.csv.
type message struct {
	ID, User, Subject, Time, Text string
}

// readMessages reads the message CSV (columns 留言编号, 留言用户, 留言主题,
// 留言时间, 留言详情, ...).
func readMessages(path string) ([]message, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	recs, err := r.ReadAll()
	if err != nil {
		return nil, err
	}
	if len(recs) < 2 || len(recs[0]) < 5 {
		return nil, fmt.Errorf("%s: unexpected shape", path)
	}
	out := make([]message, 0, len(recs)-1)
	for _, rec := range recs[1:] {
		out = append(out, message{ID: rec[0], User: rec[1], Subject: rec[2], Time: rec[3], Text: rec[4]})
	}
	return out, nil
}
