// Events from the engine, kept so a display task that starts late still sees what it waits for.
// listr2 runs its tasks in order; the engine runs on its own. A task asks the feed for the events it
// cares about (past and future) until one of them settles it, or the engine is done.
export class EventFeed<E> {
  private readonly history: E[] = [];
  private readonly listeners = new Set<(e: E | typeof CLOSED) => void>();
  private closed = false;

  readonly emit = (e: E): void => {
    this.history.push(e);
    for (const l of [...this.listeners]) l(e);
  };

  close(): void {
    this.closed = true;
    for (const l of [...this.listeners]) l(CLOSED);
  }

  /**
   * Calls `on` for each event, oldest first, until it returns something other than undefined, which the
   * promise resolves to; resolves to undefined when the feed closes first.
   */
  until<T>(on: (e: E) => T | undefined): Promise<T | undefined> {
    for (const e of this.history) {
      const r = on(e);
      if (r !== undefined) return Promise.resolve(r);
    }
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const l = (e: E | typeof CLOSED) => {
        const r = e === CLOSED ? undefined : on(e);
        if (e === CLOSED || r !== undefined) {
          this.listeners.delete(l);
          resolve(r);
        }
      };
      this.listeners.add(l);
    });
  }
}

const CLOSED = Symbol('closed');
