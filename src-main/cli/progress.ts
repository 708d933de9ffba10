/**
 * Progress for long CLI work: a bar with ETA on a terminal, plain log lines (at most every few seconds)
 * when output goes to a file or a cluster job log.
 */
import cliProgress from 'cli-progress';

export interface ProgressReporter {
  update(done: number, total: number, label?: string): void;
  stop(): void;
  log(line: string): void;
}

export function formatSeconds(s: number | null): string {
  if (s === null || !Number.isFinite(s)) return '--';
  if (s < 60) return `${Math.round(s)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.round((s % 3600) / 60)).padStart(2, '0')}m`;
}

export function createProgress(title: string, stream: NodeJS.WriteStream = process.stderr): ProgressReporter {
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      { format: `${title} [{bar}] {percentage}% | {value}/{total} | ETA {eta_formatted} | {label}`, hideCursor: true, stream, etaBuffer: 50 },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    return {
      update(done, total, label = '') {
        if (!started) {
          bar.start(total, done, { label });
          started = true;
        } else {
          bar.setTotal(total);
          bar.update(done, { label });
        }
      },
      stop() {
        if (started) bar.stop();
      },
      log(line) {
        if (started) bar.stop();
        stream.write(line + '\n');
        if (started) {
          started = false;
        }
      },
    };
  }
  let last = 0;
  const start = Date.now();
  return {
    update(done, total, label = '') {
      const now = Date.now();
      if (now - last < 5000 && done < total) return;
      last = now;
      const elapsed = (now - start) / 1000;
      const eta = done > 0 ? (elapsed / done) * (total - done) : null;
      stream.write(`${title}: ${done}/${total} (${Math.round((100 * done) / Math.max(total, 1))}%) ETA ${formatSeconds(eta)} ${label}\n`);
    },
    stop() {},
    log(line) {
      stream.write(line + '\n');
    },
  };
}
