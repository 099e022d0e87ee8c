// Collects benchmark results, prints each as it lands, and renders the table written to BENCHMARKS.md.
import { execFileSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';

export interface Row {
  scenario: string;
  /** The measured figure, with its unit. */
  value: string;
  /** Against what, when the scenario has a baseline measured in the same run. */
  baseline?: string;
  ratio?: number;
  /** The target, e.g. "≥ 0.4×". */
  goal?: string;
  met?: boolean;
  note?: string;
}

export class Results {
  readonly rows: Row[] = [];
  readonly started = new Date();

  add(row: Row) {
    this.rows.push(row);
    const ratio = row.ratio === undefined ? '' : `  ratio ${row.ratio.toFixed(2)}×`;
    const goal = row.goal ? `  target ${row.goal} ${row.met ? 'met' : 'NOT met'}` : '';
    console.log(`  ${row.scenario}: ${row.value}${row.baseline ? ` (baseline ${row.baseline})` : ''}${ratio}${goal}${row.note ? `  — ${row.note}` : ''}`);
  }

  markdown(mode: string): string {
    let commit = 'unknown';
    try {
      commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
      if (execFileSync('git', ['status', '--porcelain'], { encoding: 'utf8' }).trim()) commit += ' (with uncommitted changes)';
    } catch {
      /* not a git checkout */
    }
    const cpu = cpus();
    const lines = [
      `Measured ${this.started.toISOString().slice(0, 16).replace('T', ' ')} UTC, commit ${commit}, mode ${mode}.`,
      `Machine: ${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${process.platform}.`,
      '',
      '| Scenario | Result | Baseline (same run) | Ratio | Target | Met |',
      '|---|---|---|---|---|---|',
      ...this.rows.map(
        (r) =>
          `| ${r.scenario} | ${r.value}${r.note ? ` — ${r.note}` : ''} | ${r.baseline ?? ''} | ${r.ratio === undefined ? '' : `${r.ratio.toFixed(2)}×`} | ${r.goal ?? ''} | ${r.goal ? (r.met ? 'yes' : '**no**') : ''} |`,
      ),
    ];
    return lines.join('\n');
  }
}

export const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
