// Run async jobs with at most `limit` at once, in order; stop starting new ones once `signal` aborts.
export async function runPool<T>(items: readonly T[], limit: number, job: (item: T) => Promise<void>, signal?: AbortSignal): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length && !signal?.aborted) {
      const item = items[next++] as T;
      await job(item);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}
