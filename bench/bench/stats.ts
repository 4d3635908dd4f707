/** Small statistics and concurrency helpers for the bench. */

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

export function mean(values: number[]): number {
  return values.length === 0 ? NaN : values.reduce((sum, v) => sum + v, 0) / values.length;
}

export interface Percentiles {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

export function percentiles(values: number[], digits = 1): Percentiles {
  const r = (v: number) => Math.round(v * 10 ** digits) / 10 ** digits;
  return {
    n: values.length,
    p50: r(percentile(values, 50)),
    p95: r(percentile(values, 95)),
    p99: r(percentile(values, 99)),
    max: r(values.length ? Math.max(...values) : NaN),
    mean: r(mean(values)),
  };
}

/** Runs `total` jobs with at most `concurrency` in flight (a closed loop); rejects on the first failure. */
export async function runPool<T>(total: number, concurrency: number, job: (index: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(total);
  let next = 0;
  let failed: unknown;
  const lane = async () => {
    while (next < total && failed === undefined) {
      const index = next++;
      try {
        results[index] = await job(index);
      } catch (error) {
        failed ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, lane));
  if (failed !== undefined) throw failed;
  return results;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const nowMs = () => Number(process.hrtime.bigint()) / 1e6;
