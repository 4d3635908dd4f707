/**
 * Process measurements from /proc: resident memory (VmRSS, VmHWM) and CPU time of a process, and the
 * whole machine's busy time, so a batch can say how much of the 2 cores each part used.
 */
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';

const CLOCK_TICKS = 100; // USER_HZ on Linux

export function memoryOf(pid: number): { rssMb: number; hwmMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMb: round(kb('VmRSS') / 1024, 1), hwmMb: round(kb('VmHWM') / 1024, 1) };
}

/** User + system CPU seconds a process has used (children not included). */
export function cpuSecondsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS; // utime, stime (fields 14, 15)
  } catch {
    return NaN;
  }
}

/** Busy and total CPU seconds of the machine (all cores). */
export function machineCpu(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const values = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = (values[3] ?? 0) + (values[4] ?? 0);
  const total = values.reduce((sum, v) => sum + v, 0);
  return { busy: (total - idle) / CLOCK_TICKS, total: total / CLOCK_TICKS };
}

export interface CpuWindow {
  /** Percent of one core, per named process, over the window. */
  processes: Record<string, number>;
  /** Percent of the whole machine (all cores) that was busy, including other users. */
  machineBusyPct: number;
  cores: number;
}

/** Starts a CPU measurement window over the given processes; `end()` returns the figures. */
export function cpuWindow(pids: Record<string, number>): { end(): CpuWindow } {
  const t0 = process.hrtime.bigint();
  const start = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuSecondsOf(pid)]));
  const machine0 = machineCpu();
  return {
    end() {
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      const processes: Record<string, number> = {};
      for (const [name, pid] of Object.entries(pids)) processes[name] = round(((cpuSecondsOf(pid) - (start[name] ?? 0)) / seconds) * 100, 0);
      const machine1 = machineCpu();
      const machineBusyPct = round(((machine1.busy - machine0.busy) / Math.max(1e-9, machine1.total - machine0.total)) * 100, 0);
      return { processes, machineBusyPct, cores: cpus().length };
    },
  };
}

export function loadAverage(): number[] {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number);
}

export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
