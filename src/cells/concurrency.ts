// How many cells ran at once while each cell ran: the most at any moment of its life, itself included.
// A timed figure taken beside other guests holds their noise; the cell says so (cell-result.ts
// concurrentCells) instead of leaving it to be guessed from the run's settings.

export interface ConcurrencyTracker {
  /** A cell starts; `leave` ends it and gives the most cells running at once while it ran. */
  enter(): { leave(): number };
}

export function concurrencyTracker(): ConcurrencyTracker {
  const active = new Set<{ most: number }>();
  return {
    enter() {
      const me = { most: 0 };
      active.add(me);
      for (const c of active) c.most = Math.max(c.most, active.size);
      return {
        leave() {
          active.delete(me);
          return me.most;
        },
      };
    },
  };
}
