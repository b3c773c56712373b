package service

import (
	"errors"
	"fmt"
	"slices"

	"alarmd/agent/alarm"
	"alarmd/agent/api"
	"alarmd/agent/calendar"
	"alarmd/agent/store"
)

// MaxAlarms is how many alarms the agent keeps (DESIGN §13): an import that would go past it
// is refused whole. Ten thousand is the scale the scheduler's benchmarks hold to.
const MaxAlarms = 10000

// Export writes every alarm as iCalendar, in id order (DESIGN §13).
func (s *Service) Export() ([]byte, error) {
	d := s.snapshot()
	slices.SortFunc(d.Alarms, func(a, b alarm.Alarm) int { return a.ID - b.ID })
	data, err := calendar.Export(d.Alarms, s.o.Clock.Location(), s.o.Clock.Now())
	if err != nil {
		return nil, fmt.Errorf("export alarms: %w", err)
	}
	return data, nil
}

// Import adds the alarms of an iCalendar file: all of them in one store change, or none when
// any component cannot become an alarm (DESIGN §13). Components whose UID is already kept are
// left out, so importing the same file twice adds nothing. With dryRun nothing is added and
// the result says what would be.
func (s *Service) Import(data []byte, dryRun bool) (api.ImportResult, error) {
	loc := s.o.Clock.Location()
	now := s.o.Clock.Now().In(loc)
	s.mu.Lock()
	def := s.o.Defaults
	s.mu.Unlock()
	// Reading is the costly part; it runs without the lock, against the UIDs of a snapshot,
	// and the change below checks them again.
	existing := uidsOf(s.snapshot().Alarms)
	plan, err := calendar.Read(data, calendar.Options{Now: now, Loc: loc, Defaults: def, MaxNew: MaxAlarms, Existing: existing})
	if err != nil {
		var fe *calendar.FileError
		if errors.As(err, &fe) {
			return api.ImportResult{}, badRequest("%v", err)
		}
		return api.ImportResult{}, fmt.Errorf("import: %w", err)
	}
	res := api.ImportResult{DryRun: dryRun, Existing: plan.Existing, Ignored: plan.Ignored, Added: []api.Alarm{}}
	for _, p := range plan.Problems {
		res.Problems = append(res.Problems, api.ImportProblem(p))
	}
	for _, p := range plan.Notes {
		res.Notes = append(res.Notes, api.ImportProblem(p))
	}
	for i := range plan.Alarms {
		a := &plan.Alarms[i]
		if a.Sound != "" && a.Sound != def.Sound && s.o.CheckSound != nil {
			if err := s.o.CheckSound(a.Sound); err != nil {
				res.Notes = append(res.Notes, api.ImportProblem{Component: "UID " + a.UID, Reason: fmt.Sprintf("sound not kept, the default rings: %v", err)})
				a.Sound = def.Sound
			}
		}
	}
	if len(res.Problems) > 0 {
		res.Error = fmt.Sprintf("nothing imported: %d of the file's alarms cannot be kept; first: %s", len(res.Problems), res.Problems[0].Component+": "+res.Problems[0].Reason)
		for _, a := range plan.Alarms {
			res.Added = append(res.Added, s.view(a, loc))
		}
		return res, badRequest("%s", res.Error)
	}
	if dryRun {
		for _, a := range plan.Alarms {
			res.Added = append(res.Added, s.view(a, loc))
		}
		return res, nil
	}
	if len(plan.Alarms) == 0 {
		return res, nil
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	var added []alarm.Alarm
	err = s.change(func(d *store.Data) error {
		added = added[:0]
		kept := uidsOf(d.Alarms)
		fresh := make([]alarm.Alarm, 0, len(plan.Alarms))
		for _, a := range plan.Alarms {
			if !kept[a.UID] {
				fresh = append(fresh, a)
			}
		}
		if len(d.Alarms)+len(fresh) > MaxAlarms {
			return badRequest("nothing imported: %d alarms kept and %d to add would be more than the %d alarmd keeps", len(d.Alarms), len(fresh), MaxAlarms)
		}
		if d.NextID < 1 {
			d.NextID = 1
		}
		for _, a := range fresh {
			a.ID = d.NextID
			d.NextID++
			d.Alarms = append(d.Alarms, a)
			added = append(added, a)
		}
		return nil
	})
	if err != nil {
		return api.ImportResult{}, err
	}
	res.Existing += len(plan.Alarms) - len(added)
	for _, a := range added {
		s.remindFrom[a.ID] = now
		v := s.view(a, loc)
		res.Added = append(res.Added, v)
		s.emit(api.Event{Type: api.EventAdded, ID: a.ID, Alarm: &v})
	}
	s.log.Info("alarms imported", "added", len(added), "existing", res.Existing, "ignored", res.Ignored, "notes", len(res.Notes))
	s.emitNext()
	s.changed()
	return res, nil
}

// uidsOf is the set of UIDs the alarms are exported with.
func uidsOf(alarms []alarm.Alarm) map[string]bool {
	m := make(map[string]bool, len(alarms))
	for i := range alarms {
		m[calendar.ExportUID(&alarms[i])] = true
	}
	return m
}
