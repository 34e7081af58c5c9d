package feeds

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sort"
	"sync"
	"time"

	"github.com/go-co-op/gocron/v2"
	"github.com/google/uuid"
	"github.com/jonboulle/clockwork"
)

// ErrAlreadyRunning is returned by Scheduler.RunNow when a run of the same feed is under
// way. The request is refused out loud rather than dropped (gocron's own RunNow drops it
// silently).
var ErrAlreadyRunning = errors.New("already running")

// ErrUnknownTask is returned by Scheduler.RunNow for a name that was never added.
var ErrUnknownTask = errors.New("unknown task")

// Task is one scheduled piece of work: a feed run on an interval or once a day.
type Task struct {
	// Name is the job's name, shown in the portal and logs: "orders", "orders-daily".
	Name string
	// Feed groups tasks that must never overlap: the orders pull and the daily orders
	// re-fetch share "orders", so one waits for the other's turn.
	Feed string
	// Every runs the task on an interval, measured from each scheduled start.
	Every time.Duration
	// DailyAt ("HH:MM", local time of the scheduler) runs it once a day instead.
	DailyAt string
	// Run does the work. Its context ends when the scheduler shuts down.
	Run func(ctx context.Context) error
}

// TaskStatus is what the portal shows about a task.
type TaskStatus struct {
	Name     string
	Feed     string
	Schedule string
	Running  bool
	LastRun  time.Time
	NextRun  time.Time
	// Skipped counts scheduled ticks dropped because the feed was still busy.
	Skipped int
}

// Scheduler runs feeds with gocron: one named job per task, singleton (a run never overlaps
// the previous one; a tick that comes while it runs is skipped, not queued), with panics
// caught so one bad run never takes the process down.
type Scheduler struct {
	log   *slog.Logger
	clock clockwork.Clock
	gc    gocron.Scheduler

	// ctx is the parent of every run, manual ones included; Shutdown cancels it.
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu    sync.Mutex
	tasks map[string]*scheduled
	locks map[string]*sync.Mutex // per feed
}

type scheduled struct {
	task Task
	job  gocron.Job
	lock *sync.Mutex

	mu      sync.Mutex
	running bool
	lastRun time.Time
	skipped int
}

// NewScheduler returns a stopped scheduler. clock is clockwork.NewRealClock() in
// production and a fake clock in tests.
func NewScheduler(log *slog.Logger, clock clockwork.Clock) (*Scheduler, error) {
	gc, err := gocron.NewScheduler(
		gocron.WithClock(clock),
		gocron.WithLogger(log),
		gocron.WithStopTimeout(time.Minute),
		gocron.WithGlobalJobOptions(
			gocron.WithSingletonMode(gocron.LimitModeReschedule),
			gocron.WithEventListeners(gocron.AfterJobRunsWithPanic(func(_ uuid.UUID, name string, v any) {
				// Run recovers its own panics; this is the net under the net.
				log.Error("task panicked", "task", name, "panic", fmt.Sprint(v))
			})),
		),
	)
	if err != nil {
		return nil, fmt.Errorf("create scheduler: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Scheduler{
		log: log, clock: clock, gc: gc, ctx: ctx, cancel: cancel,
		tasks: map[string]*scheduled{}, locks: map[string]*sync.Mutex{},
	}, nil
}

// Add schedules a task. Add every task before Start.
func (s *Scheduler) Add(t Task) error {
	if t.Name == "" || t.Run == nil {
		return errors.New("add task: a task needs a name and a Run function")
	}
	if t.Feed == "" {
		t.Feed = t.Name
	}
	var def gocron.JobDefinition
	switch {
	case t.DailyAt != "":
		at, err := time.Parse("15:04", t.DailyAt)
		if err != nil {
			return fmt.Errorf("add task %s: daily time %q is not HH:MM", t.Name, t.DailyAt)
		}
		def = gocron.DailyJob(1, gocron.NewAtTimes(gocron.NewAtTime(uint(at.Hour()), uint(at.Minute()), 0)))
	case t.Every > 0:
		def = gocron.DurationJob(t.Every)
	default:
		return fmt.Errorf("add task %s: give it Every or DailyAt", t.Name)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if _, dup := s.tasks[t.Name]; dup {
		return fmt.Errorf("add task %s: a task of that name exists", t.Name)
	}
	lock := s.locks[t.Feed]
	if lock == nil {
		lock = &sync.Mutex{}
		s.locks[t.Feed] = lock
	}
	sc := &scheduled{task: t, lock: lock}
	job, err := s.gc.NewJob(def, gocron.NewTask(func() { s.runScheduled(sc) }), gocron.WithName(t.Name))
	if err != nil {
		return fmt.Errorf("add task %s: %w", t.Name, err)
	}
	sc.job = job
	s.tasks[t.Name] = sc
	return nil
}

// Start starts the schedule.
func (s *Scheduler) Start() { s.gc.Start() }

// RunNow starts the named task in the background, now, without changing its schedule. It
// returns ErrAlreadyRunning when a task of the same feed is running.
func (s *Scheduler) RunNow(name string) error {
	s.mu.Lock()
	sc := s.tasks[name]
	s.mu.Unlock()
	if sc == nil {
		return fmt.Errorf("%w: %s", ErrUnknownTask, name)
	}
	if s.ctx.Err() != nil {
		return errors.New("scheduler is shutting down")
	}
	if !sc.lock.TryLock() {
		return fmt.Errorf("%s: %w", sc.task.Feed, ErrAlreadyRunning)
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer sc.lock.Unlock()
		s.run(sc, "manual")
	}()
	return nil
}

// runScheduled is what gocron calls on each tick.
func (s *Scheduler) runScheduled(sc *scheduled) {
	if s.ctx.Err() != nil {
		return
	}
	if !sc.lock.TryLock() {
		s.log.Info("task skipped: its feed is already running", "task", sc.task.Name, "feed", sc.task.Feed)
		sc.mu.Lock()
		sc.skipped++
		sc.mu.Unlock()
		return
	}
	s.wg.Add(1)
	defer s.wg.Done()
	defer sc.lock.Unlock()
	s.run(sc, "schedule")
}

func (s *Scheduler) run(sc *scheduled, trigger string) {
	sc.mu.Lock()
	sc.running, sc.lastRun = true, s.clock.Now()
	sc.mu.Unlock()
	defer func() {
		sc.mu.Lock()
		sc.running = false
		sc.mu.Unlock()
	}()

	log := s.log.With("task", sc.task.Name, "trigger", trigger)
	ctx := withTrigger(s.ctx, trigger)
	if err := safeRun(ctx, sc.task.Run); err != nil {
		log.Error("task failed", "err", err)
		return
	}
	log.Debug("task done")
}

// safeRun turns a panic in fn into an error, so a bug in one run is reported like any other
// failure and the next run still happens.
func safeRun(ctx context.Context, fn func(context.Context) error) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("panic: %v\n%s", v, debug.Stack())
		}
	}()
	return fn(ctx)
}

// Status lists every task, sorted by name.
func (s *Scheduler) Status() []TaskStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]TaskStatus, 0, len(s.tasks))
	for _, sc := range s.tasks {
		st := TaskStatus{Name: sc.task.Name, Feed: sc.task.Feed, Schedule: schedule(sc.task)}
		sc.mu.Lock()
		st.Running, st.LastRun, st.Skipped = sc.running, sc.lastRun, sc.skipped
		sc.mu.Unlock()
		if next, err := sc.job.NextRun(); err == nil {
			st.NextRun = next
		}
		out = append(out, st)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func schedule(t Task) string {
	if t.DailyAt != "" {
		return "daily at " + t.DailyAt
	}
	return "every " + t.Every.String()
}

// Shutdown stops scheduling, cancels the running tasks' context and waits for them to
// return (each feed finishes the record it is on), or for ctx to end.
func (s *Scheduler) Shutdown(ctx context.Context) error {
	s.cancel()
	err := s.gc.ShutdownWithContext(ctx)
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		return errors.Join(err, fmt.Errorf("wait for running tasks: %w", ctx.Err()))
	}
	if err != nil {
		return fmt.Errorf("stop scheduler: %w", err)
	}
	return nil
}

type triggerKey struct{}

func withTrigger(ctx context.Context, trigger string) context.Context {
	return context.WithValue(ctx, triggerKey{}, trigger)
}

// TriggerFrom reports what started the run ("schedule", "manual"); "cli" when nothing said.
func TriggerFrom(ctx context.Context) string {
	if t, ok := ctx.Value(triggerKey{}).(string); ok {
		return t
	}
	return "cli"
}
