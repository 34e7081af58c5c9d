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

	"github.com/passthrough-dev/passthrough/adapters/erp"
)

// ErrAlreadyRunning is returned by Scheduler.RunNow (and Locks.Acquire) when a run of the
// same feed of the same shop is under way, in this process or another: then the error also
// wraps the *erp.LockedError that names the process. The request is refused out loud rather
// than dropped (gocron's own RunNow drops it silently).
var ErrAlreadyRunning = errors.New("already running")

// ErrUnknownTask is returned by Scheduler.RunNow for a name that was never added.
var ErrUnknownTask = errors.New("unknown task")

// Task is one scheduled piece of work: a feed of a shop run on an interval or once a day.
type Task struct {
	// Name is the job's name, shown in the portal and logs: "orders", "orders-daily". It
	// is unique within its shop.
	Name string
	// Shop is the store the task works for.
	Shop string
	// Feed groups tasks that must never overlap: the orders pull and the daily orders
	// re-fetch share "orders", so one waits for the other's turn. It names the feed lock
	// (LockName) the task's runs take, so no two run at once in any process.
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
	Shop     string
	Feed     string
	Schedule string
	Running  bool
	LastRun  time.Time
	NextRun  time.Time
	// Skipped counts scheduled ticks dropped because the feed was still busy, here or in
	// another process.
	Skipped int
}

// Scheduler runs feeds with gocron: one named job per task, singleton (a run never overlaps
// the previous one; a tick that comes while it runs is skipped, not queued), with panics
// caught so one bad run never takes the process down. Every run, scheduled or asked for,
// first takes its feed's lock (Locks, through gocron's per-job distributed locker for the
// schedule): a tick that finds the feed running, here or in another replica, is skipped.
// So replicas need no leader: each ticks every task of every shop, and whichever gets the
// lock runs it.
type Scheduler struct {
	log   *slog.Logger
	clock clockwork.Clock
	gc    gocron.Scheduler
	locks *Locks

	// ctx is the parent of every run, manual ones included; Shutdown cancels it.
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu    sync.Mutex
	tasks map[string]*scheduled // by taskKey
}

type scheduled struct {
	task Task
	job  gocron.Job

	mu      sync.Mutex
	running bool
	lastRun time.Time
	skipped int
	held    *Held // the lock gocron took for the run starting now
}

func taskKey(shop, name string) string { return shop + "/" + name }

// NewScheduler returns a stopped scheduler. clock is clockwork.NewRealClock() in
// production and a fake clock in tests. locks keeps runs apart; nil keeps them apart in
// this process only.
func NewScheduler(log *slog.Logger, clock clockwork.Clock, locks *Locks) (*Scheduler, error) {
	if locks == nil {
		locks = NewLocks(nil, NewOwner(), 0, log)
	}
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
		log: log, clock: clock, gc: gc, locks: locks, ctx: ctx, cancel: cancel,
		tasks: map[string]*scheduled{},
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
	key := taskKey(t.Shop, t.Name)
	if _, dup := s.tasks[key]; dup {
		return fmt.Errorf("add task %s: a task of that name exists for shop %q", t.Name, t.Shop)
	}
	sc := &scheduled{task: t}
	job, err := s.gc.NewJob(def, gocron.NewTask(func() { s.runScheduled(sc) }), gocron.WithName(key),
		gocron.WithDistributedJobLocker(jobLocker{s: s, sc: sc}),
		gocron.WithEventListeners(gocron.AfterLockError(func(_ uuid.UUID, _ string, err error) { s.skip(sc, err) })))
	if err != nil {
		return fmt.Errorf("add task %s: %w", t.Name, err)
	}
	sc.job = job
	s.tasks[key] = sc
	return nil
}

// jobLocker is gocron's per-job distributed locker for one task: it takes the task's feed
// lock (whatever key gocron passes, so the tasks of one feed of one shop share one lock).
type jobLocker struct {
	s  *Scheduler
	sc *scheduled
}

func (j jobLocker) Lock(_ context.Context, _ string) (gocron.Lock, error) {
	if j.s.ctx.Err() != nil {
		return nil, errors.New("scheduler is shutting down")
	}
	h, err := j.s.locks.Acquire(j.s.ctx, j.sc.task.Shop, j.sc.task.Feed)
	if err != nil {
		return nil, err
	}
	j.sc.mu.Lock()
	j.sc.held = h
	j.sc.mu.Unlock()
	return h, nil
}

// skip notes a tick that found its feed running, or its lock out of reach.
func (s *Scheduler) skip(sc *scheduled, err error) {
	log := s.log.With("task", sc.task.Name, "shop", sc.task.Shop, "feed", sc.task.Feed)
	switch {
	case s.ctx.Err() != nil:
		return
	case errors.Is(err, erp.ErrLocked):
		log.Debug("task skipped: another process runs its feed", "holder", err)
	case errors.Is(err, ErrAlreadyRunning):
		log.Info("task skipped: its feed is already running")
	default:
		log.Error("task skipped: its feed's lock could not be taken", "err", err)
	}
	sc.mu.Lock()
	sc.skipped++
	sc.mu.Unlock()
}

// Start starts the schedule.
func (s *Scheduler) Start() { s.gc.Start() }

// RunNow starts the named task of a shop in the background, now, without changing its
// schedule, once it has its feed's lock. It returns an error wrapping ErrAlreadyRunning
// when a task of the same feed of the shop is running, in this process or another (then
// the error names the process).
func (s *Scheduler) RunNow(shop, name string) error {
	s.mu.Lock()
	sc := s.tasks[taskKey(shop, name)]
	s.mu.Unlock()
	if sc == nil {
		return fmt.Errorf("%w: %s of shop %q", ErrUnknownTask, name, shop)
	}
	if s.ctx.Err() != nil {
		return errors.New("scheduler is shutting down")
	}
	h, err := s.locks.Acquire(s.ctx, sc.task.Shop, sc.task.Feed)
	if err != nil {
		return err
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer h.Release()
		s.run(sc, "manual", h)
	}()
	return nil
}

// runScheduled is what gocron calls on each tick, once jobLocker has the feed's lock
// (gocron releases it after).
func (s *Scheduler) runScheduled(sc *scheduled) {
	sc.mu.Lock()
	h := sc.held
	sc.held = nil
	sc.mu.Unlock()
	if h == nil || s.ctx.Err() != nil {
		return
	}
	s.wg.Add(1)
	defer s.wg.Done()
	s.run(sc, "schedule", h)
}

func (s *Scheduler) run(sc *scheduled, trigger string, h *Held) {
	sc.mu.Lock()
	sc.running, sc.lastRun = true, s.clock.Now()
	sc.mu.Unlock()
	defer func() {
		sc.mu.Lock()
		sc.running = false
		sc.mu.Unlock()
	}()

	log := s.log.With("task", sc.task.Name, "shop", sc.task.Shop, "trigger", trigger)
	ctx := withTrigger(h.Context(), trigger)
	if err := safeRun(ctx, sc.task.Run); err != nil {
		if lost := h.Err(); lost != nil {
			err = errors.Join(err, lost)
		}
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

// Status lists every task, by shop and name.
func (s *Scheduler) Status() []TaskStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]TaskStatus, 0, len(s.tasks))
	for _, sc := range s.tasks {
		st := TaskStatus{Name: sc.task.Name, Shop: sc.task.Shop, Feed: sc.task.Feed, Schedule: schedule(sc.task)}
		sc.mu.Lock()
		st.Running, st.LastRun, st.Skipped = sc.running, sc.lastRun, sc.skipped
		sc.mu.Unlock()
		if next, err := sc.job.NextRun(); err == nil {
			st.NextRun = next
		}
		out = append(out, st)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Shop != out[j].Shop {
			return out[i].Shop < out[j].Shop
		}
		return out[i].Name < out[j].Name
	})
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
