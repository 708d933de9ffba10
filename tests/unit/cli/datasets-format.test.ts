/** `dfer datasets check`'s text report: each issue line names its clip once. */
import { describe, expect, it } from 'vitest';
import { formatCheckReport } from '../../../src-main/cli/datasets';
import type { CheckReport } from '../../../src-main/data/check';

function report(issues: CheckReport['issues']): CheckReport {
  return {
    kind: 'dfew',
    root: '/data/DFEW',
    labels: ['Happy', 'Sad'],
    checkedAt: '2025-01-01T00:00:00.000Z',
    options: { frames: 16, content: 'sample', samplePerClip: 3, decode: true },
    issues,
    byClip: {},
    splits: [],
    summary: { clips: 2, clipsWithErrors: 1, errors: 1, warnings: 1, framesInspected: 0, framesEndChecked: 0, framesDecoded: 0, shortClips: 0 },
  };
}

describe('formatCheckReport', () => {
  it('does not repeat the clip a message already names ("clip 00071: clip 00071: ...")', () => {
    const text = formatCheckReport(
      report([{ severity: 'error', code: 'unknown-label', clipId: '00071', message: 'clip 00071: label "9" is not a DFEW label (1..7)', file: '/data/DFEW/set_1/train.csv', line: 4 }]),
    );
    const line = text.split('\n').find((l) => l.includes('unknown-label'))!;
    expect(line.match(/00071/g)).toHaveLength(1);
    expect(line).toContain('clip 00071: label "9" is not a DFEW label (1..7) (/data/DFEW/set_1/train.csv:4)');
  });

  it('names the clip of a message that does not', () => {
    const text = formatCheckReport(report([{ severity: 'warning', code: 'short-clip', clipId: '00002', message: 'has 3 frames, fewer than the 16 sampled' }]));
    expect(text).toContain('clip 00002: has 3 frames, fewer than the 16 sampled');
  });
});
